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
