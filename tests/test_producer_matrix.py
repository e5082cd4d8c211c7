"""The producer matrix: every HTML fixture printed to PDF by four producers reads as the HTML does.

Every HTML layout fixture (tests/layouts.py, whatever it registers) and every HTML payer sample
of the invariance suite is printed (collapsed panels opened, as a reader prints a page after
"Expand All") by headless Chromium, WeasyPrint, LibreOffice and wkhtmltopdf (tests/producers.py).
For each tracked code the PDF must give the same status, prior authorization, needs_review,
descriptor and qualifier as the HTML page (``layouts.observe``, as the invariance suite compares).

One test per producer, so pytest-xdist spreads the producers over its workers; conversions are
cached under pytest's cache directory by the HTML's hash. The matrix (fixture × producer) is
printed once every producer of the run has been read in this process (``-p no:xdist`` or a
single worker), and each producer's failures list their differences.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.producers import PRODUCERS, convert, missing_programs
from tests.test_invariance import HTML, _diff, original, panels_opened, read
from tracker.extract import extract

_CHECK_COLUMNS = (
    "two adjacent check-mark columns under wrapped headers ('Medically necessary' | 'Investigational') are "
    "read as one column in the PDF (the header lines merge and each row's ✓ lands in it), so the ✓ no "
    "longer says which status: a PDF grid problem (tracker/extract/pdfgrid.py), open"
)
KNOWN_GAPS: dict[tuple[str, str], str] = {
    **{("bsca_check_columns", producer): _CHECK_COLUMNS for producer in PRODUCERS},
}
"""(fixture, producer) cells that still read differently from the HTML, with the reason. The test
fails when one of them starts to agree."""

COLUMNS: dict[str, dict[str, str]] = {}
"""Producer → fixture → difference ("" when the PDF reads as the HTML), filled as producers run."""


@pytest.fixture(scope="session")
def producer_cache(request: pytest.FixtureRequest) -> Path:
    path: Path = request.config.cache.mkdir("producer-pdf")  # type: ignore[union-attr]
    return path


def column(producer: str, cache: Path) -> dict[str, str]:
    """Each HTML fixture's difference between its HTML and its PDF by ``producer``."""
    pdfs = convert(producer, [panels_opened(f.body()) for f in HTML], cache)
    out: dict[str, str] = {}
    for fixture, pdf in zip(HTML, pdfs, strict=True):
        got: dict[str, Any] = read(pdf, "pdf")
        out[fixture.name] = _diff(original(fixture.name), got)
    return out


def matrix() -> str:
    """The producers read so far as a table: ✓ reads as the HTML, X differs, K a known gap."""
    names = list(PRODUCERS)
    width = max(len(f.name) for f in HTML)
    lines = [" " * width + "  " + " ".join(f"{i:>2}" for i in range(len(names)))]
    for fixture in HTML:
        cells = []
        for producer in names:
            diff = COLUMNS.get(producer, {}).get(fixture.name)
            mark = (
                " ." if diff is None else " ✓" if not diff else " K" if (fixture.name, producer) in KNOWN_GAPS else " X"
            )
            cells.append(mark)
        lines.append(f"{fixture.name:<{width}}  " + " ".join(cells))
    legend = "  ".join(f"{i}={name}" for i, name in enumerate(names))
    return "\n".join([f"producer matrix ({legend}; ✓ same as the HTML, X differs, K known gap, . not run)", *lines])


def test_producers_installed() -> None:
    assert not missing_programs(), f"not installed (.ci/run installs them): {missing_programs()}"


@pytest.mark.browser
@pytest.mark.parametrize("producer", list(PRODUCERS))
def test_producer_reads_as_html(producer: str, producer_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    COLUMNS[producer] = column(producer, producer_cache)
    if len(COLUMNS) == len(PRODUCERS):
        with capsys.disabled():
            print("\n" + matrix())
    differences = {name: diff for name, diff in COLUMNS[producer].items() if diff}
    unexpected = {name: diff for name, diff in differences.items() if (name, producer) not in KNOWN_GAPS}
    fixed = sorted(name for (name, p) in KNOWN_GAPS if p == producer and name not in differences)
    report = "\n".join(f"{name} × {producer}: {diff}" for name, diff in sorted(unexpected.items()))
    assert not unexpected, f"{matrix()}\n\ndifferences:\n{report}"
    assert not fixed, f"now read as the HTML, remove from KNOWN_GAPS: {fixed}"


def test_known_gaps_name_real_cells() -> None:
    names = {f.name for f in HTML}
    for (fixture, producer), reason in KNOWN_GAPS.items():
        assert fixture in names and producer in PRODUCERS and reason, (fixture, producer)


def test_a_row_cut_by_a_page_break_does_not_lend_its_tail_to_the_next_row(producer_cache: Path) -> None:
    """WeasyPrint breaks a table row across pages: the code at the foot of one page, the rest of its
    description at the top of the next, right above the next row. Those lines are not the next
    row's description centred against its code (they sit a cell padding above it)."""
    from tests import samples

    (pdf,) = convert("weasyprint", [samples.uhc_policy_html(1)], producer_cache)
    rows = [s for s in extract(pdf, "pdf", ["64600"]).sections if s.text.startswith("64600")]
    assert rows, "the code table's row of 64600"
    assert "Injection(s)" not in rows[0].text
    assert samples.D64600 in rows[0].text
