"""Document metadata from its text: policy number and dates (ISO ``YYYY-MM-DD``).

Dates are read in every shape the plans print (see docs/payer-conventions.md, "Dates"):
04/15/2025, 4/1/25, 07.01.2025 (UnitedHealthcare), 2025-04-15, April 15, 2025, Apr. 15 2025,
Sept. 1st, 2025, 15 April 2025; month-only dates ("Last Review: 8/2017", BCBS North Carolina)
give ``YYYY-MM``. Numeric dates are month first (US plans): 13/01/2025 is no date, never
a guess. A label counts only in a header's Title Case ("Effective Date:", "Last Review"),
never in running prose ("... for effective date 1/1/2013" in a revision history).
"""

from __future__ import annotations

import re
from datetime import date

from tracker.models import Metadata

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_NON_DIGIT = re.compile(r"\D")
_SHAPES = (
    # 04/15/2025, 4/1/25, 07.01.2025
    r"(?P<m>\d{1,2})(?P<sep>[/.\-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?!\d)",
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)",  # 2025-04-15
    rf"\b(?P<mn>{_MONTH})\s*(?P<d>{_DAY}),?\s+(?P<y>\d{{4}})(?!\d)",  # April 15, 2025 / Apr. 15 2025 / Sept. 1st, 2025
    rf"\b(?P<d>{_DAY})\s+(?:of\s+)?(?P<mn>{_MONTH}),?\s+(?P<y>\d{{4}})(?!\d)",  # 15 April 2025
    rf"\b(?P<mn>{_MONTH}),?\s+(?P<y>\d{{4}})(?!\d)",  # April 2025 (month only)
    r"(?P<m>\d{1,2})/(?P<y>\d{4})(?!\d)",  # 8/2017 (month only)
)
_SHAPE_PATTERNS = tuple(re.compile(shape, re.IGNORECASE) for shape in _SHAPES)
DATE = "(?:" + "|".join(re.sub(r"\(\?P<\w+>", "(?:", s).replace("(?P=sep)", r"[/.\-]") for s in _SHAPES) + ")"
"""Any date shape, without groups: for finding a date after a label."""

_LEAD = r"[\s.:#|\-]*(?:for\s+services\s+performed\s+on\s+or\s+after\s+)?"
"""Between a label and its date: colons, spaces, Cigna's dotted leaders, a table's cell break, and
the Medicare LCD wording "For services performed on or after"."""


def _cap(word: str) -> str:
    """``word`` with its first letter in upper case only (the rest in any case)."""
    return f"(?-i:{word[0].upper()}){word[1:]}"


_DATE_LABELS: dict[str, tuple[str, ...]] = {
    "effective_date": (
        # Cigna/UHC/Highmark "Effective Date:", Anthem "Current Effective Date:", LCD "Revision Effective Date",
        # Aetna "Effective:", Premera "Effective Date June 17, 2015"; never "Original Effective Date".
        rf"(?<!original )(?<!original)\b(?:(?:current|policy|revision)\s+)?{_cap('effective')}(?:\s+date)?"
        r"(?:\s+of\s+(?:the\s+)?current\s+(?:policy|version))?",
    ),
    "last_review_date": (
        # Aetna "Last Review", Anthem "Last Review Date:", Premera "Last Revised:", Highmark "Last Revision Date:".
        rf"\b(?:{_cap('last')}|{_cap('latest')})\s+(?:review(?:ed)?|revised|revision|modified)(?:\s+date)?",
        rf"\b{_cap('date')}\s+of\s+last\s+(?:review|revision)",
        # Florida Blue label lines "Reviewed:" then "Revised:".
        rf"(?m)^\s*{_cap('reviewed')}(?=\s*:)",
        rf"(?m)^\s*{_cap('revised')}(?=\s*:)",
    ),
    "next_review_date": (
        # Aetna/Cigna "Next Review Date", BCBS North Carolina "Next CAP Review:".
        rf"\b{_cap('next')}\s+(?:(?:annual|cap|scheduled)\s+)?review(?:\s+date)?",
    ),
}
_DATE_PATTERNS = {
    name: tuple(re.compile(rf"{label}{_LEAD}({DATE})", re.IGNORECASE) for label in labels)
    for name, labels in _DATE_LABELS.items()
}
_NUMBER_LABELED = re.compile(
    r"^\s*(?:coverage\s+policy\s+number|(?:medical\s+)?policy\s*(?:number|no\.?|#)|guideline\s*(?:number|#)|"
    r"document\s*(?:number|#)|number)" + r"[\s.:#\-]*" + r"([A-Z0-9][A-Z0-9.\-]*[0-9][A-Z0-9]*)",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBER_SHAPES = (
    re.compile(r"\b\d{4}T\d{4}[A-Z]{0,3}\b"),  # UHC commercial: 2025T0080G
    re.compile(r"\b[A-Z]{2,5}-[A-Z]{2,6}-\d{2,3}\b"),  # Elevance: CG-SURG-89
    re.compile(r"\bMP-\d{1,4}\b"),  # BCBS plans: MP-314
)


def _year(text: str) -> int:
    """A four-digit year; two digits pivot as POSIX strptime does (69 → 2069, 70 → 1970)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def iso_date(text: str) -> str | None:
    """A date in any printed shape → "YYYY-MM-DD" ("YYYY-MM" for a month-only date); None if not a date."""
    text = " ".join(text.split()).rstrip(".")
    for pattern in _SHAPE_PATTERNS:
        if m := pattern.fullmatch(text):
            parts = m.groupdict()
            month = _MONTHS[parts["mn"][:3].lower()] if parts.get("mn") else int(parts["m"])
            try:
                if parts.get("d") is None:
                    return date(_year(parts["y"]), month, 1).isoformat()[:7]
                day = int(_NON_DIGIT.sub("", parts["d"]))
                return date(_year(parts["y"]), month, day).isoformat()
            except ValueError:
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


def labelled_date(text: str, field: str) -> str | None:
    """The first date under one of ``field``'s labels (labels tried in order of preference)."""
    for pattern in _DATE_PATTERNS[field]:
        for match in pattern.finditer(text):
            if found := iso_date(match[1]):
                return found
    return None


def metadata_from_text(text: str, title: str | None) -> Metadata:
    """Metadata from the document's text (first labelled match of each field wins)."""
    dates = {name: labelled_date(text, name) for name in _DATE_PATTERNS}
    return Metadata(title=title, policy_number=policy_number(text), **dates)
