"""Document metadata from its text: policy number and dates (ISO ``YYYY-MM-DD``)."""

from __future__ import annotations

import re
from datetime import date

from tracker.models import Metadata

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = rf"(?:\d{{1,2}}/\d{{1,2}}/\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})"
_LEAD = r"[\s.:#\-]*"  # colons, spaces and the dotted leaders of Cigna's header block

_DATE_LABELS = {
    "effective_date": r"(?<!original )(?<!original)\b(?:current\s+)?effective(?:\s+date)?",
    "last_review_date": r"\b(?:last|latest)\s+(?:review(?:ed)?|revised|revision)(?:\s+date)?",
    "next_review_date": r"\bnext\s+(?:annual\s+)?review(?:\s+date)?",
}
_DATE_PATTERNS = {name: re.compile(rf"{label}{_LEAD}({DATE})", re.IGNORECASE) for name, label in _DATE_LABELS.items()}
_NUMBER_LABELED = re.compile(
    r"^\s*(?:coverage\s+policy\s+number|(?:medical\s+)?policy\s*(?:number|no\.?|#)|guideline\s*(?:number|#)|"
    r"document\s*(?:number|#)|number)" + _LEAD + r"([A-Z0-9][A-Z0-9.\-]*[0-9][A-Z0-9]*)",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBER_SHAPES = (
    re.compile(r"\b\d{4}T\d{4}[A-Z]{0,3}\b"),  # UHC commercial: 2025T0080G
    re.compile(r"\b[A-Z]{2,5}-[A-Z]{2,6}-\d{2,3}\b"),  # Elevance: CG-SURG-89
    re.compile(r"\bMP-\d{1,4}\b"),  # BCBS plans: MP-314
)


def iso_date(text: str) -> str | None:
    """04/21/2026, 4/21/2026, April 21, 2026 or 2026-04-21 → "2026-04-21"; None if not a date."""
    text = text.strip().lower().rstrip(".")
    try:
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
            return date(int(m[3]), int(m[1]), int(m[2])).isoformat()
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text):
            month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(m[1][:3]))
            return date(int(m[3]), month, int(m[2])).isoformat()
    except (ValueError, StopIteration):
        return None
    return None


def policy_number(text: str) -> str | None:
    """The policy number: a labelled one ("Coverage Policy Number ... 0525") or a known shape."""
    if m := _NUMBER_LABELED.search(text):
        return m[1].rstrip(".-")
    for shape in _NUMBER_SHAPES:
        if m := shape.search(text):
            return m[0]
    return None


def metadata_from_text(text: str, title: str | None) -> Metadata:
    """Metadata from the document's text (first labelled match of each field wins)."""
    dates = {}
    for name, pattern in _DATE_PATTERNS.items():
        match = pattern.search(text)
        dates[name] = iso_date(match[1]) if match else None
    return Metadata(title=title, policy_number=policy_number(text), **dates)
