"""Extraction benchmark (issue 3): a 120-page policy PDF and a 2.5 MB HTML bulletin.

Usage: python bench/extract.py [--pages 120] [--runs 3] [--pdf FILE]

Every measurement runs in a fresh process, ``--runs`` times; the figures are medians.

* (a) ``tracker.extract.extract(body, "pdf", ["64600"])`` in a child process (time inside the
  child, after imports), and ``python -m tracker extract FILE --code 64600 --json`` (wall
  time of the whole command, interpreter start-up and imports included); peak RSS of both
  comes from ``wait4`` (the children's ``ru_maxrss``);
* (b) the naive baseline: pdfplumber ``extract_text()`` on every page;
* a full analysis (every page laid out) once, to check that the fast path finds the same
  64600 sections;
* ``extract`` on a ~2.5 MB HTML bulletin (BeautifulSoup, lxml).

Targets: (a) <= 0.1 x (b), peak RSS <= 150 MB, HTML < 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODE = "64600"


def child(mode: str, path: str) -> None:
    """Run one measurement in this (fresh) process and print it as JSON."""
    sys.path.insert(0, str(ROOT))
    import io

    import pdfplumber

    from tracker.extract import extract
    from tracker.extract.pdf import read_pdf

    body = Path(path).read_bytes()
    start = time.perf_counter()
    sections: list[dict[str, Any]] = []
    if mode == "library":
        sections = [s.to_dict() for s in extract(body, "pdf", [CODE]).sections]
    elif mode == "full":
        sections = [s.to_dict() for s in read_pdf(body, [CODE], full=True).sections]
    elif mode == "html":
        sections = [s.to_dict() for s in extract(body, "html", [CODE]).sections]
    elif mode == "naive":
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            for page in pdf.pages:
                page.extract_text()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "sections": sections}))


def run(argv: list[str]) -> tuple[bytes, float, float]:
    """Run a command; its stdout, wall seconds and peak RSS in MB (from wait4)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err.read().decode()[-2000:]}")
        out.seek(0)
        return out.read(), wall, usage.ru_maxrss / 1024  # KiB on Linux


def measure(mode: str, path: Path, runs: int) -> dict[str, Any]:
    """Median in-child seconds, median wall seconds and the largest peak RSS over ``runs`` children."""
    results = [run([sys.executable, __file__, "--child", mode, str(path)]) for _ in range(runs)]
    found = [json.loads(r[0]) for r in results]
    return {
        "seconds": statistics.median(f["seconds"] for f in found),
        "wall": statistics.median(r[1] for r in results),
        "rss_mb": max(r[2] for r in results),
        "sections": found[0]["sections"],
    }


def measure_cli(path: Path, runs: int) -> dict[str, Any]:
    """``python -m tracker extract FILE --code 64600 --json``, wall time including start-up."""
    argv = [sys.executable, "-m", "tracker", "extract", str(path), "--code", CODE, "--json"]
    results = [run(argv) for _ in range(runs)]
    return {
        "wall": statistics.median(r[1] for r in results),
        "rss_mb": max(r[2] for r in results),
        "sections": json.loads(results[0][0])["sections"],
    }


def bulletin() -> bytes:
    """A ~2.5 MB Aetna-style bulletin: the CPB fixture with a very long Background."""
    sys.path.insert(0, str(ROOT))
    from tests import samples

    page = samples.aetna_cpb_html(1).decode()
    filler = "".join(f"<p>{samples.FILLER} Study {i}.</p>\n" for i in range(4800))
    return page.replace('<h2 id="refs">', filler + '<h2 id="refs">').encode()


def main() -> None:
    """Build the documents, measure, print the figures and whether the targets hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf", type=Path, help="an existing policy PDF instead of the generated one")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sys.path.insert(0, str(ROOT))
    from tests import samples

    with tempfile.TemporaryDirectory() as tmp:
        pdf = args.pdf or Path(tmp) / "policy.pdf"
        if not args.pdf:
            pdf.write_bytes(samples.long_policy_pdf(args.pages))
        html = Path(tmp) / "bulletin.html"
        html.write_bytes(bulletin())
        report(pdf, html, args.runs)


def report(pdf: Path, html: Path, runs: int) -> None:
    """Measure everything and print the figures."""
    import pypdfium2

    pages = len(pypdfium2.PdfDocument(pdf.read_bytes()))
    print(f"PDF: {pdf.name}, {pages} pages, {pdf.stat().st_size / 1e3:.0f} kB; medians of {runs} runs")
    fast = measure("library", pdf, runs)
    naive = measure("naive", pdf, runs)
    full = measure("full", pdf, 1)
    cli = measure_cli(pdf, runs)
    web = measure("html", html, runs)
    ratio = fast["seconds"] / naive["seconds"]
    print(
        f"(a) extract(), library       {fast['seconds']:7.3f} s  (child wall {fast['wall']:.3f} s)"
        f"  peak RSS {fast['rss_mb']:.0f} MB"
    )
    print(
        f"(a) tracker extract --json   {cli['wall']:7.3f} s  wall, start-up included"
        f"            peak RSS {cli['rss_mb']:.0f} MB"
    )
    print(
        f"(b) naive extract_text()     {naive['seconds']:7.3f} s  (child wall {naive['wall']:.3f} s)"
        f"  peak RSS {naive['rss_mb']:.0f} MB"
    )
    print(f"    full analysis            {full['seconds']:7.3f} s")
    print(
        f"ratio (a)/(b) {ratio:.3f}  (child wall {fast['wall'] / naive['wall']:.3f}, "
        f"CLI wall / naive wall {cli['wall'] / naive['wall']:.3f})"
    )
    same = fast["sections"] == full["sections"] == cli["sections"]
    print(
        f"64600 sections: {len(fast['sections'])} (pages {[s['page'] for s in fast['sections']]}); "
        f"identical to the full analysis: {same}"
    )
    print(
        f"HTML bulletin: {html.stat().st_size / 1e6:.2f} MB in {web['seconds']:.3f} s "
        f"(child wall {web['wall']:.3f} s), {len(web['sections'])} sections"
    )
    checks = {
        "ratio <= 0.1": ratio <= 0.1,
        "peak RSS <= 150 MB": max(fast["rss_mb"], cli["rss_mb"]) <= 150,
        "same sections as full analysis": same,
        "HTML < 0.5 s": web["seconds"] < 0.5,
    }
    print("targets: " + ", ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks.items()))
    if not all(checks.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
