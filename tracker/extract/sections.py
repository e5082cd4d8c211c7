"""Blocks → one Section per mention of a tracked code, with its heading path and governing text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tracker.extract.codes import FOOTNOTE_MARKERS, is_code_like, mentioned, mentions, only_codes
from tracker.extract.document import Block, Outline, attach_captions_and_notes
from tracker.extract.normalize import strip_label
from tracker.judge.classify import (
    CODE_LIST,
    NO_STANCE,
    Basis,
    classify_prior_auth,
    decide,
    is_disclaimer,
    not_policy,
)
from tracker.models import Section, Status

LEVEL_BOLD = 7
LEVEL_TITLE = 8
"""A bold line that titles the table right below it (HTML): a sub-heading of the bold heading above."""
LEVEL_LABEL = 9
SEP = " › "
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"])")
_MARKER = re.compile(rf"[A-Za-z0-9]([{FOOTNOTE_MARKERS}]+)")
_TOKEN = re.compile(r"[A-Za-z0-9]+")


def heading_level(block: Block) -> int | None:
    """The level at which ``block`` enters the heading path, None if it is not a heading.

    Sized headings keep their level; a short bold paragraph (a label) ranks below them,
    and a label ending with a colon below that (a colon label directly above a table
    becomes the table's caption instead, see ``finish_blocks``). A reader may rank a bold
    paragraph itself (its ``level``): the HTML reader ranks a bold line right above a table
    ``LEVEL_TITLE``, the table's title, so it nests under a bold heading as an <hN> would.
    """
    if block.kind == "heading":
        return block.level
    text = block.text
    # A bold sentence is emphasis, not a heading.
    if block.kind == "paragraph" and block.label and len(text) <= 150 and not text.endswith((".", ";", "!", "?")):
        return LEVEL_LABEL if text.endswith(":") else block.level or LEVEL_BOLD
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


_PA_COLUMN = re.compile(r"prior\s*auth|pre-?\s?auth|pre-?\s?cert|precert|notification", re.IGNORECASE)
_PA_YES = re.compile(r"^(?:yes|y|x|required|requires?\b.*|✓|✔)\b", re.IGNORECASE)
_PA_NO = re.compile(r"^(?:no|n|none|n/?a|not\s+required|no\s+prior)\b", re.IGNORECASE)
# A caption that lists codes as related, not as governed: Aetna "Other CPT codes related to the CPB:".
_RELATED_CAPTION = re.compile(r"\b(?:related|other\s+(?:cpt|hcpcs)?\s*codes)\b", re.IGNORECASE)
# Sections whose statements speak for the whole document (Premera "Policy", Highmark "Policy Position").
_POLICY_SCOPE = re.compile(r"\b(?:policy|position|criteria|coverage\s+rationale|statement|indications)\b", re.I)


@dataclass
class _Scope:
    """What a heading scope says before its first sub-heading: a stance and/or a prior-auth statement."""

    heading: Block | None
    status: tuple[Status, Basis] | None = None
    statement: str = ""
    prior_auth: bool | None = None


@dataclass
class Reader:
    """Reads blocks in order, keeping the heading path, and collects the sections of ``codes``.

    Governing text is found by structure: a row takes its table's caption (or the label that
    precedes the table, even across a sub-heading), else the statement just above it, else
    the first statement at the top of each enclosing heading scope (innermost first), else
    the document's single policy stance; then the heading path. References, history, related
    and cross-reference lists, Medicare citations and the evidence discussion never decide
    (``not_policy``): their sections are ``mentioned``, with the reason as their basis.
    """

    codes: Sequence[str]
    outline: Outline = field(default_factory=Outline)
    recent: list[Block] = field(default_factory=list)
    """Paragraphs since the last heading: candidates for a governing statement."""
    sections: list[Section] = field(default_factory=list)
    scopes: list[_Scope] = field(default_factory=lambda: [_Scope(None)])
    stances: dict[Status, Basis] = field(default_factory=dict)
    """Every stance the document's policy sections take (statements naming codes included)."""
    general: set[Status] = field(default_factory=set)
    """The stances of policy statements that name no code (only those can speak for code lists)."""
    inheritable: list[int] = field(default_factory=list)
    """Indices of code-list rows with no stance of their own: they take the document's stance, if one."""

    def read(self, blocks: Iterable[Block]) -> None:
        """Feed blocks in document order."""
        for block in blocks:
            if block.kind == "heading":
                self._heading(block)
            elif block.kind in ("paragraph", "item"):
                self._text(block)
                if block.kind == "paragraph":
                    self.recent.append(block)
                    self._scope_statement(block)
            elif block.kind == "table":
                self._table(block)
        self._document_stance()

    def _heading(self, block: Block) -> None:
        # A heading that names a code ("CPT 64600 billing guidance") is a passage about it too.
        codes = mentioned(block.text, self.codes)
        if codes:
            self._emit(codes, [], [block.text], [("heading", block.text)], block.page)
        self.outline.push(block)
        while len(self.scopes) > 1 and not any(h is self.scopes[-1].heading for h in self.outline.stack):
            self.scopes.pop()
        self.scopes.append(_Scope(block))
        self.recent.clear()

    def _scope_statement(self, block: Block) -> None:
        """The first stance (and prior-auth statement) at the top of a scope governs the scope."""
        scope = self.scopes[-1]
        text = block.text
        if not_policy(self.outline.path(), text):
            return
        if any(_POLICY_SCOPE.search(h.text) for h in self.outline.stack):
            status, basis = decide([("statement", text)])
            if status != "mentioned":
                self.stances.setdefault(status, basis)
                if not _names_codes(text):
                    self.general.add(status)
        if _names_codes(text):
            return
        if scope.status is None:
            status, basis = decide([("statement", text)])
            if status != "mentioned":
                scope.status, scope.statement = (status, basis), text
        if scope.prior_auth is None:
            scope.prior_auth = classify_prior_auth(text)

    def _governing(self) -> str:
        return self.recent[-1].text if self.recent else ""

    def _text(self, block: Block) -> None:
        codes = mentioned(block.text, self.codes)
        if not codes:
            return
        lead, listing = self._governing(), only_codes(block.text)
        intro = lead if (block.kind == "item" and lead.endswith(":")) or listing else ""
        scope = self._scope_parts() if listing else []
        split = _SENTENCE.split(block.text)
        for code in codes:
            sentences = [s for s in split if mentions(s, code)]
            parts = [*[("statement", s) for s in sentences], ("label" if intro.endswith(":") else "statement", intro)]
            self._emit([code], [], [intro, block.text], parts + scope, block.page, lead_text=block.text)

    def _scope_parts(self) -> list[tuple[str, str]]:
        """Stances of the enclosing scopes, innermost first, as decide() parts."""
        return [("statement", s.statement) for s in reversed(self.scopes) if s.status is not None]

    def _table(self, block: Block) -> None:
        pa_col = next((i for i, h in enumerate(block.header) if _PA_COLUMN.search(h)), None)
        lead = self._governing() if not block.caption else ""
        related = bool(_RELATED_CAPTION.search(block.caption))
        inherits = not (related or is_disclaimer(block.caption) or is_disclaimer(lead))
        governing = [] if related else [("statement", lead), *self._scope_parts()]
        extra = [strip_label(block.caption)]
        for row in block.rows:
            codes = mentioned(" ".join(row), self.codes)
            if not codes:
                continue
            text, parts = _row_passage(block, row, lead, governing)
            first = len(self.sections)
            self._emit(codes, extra, text, parts, block.page, prior_auth=_pa_cell(row, pa_col), header=block.header)
            if self.sections[-1].basis == NO_STANCE and inherits:
                self.inheritable.extend(range(first, len(self.sections)))

    def _emit(
        self,
        codes: Sequence[str],
        extra: list[str],
        text: list[str],
        parts: list[tuple[str, str]],
        page: int | None,
        *,
        lead_text: str = "",
        prior_auth: bool | None = None,
        header: Sequence[str] = (),
    ) -> None:
        """One section per code of ``codes``: the same passage, judged once."""
        path = [p for p in [*self.outline.path(), *extra] if p]
        labels = {strip_label(h.text) for h in self.outline.stack if h.level == LEVEL_LABEL}
        headings = [("label" if p in labels or p in extra else "heading", p) for p in path[::-1]]
        context = [(w, t) for w, t in parts if t] + headings
        reason = not_policy(self.outline.path(), lead_text or next((t for _, t in parts if t), ""), header)
        scope_pa = next((s.prior_auth for s in reversed(self.scopes) if s.prior_auth is not None), None)
        status, basis, pa = _judge(context, reason, prior_auth, scope_pa)
        heading, body = SEP.join(path), "\n".join(t for t in text if t)
        for code in codes:
            self.sections.append(
                Section(
                    code=code, heading=heading, text=body, status=status, prior_auth=pa, page=page, basis=dict(basis)
                )
            )

    def _document_stance(self) -> None:
        """Code-list rows with no stance take the document's policy stance when its statements agree."""
        if len(self.stances) == 1 and set(self.stances) == self.general:
            ((status, basis),) = self.stances.items()
            _inherit(self.sections, self.inheritable, status, basis)


def _judge(
    context: Sequence[tuple[str, str]], reason: str, prior_auth: bool | None, scope_pa: bool | None
) -> tuple[Status, Basis, bool | None]:
    """Status, basis and prior auth of a passage from its context (most specific first)."""
    if reason:
        return "mentioned", {"rule": "not-policy", "phrase": reason, "from": "heading"}, None
    status, basis = decide(context)
    pa = prior_auth if prior_auth is not None else classify_prior_auth(*(t for _, t in context))
    return status, basis, pa if pa is not None else scope_pa


def _row_passage(
    block: Block, row: Sequence[str], lead: str, governing: list[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    """A table row's text (caption, lead, row, footnotes) and its decide() parts, most specific first."""
    line = render_row(block.header, row)
    notes = row_notes(row, block.notes)
    text = [block.caption, lead if only_codes(" ".join(row[:2])) else "", line, *notes]
    return text, [("row", line), *[("row", n) for n in notes], ("caption", block.caption), *governing]


def _inherit(sections: list[Section], indices: Sequence[int], status: Status, basis: Basis) -> None:
    for i in indices:
        section = sections[i]
        if CODE_LIST.search(section.heading):
            sections[i] = replace(section, status=status, basis={**basis, "from": "statement"})


def _names_codes(text: str) -> bool:
    """True when the text names a code-shaped token (a statement about those codes, not a scope's)."""
    return any(is_code_like(t) for t in _TOKEN.findall(text))


def _pa_cell(row: Sequence[str], column: int | None) -> bool | None:
    """The value of a prior-authorization column ("Yes" / "Required" / "No" / "Not required")."""
    if column is None or column >= len(row):
        return None
    value = row[column].strip()
    if _PA_NO.match(value):
        return False
    if _PA_YES.match(value):
        return True
    return None


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
