"""The HTML reader's shortcut for ASCII text cleans exactly as ``normalize.clean`` does."""

from __future__ import annotations

import random

from tracker.extract.html import _clean
from tracker.extract.normalize import clean


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
