"""Text normalization: the same policy wording always yields the same characters.

Renders differ in spaces, dashes, quotes, ligatures, soft hyphens and line wrapping; none of
that may show up as a change in a section's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CHAR_MAP = {
    # Ligatures that PDF producers and some HTML editors emit.
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    # Dashes and minus signs: ranges are written with any of them.
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\ufe58": "-",
    "\ufe63": "-",
    "\uff0d": "-",
    # Quotes.
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2026": "...",
    # Invisible characters that only exist to help line breaking.
    "\u00ad": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    # PDFium marks a hyphen it judged a line-end word break with U+FFFE (and joins the lines).
    "\ufffe": "",
}
_TRANSLATE = str.maketrans(_CHAR_MAP)
# pdfminer writes glyphs it cannot map as "(cid:123)"; they are bullets or decorations.
_CID = re.compile(r"\(cid:\d+\)")
# A soft hyphen where the line broke: the word goes on after the break ("investiga\u00ad\ntional"); one
# that ends a line's text is the hyphen a producer printed there, and reads as one so the line can rejoin.
_SOFT_BREAK = re.compile(r"\u00ad[^\S\n]*\n\s*")
_SOFT_END = re.compile(r"(?<=[A-Za-z])\u00ad\s*$")
_HYPHEN_BREAK = re.compile(r"([A-Za-z])-\n\s*([a-z])")
_HYPHEN_KEEP = re.compile(r"([A-Za-z0-9])-\n\s*([A-Z0-9])")


def clean(text: str) -> str:
    """Map look-alike characters to one spelling and collapse all whitespace to single spaces."""
    if "\u00ad" in text:
        text = _SOFT_END.sub("-", _SOFT_BREAK.sub("", text))
    if not text.isascii():
        text = text.translate(_TRANSLATE)
    if "(cid:" in text:
        text = _CID.sub(" ", text)
    return " ".join(text.split())  # every Unicode space (NBSP, thin, ideographic...) and control whitespace


def join_lines(lines: Iterable[str]) -> str:
    """Join the wrapped lines of one paragraph, undoing end-of-line hyphenation."""
    text = _SOFT_BREAK.sub("", "\n".join(line.strip() for line in lines))
    # "neuro-\nlytic" was hyphenated by the renderer; "64600-\n64681" and "X-\nRay" keep their hyphen.
    text = _HYPHEN_BREAK.sub(r"\1\2", text.translate(_TRANSLATE))
    text = _HYPHEN_KEEP.sub(r"\1-\2", text)
    return clean(text)


def strip_label(text: str) -> str:
    """A caption or label as a heading: no trailing colon."""
    return text.rstrip(" :")


def key(text: str) -> str:
    """A comparison key for repeated page furniture: digits and spacing do not matter."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", clean(text).lower()))


_STAMP = re.compile(
    r"(?:(?:this\s+)?page\s+|date\s+)?(?:(?:last|was)\s+)?"
    r"(?:updated|generated|printed|rendered|retrieved|downloaded|print\s+date)"
    r"(?:\s+(?:on|at))?\s*[:\-]?\s*(?P<moment>.+)",
    re.IGNORECASE,
)
_MOMENT_NUMBER = (
    r"\d{4}-\d{2}-\d{2}(?:T[\d:.]+)?(?:Z|[+-]\d{2}:?\d{2})?"  # 2026-04-21, 2026-04-21T06:00:01Z
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"  # 11/27/2026, 4.1.25
    r"|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"  # 06:00, 06:00:01
    r"|(?:19|20)\d{2}|\d{1,2}(?:st|nd|rd|th)?"  # a year, a day
    r"|[+-]\d{2}:?\d{2}"  # a UTC offset
)
_MOMENT_WORD = (
    r"a\.?m\.?|p\.?m\.?|utc|gmt|z|[ecmp][sd]t|at|on|of"
    r"|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?"
    r"|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
_MOMENT = re.compile(rf"(?:[\s,;:]*+(?>(?:{_MOMENT_NUMBER})(?!\d)|(?:{_MOMENT_WORD})\b\.?))++[\s.]*", re.IGNORECASE)
"""A date, a time or both, in any printed shape, and nothing else (no bare number: a code is not a moment).

Each piece is matched one way only (an atomic group, possessive repeats): "12:00" is a time, never
the day "12" then ":00", so a line that is nearly a stamp fails at once instead of trying every
way of cutting it (2^n of them: 61 s for a 98-character line)."""
_MOMENT_SHAPE = re.compile(r"\d:\d\d|\d[/.\-]\d{1,2}[/.\-]\d|[a-z]{3}\.?\s+\d|\d\s+[a-z]{3}", re.IGNORECASE)
"""What makes a moment of it: a time of day, a whole date, a month name beside a number."""
STAMP_ENDS = frozenset("MmTtZzCc.")
"""What a stamp ends with when not with a digit: AM/PM, GMT/EST, Z, UTC, "p.m."."""
STAMP_LENGTH = 100
"""The longest text read as a stamp (a label and a moment)."""


def is_stamp(text: str) -> bool:
    """Whether ``text`` is a per-request stamp and nothing else: "Page last updated: 11/27/2026
    06:00:01 AM", "Date Printed: November 27, 2026", "Page generated Fri, 27 Nov 2026 06:00:00 GMT".

    A page answers such a line with the moment it was served or printed, so it differs on every
    request without the policy changing: the reader drops it as it drops page furniture, and the
    fingerprint (``tracker.extract.fingerprint``) leaves it out. The label says what the moment
    is, never a policy date ("Effective", "Last Review", "Revised" are metadata, never stamps);
    the rest is a date, a time or both, nothing more.
    """
    text = text.strip()
    if not text or len(text) > STAMP_LENGTH or not (text[-1].isdigit() or text[-1] in STAMP_ENDS):
        return False  # most texts are told apart by their last character: no expression is run
    found = _STAMP.fullmatch(text)
    if found is None or _MOMENT.fullmatch(found["moment"]) is None:
        return False
    return _MOMENT_SHAPE.search(found["moment"]) is not None
