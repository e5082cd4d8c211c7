"""The document model: HTML and PDF both become an ordered list of blocks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from tracker.extract.codes import FOOTNOTE_MARKERS
from tracker.extract.normalize import strip_label

Kind = Literal["title", "heading", "paragraph", "item", "table", "toc"]


@dataclass(frozen=True)
class Block:
    """One unit of reading order: a heading, paragraph, list item, table or TOC line.

    ``level`` orders headings (smaller = more important). A table carries its ``caption``
    (the label just above it), its ``header`` row, its ``rows`` and the ``notes`` (footnotes)
    printed under it. ``page`` is 1-based for PDFs, None for HTML.
    """

    kind: Kind
    text: str = ""
    level: int = 0
    page: int | None = None
    caption: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()
    label: bool = False
    """A bold/strong paragraph: a pseudo-heading or a caption."""
    continued: bool = False
    """A table that continues the table before it across a page break."""
    group: str = ""
    """A table's group row ("Tenotomy Using a Waterjet Device", "For the following codes when
    specified as ...:"): a row without a code over these rows, naming the procedures they report."""


def is_caption(block: Block) -> bool:
    """A short paragraph ending with a colon labels the table that follows it."""
    return block.kind == "paragraph" and block.text.endswith(":") and len(block.text) <= 300


def _is_subheading(block: Block) -> bool:
    """A short bold line (or a heading) without a colon: a sub-heading between a label and its table."""
    if block.kind == "heading":
        return True
    return block.kind == "paragraph" and block.label and len(block.text) <= 80 and not block.text.endswith((":", "."))


def is_note(block: Block) -> bool:
    """A footnote paragraph ("*Prior authorization is not required ...")."""
    return block.kind == "paragraph" and block.text[:1] in FOOTNOTE_MARKERS


def attach_captions_and_notes(blocks: Sequence[Block]) -> list[Block]:
    """Move a label paragraph into the table below it and footnotes into the table above them.

    A table continued across a page break takes the caption and header of the part before,
    and every part gets the footnotes printed under the last part.
    """
    out: list[Block] = []
    last: Block | None = None
    for block in blocks:
        if block.kind == "table":
            if block.continued and last is not None:
                block = replace(block, caption=block.caption or last.caption, header=last.header or block.header)
            elif not block.caption and out and is_caption(out[-1]):
                block = replace(block, caption=out.pop().text)
            elif not block.caption and len(out) >= 2 and is_caption(out[-2]) and _is_subheading(out[-1]):
                # A label separated from its table by a sub-heading (Cigna: "Considered Medically
                # Necessary when ...:", then "Trigeminal Nerve", then the table) still captions it.
                block = replace(block, caption=out[-2].text)
                del out[-2]
            last = block
        out.append(block)
    following: tuple[str, ...] = ()
    for i in reversed(range(len(out))):
        block = out[i]
        if block.kind == "table":
            nxt = out[i + 1] if i + 1 < len(out) else None
            carried = following if nxt is not None and nxt.kind == "table" and nxt.continued else ()
            following = block.notes + _notes_after(out, i) + carried
            out[i] = replace(block, notes=following)
    return out


def _notes_after(blocks: Sequence[Block], index: int) -> tuple[str, ...]:
    """Footnotes within the three paragraphs after a table (a trademark line may sit between)."""
    notes = []
    for block in blocks[index + 1 : index + 4]:
        if block.kind != "paragraph":
            break
        if is_note(block):
            notes.append(block.text)
    return tuple(notes)


@dataclass
class Outline:
    """The heading stack while reading blocks in order."""

    stack: list[Block] = field(default_factory=list)
    _path: list[str] | None = field(default=None, repr=False, compare=False)

    def push(self, heading: Block) -> None:
        """Enter a heading: it closes every heading at its level or below."""
        while self.stack and self.stack[-1].level >= heading.level:
            self.stack.pop()
        self.stack.append(heading)
        self._path = None

    def path(self) -> list[str]:
        """Heading texts from the outermost in (computed once per heading entered; do not mutate)."""
        if self._path is None:
            self._path = [strip_label(h.text) for h in self.stack]
        return self._path


def text_lines(blocks: Iterable[Block]) -> Iterator[str]:
    """The blocks as plain lines (a table gives its caption, then a line per row): for metadata."""
    for block in blocks:
        yield from (line for line in (block.text, block.caption, block.group) if line)
        yield from (" ".join(row) for row in (block.header, *block.rows) if row)
