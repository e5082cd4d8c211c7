"""Daily-run benchmark (issue 15): an unchanged run costs the same at day 3 and after a year; the fetch log is compact.

Usage: python bench/daily.py [--sources 300] [--days 365] [--repeat 5] [--part history|corpus|all]
                             [--delay 0.2] [--keep DIR]

Builds a history of ``--sources`` sources x ``--days`` daily runs with the library and a test
clock. Day 0 is a real ``run_check`` against loopback servers on four hosts (127.0.0.1-4),
serving HTML policies in the Aetna, Anthem and Horizon layouts of tests/samples.py, one distinct
body per source; half of them answer a conditional GET with 304, the others send the same bytes
again. Every later day is a run whose rows are written through the Store API: an unchanged fetch
row per source (``fetchlog.record_all``, one transaction a day), a new version
(``Store.record_version``) for each source every 60 days (staggered, so about 5 a day), and a
timeout for 1 source in 50 ten days out of thirty. Then, against the same servers:

- an unchanged ``run_check`` on day 3 and on the last day, each on a fresh copy of that day's
  data directory, median of ``--repeat`` (the two days take turns), wall and CPU;
- every read command on the year (in process through the CLI, after imports: what the command
  costs, not the interpreter's start-up), and ``tracker status --code`` in a fresh process;
- the bytes each unchanged source-day adds to the database: 10 more unchanged runs, file size
  after a WAL checkpoint, per source and run (and per table and index, from SQLite's dbstat).

Then (``--part corpus``) a generated corpus of ``--sources`` sources on the same four hosts:
60 % PDFs (the Cigna and UHC layouts), 40 % HTML, 1 source in 10 an HTML page that prints a new
token into every answer; each run in a fresh process: the first run, an unchanged run, a run
where 5 % changed, and an unchanged run with ``[fetch] delay`` set, against the politeness bound
(the most requests to one host x delay) — wall, CPU, peak memory, database and capture bytes
added — and ``tracker status``, ``changes`` and ``report`` on the result.

Not a test: it prints its figures.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
EVERY = 60
HTML = "text/html; charset=utf-8"
"""Each source gets a new version every EVERY days (staggered by its index)."""


def day_start(day: int) -> datetime:
    return START + timedelta(days=day)


def ticking(start: datetime) -> Callable[[], datetime]:
    """A test clock: one second further at each reading (thread-safe)."""
    moments: Iterator[datetime] = (start + timedelta(seconds=i) for i in range(10**7))
    lock = threading.Lock()

    def read() -> datetime:
        with lock:
            return next(moments)

    return read


# ----------------------------------------------------------------------------- the loopback policy sites


class Sites:
    """Four loopback hosts serving each source's current body; ETag/304 for the sources that use it."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[bytes, str | None, str, bool]] = {}
        self.servers = [ThreadingHTTPServer((host, 0), self._handler()) for host in HOSTS]
        for server in self.servers:
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(self, index: int, kind: str = "html") -> str:
        host, port = self.servers[index % len(HOSTS)].server_address[:2]
        return f"http://{host}:{port}/policies/s{index:03d}.{kind}"

    def serve(self, index: int, body: bytes, kind: str = "html", *, token: bool = False) -> None:
        """Serve ``body`` for source ``index``; with ETag/304 for even indexes; ``token``: a new token per request."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"' if index % 2 == 0 and not token else None
        content_type = "application/pdf" if kind == "pdf" else HTML
        self.routes[f"/policies/s{index:03d}.{kind}"] = (body, etag, content_type, token)

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body, etag, content_type, token = routes[self.path]
                if token:  # as Aetna prints a per-request token into every bulletin
                    body = body.replace(b"</body>", f'<input type="hidden" value="{uuid.uuid4()}"></body>'.encode())
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        return Handler


# ----------------------------------------------------------------------------- the history


def body_of(index: int, version: int) -> bytes:
    """Source ``index``'s page at ``version`` (1 or 2): a layout of tests/samples.py, marked with the source."""
    from tests import samples

    make = (samples.aetna_cpb_html, samples.anthem_guideline_html, samples.horizon_range_html)[index % 3]
    return make(version).replace(b"</body>", f"<!-- source s{index:03d} -->\n</body>".encode())


def version_on(index: int, day: int) -> int:
    """Which version (1 or 2) source ``index`` serves on ``day``: it flips every EVERY days (never, if it fails)."""
    flips = 0 if index % 50 == 7 else (day + index % EVERY) // EVERY
    return 1 + flips % 2


def failing(index: int, day: int) -> bool:
    """1 source in 50 times out ten days out of thirty."""
    return index % 50 == 7 and (day // 10) % 3 == 0


@dataclass
class History:
    """A data directory being built, day after day, with what the builder needs to know."""

    root: Path
    sites: Sites
    sources: int
    extractions: dict[tuple[int, int], Any] = field(default_factory=dict)

    @property
    def toml(self) -> Path:
        return self.root / "sources.toml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def write_sources(self) -> None:
        lines = ['codes = ["64600"]\n', "[fetch]\ndelay = 0\nretries = 0\nparallel = 4\n"]
        payers = ("aetna", "bcbs", "bcbs")
        for i in range(self.sources):
            lines.append(
                f'[[source]]\nid = "s{i:03d}"\npayer = "{payers[i % 3]}"\ntitle = "Policy {i}"\n'
                f'url = "{self.sites.url(i)}"\nkind = "html"\n'
            )
        self.toml.write_text("\n".join(lines), encoding="utf-8")

    def serve(self, day: int) -> None:
        for i in range(self.sources):
            self.sites.serve(i, body_of(i, version_on(i, day)))


def first_run(history: History) -> None:
    """Day 0: a real run (fetch, capture, extract, store) of every source."""
    from tracker.config.sources import load_config
    from tracker.run.check import run_check
    from tracker.store import open_store

    history.write_sources()
    history.serve(0)
    store = open_store(history.data)
    try:
        result = run_check(load_config(history.toml), store, clock=ticking(day_start(0)))
    finally:
        store.close()
    assert not result.failed, result.failed[:3]


def add_day(history: History, day: int) -> None:
    """One day of history through the Store API: fetch rows, the day's new versions, the day's timeouts."""
    from tracker.config.sources import load_config
    from tracker.store import FetchRecord, fetchlog, open_store

    config = load_config(history.toml)
    store = open_store(history.data)
    try:
        now = day_start(day).isoformat()
        run_id = store.start_run(now, (), history.sources)
        records: list[FetchRecord] = []
        for i, source in enumerate(config.sources):
            at = (day_start(day) + timedelta(seconds=i)).isoformat()
            base = FetchRecord(run_id, source.id, at, 3, source.url, "unchanged")
            if failing(i, day):
                records.append(_timeout(base))
            elif version_on(i, day) != version_on(i, day - 1):
                _new_version(history, store, source, i, day, base)
            else:
                records.append(_unchanged(store, base, i))
        fetchlog.record_all(store, records)
        failed = sum(r.outcome == "error" for r in records)
        store.finish_run(run_id, now, history.sources - failed, failed, 0)
    finally:
        store.close()


def _timeout(base: Any) -> Any:
    from dataclasses import replace

    message = f"{base.url}: timed out after 60 s without a byte"
    return replace(base, outcome="error", error_class="timeout", error=message)


def _unchanged(store: Any, base: Any, index: int) -> Any:
    """An unchanged fetch as a real run records it: a 304 for the ETag sources, the same bytes for the others."""
    from dataclasses import replace

    doc = store.last_document(base.source_id)
    etag, _, sha = store.last_validators(base.source_id, base.url)
    if index % 2 == 0:
        return replace(base, http_status=304, not_modified=True, sha256=sha, etag=etag, document_id=doc.id)
    return replace(
        base, http_status=200, sha256=doc.sha256, size=doc_size(store, doc.id), content_type=HTML, document_id=doc.id
    )


def doc_size(store: Any, document_id: int) -> int:
    return int(store.document(document_id)["size"])


def _new_version(history: History, store: Any, source: Any, index: int, day: int, base: Any) -> None:
    """A new version of one source, stored as a run stores it (its body captured, extracted once per layout)."""
    from dataclasses import replace

    from tracker.extract import extract
    from tracker.extract.identity import current_extractor
    from tracker.judge.classify import summarize
    from tracker.judge.diff import diff_versions, version_of
    from tracker.models import Fetched

    version_number = version_on(index, day)
    body = body_of(index, version_number)
    key = (index % 3, version_number)
    if key not in history.extractions:
        history.extractions[key] = extract(body, "html", source.codes)
    extraction = history.extractions[key]
    version = version_of(extraction, source.codes, summarize)
    last = store.last_document(source.id)
    sha = hashlib.sha256(body).hexdigest()
    etag = '"' + sha[:16] + '"' if index % 2 == 0 else None
    fetched = Fetched(source.url, 200, body, HTML, "html", etag, None)
    changes = diff_versions(last.version, version)
    record = replace(base, outcome="changed", http_status=200, sha256=sha, size=len(body), content_type=HTML, etag=etag)
    store.record_version(
        source=source,
        fetched=fetched,
        sha256=sha,
        now=base.started_at,
        extraction=extraction,
        version=version,
        changes=changes,
        run_id=base.run_id,
        fetch=record,
        previous_id=last.id,
        effective_date=None,
        extractor=current_extractor().identity,
    )


def snapshot(history: History, into: Path) -> Path:
    """A copy of the sources file and the data directory as they are now."""
    shutil.copytree(history.root, into, ignore=shutil.ignore_patterns("*-shm"))
    return into


# ----------------------------------------------------------------------------- the measurements


def checkpointed_size(data: Path) -> int:
    db = sqlite3.connect(data / "tracker.db")
    try:
        db.execute("pragma wal_checkpoint(truncate)")
    finally:
        db.close()
    return (data / "tracker.db").stat().st_size


def unchanged_run(root: Path, day: int) -> tuple[float, float]:
    """One unchanged run_check on ``day`` in ``root``: (wall seconds, CPU seconds); every source must be unchanged."""
    from tracker.config.sources import load_config
    from tracker.run.check import run_check
    from tracker.store import open_store

    config = load_config(root / "sources.toml")
    store = open_store(root / "data")
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_check(config, store, clock=ticking(day_start(day)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        store.close()
    assert all(r.outcome == "unchanged" for r in result.results), [
        r for r in result.results if r.outcome != "unchanged"
    ]
    return wall, cpu


def timed_runs(history: History, snaps: list[tuple[Path, int]], repeat: int) -> list[tuple[float, float]]:
    """Median wall and CPU of an unchanged run on each (snapshot, day), each run on a fresh copy of its snapshot.

    The days take turns (day 3, day 365, day 3, ...), so that a machine busy with other work
    weighs on both alike.
    """
    walls: list[list[float]] = [[] for _ in snaps]
    cpus: list[list[float]] = [[] for _ in snaps]
    for n in range(repeat):
        for k, (snap, day) in enumerate(snaps):
            history.serve(day - 1)  # what the history last stored: nothing changed since
            copy = snap.parent / f"{snap.name}-run{n}"
            shutil.copytree(snap, copy)
            wall, cpu = unchanged_run(copy, day)
            walls[k].append(wall)
            cpus[k].append(cpu)
            shutil.rmtree(copy)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def read_commands(root: Path, sources: int, day: int, only: list[str] | None = None) -> list[tuple[str, float, int]]:
    """Each read command on ``root``, in process through the CLI (imports done): median of 3 (s), exit status."""
    from click.testing import CliRunner

    from tracker.cli import cli

    some = f"s{max((i for i in range(sources) if i % 50 != 7), key=lambda i: i % EVERY):03d}"  # the most versions
    on = day_start(day // 2).date().isoformat()
    commands = [
        ["status", "--json"],
        ["status", "--code", "64600", "--json"],
        ["changes", "--json"],
        ["changes", "--code", "64600", "--since", day_start(day - 7).date().isoformat(), "--json"],
        ["runs", "--json"],
        ["history", some, "--json"],
        ["show", some, "--code", "64600", "--at", on, "--json"],
        ["diff", some, "--code", "64600", "--json"],
        ["search", "radiofrequency", "--code", "64600", "--json"],
        ["digest"],
        ["report", str(root / "report")],
    ]
    timings = []
    for args in commands:
        if only is not None and (args[0] not in only or len(args) > 2 + (args[0] == "report")):
            continue
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            result = CliRunner().invoke(
                cli, ["--sources", str(root / "sources.toml"), "--data", str(root / "data"), *args]
            )
            runs.append(time.perf_counter() - began)
        shown = " ".join(a for a in args if a != "--json" and not a.startswith("/"))
        timings.append((shown, statistics.median(runs), result.exit_code))
    return timings


def status_in_a_process(root: Path) -> float:
    """``tracker status --code 64600 --json`` in a fresh process: wall seconds, start-up included (median of 3)."""
    walls = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tracker", "--data", str(root / "data"), "status", "--code", "64600", "--json"],
            check=True,
            capture_output=True,
            cwd=root,
        )
        walls.append(time.perf_counter() - began)
    return statistics.median(walls)


def status_query(root: Path) -> float:
    """The coverage matrix for one code through the library (``queries.status``): median of 5, seconds."""
    from tracker.store import open_store, queries

    store = open_store(root / "data", create=False)
    try:
        walls = []
        for _ in range(5):
            began = time.perf_counter()
            queries.status(store, code="64600")
            walls.append(time.perf_counter() - began)
    finally:
        store.close()
    return statistics.median(walls)


def bytes_per_source_day(history: History, root: Path, day: int, runs: int = 10) -> tuple[float, dict[str, int]]:
    """Bytes the database grows by per unchanged source and run, over ``runs`` unchanged runs; growth per table."""
    before, tables = checkpointed_size(root / "data"), table_sizes(root / "data")
    history.serve(day - 1)
    for n in range(runs):
        unchanged_run(root, day + n)
    grown = {name: size - tables.get(name, 0) for name, size in table_sizes(root / "data").items()}
    return (checkpointed_size(root / "data") - before) / (runs * history.sources), grown


def table_sizes(data: Path) -> dict[str, int]:
    """Bytes per table and index (SQLite's dbstat), or nothing when this SQLite lacks it."""
    db = sqlite3.connect(data / "tracker.db")
    try:
        db.execute("pragma wal_checkpoint(truncate)")
        return dict(db.execute("select name, sum(pgsize) from dbstat group by name").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


# ----------------------------------------------------------------------------- the generated corpus


def corpus_kind(index: int) -> tuple[str, bool]:
    """60 % PDF (Cigna and UHC layouts), 40 % HTML (Aetna, Anthem, Horizon); 1 source in 10 an HTML token page."""
    return ("pdf", False) if index % 5 < 3 else ("html", index % 10 == 3)


def corpus_body(index: int, version: int, pdfs: dict[tuple[int, int], bytes]) -> bytes:
    from tests import samples

    kind, _ = corpus_kind(index)
    if kind == "html":
        return body_of(index, version)
    key = (index % 2, version)
    if key not in pdfs:
        pdfs[key] = (samples.cigna_policy_pdf if index % 2 else samples.uhc_policy_pdf)(version)
    return pdfs[key] + f"\n%bench source {index}\n".encode()


def serve_corpus(sites: Sites, sources: int, changed: set[int], pdfs: dict[tuple[int, int], bytes]) -> None:
    for i in range(sources):
        kind, token = corpus_kind(i)
        sites.serve(i, corpus_body(i, 2 if i in changed else 1, pdfs), kind, token=token)


def write_corpus_sources(root: Path, sites: Sites, sources: int, delay: float) -> None:
    lines = ['codes = ["64600"]\n', f"[fetch]\ndelay = {delay}\nretries = 0\nparallel = 4\n"]
    for i in range(sources):
        kind, _ = corpus_kind(i)
        payer = ("cigna", "uhc")[i % 2] if kind == "pdf" else ("aetna", "bcbs", "bcbs")[i % 3]
        lines.append(
            f'[[source]]\nid = "c{i:03d}"\npayer = "{payer}"\ntitle = "Policy {i}"\nurl = "{sites.url(i, kind)}"\n'
        )
    (root / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


def child_run(root: Path, day: int) -> None:
    """In a fresh process: one run_check on ``day``; prints wall, CPU, peak RSS and the outcomes as JSON."""
    import json
    import resource
    from collections import Counter

    from tracker.config.sources import load_config
    from tracker.run.check import run_check
    from tracker.store import open_store

    config = load_config(root / "sources.toml")
    store = open_store(root / "data")
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_check(config, store, clock=ticking(day_start(day)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outcomes = Counter(r.outcome for r in result.results)
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak, "outcomes": dict(outcomes)}))


def raw_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "raw").glob("*/*.gz"))


def corpus_phase(root: Path, day: int) -> dict[str, Any]:
    """One run in a child process, with the database and capture bytes it added."""
    import json

    data = root / "data"
    db0 = checkpointed_size(data) if (data / "tracker.db").exists() else 0
    raw0 = raw_bytes(data) if data.exists() else 0
    began = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(root), str(day)], check=True, capture_output=True, text=True
    )
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["process_wall"] = time.perf_counter() - began
    figures["db_added"] = checkpointed_size(data) - db0
    figures["raw_added"] = raw_bytes(data) - raw0
    return figures


def corpus(sites: Sites, root: Path, sources: int, delay: float) -> None:
    """First run, unchanged run, a run where 5 % changed, an unchanged run with ``[fetch] delay`` set; reads."""
    root.mkdir(parents=True)
    pdfs: dict[tuple[int, int], bytes] = {}
    write_corpus_sources(root, sites, sources, 0)
    serve_corpus(sites, sources, set(), pdfs)
    print(f"corpus: {sources} sources on {len(HOSTS)} loopback hosts (60 % PDF, 40 % HTML, 10 % token pages)")
    _phase("first run", corpus_phase(root, 0))
    _phase("unchanged run", corpus_phase(root, 1))
    serve_corpus(sites, sources, {i for i in range(sources) if i % 20 == 0}, pdfs)
    _phase("5 % changed run", corpus_phase(root, 2))
    write_corpus_sources(root, sites, sources, delay)
    bound = max(len(range(h, sources, len(HOSTS))) for h in range(len(HOSTS))) * delay
    polite = corpus_phase(root, 3)
    _phase(f"unchanged, delay {delay} s", polite)
    print(f"  politeness bound {bound:.1f} s; run wall / bound = {polite['wall'] / bound:.2f} (target <= 1.3)")
    for name, wall, status in read_commands(root, sources, 3, ["status", "changes", "report"]):
        print(f"  {name:<40} {wall * 1000:7.0f} ms" + (f"  (exit {status})" if status else ""))


def _phase(name: str, f: dict[str, Any]) -> None:
    print(
        f"  {name:<26} wall {f['wall']:6.2f} s (process {f['process_wall']:6.2f} s), CPU {f['cpu']:6.2f} s, "
        f"peak {f['peak_mb']:4.0f} MB, DB +{f['db_added'] / 1e3:.0f} kB, captures +{f['raw_added'] / 1e3:.0f} kB; "
        f"{f['outcomes']}"
    )


# ----------------------------------------------------------------------------- the report


def build(history: History, days: int) -> tuple[Path, float]:
    """The history up to the last day, with a snapshot after day 2 (for the day-3 run); returns it and build time."""
    began = time.perf_counter()
    first_run(history)
    snap3 = history.root.parent / "day3"
    for day in range(1, days):
        add_day(history, day)
        if day == 2:
            snapshot(history, snap3)
        if day % 60 == 0:
            print(f"  built day {day} ({time.perf_counter() - began:.0f} s)", file=sys.stderr)
    return snap3, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    parser.add_argument("--part", choices=["history", "corpus", "all"], default="all")
    parser.add_argument("--delay", type=float, default=0.2, help="[fetch] delay of the politeness run (corpus)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_run(Path(args.child[0]), int(args.child[1]))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-daily-"))
    sites = Sites()
    try:
        if args.part in ("history", "all"):
            measure(History(work / "year", sites, args.sources), args.days, args.repeat)
        if args.part in ("corpus", "all"):
            corpus(sites, work / "corpus", args.sources, args.delay)
    finally:
        sites.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def measure(history: History, days: int, repeat: int) -> None:
    history.root.mkdir(parents=True)
    snap3, built = build(history, days)
    size = checkpointed_size(history.data)
    print(f"history: {history.sources} sources x {days} days, built in {built:.0f} s; database {size / 1e6:.1f} MB")
    early, late = timed_runs(history, [(snap3, 3), (history.root, days)], repeat)
    print(f"unchanged run_check, day 3:   {early[0]:.3f} s wall, {early[1]:.3f} s CPU")
    print(f"unchanged run_check, day {days}: {late[0]:.3f} s wall, {late[1]:.3f} s CPU")
    print(f"  day {days} / day 3: {late[0] / early[0]:.2f} wall, {late[1] / early[1]:.2f} CPU (target <= 1.1)")
    year = snapshot(history, history.root.parent / "reads")
    print(f"status --code 64600 (queries.status): {status_query(year) * 1000:.0f} ms (target <= 100 ms)")
    print(f"tracker status --code 64600 --json, fresh process: {status_in_a_process(year) * 1000:.0f} ms")
    print("read commands on the year (in process, after imports):")
    for name, wall, status in read_commands(year, history.sources, days):
        print(f"  {name:<40} {wall * 1000:7.0f} ms" + (f"  (exit {status})" if status else ""))
    per_day, grown = bytes_per_source_day(history, history.root, days)
    print(f"bytes added per unchanged source-day: {per_day:.0f} (target <= 150)")
    for name, grew in sorted(grown.items(), key=lambda kv: -kv[1]):
        if grew:
            print(f"  {name:<40} {grew / (10 * history.sources):6.0f}")


if __name__ == "__main__":
    main()
