"""Blocks → one Section per mention of a tracked code, with its heading path and governing text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tracker.extract.codes import FOOTNOTE_MARKERS, mentions, only_codes
from tracker.extract.document import Block, Outline, attach_captions_and_notes
from tracker.extract.normalize import strip_label
from tracker.judge.classify import classify_prior_auth, classify_status
from tracker.models import Section

LEVEL_BOLD = 7
LEVEL_LABEL = 8
SEP = " › "
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"])")
_MARKER = re.compile(rf"[A-Za-z0-9]([{FOOTNOTE_MARKERS}]+)")


def heading_level(block: Block) -> int | None:
    """The level at which ``block`` enters the heading path, None if it is not a heading.

    Sized headings keep their level; a short bold paragraph (a label) ranks below them,
    and a label ending with a colon below that (a colon label directly above a table
    becomes the table's caption instead, see ``finish_blocks``).
    """
    if block.kind == "heading":
        return block.level
    text = block.text
    # A bold sentence is emphasis, not a heading.
    if block.kind == "paragraph" and block.label and len(text) <= 150 and not text.endswith((".", ";", "!", "?")):
        return LEVEL_LABEL if text.endswith(":") else LEVEL_BOLD
    return None


def finish_blocks(blocks: Sequence[Block]) -> list[Block]:
    """Captions and notes into their tables, then bold labels into headings."""
    out = []
    for block in attach_captions_and_notes(blocks):
        level = heading_level(block)
        if block.kind == "paragraph" and level is not None:
            block = replace(block, kind="heading", level=level)
        out.append(block)
    return out


@dataclass
class Reader:
    """Reads blocks in order, keeping the heading path, and collects the sections of ``codes``."""

    codes: Sequence[str]
    outline: Outline = field(default_factory=Outline)
    recent: list[Block] = field(default_factory=list)
    """Paragraphs since the last heading: candidates for a governing statement."""
    sections: list[Section] = field(default_factory=list)

    def read(self, blocks: Iterable[Block]) -> None:
        """Feed blocks in document order."""
        for block in blocks:
            if block.kind == "heading":
                self._heading(block)
            elif block.kind in ("paragraph", "item"):
                self._text(block)
                if block.kind == "paragraph":
                    self.recent.append(block)
            elif block.kind == "table":
                self._table(block)

    def _heading(self, block: Block) -> None:
        # A heading that names a code ("CPT 64600 billing guidance") is a passage about it too.
        for code in self.codes:
            if mentions(block.text, code):
                text = block.text
                self._emit(code, [], [text], [text], block.page)
        self.outline.push(block)
        self.recent.clear()

    def _governing(self) -> str:
        return self.recent[-1].text if self.recent else ""

    def _text(self, block: Block) -> None:
        lead = self._governing()
        for code in self.codes:
            if not mentions(block.text, code):
                continue
            intro = lead if (block.kind == "item" and lead.endswith(":")) or only_codes(block.text) else ""
            sentences = [s for s in _SENTENCE.split(block.text) if mentions(s, code)]
            parts = [*sentences, intro]
            self._emit(code, [], [intro, block.text], parts, block.page)

    def _table(self, block: Block) -> None:
        for row in block.rows:
            line = render_row(block.header, row)
            for code in self.codes:
                if not mentions(" ".join(row), code):
                    continue
                lead = self._governing() if not block.caption and only_codes(" ".join(row[:2])) else ""
                notes = row_notes(row, block.notes)
                text = [block.caption, lead, line, *notes]
                self._emit(code, [strip_label(block.caption)], text, [line, *notes, block.caption, lead], block.page)

    def _emit(self, code: str, extra: list[str], text: list[str], parts: list[str], page: int | None) -> None:
        path = [p for p in [*self.outline.path(), *extra] if p]
        context = [p for p in parts if p] + path[::-1]
        self.sections.append(
            Section(
                code=code,
                heading=SEP.join(path),
                text="\n".join(t for t in text if t),
                status=classify_status(*context),
                prior_auth=classify_prior_auth(*context),
                page=page,
            )
        )


def render_row(header: Sequence[str], row: Sequence[str]) -> str:
    """'Header: value | Header: value'; headers are used when they line up with the cells."""
    named = len(header) == len(row)
    cells = [f"{header[i]}: {cell}" if named and header[i] else cell for i, cell in enumerate(row) if cell]
    return " | ".join(cells)


def row_notes(row: Sequence[str], notes: Sequence[str]) -> list[str]:
    """The footnotes whose markers appear right after a value in the row ("64600*")."""
    markers = set(_MARKER.findall(" ".join(row)))
    return [
        n for n in notes if any(n.startswith(m) and n[len(m) : len(m) + 1] not in FOOTNOTE_MARKERS for m in markers)
    ]


def dedupe(sections: Iterable[Section]) -> tuple[Section, ...]:
    """Drop repeats of the same (code, heading, text), keeping the first in document order."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for section in sections:
        ident = (section.code, section.heading, section.text)
        if ident not in seen:
            seen.add(ident)
            out.append(section)
    return tuple(out)
