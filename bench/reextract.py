"""Reextract benchmark (issue 11): `tracker reextract` over >= 1,000 stored versions, --jobs 1 vs --jobs 2.

Usage: python bench/reextract.py [--sources 50] [--days 20] [--keep DIR]

Builds a history with the library (no network): ``--sources`` sources (4 in 5 HTML pages in
the Aetna, Anthem and Horizon layouts of tests/samples.py, 1 in 5 PDFs of the Cigna and UHC
layouts), each with a new version on each of ``--days`` days (a changed review date in the
text, so every version is its own body and reading), all marked as read by an older
extractor. Then times, each in a fresh process, ``tracker reextract --dry-run --jobs 1`` and
``--jobs 2`` (every version read, nothing stored) and a real ``tracker reextract`` (every
reading stored). Peak memory is the peak of the summed RSS of the command and its worker
processes, sampled from /proc every 20 ms. Not a test: it prints its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bodies(index: int, day: int) -> tuple[bytes, str]:
    from tests import samples

    stamp = f"Last Review 2026-{1 + day // 28:02d}-{1 + day % 28:02d} (bench day {day})"
    if index % 5 == 4:
        pdf = samples.cigna_policy_pdf(1 + day % 2) if index % 2 else samples.uhc_policy_pdf(1 + day % 2)
        return pdf + f"\n%bench {index} {day}\n".encode(), "pdf"
    make = (samples.aetna_cpb_html, samples.anthem_guideline_html, samples.horizon_range_html)[index % 3]
    page = make(1 + (day // 7) % 2)
    return page.replace(b"</body>", f"<p>{stamp}</p></body>".encode()), "html"


def build(data: Path, sources: int, days: int) -> tuple[int, Path]:
    """A history of ``sources`` x ``days`` versions, read by an "older" extractor; returns (versions, sources.toml)."""
    from datetime import UTC, datetime, timedelta

    from tracker.config.sources import load_config
    from tracker.extract import extract
    from tracker.judge.classify import summarize
    from tracker.judge.diff import diff_versions, version_of
    from tracker.models import Fetched
    from tracker.store import FetchRecord, open_store

    toml = data.parent / "sources.toml"
    toml.write_text(
        'codes = ["64600"]\n'
        + "".join(
            f'[[source]]\nid = "s{i:03d}"\npayer = "aetna"\ntitle = "Source {i}"\nurl = "http://127.0.0.1:9/s{i:03d}"\n'
            for i in range(sources)
        ),
        encoding="utf-8",
    )
    config = load_config(toml)
    store = open_store(data)
    store.sync_sources(config.sources, "2026-01-01T06:00:00+00:00")
    cache: dict[tuple[int, int], tuple[bytes, str]] = {}
    versions = 0
    for day in range(days):
        now = (datetime(2026, 1, 1, 6, tzinfo=UTC) + timedelta(days=day)).isoformat()
        run_id = store.start_run(now, (), sources, "bench-older")
        last = {s.id: store.last_document(s.id) for s in config.sources}
        for index, source in enumerate(config.sources):
            key = (index % 10, day)
            body, kind = cache.setdefault(key, _bodies(index, day))
            body += f"<!-- {source.id} -->".encode() if kind == "html" else b""
            import hashlib

            sha = hashlib.sha256(body).hexdigest()
            extraction = extract(body, kind, source.codes)  # type: ignore[arg-type]
            version = version_of(extraction, source.codes, summarize)
            previous = last[source.id]
            changes = diff_versions(previous.version if previous else None, version)
            fetched = Fetched(
                source.url, 200, body, "text/html" if kind == "html" else "application/pdf", kind, None, None
            )  # type: ignore[arg-type]
            record = FetchRecord(run_id, source.id, now, 1, source.url, "new" if previous is None else "changed")
            store.record_version(
                source=source,
                fetched=fetched,
                sha256=sha,
                now=now,
                extraction=extraction,
                version=version,
                changes=changes,
                run_id=run_id,
                fetch=record,
                previous_id=previous.id if previous else None,
                effective_date=None,
                extractor="bench-older",
            )
            versions += 1
        store.finish_run(run_id, now, sources, 0, 0)
    store.close()
    return versions, toml


def _tree_rss(root: int) -> int:
    """Summed RSS (bytes) of ``root`` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(stat[1])
            rss[int(entry)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in family)


def measure(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak summed RSS and stdout of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err}")
    return wall, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="build the history in this (new) directory and keep it")
    opts = parser.parse_args()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="bench-reextract-"))
    data = work / "data"
    tick = time.perf_counter()
    versions, toml = build(data, opts.sources, opts.days)
    print(f"history: {versions} versions of {opts.sources} sources built in {time.perf_counter() - tick:.1f} s")
    base = [sys.executable, "-m", "tracker", "--sources", str(toml), "--data", str(data), "reextract"]
    results = {}
    for jobs in (1, 2):
        wall, peak, out = measure([*base, "--dry-run", "--json", "--jobs", str(jobs)])
        results[jobs] = wall
        print(
            f"reextract --dry-run --jobs {jobs}: {wall:.1f} s wall, peak {peak / 2**20:.0f} MB "
            f"(command and workers), {len(json.loads(out))} reading(s) differ"
        )
    print(f"speed-up --jobs 2 vs --jobs 1: {results[1] / results[2]:.2f}x on {os.cpu_count()} CPUs")
    wall, peak, out = measure([*base, "--jobs", "2"])
    print(f"reextract --jobs 2 (storing): {wall:.1f} s wall, peak {peak / 2**20:.0f} MB; {out.strip()}")


if __name__ == "__main__":
    main()
