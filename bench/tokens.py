"""Token pages benchmark (issue 15): an unchanged page with per-request tokens against its first read.

Usage: python bench/tokens.py [--pages 12] [--kb 400] [--stamp]

Serves ``--pages`` HTML policies of about ``--kb`` kB each on loopback (the Aetna bulletin
layout of tests/samples.py with long background sections), each answer carrying fresh
per-request tokens (a script nonce, a CSRF field, a data attribute), and times two runs of
the library's ``run_check`` in this process: run 1 reads every page; run 2 finds the same
words behind other bytes. CPU is this process's (all threads), measured around each run, so
interpreter start-up and imports are not counted. Target: run 2 <= 0.2 x run 1. ``--stamp``
(issue 23) adds a visible per-request stamp to every answer, as Aetna and Florida Blue pages
print one: "Page last updated: 11/27/2026 06:00:01 AM" above the title and "Page generated <HTTP
date>" in the footer.
Not a test: it prints its figures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import samples  # noqa: E402
from tests.helpers import PolicyServer  # noqa: E402

_COUNTER = itertools.count()


def page(index: int, kb: int) -> bytes:
    """A long Aetna-layout bulletin; the tokens are added per answer."""
    filler = " ".join(
        f"Study {n} of policy {index} reported outcomes of radiofrequency neurolysis in a cohort of patients "
        f"followed for {n % 7 + 1} years; pain relief was measured on a visual analogue scale."
        for n in range(kb * 4)
    )
    body = samples.aetna_cpb_html(1)
    chunk = f"<h2>Background (part {index})</h2><p>{filler}</p>".encode()
    while len(body) < kb * 1024:
        body = body.replace(b"</main>", chunk + b"</main>", 1)
    return body


def tokened(body: bytes, stamp: bool = False) -> bytes:
    token = f"{next(_COUNTER):08x}{time.time_ns():x}"
    if stamp:
        now = time.time() + next(_COUNTER)
        shown = time.strftime("%m/%d/%Y %I:%M:%S %p", time.gmtime(now))
        served = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))
        body = body.replace(b"<h1>", f'<p class="cpb-page-updated">Page last updated: {shown}</p><h1>'.encode(), 1)
        body = body.replace(b"</footer>", f"<p>Page generated {served}</p></footer>".encode(), 1)
    return body.replace(
        b"</body>",
        f'<form data-request="{token}"><input type="hidden" name="csrf" value="{token}"></form>'
        f'<script nonce="{token}">window.__token = "{token}";</script></body>'.encode(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--kb", type=int, default=400)
    parser.add_argument("--stamp", action="store_true", help="a visible per-request stamp on every answer")
    opts = parser.parse_args()

    from tracker.config.sources import load_config
    from tracker.run.check import run_check
    from tracker.store import open_store

    work = Path(tempfile.mkdtemp(prefix="bench-tokens-"))
    bodies = [page(i, opts.kb) for i in range(opts.pages)]
    print(f"{opts.pages} pages of {sum(map(len, bodies)) / len(bodies) / 1024:.0f} kB on average")
    with PolicyServer() as server:
        toml = work / "sources.toml"
        toml.write_text(
            'codes = ["64600"]\n[fetch]\ndelay = 0\n'
            + "".join(
                f'[[source]]\nid = "cpb-{i:02d}"\npayer = "aetna"\ntitle = "CPB {i}"\n'
                f'url = "{server.url(f"/{i}.html")}"\n'
                for i in range(opts.pages)
            ),
            encoding="utf-8",
        )
        config = load_config(toml)
        cpu = []
        for day in (1, 2):
            for i, body in enumerate(bodies):
                server.set(f"/{i}.html", tokened(body, opts.stamp))
            store = open_store(work / "data")
            when = datetime(2026, 4, 20, 6, tzinfo=UTC) + timedelta(days=day)
            tick, wall = time.process_time(), time.perf_counter()
            result = run_check(config, store, clock=lambda when=when: when)
            cpu.append(time.process_time() - tick)
            store.close()
            outcomes = sorted({r.outcome for r in result.results})
            print(f"run {day}: {cpu[-1]:.2f} s CPU, {time.perf_counter() - wall:.2f} s wall, outcomes {outcomes}")
    print(
        f"ratio run 2 / run 1 (CPU): {cpu[1] / cpu[0]:.3f} (target <= 0.2)"
        f"{', visible stamps' if opts.stamp else ''}; load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
