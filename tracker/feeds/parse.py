"""Parsers: one feed body → its entries. Pure functions, one per feed kind.

Each reproduces how the payer lays the page out (``shared/feeds-and-lists.md``): UHC's index
blocks ("Last Modified", "Effective Date: … Applicable Procedure Codes: …"), UHC's monthly bulletin
tables (policy / effective date / summary, under New, Updated, Revised, Retired), Cigna's A–Z index,
Cigna's monthly "Policy Updates" rows ("Title – (0051) | New/Modified/Retired | details", the
"effective <date> unless otherwise noted" line of each section, "Policies With a Reduction in
Coverage") as HTML or PDF, Aetna's numeric CPB index. A body that is no such page raises
FetchError ("unreadable": a feed fault), never an empty list taken for "everything retired".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from tracker.errors import FetchError
from tracker.feeds import ChangeType, Entry

MONTHS = "january february march april may june july august september october november december".split()
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("m", "d", "y")),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), ("m", "d", "y")),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
)
_LONG_DATE = re.compile(r"\b(" + "|".join(m[:3] for m in MONTHS) + r")[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b", re.I)
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.I)
_CODE_ITEM = re.compile(
    r"\b([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})(?:\s*(?:[-\u2010-\u2015]|through|to)\s*([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}))?\b"
)
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015-"


def feed_fault(message: str) -> FetchError:
    """A feed body that is not the page it should be (no entries where entries must be): a FetchError."""
    return FetchError(message, error_class="unreadable")


def first_date(text: str) -> str | None:
    """The first date in ``text`` as YYYY-MM-DD: 01.01.2027, 1/1/2027, 2027-01-01, January 1, 2027."""
    found: list[tuple[int, str]] = []
    for pattern, order in _DATE_PATTERNS:
        m = pattern.search(text)
        if m:
            parts = dict(zip(order, m.groups(), strict=True))
            found.append((m.start(), _iso(parts["y"], parts["m"], parts["d"])))
    m = _LONG_DATE.search(text)
    if m:
        found.append((m.start(), _iso(m[3], str([x[:3] for x in MONTHS].index(m[1].lower()) + 1), m[2])))
    valid = [(pos, d) for pos, d in found if d]
    return min(valid)[1] if valid else None


def _iso(year: str, month: str, day: str) -> str:
    try:
        return datetime(int(year), int(month), int(day)).date().isoformat()
    except ValueError:
        return ""


def month_of(text: str) -> str | None:
    """ "Policy Updates July 2022" → 2022-07-01 (a bulletin's month, as its posted date)."""
    m = _MONTH_YEAR.search(text)
    return f"{m[2]}-{MONTHS.index(m[1].lower()) + 1:02d}-01" if m else None


def codes_in(text: str) -> tuple[str, ...]:
    """Codes and ranges as listed: "64600, 64605-64610" → ("64600", "64605-64610")."""
    out = []
    for m in _CODE_ITEM.finditer(text.upper()):
        out.append(f"{m[1]}-{m[2]}" if m[2] else m[1])
    return tuple(dict.fromkeys(out))


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


# ----------------------------------------------------------------------------- HTML walking


def _html(body: bytes, url: str, links: bool = False) -> Iterator[tuple[str, str, list[str], str | None]]:
    """(tag, text, cells, first link) for headings, paragraphs, list items and table rows, in order
    (with ``links``, each link on its own as an "a" too)."""
    import lxml.html

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("cp1252", "replace")
    try:
        root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise feed_fault(f"{url}: not an HTML page: {exc}") from exc
    tags = ("h1", "h2", "h3", "h4", "h5", "p", "li", "tr", "dt", "dd", "caption") + (("a",) if links else ())
    for el in root.iter(*tags):
        if el.tag in ("p", "li") and _inside(el, "td", "th"):
            continue
        if el.tag == "a":
            yield "a", _clean(el.text_content()), [], urljoin(url, el.get("href") or "")
            continue
        cells = [_clean(c.text_content()) for c in el if el.tag == "tr" and c.tag in ("td", "th")]
        anchors = el.xpath(".//a[@href]")
        href = urljoin(url, anchors[0].get("href")) if anchors else None
        yield el.tag, _clean(el.text_content()), cells, href


def _inside(el: object, *tags: str) -> bool:
    parent = getattr(el, "getparent", lambda: None)()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _retired_heading(text: str) -> bool:
    return bool(re.search(r"\b(retired|archived?)\b", text, re.I))


# ----------------------------------------------------------------------------- UHC


_UHC_TITLE = re.compile(rf"^(.*?)\s*[{_DASHES}]\s*(Commercial|Medicare Advantage|Community Plan|Exchange)\b.*$", re.I)
_NUMBER_IN_TITLE = re.compile(r"\(([0-9]{4}[A-Z][0-9]{4}[A-Z]?|[A-Z]{2,4}[.\-]?[0-9]{2,4}(?:\.[0-9]+)?)\)")


def uhc_index(body: bytes, url: str) -> list[Entry]:
    """UHC's policy index: per policy a linked title "… – Commercial Medical Policy", "Last Modified
    MM.DD.YYYY", "Effective Date: MM.DD.YYYY – This policy addresses … Applicable Procedure Codes: …"."""
    entries: list[Entry] = []
    retired = False
    for tag, text, _cells, href in _html(body, url, links=True):
        if tag in ("h1", "h2", "h3", "h4", "h5"):
            retired = _retired_heading(text)
            continue
        title = _UHC_TITLE.match(text)
        if tag == "a" and title and href:
            number = _NUMBER_IN_TITLE.search(title[1])
            name = _NUMBER_IN_TITLE.sub("", title[1]).strip()
            entries.append(
                Entry("uhc", name, number[1] if number else None, href, status="retired" if retired else "active")
            )
        elif entries and tag == "p":
            entries[-1] = _uhc_detail(entries[-1], text)
    return entries


def _uhc_detail(entry: Entry, text: str) -> Entry:
    if text.lower().startswith("last modified"):
        return replace(entry, posted=first_date(text))
    if text.lower().startswith("effective date"):
        codes = re.split(r"Applicable Procedure Codes?:", text, flags=re.I)
        found = codes_in(codes[1]) if len(codes) > 1 else ()
        return replace(entry, effective=first_date(codes[0]), codes=found, detail=_clean(codes[0]))
    return entry


_BULLETIN_SECTIONS: tuple[tuple[str, ChangeType], ...] = (
    ("retired", "retired"),
    ("new", "new"),
    ("revised", "revised"),
    ("updated", "revised"),
)


def uhc_bulletin(body: bytes, url: str) -> list[Entry]:
    """UHC's monthly Medical Policy Update Bulletin (PDF): tables of Policy Title | Effective Date |
    Summary of Changes under the headings "New", "Updated", "Revised", "Retired"."""
    posted: str | None = None
    entries: list[Entry] = []
    for heading, rows, page_text in _pdf_tables(body, url):
        posted = posted or month_of(page_text)
        kind = _section_kind(heading)
        for row in rows:
            if len(row) < 2 or not row[0] or row[0].lower().startswith("policy title"):
                continue
            title_text = _clean(row[0])
            number = _NUMBER_IN_TITLE.search(title_text)
            title = _UHC_TITLE.match(title_text)
            name = _NUMBER_IN_TITLE.sub("", title[1] if title else title_text).strip()
            summary = _clean(" ".join(row[2:]))
            change: ChangeType = "coding" if kind == "revised" and _coding_only(summary) else kind
            entries.append(
                Entry(
                    "uhc",
                    name,
                    number[1] if number else None,
                    None,
                    change,
                    posted=posted,
                    effective=first_date(row[1] or ""),
                    codes=codes_in(summary),
                    detail=summary,
                    section=heading,
                )
            )
    return entries


def _section_kind(heading: str) -> ChangeType:
    low = heading.lower()
    for word, kind in _BULLETIN_SECTIONS:
        if re.search(rf"\b{word}\b", low):
            return kind
    return "revised"


def _coding_only(summary: str) -> bool:
    low = summary.lower()
    return "applicable codes" in low and not re.search(r"coverage rationale|criteria|unproven|not medically", low)


def _pdf_tables(body: bytes, url: str) -> Iterator[tuple[str, list[list[str]], str]]:
    """Each table of a PDF with the last heading-like line above it (and the page's text)."""
    with _open_pdf(body, url) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            lines = page.extract_text_lines()
            for table in page.find_tables():
                top = table.bbox[1]
                above = [ln["text"] for ln in lines if ln["bottom"] <= top + 1]
                heading = next((t for t in reversed(above) if _is_section_line(t)), "")
                yield heading, [[c or "" for c in r] for r in table.extract()], text


def _is_section_line(text: str) -> bool:
    return bool(re.search(r"\b(new|updated|revised|retired)\b", text, re.I)) and len(text) < 80


def _open_pdf(body: bytes, url: str) -> Any:
    """A feed's PDF opened with pdfplumber, once its streams are known to inflate within budget
    (``pdfbudget``: a decompression bomb is refused before pdfminer inflates it)."""
    import io

    import pdfplumber

    from tracker.errors import ExtractError
    from tracker.extract.pdfbudget import check_budget

    try:
        check_budget(body)
        return pdfplumber.open(io.BytesIO(body))
    except ExtractError as exc:
        raise feed_fault(f"{url}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on a broken file
        raise feed_fault(f"{url}: not a readable PDF: {exc}") from exc


# ----------------------------------------------------------------------------- Cigna

_CIGNA_ROW = re.compile(rf"^(.*?)\s*[{_DASHES}]?\s*\(\s*([A-Z]{{0,3}}\d{{3,4}})\s*\)\s*(.*)$")
_CIGNA_STATUS = re.compile(r"\b(New|Modified|Retired|Updated)\b")
_CIGNA_NUMBER_IN_URL = re.compile(r"/(?:mm|ip|ph|ad)_(\d{4})_", re.I)
_CIGNA_EFFECTIVE = re.compile(r"effective\s+(.{0,40}?\d{4})", re.I)


def cigna_index(body: bytes, url: str) -> list[Entry]:
    """Cigna's coverage-policy A–Z index: rows of linked title, policy number, effective date; a section
    headed "Retired"/"Archived" lists retired policies."""
    entries: list[Entry] = []
    retired = False
    for tag, text, cells, href in _html(body, url):
        if tag in ("h1", "h2", "h3", "h4", "h5"):
            retired = _retired_heading(text)
            continue
        if tag not in ("tr", "li") or not href or (cells and cells[0].lower().startswith("policy title")):
            continue
        number = _cigna_number(cells, text, href)
        title = cells[0] if cells else re.sub(r"\s*\(\s*\w+\s*\)\s*$", "", text)
        entries.append(
            Entry(
                "cigna",
                _CIGNA_ROW.sub(r"\1", title).strip() or title,
                number,
                href,
                effective=first_date(" ".join(cells[1:]) if cells else text),
                status="retired" if retired else "active",
            )
        )
    return entries


def _cigna_number(cells: list[str], text: str, href: str) -> str | None:
    """The policy number: its own column, else "(0525)" after the title, else mm_0525_ in the PDF's name."""
    for cell in cells[1:]:
        if re.fullmatch(r"[A-Z]{0,3}\d{3,4}", cell.strip()):
            return cell.strip()
    in_text = _CIGNA_ROW.match(text)
    if in_text:
        return in_text[2]
    in_url = _CIGNA_NUMBER_IN_URL.search(href)
    return in_url[1] if in_url else None


def cigna_updates(body: bytes, url: str) -> list[Entry]:
    """Cigna's monthly Coverage Policy Updates, HTML or PDF: sections of rows "Title – (0051) | status | details"."""
    if body.lstrip()[:5] == b"%PDF-":
        return _cigna_rows(_pdf_lines(body, url), url)
    return _cigna_rows(_html_lines(body, url), url)


def _html_lines(body: bytes, url: str) -> Iterator[tuple[str, list[str], str | None]]:
    for tag, text, cells, href in _html(body, url):
        yield ("heading" if tag.startswith("h") or tag == "caption" else tag), cells or [text], href


def _pdf_lines(body: bytes, url: str) -> Iterator[tuple[str, list[str], str | None]]:
    with _open_pdf(body, url) as pdf:
        for page in pdf.pages:
            for line in (page.extract_text() or "").splitlines():
                text = _clean(line)
                status = _CIGNA_STATUS.search(text)
                row = _CIGNA_ROW.match(text)
                if row and status and status.start() >= row.start(3):
                    cells = [text[: status.start()].strip(), status[1], text[status.end() :].strip()]
                    yield "tr", cells, None
                else:
                    yield ("li" if text[:1] in "•-–▪" else "p"), [text.lstrip("•-–▪ ")], None


def _cigna_rows(lines: Iterator[tuple[str, list[str], str | None]], url: str) -> list[Entry]:
    posted = section = ""
    effective: str | None = None
    entries: list[Entry] = []
    for tag, cells, href in lines:
        text = " ".join(cells)
        if not posted and "update" in text.lower():
            posted = month_of(text) or ""
        if tag == "heading" or (tag == "p" and _is_cigna_section(text)):
            if _is_cigna_section(text):
                section, effective = text, None
            continue
        if "unless otherwise noted" in text.lower() or text.lower().startswith("the information in this section"):
            found = _CIGNA_EFFECTIVE.search(text)
            effective = first_date(found[1]) if found else effective
            continue
        made = _cigna_entry(cells, href, section, effective, posted)
        if made:
            entries.extend(made)
        elif entries and tag in ("li", "p") and text:
            entries[-1] = _with_detail(entries[-1], text)
    return entries


def _is_cigna_section(text: str) -> bool:
    low = text.lower()
    return len(text) < 90 and (
        "reduction in coverage" in low
        or bool(re.search(r"\b(coverage policies|policies|guidelines|cpgs?)\b\s*\*?$", low))
        and "status" not in low
    )


def _cigna_entry(
    cells: list[str], href: str | None, section: str, effective: str | None, posted: str
) -> list[Entry] | None:
    if len(cells) < 2:
        return None
    status = _CIGNA_STATUS.search(cells[1])
    if not status or cells[0].lower() == "policies":
        return None
    made = []
    for m in re.finditer(rf"([^()]+?)\s*[{_DASHES}]?\s*\(\s*([A-Z]{{0,3}}\d{{3,4}})\s*\)", cells[0]):
        change = _cigna_change(status[1], section)
        detail = _clean(" ".join(cells[2:]))
        made.append(
            Entry(
                "cigna",
                m[1].strip(" –-"),
                m[2],
                href,
                change,
                posted=posted or None,
                effective=_detail_effective(detail) or effective,
                codes=codes_in(detail),
                detail=detail,
                section=section,
            )
        )
    return made or None


def _cigna_change(status: str, section: str) -> ChangeType:
    if "reduction in coverage" in section.lower():
        return "reduction"
    if status == "New":
        return "new"
    return "retired" if status == "Retired" else "revised"


def _detail_effective(detail: str) -> str | None:
    found = _CIGNA_EFFECTIVE.search(detail)
    return first_date(found[1]) if found else None


def _with_detail(entry: Entry, text: str) -> Entry:
    detail = f"{entry.detail} {text}".strip()
    return replace(entry, detail=detail, codes=codes_in(detail), effective=entry.effective)


# ----------------------------------------------------------------------------- Aetna

_AETNA_HREF = re.compile(r"/(\d{4})\.html?$")


def aetna_index(body: bytes, url: str) -> list[Entry]:
    """Aetna's numeric CPB index (cpb_num.html): rows "0374 | Trigeminal Neuralgia: Treatments" linking
    to /cpb/medical/data/{range}/{NNNN}.html; "(Retired)" or an archive heading marks retired ones."""
    entries: dict[str, Entry] = {}
    retired = False
    for tag, text, cells, href in _html(body, url):
        if tag in ("h1", "h2", "h3", "h4", "h5"):
            retired = _retired_heading(text)
            continue
        m = _AETNA_HREF.search(href or "")
        if tag not in ("tr", "li", "p") or not m or m[1] in entries:
            continue
        title = cells[-1] if len(cells) > 1 else re.sub(rf"^\s*{m[1]}\s*[{_DASHES}:]?\s*", "", text)
        gone = retired or bool(re.search(r"\((retired|archived)\)", text, re.I))
        title = re.sub(r"\s*\((retired|archived)\)\s*", " ", title, flags=re.I).strip()
        entries[m[1]] = Entry("aetna", title, m[1], href, status="retired" if gone else "active")
    return list(entries.values())


PARSERS: dict[str, Callable[[bytes, str], list[Entry]]] = {
    "uhc-index": uhc_index,
    "uhc-bulletin": uhc_bulletin,
    "cigna-index": cigna_index,
    "cigna-updates": cigna_updates,
    "aetna-index": aetna_index,
}
"""The parser of each fetched feed kind (``mcd-reports`` is read call by call: ``tracker.feeds.medicare``)."""


def parse_feed(kind: str, body: bytes, url: str, lob: str | None = None) -> list[Entry]:
    """The entries of one feed body; a FetchError (a feed fault) when it lists none (a page that is not the index)."""
    entries = PARSERS[kind](body, url)
    if not entries:
        raise feed_fault(f"{url}: no {kind} entries found: the page is not the index or bulletin it was")
    return [replace(e, lob=e.lob or lob) for e in entries]
