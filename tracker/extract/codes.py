"""Code matching: whole tokens and ranges ("64600-64681", "64590 to 64610").

A code matches only as a whole token (never inside 2064600, 64600123 or Author64600: a
letter or digit of any script glued to it makes a longer word) or when it lies inside a range
whose two ends have the same shape as the code (five digits, letter + four digits, four
digits + letter ...). A text's ranges are found once, whatever the codes looked up in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from tracker.extract.normalize import clean

_DASH = "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
_SPACE = r"[\s\u00a0\u2000-\u200a\u202f]*"
FOOTNOTE_MARKERS = "*†‡§¹²³"
_SUPERSCRIPTS = "\u00b2\u00b3\u00b9\u2070-\u209f"
_GLUE = rf"[^\W{_SUPERSCRIPTS}]"
"""A character that glues onto a code: a letter or digit of any script or "_" ("Authoré64600",
"Author_64600"), not a superscript footnote number ("64600¹")."""
_ALNUM = rf"[^\W_{_SUPERSCRIPTS}]"
_LETTER = rf"[^\W\d_{_SUPERSCRIPTS}]"
_TOKEN = re.compile(f"{_GLUE}+")
_CODE_TOKEN = rf"(?<!{_GLUE})({_LETTER}{{0,3}}\d{_ALNUM}{{0,8}}(?:\.{_ALNUM}{{1,4}})?)(?!{_GLUE})"
"""A token that may be a code's end: up to three letters, a digit, then letters, digits and one
dotted part ("64600", "0213T", "G50.0")."""
_RANGES = re.compile(
    rf"{_CODE_TOKEN}{_SPACE}(?:[{_DASH}]|\bthrough\b|\bthru\b|\bto\b){_SPACE}(?={_CODE_TOKEN})", re.IGNORECASE
)
"""Any "A-B", "A through B", "A to B" range of code-like tokens. The high end sits in a lookahead,
so "64590-64600-64610" yields both of its ranges."""
_HIGH_END = re.compile(rf"{_SPACE}{_CODE_TOKEN}")
_ASCII_GLUE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def shape(token: str) -> str:
    """The token's shape: digits become 9, letters stay (upper-cased): "0213T" → "9999T"."""
    return re.sub(r"\d", "9", token.upper())


def in_range(code: str, low: str, high: str) -> bool:
    """True when ``code`` lies in the range low..high and all three share one shape."""
    code, low, high = code.upper(), low.upper(), high.upper()
    if not shape(code) == shape(low) == shape(high):
        return False
    # Same shape means same letters in the same places, so string order is numeric order.
    return low < high and low <= code <= high


@lru_cache(maxsize=64)
def _patterns(code: str) -> tuple[re.Pattern[str], str, bytes | None]:
    """The code as a whole token, its shape, and its shape as ASCII bytes (None for a code that
    is not ASCII)."""
    literal = re.compile(rf"(?<!{_GLUE}){re.escape(code)}(?!{_GLUE})", re.IGNORECASE)
    form = shape(code)
    return literal, form, form.encode("ascii") if code.isascii() else None


@lru_cache(maxsize=256)
def ranges_in(text: str) -> tuple[tuple[str, str, str], ...]:
    """The ranges ``text`` names, as (shape, low, high): upper-cased ends of one shape, low below high.

    Found once per text, whatever the codes looked up in it: a reference list full of
    five-digit numbers is scanned once, not once per tracked code.
    """
    found = []
    for match in _RANGES.finditer(text):
        low, high = match[1].upper(), match[2].upper()
        form = shape(low)
        if low < high and form == shape(high):
            found.append((form, low, high))
    return tuple(found)


@lru_cache(maxsize=16)
def _shape_tokens(form: bytes) -> re.Pattern[bytes]:
    """A token of one shape in an ASCII text's shape (its start is checked apart: a pattern that
    opens with the shape's bytes is searched fast), and the separator after it when it opens a
    range."""
    return re.compile(re.escape(form) + rb"(?![A-Za-z0-9_])([\s\x1c-\x1f]*(?:-|TO\b|THRU\b|THROUGH\b))?")


@lru_cache(maxsize=256)
def _ascii_hits(text: str, form: bytes) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """The tokens of one shape an ASCII text names, and its ranges of that shape as upper-cased
    (low, high) pairs.

    Found in the text's shape (digits as 9) with one search for the shape's bytes: once per text
    and shape, whatever the number of codes of that shape looked up in it (ten five-digit codes
    share one search), and the same answers as the token and range patterns.
    """
    view = _ascii_view(text)
    assert view is not None
    upper, shaped = view
    tokens = set()
    found = []
    for match in _shape_tokens(form).finditer(shaped):
        start = match.start()
        if start and shaped[start - 1] in _ASCII_GLUE:
            continue  # glued to a longer word: neither a token nor a range end
        low = upper[start : start + len(form)]
        tokens.add(low)
        high = _HIGH_END.match(text, match.end()) if match[1] else None
        if high is not None and shaped[high.start(1) : high.end(1)] == form:
            top = upper[high.start(1) : high.end(1)]
            if low < top:
                found.append((low, top))
    return frozenset(tokens), tuple(found)


_DIGITS_TO_9 = bytes.maketrans(b"0123456789", b"9999999999")


@lru_cache(maxsize=16)
def _ascii_view(text: str) -> tuple[str, bytes] | None:
    """An ASCII text upper-cased, and its shape (digits as 9) as bytes; None for other text.

    Cached: the codes of one document are looked up in the same texts one after another, so
    each text is upper-cased and shaped once, whatever the number of codes.
    """
    if not text.isascii():
        return None
    upper = text.upper()
    return upper, upper.encode("ascii").translate(_DIGITS_TO_9)


def mentions(text: str, code: str) -> bool:
    """True when ``text`` names ``code`` as a token or inside a range.

    A token stands alone: a letter or digit of any script glued to it makes it part of a
    longer word ("Author64600", "2064600", "64600123"), never the code.
    """
    code = code.upper()
    literal, form, ascii_shape = _patterns(code)
    view = _ascii_view(text) if ascii_shape is not None else None
    if view is not None and ascii_shape is not None:
        return ascii_shape in view[1] and _named(_ascii_hits(text, ascii_shape), code)
    if literal.search(text):
        return True
    return any(kind == form and low <= code <= high for kind, low, high in ranges_in(text))


def _named(hits: tuple[frozenset[str], tuple[tuple[str, str], ...]], code: str) -> bool:
    """Whether an ASCII text's tokens and ranges of the code's shape (``_ascii_hits``) name ``code``."""
    tokens, ranges = hits
    return code in tokens or any(low <= code <= high for low, high in ranges)


def mentioned(text: str, codes: Sequence[str]) -> list[str]:
    """The codes of ``codes`` that ``text`` names, in their order.

    One substring test per code shape (ten five-digit codes share one) rules out every code
    the text cannot name; the text's tokens and ranges of a shape that occurs are found once,
    and each code of that shape is then a set lookup and a walk over a few ranges.
    """
    plans = _plans(tuple(codes))
    view = _ascii_view(text) if plans is not None else None
    if plans is None or view is None:
        return [code for code in codes if mentions(text, code)]
    shaped = view[1]
    named: set[int] = set()
    for form, members in plans:
        if form not in shaped:
            continue
        hits = _ascii_hits(text, form)
        named.update(i for i, code in members if _named(hits, code))
    return [code for i, code in enumerate(codes) if i in named] if named else []


@lru_cache(maxsize=64)
def _plans(codes: tuple[str, ...]) -> tuple[tuple[bytes, tuple[tuple[int, str], ...]], ...] | None:
    """The codes grouped by ASCII shape: each shape with the (position, upper-cased code) of its
    codes; None when a code is not ASCII."""
    groups: dict[bytes, list[tuple[int, str]]] = {}
    for i, code in enumerate(codes):
        form = _patterns(code.upper())[2]
        if form is None:
            return None
        groups.setdefault(form, []).append((i, code.upper()))
    return tuple((form, tuple(members)) for form, members in groups.items())


def is_code_like(token: str) -> bool:
    """Looks like a CPT/HCPCS code (five characters, at least four digits), footnote marker allowed."""
    token = token.rstrip(FOOTNOTE_MARKERS)
    return len(token) == 5 and token.isalnum() and sum(c.isdigit() for c in token) >= 4


def only_codes(text: str) -> bool:
    """True when text lists codes and nothing else ("CPT: 61790, 64600-64681")."""
    words = re.sub(r"\b(?:cpt|hcpcs|codes?|and|or|through|thru|to)\b", " ", clean(text), flags=re.I)
    rest = [t for t in _TOKEN.findall(words) if not is_code_like(t)]
    return not rest and bool(_TOKEN.findall(words))


def names_codes(text: str) -> bool:
    """True when the text names a code-shaped token (a statement about those codes, not a scope's)."""
    return any(is_code_like(t) for t in _TOKEN.findall(text))
