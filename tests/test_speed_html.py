"""``normalize.clean``'s whitespace shortcut (``str.split``) cleans exactly as the regular
expression of every Unicode space it replaced did."""

from __future__ import annotations

import random
import re

from tracker.extract.normalize import _CID, _TRANSLATE, clean

_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
"""Every Unicode space (NBSP, thin, figure, ideographic ...) and control whitespace: what clean
collapsed with a regular expression before."""


def _clean(text: str) -> str:
    """``clean`` as it was written before the shortcut: the reference."""
    if "\u00ad" in text:
        return clean(text)  # soft hyphens: the same first step either way
    text = _CID.sub(" ", text.translate(_TRANSLATE))
    return _SPACES.sub(" ", text).strip()


def test_every_unicode_space_is_a_space_to_str_split() -> None:
    for code in range(0x110000):
        c = chr(code)
        assert bool(_SPACES.fullmatch(c)) == c.isspace(), hex(code)


def test_every_ascii_character_cleans_alike() -> None:
    for code in range(128):
        c = chr(code)
        for text in (c, f"a{c}b", f"{c}{c}", f" {c} ", f"64600{c}-{c}64610", f"(cid:{c}1)"):
            assert _clean(text) == clean(text), repr(text)


def test_random_text_cleans_alike() -> None:
    rng = random.Random(7)
    pieces = [
        " ",
        "  ",
        "\n",
        "\t",
        "\r\n",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1f",
        "\x85",
        "\u00a0",
        "\u2009",
        "\u3000",
        "\u200b",
        "\u00ad",
        "\ufb01",
        "\u2013",
        "(cid:12)",
        "(cid:",
        "word",
        "64600",
        "-",
        ".",
        "\u2019",
    ]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert _clean(text) == clean(text), repr(text)
