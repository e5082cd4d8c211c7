"""HTML elements as a reader sees them: what is chrome, what is a block, a heading, a cell, hidden;
an element's inline text. Shared by the page walker (``html``) and the table reader (``htmltables``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

DROP = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "noscript",
        "template",
        "svg",
        "iframe",
        "button",
        "select",
        "textarea",
        "head",
        "object",
        "canvas",
        "map",
    }
)
"""Elements that are page chrome or not text at all."""
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "blockquote",
        "ul",
        "ol",
        "li",
        "table",
        "dl",
        "dt",
        "dd",
        "form",
        "center",
        "pre",
        "figure",
        "figcaption",
        "fieldset",
        "address",
        "body",
        "html",
        "hr",
        "details",
        "summary",
        *HEADINGS,
    }
)
STRONG = frozenset({"b", "strong"})
SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
TABLE_ROLES = frozenset({"table", "grid", "treegrid"})
ROW_ROLES = frozenset({"row"})
CELL_ROLES = frozenset({"cell", "gridcell", "columnheader", "rowheader"})


class Hides(Protocol):
    """Whatever decides which elements are not shown (the page walker: openable panels are shown)."""

    def is_dropped(self, tag: Tag) -> bool: ...


def is_cell(tag: Tag) -> bool:
    return tag.name in ("td", "th") or str(tag.get("role", "")).lower() in CELL_ROLES


def is_header_cell(cell: Tag) -> bool:
    return cell.name == "th" or str(cell.get("role", "")).lower() in ("columnheader",)


def hidden(tag: Tag) -> bool:
    if not tag.attrs:
        return False
    return tag.has_attr("hidden") or tag.get("aria-hidden") == "true" or bool(_HIDDEN.search(str(tag.get("style", ""))))


def inline_text(tag: Tag, walker: Hides | None = None) -> str:
    """Text of an element: inline markup joins without spaces ("64600<sup>*</sup>"), blocks and <br> split.

    Iterative, so any depth of nesting reads. ``walker`` decides what is hidden (openable panels are not).
    """
    parts: list[str] = []
    stack: list[tuple[Iterator[object], str]] = [(iter(tag.children), "")]
    while stack:
        children, gap = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            parts.append(gap)
        elif isinstance(child, Tag):
            if walker.is_dropped(child) if walker is not None else child.name in DROP or hidden(child):
                continue
            name = child.name
            inner_gap = " " if name in BLOCK_TAGS or name in ("br", "td", "th", "tr") or is_cell(child) else ""
            parts.append(inner_gap)
            stack.append((iter(child.children), inner_gap))
        elif isinstance(child, NavigableString) and not isinstance(child, SKIP_STRINGS):
            parts.append(str(child))
    return "".join(parts)
