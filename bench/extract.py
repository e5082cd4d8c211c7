"""Extraction benchmark (issues 3 and 12): a 120-page policy PDF and a 2.5 MB HTML bulletin.

Usage: python bench/extract.py [--pages 120] [--runs 3] [--pdf FILE] [--ratios-only]

Every measurement runs in a fresh process, ``--runs`` times; the figures are medians. Each
child reports wall time and CPU time (``time.process_time``) of the measured call; the
ratios compare the best CPU times of children run alternately, so that the load of other
programs on the machine (which only ever adds time) moves both sides of a ratio alike;
the ratio of median wall times is printed too.

* (a) ``tracker.extract.extract(body, "pdf", ["64600"])`` in a child process (time inside the
  child, after imports), and ``python -m tracker extract FILE --code 64600 --json`` (wall
  time of the whole command, interpreter start-up and imports included); peak RSS of both
  comes from ``wait4`` (the children's ``ru_maxrss``);
* (b) the naive baseline: pdfplumber ``extract_text()`` on every page;
* a full analysis (every page laid out) once, to check that the fast path finds the same
  64600 sections;
* ``extract`` on a ~2.5 MB HTML bulletin (BeautifulSoup, lxml), against a bare
  ``BeautifulSoup(body, "lxml").get_text()`` of the same page;
* ten tracked codes against one (``TEN``), on the HTML bulletin and on the PDF;
* a 120-page PDF that names 64600 on 60 of its pages (every other page), against the naive
  ``extract_text()`` of that PDF: a light one (plain paragraphs) and one laid out as the payers lay
  theirs out (``bench/realpdf.py``: running header and footer, ruled and unruled code tables that run
  on across pages, two-column chapters, paragraphs cut by page breaks);
* the 120-page policy against the pypdfium2 floor: pypdfium2's text of every page (issue 23);
* a ~2.5 MB page dense with tags (every word of the background in inline markup, a 6,000-row code
  table) and a reference-heavy page (Aetna CPBs' reference lists: thousands of PMIDs and 5-digit
  page numbers), each against a bare parse and with ten codes against one (issue 23).

Targets: (a) <= 0.1 x (b), peak RSS <= 150 MB, HTML < 0.5 s, HTML <= 2 x the bare parse,
ten codes <= 1.2 x one code (HTML and PDF), 60-of-120 pages <= 0.5 x naive, the 120-page policy
<= 3 x the pypdfium2 floor.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from realpdf import real_layout_pdf

ROOT = Path(__file__).resolve().parent.parent
CODE = "64600"
TEN = ["64600", "64605", "64610", "64640", "64999", "61450", "61790", "61791", "64620", "0213T"]
"""Ten tracked codes: some in both documents, some in one, some in neither."""


def child(mode: str, path: str) -> None:
    """Run one measurement in this (fresh) process and print it as JSON.

    ``alt:A,B,...`` measures the modes A, B ... in turn, ``REPEAT`` rounds, in this one process,
    and prints the best CPU and wall time of each.
    """
    sys.path.insert(0, str(ROOT))
    body = Path(path).read_bytes()
    if mode.startswith("alt:"):
        modes = mode[4:].split(",")
        times: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
        for _ in range(REPEAT):
            for m in modes:
                gc.collect()  # the garbage of the round before (parse trees are cyclic) is not this one's cost
                times[m].append(_timed(m, body)[:2])
        best = {m: {"seconds": min(t[0] for t in got), "cpu": min(t[1] for t in got)} for m, got in times.items()}
        print(json.dumps({"alt": best}))
        return
    seconds, cpu, sections = _timed(mode, body)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "sections": sections}))


REPEAT = 5
"""Rounds of an in-process alternate measurement (``alt:``)."""


def _timed(mode: str, body: bytes) -> tuple[float, float, list[dict[str, Any]]]:
    """Wall and CPU seconds of one measurement, and the sections it found."""
    import io

    import pdfplumber
    from bs4 import BeautifulSoup

    from tracker.extract import extract
    from tracker.extract.pdf import read_pdf

    start, cpu = time.perf_counter(), time.process_time()
    sections: list[dict[str, Any]] = []
    if mode in ("library", "library10"):
        sections = [s.to_dict() for s in extract(body, "pdf", TEN if mode == "library10" else [CODE]).sections]
    elif mode == "full":
        sections = [s.to_dict() for s in read_pdf(body, [CODE], full=True).sections]
    elif mode in ("html", "html10"):
        sections = [s.to_dict() for s in extract(body, "html", TEN if mode == "html10" else [CODE]).sections]
    elif mode == "soup":
        BeautifulSoup(body, "lxml").get_text()
    elif mode == "naive":
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            for page in pdf.pages:
                page.extract_text()
    elif mode == "floor":
        _pdfium_text(body)
    return time.perf_counter() - start, time.process_time() - cpu, sections


def _pdfium_text(body: bytes) -> list[str]:
    """The floor: pypdfium2's text of every page, nothing else."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(body)
    texts = []
    for index in range(len(doc)):
        page = doc[index]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    doc.close()
    return texts


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
    """Median in-child seconds (wall and CPU), median wall seconds and the largest peak RSS over ``runs`` children."""
    return measure_alternately([mode], path, runs)[mode]


def measure_alternately(modes: list[str], path: Path, runs: int) -> dict[str, dict[str, Any]]:
    """``measure`` for several modes, their children run in turn (a, b, a, b ...) so load hits all alike."""
    results: dict[str, list[tuple[bytes, float, float]]] = {mode: [] for mode in modes}
    for _ in range(runs):
        for mode in modes:
            results[mode].append(run([sys.executable, __file__, "--child", mode, str(path)]))
    out = {}
    for mode, got in results.items():
        found = [json.loads(r[0]) for r in got]
        out[mode] = {
            "seconds": statistics.median(f["seconds"] for f in found),
            "cpu": statistics.median(f["cpu"] for f in found),
            "cpu_best": min(f["cpu"] for f in found),
            "wall": statistics.median(r[1] for r in got),
            "rss_mb": max(r[2] for r in got),
            "sections": found[0]["sections"],
        }
    return out


def measure_in_process(modes: list[str], path: Path, runs: int) -> dict[str, dict[str, Any]]:
    """Best times of ``modes`` measured in turn inside each of ``runs`` children (``alt:``), best over all."""
    found = [
        json.loads(run([sys.executable, __file__, "--child", "alt:" + ",".join(modes), str(path)])[0])
        for _ in range(runs)
    ]
    return {
        m: {"cpu_best": min(f["alt"][m]["cpu"] for f in found), "seconds": min(f["alt"][m]["seconds"] for f in found)}
        for m in modes
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


SURNAMES = ("Smith", "Nguyen", "Garcia", "Kowalski", "Okafor", "Lindqvist", "Tanaka", "Rossi", "Haddad", "Moreau")
JOURNALS = ("J Neurosurg", "Pain Physician", "Reg Anesth Pain Med", "Cephalalgia", "Neurology", "Pain Med")


def dense_html(size: int = 2_500_000) -> bytes:
    """A ~2.5 MB Aetna-style page dense with tags: a background whose words sit in inline markup
    (links, emphasis, spans, superscript citations) inside nested divs, and a long ICD-10 code table
    of linked cells, as CPB pages with thousands of diagnosis codes print them."""
    sys.path.insert(0, str(ROOT))
    from tests import samples

    page = samples.aetna_cpb_html(1).decode()
    words = samples.FILLER.split()
    parts: list[str] = []
    rows: list[str] = []
    total, i = len(page), 0
    while total < size:
        inline = " ".join(
            f'<span class="t{n % 3}">{w}</span>' if n % 4 == 0 else f"<em>{w}</em>" if n % 4 == 2 else w
            for n, w in enumerate(words)
        )
        para = (
            f'<div class="cpb-section"><div class="para"><p>{inline} <a href="#ref{i}"><sup>{i % 90 + 1}</sup></a>'
            f" <strong>Study {i}</strong>.</p></div></div>\n"
        )
        row = (
            f'<tr><td><a href="/icd/G{i % 100:02d}.{i % 10}">G{i % 100:02d}.{i % 10}{i % 7}</a></td>'
            f'<td><span class="desc">Other specified disorder {i} of the trigeminal nerve</span></td></tr>\n'
        )
        parts.append(para)
        rows.append(row)
        total += len(para) + len(row)
        i += 1
    table = f'<table class="codes"><tr><th>Code</th><th>Code Description</th></tr>{"".join(rows)}</table>'
    return page.replace('<h2 id="refs">', "".join(parts) + table + '<h2 id="refs">').encode()


def reference_html(references: int = 4000) -> bytes:
    """An Aetna-style CPB whose reference list is as long as real ones: ``references`` citations with
    PMIDs, volume(issue):page ranges and 5-digit e-page numbers, and a background that quotes
    cohort sizes; the tracked codes are named only in the policy and the code table."""
    sys.path.insert(0, str(ROOT))
    from tests import samples

    page = samples.aetna_cpb_html(1).decode()
    refs = []
    for n in range(references):
        first, second = SURNAMES[n % 10], SURNAMES[(n * 7 + 3) % 10]
        start = 10000 + (n * 37) % 89000
        refs.append(
            f"<li>{first} {chr(65 + n % 26)}, {second} {chr(66 + n % 24)}, et al. Radiofrequency treatment of "
            f"facial pain in cohort {n}: a {n % 9 + 2}-year follow-up. {JOURNALS[n % 6]}. {1990 + n % 35};"
            f"{n % 80 + 1}({n % 12 + 1}):{start}-{start + n % 9 + 2}. e{20000 + n * 13 % 70000}. "
            f"PMID: {20000000 + n * 7919 % 9000000}.</li>\n"
        )
    background = "".join(
        f"<p>In a registry of {10000 + n * 113 % 80000} patients, {n % 60 + 20}% reported relief at one year "
        f"(95% CI, {n % 40 + 10}-{n % 40 + 30}); see references {n % 4000 + 1} and {(n * 3) % 4000 + 1}.</p>\n"
        for n in range(600)
    )
    return (
        page.replace('<h2 id="refs">', background + '<h2 id="refs">')
        .replace("</ol>\n</div></main>", "".join(refs) + "</ol>\n</div></main>")
        .encode()
    )


def half_hit_pdf(pages: int = 120) -> bytes:
    """A ``pages``-page policy whose General Background names 64600 on every other page."""
    sys.path.insert(0, str(ROOT))
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    from tests import samples

    flow = [
        Paragraph("Peripheral Nerve Destruction for Pain Conditions", samples.TITLE),
        Paragraph("Coverage Policy", samples.H1),
        Paragraph(
            "Peripheral nerve destruction is considered medically necessary when criteria are met.", samples.BODY
        ),
        Paragraph("General Background", samples.H1),
    ]
    for number in range(1, pages + 1):
        flow += [Paragraph(samples.FILLER, samples.BODY) for _ in range(4 if number == 1 else 6)]
        if number % 2 == 0:
            flow.append(Paragraph(samples.MENTION, samples.BODY))
        if number < pages:
            flow.append(PageBreak())
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=letter, invariant=1, title="Half-hit policy").build(flow)
    return buf.getvalue()


def main() -> None:
    """Build the documents, measure, print the figures and whether the targets hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf", type=Path, help="an existing policy PDF instead of the generated one")
    parser.add_argument("--ratios-only", action="store_true", help="only the issue-12 ratios (no naive 120-page run)")
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
        half = Path(tmp) / "half.pdf"
        half.write_bytes(half_hit_pdf(args.pages))
        real = Path(tmp) / "real-layout.pdf"
        real.write_bytes(real_layout_pdf(args.pages))
        dense = Path(tmp) / "dense.html"
        dense.write_bytes(dense_html())
        refs = Path(tmp) / "references.html"
        refs.write_bytes(reference_html())
        checks = {} if args.ratios_only else report(pdf, html, args.runs)
        checks |= report_issue12(pdf, html, half, args.runs)
        checks |= report_issue23(pdf, real, dense, refs, args.runs)
    print("targets: " + ", ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks.items()))
    if not all(checks.values()):
        raise SystemExit(1)


def report(pdf: Path, html: Path, runs: int) -> dict[str, bool]:
    """Measure the issue-3 figures, print them; whether each target holds."""
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
    return checks


def ratio_line(label: str, top: dict[str, Any], bottom: dict[str, Any], target: float) -> bool:
    """Print ``top`` / ``bottom`` (best CPU times; wall in the child) against ``target``; whether it holds."""
    cpu, wall = top["cpu_best"] / bottom["cpu_best"], top["seconds"] / bottom["seconds"]
    ok = bool(cpu <= target)
    print(
        f"{label:<38} {top['cpu_best']:7.3f} s / {bottom['cpu_best']:7.3f} s CPU = {cpu:5.2f} x  (wall {wall:5.2f} x)"
        f"  target <= {target} x: {'ok' if ok else 'MISSED'}"
    )
    return ok


def report_issue12(pdf: Path, html: Path, half: Path, runs: int) -> dict[str, bool]:
    """Measure the issue-12 ratios (each side run alternately with the other), print them."""
    from tracker.extract.pdfscan import scan

    found = scan(half.read_bytes(), [CODE])
    print(
        f"ratios (best CPU time; HTML and ten codes: {REPEAT} rounds in each of {runs} processes, the sides in turn;"
        f" 60 pages: {runs} fresh processes each, in turn; load {os.getloadavg()[0]:.2f}):"
    )
    web = measure_in_process(["html", "soup", "html10"], html, runs)
    paper = measure_in_process(["library", "library10"], pdf, runs)
    spread = measure_alternately(["library", "naive"], half, runs)
    return {
        "HTML <= 2 x bare parse": ratio_line("HTML extract() / BeautifulSoup+get_text", web["html"], web["soup"], 2.0),
        "HTML ten codes <= 1.2 x one": ratio_line("HTML ten codes / one code", web["html10"], web["html"], 1.2),
        "PDF ten codes <= 1.2 x one": ratio_line("PDF ten codes / one code", paper["library10"], paper["library"], 1.2),
        f"{len(found.hits)} of {found.pages} pages <= 0.5 x naive": ratio_line(
            f"PDF, 64600 on {len(found.hits)} of {found.pages} pages / naive", spread["library"], spread["naive"], 0.5
        ),
    }


def report_issue23(pdf: Path, real: Path, dense: Path, refs: Path, runs: int) -> dict[str, bool]:
    """Measure the issue-23 ratios: real-layout 60-of-120 pages, the pypdfium2 floor, dense and
    reference-heavy HTML."""
    from tracker.extract.pdfscan import scan

    found = scan(real.read_bytes(), [CODE])
    print(
        f"issue 23 (best CPU time; load {os.getloadavg()[0]:.2f}): dense page {dense.stat().st_size / 1e6:.2f} MB,"
        f" reference-heavy page {refs.stat().st_size / 1e6:.2f} MB"
    )
    floor = measure_in_process(["library", "floor"], pdf, runs)
    tags = measure_in_process(["html", "soup", "html10"], dense, runs)
    cited = measure_in_process(["html", "soup", "html10"], refs, runs)
    spread = measure_alternately(["library", "naive"], real, runs)
    return {
        "policy <= 3 x pypdfium2 floor": ratio_line(
            "PDF policy / pypdfium2 text", floor["library"], floor["floor"], 3.0
        ),
        "dense HTML <= 2 x bare parse": ratio_line(
            "dense HTML / BeautifulSoup+get_text", tags["html"], tags["soup"], 2.0
        ),
        "dense HTML ten codes <= 1.2 x one": ratio_line(
            "dense HTML ten codes / one", tags["html10"], tags["html"], 1.2
        ),
        "references HTML <= 2 x bare parse": ratio_line(
            "reference HTML / BeautifulSoup+get_text", cited["html"], cited["soup"], 2.0
        ),
        "references HTML ten codes <= 1.2 x one": ratio_line(
            "reference HTML ten codes / one", cited["html10"], cited["html"], 1.2
        ),
        f"real layout {len(found.hits)} of {found.pages} pages <= 0.5 x naive": ratio_line(
            f"real-layout PDF, {len(found.hits)} of {found.pages} pages / naive",
            spread["library"],
            spread["naive"],
            0.5,
        ),
    }


if __name__ == "__main__":
    main()
