"""Feeds benchmark (issue 20): what a daily feed poll costs, and what a full discovery costs.

Usage: python bench/feeds.py [--policies 600] [--cpbs 1000] [--cigna 600] [--delay 2]

Serves on loopback, in the tests' layouts (tests/feed_fixtures.py), a UHC index of ``--policies``
policies, a UHC bulletin, a Cigna A–Z index and monthly updates, and an Aetna numeric index of
``--cpbs`` CPBs, then measures with the library and a real SQLite file:

- a first poll of the five feeds (everything parsed and stored), an unchanged poll (each feed a
  conditional GET answered 304), and a poll where every page changed (parse and store again);
- ``discover aetna`` over ``--cpbs`` CPB pages and ``discover cigna`` over ``--cigna`` policy PDFs
  with no pause (what reading costs), a second discovery (all remembered), and the total at
  ``--delay`` seconds between requests (the default pacing: measured reading + delay per policy).

Not a test: it prints its figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import feed_fixtures as F  # noqa: E402
from tests.helpers import PolicyServer  # noqa: E402
from tracker.config.sources import FetchSettings, load_config  # noqa: E402
from tracker.feeds.discover import discover_payer  # noqa: E402
from tracker.feeds.poll import poll_feeds  # noqa: E402
from tracker.fetch.http import make_session  # noqa: E402
from tracker.models import iso  # noqa: E402
from tracker.store import open_store  # noqa: E402


def _sources(server: PolicyServer) -> str:
    feeds = [
        ("uhc-index", "uhc", "uhc-index", "/uhc/index.html"),
        ("uhc-bulletin", "uhc", "uhc-bulletin", "/uhc/bulletin.pdf"),
        ("cigna-az", "cigna", "cigna-index", "/cigna/medical_a-z.html"),
        ("cigna-updates", "cigna", "cigna-updates", "/cigna/updates.html"),
        ("aetna-index", "aetna", "aetna-index", "/cpb/medical/data/cpb_num.html"),
    ]
    text = f'codes = ["64600"]\n\n[[source]]\nid = "x"\npayer = "uhc"\ntitle = "X"\nurl = "{server.url("/x.pdf")}"\n'
    for fid, payer, kind, path in feeds:
        text += f'\n[[feed]]\nid = "{fid}"\npayer = "{payer}"\nkind = "{kind}"\nurl = "{server.url(path)}"\n'
    return text + "\n[fetch]\ndelay = 0\n"


def _serve(server: PolicyServer, args: argparse.Namespace, edition: int) -> None:
    policies = [
        (f"{t} {i}", f"{s}-{i}", e, c) for i, (t, s, e, c) in enumerate(F.UHC_POLICIES * (args.policies // 8 + 1))
    ][: args.policies]
    saved, F.UHC_POLICIES = F.UHC_POLICIES, policies
    try:
        server.set("/uhc/index.html", F.uhc_index(edition), etag=True)
    finally:
        F.UHC_POLICIES = saved
    server.set("/uhc/bulletin.pdf", F.uhc_bulletin(edition), content_type="application/pdf", etag=True)
    cigna = [(f"Policy {n:04d}", f"{n:04d}", f"mm_{n:04d}_coveragepositioncriteria_p.pdf") for n in range(args.cigna)]
    server.set("/cigna/medical_a-z.html", F.cigna_index(1, cigna), etag=True)
    server.set("/cigna/updates.html", F.cigna_updates(edition), etag=True)
    cpbs = [(f"{n:04d}", f"Clinical Policy Bulletin {n}") for n in range(1, args.cpbs + 1)]
    saved_cpbs, F.AETNA_CPBS = F.AETNA_CPBS, cpbs
    try:
        server.set("/cpb/medical/data/cpb_num.html", F.aetna_index(1), etag=True)
    finally:
        F.AETNA_CPBS = saved_cpbs
    if edition == 1:
        for number, title in cpbs:
            row = F.code_row("64600", "Destruction by neurolytic agent") if int(number) % 97 == 0 else ""
            body = F.aetna_cpb(number, title, "Aetna considers the procedures medically necessary.", row)
            server.set(F.aetna_cpb_path(number), body)
        for title, number, pdf in cigna:
            text = "CPT 64600 is medically necessary when criteria are met." if int(number) % 97 == 0 else "Criteria."
            server.set(F.CIGNA_PDF + pdf, F.cigna_policy_pdf(title, number, text), content_type="application/pdf")


def _poll(config_path: Path, data: Path, label: str) -> None:
    config = load_config(config_path)
    store = open_store(data)
    run_id = store.start_run(iso(datetime.now(UTC)), (), 0)
    tick, cpu = time.perf_counter(), time.process_time()
    result = poll_feeds(config, store, run_id=run_id, clock=lambda: datetime.now(UTC))
    wall, used = time.perf_counter() - tick, time.process_time() - cpu
    outcomes = ", ".join(f"{r.feed.id}={r.outcome}" for r in result.results)
    print(f"{label:<28} wall {wall:6.2f} s  cpu {used:6.2f} s  ({outcomes})")
    store.close()


def _discover(payer: str, config_path: Path, data: Path, count: int, delay: float) -> None:
    config = load_config(config_path)
    settings = FetchSettings(delay=0)
    for attempt in ("first", "again"):
        tick = time.perf_counter()
        with make_session(settings) as session:
            found = discover_payer(payer, "64600", config=config, data_dir=data, session=session, settings=settings)
        wall = time.perf_counter() - tick
        print(
            f"discover {payer} ({attempt}): {count} policies, {found.read} read, {found.remembered} remembered, "
            f"{len(found.rows)} found, wall {wall:6.1f} s ({wall / count * 1000:5.1f} ms per policy)"
        )
        if attempt == "first":
            total = wall + delay * max(0, found.read - 1)
            print(f"  at the default pacing ({delay:g} s between requests): about {total / 60:5.1f} minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=600)
    parser.add_argument("--cpbs", type=int, default=1000)
    parser.add_argument("--cigna", type=int, default=600)
    parser.add_argument("--delay", type=float, default=2.0)
    args = parser.parse_args()
    with PolicyServer() as server, tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "sources.toml"
        config_path.write_text(_sources(server), encoding="utf-8")
        data = Path(tmp) / "data"
        _serve(server, args, 1)
        _poll(config_path, data, "first poll (5 feeds)")
        _poll(config_path, data, "unchanged poll (304s)")
        _serve(server, args, 2)
        _poll(config_path, data, "every page changed")
        _discover("aetna", config_path, data, args.cpbs, args.delay)
        _discover("cigna", config_path, data, args.cigna, args.delay)


if __name__ == "__main__":
    main()
