"""HTML parsers for the tracker, compared on correctness (HTML5 tree construction) and speed.

Usage: python bench/parsers.py [--runs 5]

Issue 19 asks whether an HTML5-conformant parser should replace lxml's (libxml2's HTML 4
parser) under BeautifulSoup. Candidates:

* ``lxml``: today's; libxml2's own error recovery, not the HTML5 algorithm;
* ``html5lib``: the reference implementation of the WHATWG algorithm, pure Python;
* ``selectolax`` (Lexbor, C): an HTML5-conformant parser; the tracker's reader walks a
  BeautifulSoup tree, so Lexbor's tree is serialised and handed to BeautifulSoup(lxml): the
  serialised markup is already well-formed, so lxml keeps Lexbor's structure;
* ``html5-parser`` (Gumbo into lxml): its wheel is built against another libxml2 than lxml's
  wheel and refuses to load beside it (``pip install --no-binary lxml lxml`` would be needed
  on every install) — measured when it imports, reported otherwise.

Correctness: a small set of malformed markup whose HTML5 tree is known (content misplaced in
a table is foster-parented before it; an unclosed <p> ends at a block; a <td> outside a row
gets one; a stray </p> makes an empty paragraph), read with the tracker's own walker, checked
on what a browser shows. Speed: the 2.5 MB bulletin of ``bench/extract.py``, best CPU time
of ``--runs`` parses each, and the ratio to the bare ``BeautifulSoup(body, "lxml")``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.extract import bulletin  # noqa: E402
from tracker.extract import html  # noqa: E402

Parse = Callable[[bytes], BeautifulSoup]


def _lxml(body: bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "lxml")


def _html5lib(body: bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "html5lib")


def _lexbor(body: bytes) -> BeautifulSoup:
    from selectolax.lexbor import LexborHTMLParser

    return BeautifulSoup(LexborHTMLParser(body).html or "", "lxml")


def _gumbo(body: bytes) -> BeautifulSoup:
    from html5_parser import parse

    soup: BeautifulSoup = parse(body, treebuilder="soup")
    return soup


PARSERS: dict[str, Parse] = {"lxml": _lxml, "html5lib": _html5lib, "lexbor": _lexbor, "html5-parser": _gumbo}

CASES: list[tuple[str, bytes, Callable[[list[str]], bool]]] = [
    (
        "a paragraph misplaced in a table is foster-parented before it",
        b"<table><tr><td>64600</td><td>Destruction</td></tr><p>Investigational.</p>"
        b"<tr><td>64605</td><td>Other</td></tr></table>",
        lambda lines: lines.index("Investigational.") < lines.index("64600 | Destruction"),
    ),
    (
        "a cell outside any row still makes a row",
        b"<table><td>64600</td><td>Destruction</td></table>",
        lambda lines: "64600 | Destruction" in lines,
    ),
    (
        "an unclosed paragraph ends at the next block",
        b"<p>Covered when criteria are met:<ul><li>64600</li></ul><p>Next",
        lambda lines: lines[:2] == ["Covered when criteria are met:", "64600"],
    ),
    (
        "a stray </p> is an empty paragraph, not glue",
        b"<div>Neurolysis is covered.</p>CPT 64600</div>",
        lambda lines: "CPT 64600" in " ".join(lines),
    ),
    (
        "a table inside a paragraph closes the paragraph",
        b"<p>CPT codes covered if selection criteria are met:<table><tr><td>64600</td><td>D</td></tr></table>",
        lambda lines: lines[0] == "CPT codes covered if selection criteria are met:",
    ),
]


def _lines(soup: BeautifulSoup) -> list[str]:
    out = []
    for block in html.blocks_of(soup):
        if block.kind == "table":
            out += [x for x in (block.caption, block.group) if x]
            out += [" | ".join(c for c in row if c) for row in block.rows]
        else:
            out.append(block.text)
    return out


def correctness(parse: Parse) -> tuple[int, list[str]]:
    failed = []
    for name, markup, check in CASES:
        try:
            ok = check(_lines(parse(b"<!DOCTYPE html><html><body>" + markup + b"</body></html>")))
        except (ValueError, IndexError):
            ok = False
        if not ok:
            failed.append(name)
    return len(CASES) - len(failed), failed


def speed(parse: Parse, body: bytes, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        parse(body)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    body = bulletin()
    base = speed(_lxml, body, args.runs)
    print(f"bulletin: {len(body) / 1e6:.2f} MB; BeautifulSoup(lxml) parse {base:.3f} s CPU (best of {args.runs})")
    for name, parse in PARSERS.items():
        try:
            parse(b"<p>x</p>")
        except Exception as exc:  # noqa: BLE001 - a parser that cannot load is reported, not fatal
            print(f"{name:13s} unavailable: {type(exc).__name__}: {str(exc)[:140]}")
            continue
        right, failed = correctness(parse)
        seconds = speed(parse, body, args.runs)
        print(f"{name:13s} HTML5 cases {right}/{len(CASES)}  parse {seconds:.3f} s  = {seconds / base:.2f}x lxml")
        for name_ in failed:
            print(f"{'':13s}   wrong: {name_}")


if __name__ == "__main__":
    main()
