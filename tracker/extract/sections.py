"""Blocks → one Section per mention of a tracked code, with its heading path and governing text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from tracker.extract.codes import mentioned, mentions, names_codes, only_codes
from tracker.extract.document import Block, Outline, attach_captions_and_notes
from tracker.extract.linking import Statement, best_link, words
from tracker.extract.normalize import strip_label
from tracker.extract.rows import PA_COLUMN, grouped_rows, pa_cell, render_row, row_notes, row_pa, spanned_down
from tracker.judge.classify import (
    CODE_LIST,
    NO_STANCE,
    RELATED_CAPTION,
    Basis,
    classify_prior_auth,
    decide,
    is_disclaimer,
    not_policy,
)
from tracker.judge.stance import clauses, stances
from tracker.models import Section, Status

LEVEL_BOLD = 7
LEVEL_TITLE = 8
"""A bold line that titles the table right below it (HTML): a sub-heading of the bold heading above."""
LEVEL_LABEL = 9
SEP = " › "
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"])")


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


# A heading or table about prior authorization ("Prior Authorization Information", "Precertification").
_PA_HEADING = re.compile(r"prior\s*auth|pre-?\s?auth|pre-?\s?cert|precert|notification\s+requirement", re.I)
# A statement that speaks of the document's codes as such ("the codes listed in Attachment A", "procedure
# codes identified within this policy"): it governs a code list that names no stance of its own.
_CODE_REF = re.compile(r"\bcodes?\b|\blisted\b|\b(?:this|the)\s+(?:policy|table|list|attachment)\b", re.I)
_OTHERWISE = re.compile(r"^\W*(?:otherwise|else|if\s+not|in\s+(?:all\s+)?other\s+cases)\b", re.I)
# A clause with no code of its own that goes on about the same subject: "otherwise, it is ...".
_CONTINUES = re.compile(
    r"^\W*(?:otherwise|else|if\s+not|it|they|this|these|such|the\s+(?:same|procedure|service))\b", re.I
)
# Sections whose statements speak for the whole document (Premera "Policy", Highmark "Policy Position").
# A "title" that is the name of a policy section (a PDF of a page without <h1> takes its first <h2>,
# "Policy Position", for the title): the section it opens governs what follows.
_SECTION_TITLE = re.compile(
    r"(?:(?:medical\s+|coverage\s+|clinical\s+)?policy(?:\s+(?:position|statement|criteria))?|coverage\s+(?:rationale|policy)"
    r"|position\s+statement|criteria|indications|clinical\s+indications)",
    re.I,
)
_POLICY_SCOPE = re.compile(r"\b(?:policy|position|criteria|coverage\s+rationale|statement|indications)\b", re.I)


@dataclass
class _Scope:
    """What a heading scope says before its first sub-heading: a stance and/or a prior-auth statement."""

    heading: Block | None
    status: tuple[Status, Basis] | None = None
    statement: str = ""
    prior_auth: bool | None = None


@dataclass
class _Links:
    """What linking by procedure needs, gathered while reading (see ``tracker.extract.linking``), and
    the paragraphs since the last heading (lead-ins, labels, statements)."""

    codes: Sequence[str]
    sections: list[Section] = field(default_factory=list)
    recent: list[Block] = field(default_factory=list)
    """Paragraphs since the last heading: candidates for a governing statement."""
    stances: dict[Status, Basis] = field(default_factory=dict)
    """Every stance the document's policy sections take (statements naming codes included)."""
    general: dict[Status, str] = field(default_factory=dict)
    """The stances of policy statements that name no code (only those can speak for code lists), each
    with the last such statement."""
    inheritable: list[tuple[int, bool]] = field(default_factory=list)
    """Indices of code-list rows with no stance of their own: they take the document's stance, if one."""
    statements: list[Statement] = field(default_factory=list)
    """The document's policy statements (sentences, list items with their lead-in): what a code links to."""
    keys: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Section index → the procedure its row names: (group row, group row and descriptor), the keys for linking."""
    document_pa: list[bool] = field(default_factory=list)
    """Prior-authorization wording under a prior-authorization heading (or in its table) naming no code."""

    def _statement(self, block: Block, lead: str) -> None:
        """Keep a policy paragraph or list item as a statement codes may link to."""
        path = self.path()
        if not_policy(path, block.text) or is_disclaimer(block.text):
            return
        statement = _as_statement(block, lead)
        if statement is None:
            return
        if statement.prior_auth is not None and not statement.cites and _PA_HEADING.search(" ".join(path)):
            self.document_pa.append(statement.prior_auth)
        self.statements.append(statement)

    def path(self) -> list[str]:
        raise NotImplementedError

    def _lead_in(self) -> str:
        """The lead-in of a list item: the nearest paragraph ending with ':' since the heading, past the
        short fragments a page layout may leave between items (a wrapped line read apart); else the last
        paragraph."""
        for block in reversed(self.recent):
            if block.text.endswith(":"):
                return block.text
            if len(block.text) > 80 or decide([("statement", block.text)])[0] != "mentioned":
                break
        return self._governing()

    def _leads(self) -> list[tuple[str, str]]:
        """Every paragraph between the nearest heading and here, nearest first: labels and statements."""
        return [("label" if b.text.endswith(":") else "statement", b.text) for b in reversed(self.recent)]

    def _document_stance(self) -> None:
        """Code-list rows with no stance take the document's policy stance when its statements agree."""
        if len(self.stances) == 1 and set(self.stances) == set(self.general):
            ((status, basis),) = self.stances.items()
            # Under a disclaimer ("does not imply coverage") only a statement about the codes as such
            # ("the codes listed in Attachment A are …") speaks for the list; one about a procedure does not.
            codes = bool(_CODE_REF.search(self.general[status]))
            rows = [i for i, disclaimed in self.inheritable if codes or not disclaimed]
            _inherit(self.sections, rows, status, basis)

    def _governing(self) -> str:
        return self.recent[-1].text if self.recent else ""

    def _keep_key(self, first: int, group: str, row: Sequence[str]) -> None:
        """Sections ``first`` onwards (one row's) link by their group and descriptor."""
        key = " ".join([group, *(c for c in row if not only_codes(c))]) if row else ""
        self.keys.update(dict.fromkeys(range(first, len(self.sections)), (group, key)))

    def _subheading(self) -> str:
        """The innermost heading, when no paragraph stands between it and here: it names what follows
        (a bold group line over a code table in a PDF) and is the group for linking."""
        return "" if self.recent or not self.path() else self.path()[-1]

    def _link(self) -> None:
        """Codes whose own chain is neutral take the stance (and prior auth) of the statement naming their procedure."""
        pa = self.document_pa[0] if self.document_pa and len(set(self.document_pa)) == 1 else None
        for i, section in enumerate(self.sections):
            if i in self.keys and (section.basis or {}).get("rule") != "not-policy":
                group, key = self.keys[i]
                self.sections[i] = _linked(section, key, group, self.statements, pa)


@dataclass
class Reader(_Links):
    """Reads blocks in order, keeping the heading path, and collects the sections of ``codes``.

    Governing text is found by structure: a row takes its table's caption (or the label that
    precedes the table, even across a sub-heading), else the statement just above it, else
    the first statement at the top of each enclosing heading scope (innermost first), else
    the document's single policy stance; then the heading path. References, history, related
    and cross-reference lists, Medicare citations and the evidence discussion never decide
    (``not_policy``): their sections are ``mentioned``, with the reason as their basis.
    """

    outline: Outline = field(default_factory=Outline)
    scopes: list[_Scope] = field(default_factory=lambda: [_Scope(None)])

    def path(self) -> list[str]:
        """The heading path at this point of the reading."""
        return self.outline.path()

    def read(self, blocks: Iterable[Block]) -> None:
        """Feed blocks in document order."""
        for block in blocks:
            if block.kind == "heading" or _opens_section(block):
                self._heading(replace(block, kind="heading") if block.kind == "title" else block)
            elif block.kind in ("paragraph", "item"):
                self._text(block)
                if block.kind == "paragraph":
                    self.recent.append(block)
                    self._scope_statement(block)
            elif block.kind == "table":
                self._table(block)
        self._document_stance()
        self._link()

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
        status, basis = decide([("statement", text)])
        cites = names_codes(text)
        if status != "mentioned" and any(_POLICY_SCOPE.search(h.text) for h in self.outline.stack):
            self.stances.setdefault(status, basis)
            if not cites:
                self.general[status] = text
        if cites:
            return
        if scope.status is None and status != "mentioned":
            scope.status, scope.statement = (status, basis), text
        if scope.prior_auth is None:
            scope.prior_auth = classify_prior_auth(text)

    def _text(self, block: Block) -> None:
        lead = self._lead_in() if block.kind == "item" else self._governing()
        self._statement(block, lead)
        codes = mentioned(block.text, self.codes)
        if not codes:
            return
        listing = only_codes(block.text)
        intro = lead if (block.kind == "item" and lead.endswith(":")) or listing else ""
        scope = self._scope_parts() if listing else []
        split = _SENTENCE.split(block.text)
        for code in codes:
            sentences = _code_sentences(split, code)
            own = [c for s in sentences for c in _code_clauses(s, code)]
            alone = [s for s in sentences if not _other_codes(s, code)]
            # The code's own clauses read as one text: a later clause's stance beats an earlier one's negation.
            parts = [("statement", "; ".join(own)), *[("statement", c) for c in alone]]
            parts.append(("label" if intro.endswith(":") else "statement", intro))
            self._emit([code], [], [intro, block.text], parts + scope, block.page, lead_text=block.text)
            self._other_stances(code, own, intro, block)

    def _other_stances(self, code: str, own: list[str], intro: str, block: Block) -> None:
        """ "Only when …; otherwise …": a code whose "otherwise" clause takes another stance gets a section for it."""
        for clause in _otherwise_clauses(own, self.sections[-1].status):
            self._emit([code], [], [intro, block.text], [("statement", clause)], block.page, lead_text=block.text)

    def _scope_parts(self) -> list[tuple[str, str]]:
        """Stances of the enclosing scopes, innermost first, as decide() parts."""
        return [("statement", s.statement) for s in reversed(self.scopes) if s.status is not None]

    def _table(self, block: Block) -> None:
        pa_col = next((i for i, h in enumerate(block.header) if PA_COLUMN.search(h)), None)
        lead = self._governing() if not block.caption else ""
        related = bool(RELATED_CAPTION.search(block.caption))
        disclaimed = is_disclaimer(block.caption) or is_disclaimer(lead)
        governing = [] if related else [*self._leads(), *self._scope_parts()]
        pa_table = pa_col is not None or bool(_PA_HEADING.search(" ".join([*self.outline.path(), block.caption])))
        whole = replace(block, rows=spanned_down(block.rows, pa_col)) if pa_col is not None else block
        for row, group in grouped_rows(whole):
            block = replace(whole, group=group) if group != whole.group else whole
            extra = [strip_label(block.caption), strip_label(group)]
            codes = mentioned(" ".join(row), self.codes)
            if not codes:
                self.document_pa += row_pa(row, pa_col) if pa_table else []
                continue
            # A paragraph that cites other codes speaks of those only, not of this row.
            mine = [(w, t) for w, t in governing if not names_codes(t) or any(mentions(t, c) for c in codes)]
            text, parts = _row_passage(block, row, lead, mine)
            first = len(self.sections)
            self._emit(codes, extra, text, parts, block.page, prior_auth=pa_cell(row, pa_col), header=block.header)
            self._keep_key(first, block.group or self._subheading(), "" if related else row)
            if self.sections[-1].basis == NO_STANCE and not related:
                self.inheritable.extend((i, disclaimed) for i in range(first, len(self.sections)))

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


def _as_statement(block: Block, lead: str) -> Statement | None:
    """A paragraph or list item (with the lead-in that governs it) as a statement, if it takes a
    stance or states prior authorization."""
    governed = [("statement", block.text)]
    listed = block.kind == "item" and lead.endswith(":")
    if listed:
        governed.append(("label", lead))
    status, basis = decide(governed)
    pa = classify_prior_auth(block.text)
    if pa is None and listed:
        pa = classify_prior_auth(lead)
    if status == "mentioned" and pa is None:
        return None
    return Statement(
        text=block.text,
        words=words(block.text),
        status=status if status != "mentioned" else None,
        phrase=basis["phrase"],
        rule=basis["rule"],
        prior_auth=pa,
        cites=names_codes(block.text),
    )


def _linked(
    section: Section, key: str, group: str, statements: Sequence[Statement], document_pa: bool | None
) -> Section:
    """``section`` with the stance and prior auth of the statement its procedure links to, if any."""
    basis = section.basis or {}
    if section.status == "mentioned" and basis.get("rule") == "no-stance":
        link = best_link(key, statements, section.code, group=group)
        if link is not None:
            statement = _for_code(link.statement, section.code)
            linked = {"rule": statement.rule, "phrase": _quote(statement.text), "from": "linked"}
            if link.weak:
                linked["review"] = "weak link"
            text = f"{section.text}\nLinked statement: {statement.text}"
            section = replace(section, status=statement.status or "mentioned", basis=linked, text=text)
    if section.prior_auth is None:
        pa_link = best_link(key, statements, section.code, group=group, prior_auth=True)
        if pa_link is not None and not pa_link.weak:
            section = replace(section, prior_auth=pa_link.statement.prior_auth)
        elif document_pa is not None:
            section = replace(section, prior_auth=document_pa)
    return section


def _for_code(statement: Statement, code: str) -> Statement:
    """A statement that cites codes, read for ``code`` only: the stance of the clauses that name it."""
    if not statement.cites:
        return statement
    own = [c for s in _code_sentences(_SENTENCE.split(statement.text), code) for c in _code_clauses(s, code)]
    status, basis = decide([("statement", "; ".join(own))])
    if status == "mentioned":
        return statement
    return replace(statement, status=status, rule=basis["rule"], phrase=basis["phrase"])


def _quote(text: str, limit: int = 200) -> str:
    """A statement as a basis phrase: whole when short, else cut at a word."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def _code_clauses(sentence: str, code: str) -> list[str]:
    """The clauses of a sentence that speak of ``code``: those naming it, and those that go on about
    it ("…; otherwise it is …"); a sentence of one clause is that clause."""
    parts = clauses(sentence)
    if len(parts) < 2:
        return [sentence]
    own: list[str] = []
    current = False
    for part in parts:
        if mentions(part, code):
            current = True
        elif names_codes(part) or not _CONTINUES.match(part):
            current = False
        if current:
            own.append(part)
    return own


def _otherwise_clauses(own: list[str], first: Status) -> list[str]:
    """One clause per stance other than ``first`` among a code's first clause and its "otherwise …"
    clauses (a clause that only goes on about the code, "This does not apply to …", is not one)."""
    candidates = [own[0], *(c for c in own[1:] if _OTHERWISE.match(c))] if own else []
    out: dict[Status, str] = {}
    for clause in candidates:
        for hit in stances(clause):
            if hit.status is not None and hit.status != first:
                out.setdefault(hit.status, clause)
    return list(out.values())


def _opens_section(block: Block) -> bool:
    """A "title" that is the name of a policy section opens that section, above every heading (level
    0): a page without <h1> printed to PDF has its first <h2>, "Policy Position", for its title."""
    return block.kind == "title" and _SECTION_TITLE.fullmatch(block.text.strip(" :")) is not None


def _code_sentences(split: Sequence[str], code: str) -> list[str]:
    """The sentences that speak of ``code``: those naming it, and the ones right after them that go on
    about the same subject without naming a code ("… (CPT 64600) is no longer investigational. It is
    medically necessary when …")."""
    out: list[str] = []
    following = False
    for sentence in split:
        if mentions(sentence, code):
            out.append(sentence)
            following = True
        elif following and _CONTINUES.match(sentence) and not names_codes(sentence):
            out.append(sentence)
        else:
            following = False
    return out


def _other_codes(sentence: str, code: str) -> bool:
    """True when a clause of the sentence names codes but not ``code``: the sentence speaks of several."""
    return any(not mentions(c, code) and names_codes(c) for c in clauses(sentence))


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
    text = [block.caption, block.group, lead if only_codes(" ".join(row[:2])) else "", line, *notes]
    parts = [("row", line), *[("row", n) for n in notes], ("label", block.group), ("caption", block.caption)]
    return text, [*parts, *governing]


def _inherit(sections: list[Section], indices: Sequence[int], status: Status, basis: Basis) -> None:
    for i in indices:
        section = sections[i]
        if CODE_LIST.search(section.heading):
            sections[i] = replace(section, status=status, basis={**basis, "from": "statement"})


def dedupe(sections: Iterable[Section]) -> tuple[Section, ...]:
    """Drop repeats of the same (code, heading, text, status), keeping the first in document order."""
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for section in sections:
        ident = (section.code, section.heading, section.text, section.status)
        if ident not in seen:
            seen.add(ident)
            out.append(section)
    return tuple(out)
