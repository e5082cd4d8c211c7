"""The fast paths of code matching give the answers of the regular expressions they stand in for."""

from __future__ import annotations

import random
import re

import pytest

from tracker.extract.codes import in_range, mentioned, mentions

CODES = ["64600", "0213T", "J1234", "G50.0", "C9399", "64600\u0663"]
PIECES = [
    "64600",
    "64590",
    "64610",
    "0213t",
    "0213T",
    "0218T",
    "j1234",
    "J1299",
    "G50.0",
    "g50.1",
    "C9399",
    "\u0666\u0664\u0666\u0660\u0660",  # Arabic-Indic digits: regex \d matches them
    "\u212a",
    "ſ",
    "-",
    "\u2013",
    " to ",
    " through ",
    "thru",
    " ",
    "\u00a0",
    "a",
    "Z",
    "2",
    "9",
    ",",
    ".",
    "CPT\u00ae ",
    "*",
    "\u00b9",
    "\n",
    "\x1c",  # a separator that str.isspace and \\s count as space
    "\u00e9",
    "_",
]


GLUE = r"[^\W\u00b2\u00b3\u00b9\u2070-\u209f]"  # a letter, digit or "_" of any script; not a superscript
DASHES = "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
SPACE = r"[\s\u00a0\u2000-\u200a\u202f]*"


def reference(text: str, code: str) -> bool:
    """``mentions`` as one code's own regular expressions answer it: the code as a token, or the
    code inside a range whose two ends have the code's shape."""
    code = code.upper()
    if re.search(rf"(?<!{GLUE}){re.escape(code)}(?!{GLUE})", text, re.IGNORECASE):
        return True
    same = "".join(r"\d" if c.isdigit() else re.escape(c) for c in code)
    ranges = re.compile(
        rf"(?<!{GLUE})({same})(?!{GLUE}){SPACE}(?:[{DASHES}]|\bthrough\b|\bthru\b|\bto\b){SPACE}"
        rf"(?=({same})(?!{GLUE}))",
        re.IGNORECASE,
    )
    return any(in_range(code, m[1], m[2]) for m in ranges.finditer(text))


def _texts(count: int) -> list[str]:
    rng = random.Random(12)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12))) for _ in range(count)]


@pytest.mark.parametrize("code", CODES)
def test_mentions_agrees_with_the_regular_expressions(code: str) -> None:
    for text in _texts(3000):
        assert mentions(text, code) == reference(text, code), (text, code)
        assert mentions(text, code.lower()) == reference(text, code.lower()), (text, code)


def test_mentioned_is_mentions_for_each_code_in_order() -> None:
    for text in _texts(500):
        assert mentioned(text, CODES) == [c for c in CODES if reference(text, c)]


def test_mentioned_with_ascii_codes_only() -> None:
    ascii_codes = [c for c in CODES if c.isascii()] + ["64610", "0218t"]
    for text in _texts(2000):
        assert mentioned(text, ascii_codes) == [c for c in ascii_codes if reference(text, c)], text
