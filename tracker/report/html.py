"""The HTML of `tracker report`: one self-contained page (inline CSS, no script, no external URL). Pure.

Sections: the coverage matrix (one table per code), the timeline of changes per payer
(newest first), and each change side by side with word-level highlights. Status is
given as text and colour; ``<ins>``/``<del>`` carry hidden start/end words for screen
readers. Every piece of text from a policy, a server or the database is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from itertools import groupby
from typing import Any
from urllib.parse import urlsplit

from tracker.judge.diff import DELETE, GAP, INSERT, SAME, Segment, said_once, word_diff
from tracker.notify.digest import Item
from tracker.report.css import CSS
from tracker.vocab import (
    STATUS_LABELS,
    STATUS_MEANINGS,
    code_label,
    payer_name,
    plural,
    prior_auth_word,
    status_label,
    status_word,
)

Row = Mapping[str, Any]

FULL_TEXT_WORDS = 5000
"""Unchanged words kept around each edit in the side-by-side view: the whole passage, unless it is huge."""

KIND_LABELS = {
    "new": "First capture",
    "added": "Code added",
    "removed": "Code removed",
    "changed": "Changed",
    "metadata": "Details updated",
    "retired": "Policy retired",
}
BREAK = "\ue000"
"""Stands for a line break of the passage while it goes through the word diff (which splits on whitespace)."""


@dataclass(frozen=True)
class Side:
    """One end of a change: a stored version, what it said of the code, and its copied capture."""

    version: int
    """The version's number within its source (shown "v2"), not its database id."""
    captured_at: str
    effective_date: str | None
    status: str | None
    prior_auth: bool | None
    text: str
    sha256: str
    href: str | None
    """The capture's path relative to index.html; None when the capture is gone (see ``note``)."""
    note: str = ""


@dataclass(frozen=True)
class ChangeView:
    """One change as the report shows it: the digest's wording and both ends."""

    item: Item
    old: Side | None
    new: Side | None

    @property
    def anchor(self) -> str:
        """The id of the change's side-by-side article."""
        return f"change-{self.item.change_id}"


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows."""

    generated_at: str
    status: Sequence[Row]
    """``history.status`` rows, each with the source's ``url``."""
    failing: Mapping[str, Row]
    """``history.failing_sources`` rows by source id: sources whose latest fetch failed."""
    changes: Sequence[ChangeView]
    """Every change, first captures included, oldest first."""
    upcoming: Sequence[Row] = ()
    """``tracker.feeds.upcoming`` rows: announced changes and versions taking effect later, soonest first."""


def e(value: Any) -> str:
    """Escaped text; None as an em dash."""
    return "—" if value is None or value == "" else escape(str(value), quote=True)


def link(url: str | None, text: str) -> str:
    """A link to an http(s) URL; anything else is shown as text, never as a link."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return e(text)
    return f'<a href="{e(url)}">{e(text)}</a>'


def when(moment: str | None) -> str:
    """A stored timestamp as a <time> element: "2026-04-21 06:00"."""
    if not moment:
        return "—"
    day, _, clock = moment[:16].partition("T")
    offset = moment[19:] if len(moment) > 19 and moment[19:] not in ("+00:00", "Z") else ""
    hour = f' <span class="nowrap">{e(clock)}{e(offset) if offset else ""}</span>' if clock else ""
    return f'<time datetime="{e(moment)}"><span class="nowrap">{e(day)}</span>{hour}</time>'


def date(value: str | None) -> str:
    """A date that does not wrap."""
    return f'<span class="nowrap">{e(value)}</span>' if value else "—"


def badge(status: str | None) -> str:
    """A status as a coloured badge that also says it in words."""
    meaning = f' title="{e(STATUS_MEANINGS[status])}"' if status in STATUS_MEANINGS else ""
    css = e(status if status in STATUS_LABELS else "unknown")
    return f'<span class="status s-{css}"{meaning}>{e(status_label(status))}</span>'


def kind_label(kind: str) -> str:
    """A change kind as a short label: "Code removed"."""
    return KIND_LABELS.get(kind, kind)


def prior_auth(value: bool | None) -> str:
    """Prior authorization in words: the vocabulary's (required / not required / unknown), as everywhere."""
    return prior_auth_word(value)


def render_report(data: ReportData) -> str:
    """The whole report as one HTML document."""
    news = [c for c in data.changes if c.item.kind != "new"]
    summary = " · ".join(
        [
            plural(len({r["source"] for r in data.status}), "source"),
            plural(len({r["code"] for r in data.status}), "code"),
            plural(len(news), "change") + " since the first captures",
            plural(len(data.failing), "source") + " failing",
        ]
    )
    body = [
        '<a class="skip" href="#main">Skip to the report</a>',
        '<header class="wrap"><h1>Payer policy report</h1>',
        f'<p class="lede">Generated {when(data.generated_at)} · {e(summary)}. Times are UTC unless marked.</p>',
        '<nav class="toc" aria-label="Contents"><ul><li><a href="#matrix">Coverage matrix</a></li>'
        '<li><a href="#calendar">Calendar</a></li>'
        '<li><a href="#timeline">Timeline</a></li><li><a href="#changes">Changes side by side</a></li></ul></nav>'
        "</header>",
        '<main id="main" class="wrap">',
        matrix_section(data),
        calendar_section(data.upcoming),
        timeline_section(data.changes),
        changes_section(news),
        "</main>",
        '<footer class="wrap">Made by <code>tracker report</code>. Captures are the bytes as fetched; each file is '
        "named by its sha256.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Payer policy report — {e(data.generated_at[:10])}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# --- the coverage matrix ---------------------------------------------------------------------------

MATRIX_COLUMNS = (
    ("payer", "Payer / plan"),
    ("policy", "Policy"),
    ("status", "Status"),
    ("pa", "Prior auth"),
    ("eff", "Effective"),
    ("change", "Last change"),
    ("check", "Last successful check"),
    ("health", "Check health"),
)


def matrix_section(data: ReportData) -> str:
    """One table per code: every source's current stance, with stale sources marked; then the failing sources."""
    out = [
        '<section id="matrix" aria-labelledby="matrix-h"><h2 id="matrix-h">Coverage matrix</h2>',
        '<p class="muted">Each policy\'s latest good version. A row marked <strong>Stale</strong> could not be '
        "checked the last time: its status is the last one known.</p>",
    ]
    latest = _latest_changes(data.changes)
    rows = sorted(data.status, key=lambda r: (r["code"], r["payer"], r["plan"] or "", r["source"]))
    cols = "<colgroup>" + "".join(f'<col class="c-{key}">' for key, _ in MATRIX_COLUMNS) + "</colgroup>"
    head = "<thead><tr>" + "".join(f'<th scope="col">{e(label)}</th>' for _, label in MATRIX_COLUMNS) + "</tr></thead>"
    for code, group in groupby(rows, key=lambda r: r["code"]):
        body = "".join(_matrix_row(r, data.failing.get(r["source"]), latest) for r in group)
        out.append(
            f'<table class="matrix" id="matrix-{e(code)}"><caption>{e(code_label(code))}: status by payer '
            f"and policy</caption>{cols}{head}<tbody>{body}</tbody></table>"
        )
    if not rows:
        out.append("<p>No source has been checked yet.</p>")
    out.append(failures_table(data.failing.values()))
    return "\n".join(out) + "</section>"


def _latest_changes(changes: Iterable[ChangeView]) -> dict[tuple[str, str], ChangeView]:
    """The newest alerting change of each (source, code), for the matrix's links."""
    found: dict[tuple[str, str], ChangeView] = {}
    for view in changes:
        if view.item.kind not in ("new", "metadata"):
            found[(view.item.source_id, view.item.code)] = view
    return found


def _matrix_row(row: Row, failing: Row | None, latest: Mapping[tuple[str, str], ChangeView]) -> str:
    number = f"{row['policy_number']} · " if row.get("policy_number") else ""
    policy = (
        f'{link(row.get("url"), row.get("title") or row["source"])}<br><span class="muted">'
        f"{e(number)}{e(row['source'])}</span>"
    )
    change = latest.get((row["source"], row["code"]))
    changed = when(row.get("changed_at"))
    if change is not None:
        changed += f'<br><a href="#{change.anchor}">{e(kind_label(change.item.kind))}: see the diff</a>'
    elif row.get("changed_at"):
        changed += '<br><span class="muted">first capture</span>'
    retired = f' <span class="muted">since {e(row["retired_on"])}</span>' if row.get("retired_on") else ""
    cells = [
        badge(row.get("status"))
        + retired
        + (' <span class="needs-review">needs review</span>' if row.get("needs_review") else "")
        + _confirmed(row),
        e(prior_auth(row.get("prior_auth"))),
        date(row.get("effective_date")),
        changed,
        when(row.get("checked_at")),
        _health(failing),
    ]
    stale = ' class="stale"' if failing else ""
    return (
        f'<tr{stale} data-source="{e(row["source"])}" data-code="{e(row["code"])}" '
        f'data-status="{e(row.get("status") or "none")}"><th scope="row">{e(payer_name(row["payer"], row["plan"]))}'
        f'{_line_of_business(row)}</th><td data-label="Policy">{policy}</td>'
        + "".join(
            f'<td data-label="{e(label)}">{c}</td>' for c, (_, label) in zip(cells, MATRIX_COLUMNS[2:], strict=True)
        )
        + "</tr>"
    )


def _line_of_business(row: Row) -> str:
    """The source's line of business and state under the payer's name, when sources.toml gives them."""
    bits = [str(b) for b in (row.get("lob"), row.get("state")) if b]
    return f'<br><span class="muted">{e(" · ".join(bits))}</span>' if bits else ""


def calendar_section(upcoming: Sequence[Row]) -> str:
    """What takes effect later, month by month: announced changes and stored versions (tracker upcoming)."""
    out = [
        '<section id="calendar" aria-labelledby="calendar-h"><h2 id="calendar-h">Calendar</h2>',
        '<p class="muted">Announced changes (payers\' bulletins, indexes and the Coverage API) and stored '
        "versions whose effective date is still ahead, soonest first.</p>",
    ]
    if not upcoming:
        out.append("<p>Nothing announced or taking effect later.</p>")
    for month, group in groupby(upcoming, key=lambda r: str(r["effective_date"])[:7]):
        rows = "".join(
            f'<tr><td>{date(r["effective_date"])}</td><td class="days">in {e(r["days"])} d</td>'
            f"<td>{e(payer_name(r['payer'], r.get('plan')))}</td><td>{link(r.get('url'), r['text'])}</td></tr>"
            for r in group
        )
        out.append(
            f'<table class="calendar"><caption>{e(month)}</caption><thead><tr><th scope="col">Effective</th>'
            f'<th scope="col">When</th><th scope="col">Payer</th><th scope="col">What</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    return "\n".join(out) + "</section>"


def _confirmed(row: Row) -> str:
    """An analyst's confirmation in the matrix (issue 21), with the automatic reading beside it when they differ."""
    if row.get("reading") != "confirmed":
        return ""
    out = f'<br><span class="confirmed">confirmed by {e(row.get("confirmed_by"))}</span>'
    if row.get("automatic_status") != row.get("status") or row.get("automatic_prior_auth") != row.get("prior_auth"):
        auto = f"{badge(row.get('automatic_status'))} prior auth: {e(prior_auth(row.get('automatic_prior_auth')))}"
        out += f'<br><span class="muted automatic">automatic reading: {auto}</span>'
    return out


def _health(failing: Row | None) -> str:
    if failing is None:
        return '<span class="health-ok">OK</span>'
    runs = plural(int(failing["failures_in_a_row"]), "failed run")
    return (
        f'<span class="health-stale">Stale</span>: {e(runs)} in a row ({e(failing.get("error_class"))}). '
        f'<a href="#failing-{e(failing["source"])}">Why</a>'
    )


def failures_table(failing: Iterable[Row]) -> str:
    """The sources whose latest check failed: since when, how often, and the error."""
    rows = sorted(failing, key=lambda r: r["source"])
    if not rows:
        return ""
    head = "".join(
        f'<th scope="col">{c}</th>'
        for c in ("Source", "Failed runs in a row", "Last success", "Latest attempt", "Error")
    )
    body = "".join(
        f'<tr id="failing-{e(r["source"])}"><th scope="row">{e(payer_name(r["payer"], r["plan"]))} · '
        f'{link(r.get("url"), r.get("title") or r["source"])}<br><span class="muted">{e(r["source"])}</span></th>'
        f'<td data-label="Failed runs in a row">{e(r["failures_in_a_row"])}</td>'
        f'<td data-label="Last success">{when(r.get("last_success"))}</td>'
        f'<td data-label="Latest attempt">{when(r.get("failed_at"))}</td>'
        f'<td data-label="Error">{e(r.get("error_class"))}: {e(r.get("error"))}</td></tr>'
        for r in rows
    )
    return (
        f'<table class="failing" id="failing"><caption>Could not be checked ({e(plural(len(rows), "source"))}): '
        f"the last good version is kept</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


# --- the timeline ----------------------------------------------------------------------------------


def timeline_section(changes: Sequence[ChangeView]) -> str:
    """Per payer, every change newest first; first captures included, as the baseline."""
    out = ['<section id="timeline" aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline of changes</h2>']
    by_payer = sorted(changes, key=lambda c: payer_name(c.item.payer))
    for name, group in groupby(by_payer, key=lambda c: payer_name(c.item.payer)):
        entries = sorted(group, key=lambda c: (c.item.detected_at, c.item.change_id), reverse=True)
        out.append(f"<h3>{e(name)}</h3>")
        out.append('<ol class="timeline">' + "".join(_entry(c) for c in entries) + "</ol>")
    if not changes:
        out.append("<p>Nothing recorded yet.</p>")
    return "\n".join(out) + "</section>"


def _entry(view: ChangeView) -> str:
    item = view.item
    if item.kind == "new":
        what = f"first capture ({status_word(item.new_status)})"
        more = f' <a href="{e(view.new.href)}">Capture</a>' if view.new and view.new.href else ""
    else:
        what = item.what
        more = f' <a href="#{view.anchor}">Side by side</a>'
    return (
        f'<li data-kind="{e(item.kind)}">{when(item.detected_at)} <span class="kind">{e(kind_label(item.kind))}'
        f"</span> <strong>{e(item.label)}</strong>: {e(what)}.{more}</li>"
    )


# --- the changes, side by side ---------------------------------------------------------------------


def changes_section(changes: Sequence[ChangeView]) -> str:
    """Each change (first captures excluded), newest first, before | after with word highlights."""
    out = ['<section id="changes" aria-labelledby="changes-h"><h2 id="changes-h">Changes side by side</h2>']
    ordered = sorted(changes, key=lambda c: (c.item.detected_at, c.item.change_id), reverse=True)
    out += [_change(c) for c in ordered]
    if not changes:
        out.append("<p>No change since the first captures.</p>")
    return "\n".join(out) + "</section>"


def _change(view: ChangeView) -> str:
    item = view.item
    facts = [
        f"detected {when(item.detected_at)}",
        f"effective {date(item.effective_date)}",
        f"policy: {link(item.url, item.title)}",
    ]
    parts = [
        f'<article class="change" id="{view.anchor}" data-kind="{e(item.kind)}" data-source="{e(item.source_id)}">',
        f"<h3>{e(item.label)}: {e(item.what)}</h3>",
        f'<p class="muted">{" · ".join(facts)}</p>',
    ]
    if item.kind == "metadata":
        parts.append(
            f"<p>Only dates or other details changed ({e(item.what)}); the passage about the code is the same.</p>"
        )
    else:
        parts.append(side_by_side(view))
    parts.append(_captures(view))
    return "\n".join(parts) + "</article>"


def side_by_side(view: ChangeView) -> str:
    """A two-column table: the old passage with deletions, the new one with insertions."""
    old_text = _marked(said_once(view.old.text)) if view.old else ""
    new_text = _marked(said_once(view.new.text)) if view.new else ""
    segments = word_diff(old_text, new_text, context=FULL_TEXT_WORDS) or (Segment(SAME, new_text),)
    heads = "".join(
        f'<th scope="col">{_side_head(label, side)}</th>' for label, side in (("Before", view.old), ("After", view.new))
    )
    before, after = (_short_head(label, side) for label, side in (("Before", view.old), ("After", view.new)))
    cells = (
        f'<td data-label="{before}">{words_html(segments, DELETE)}</td>'
        f'<td data-label="{after}">{words_html(segments, INSERT)}</td>'
    )
    caption = f"{e(code_label(view.item.code))} in {e(view.item.title)}: the passage before and after"
    return (
        f'<table class="sbs"><caption>{caption}</caption><thead><tr>{heads}</tr></thead>'
        f"<tbody><tr>{cells}</tr></tbody></table>"
    )


def _marked(text: str) -> str:
    """The passage with each line break as a word of its own, so that the diff keeps the heading lines."""
    return text.replace(BREAK, " ").replace("\n", f" {BREAK} ")


def _short_head(label: str, side: Side | None) -> str:
    """A cell's label when the table is stacked on a phone: "Before (v1, 2026-02-01)"."""
    return e(f"{label} (v{side.version}, {side.captured_at[:10]})" if side else label)


def _side_head(label: str, side: Side | None) -> str:
    if side is None:
        return e(label)
    return (
        f"{e(label)}: v{side.version}, captured {when(side.captured_at)}, effective "
        f"{date(side.effective_date)}<br>{badge(side.status)} prior auth: {e(prior_auth(side.prior_auth))}"
    )


def words_html(segments: Sequence[Segment], keep: str) -> str:
    """One side of a word diff: unchanged words, plus the ``keep`` edits (DELETE: the old side; INSERT: the new)."""
    shown = [s for s in segments if s.op == keep or s.op not in (DELETE, INSERT)]
    if not shown:
        return '<span class="muted">(not in this version)</span>'
    return " ".join(_segment(s) for s in shown)


def _segment(segment: Segment) -> str:
    if segment.op == GAP:
        return '<span class="gap" title="unchanged words left out">…</span>'
    if segment.op in (DELETE, INSERT):
        tag = "del" if segment.op == DELETE else "ins"
        return f"<{tag}>{_text(segment.text)}</{tag}>"
    return _text(segment.text)


def _text(words: str) -> str:
    return e(words).replace(f" {BREAK} ", "<br>").replace(BREAK, "<br>")


def _captures(view: ChangeView) -> str:
    links = [_capture("before", view.old), _capture("after", view.new)]
    return f'<p class="captures">Stored captures: {" · ".join(links)}</p>'


def _capture(label: str, side: Side | None) -> str:
    if side is None:
        return f"{e(label)}: none"
    name = f"{label} (v{side.version}, sha256 {side.sha256[:12]}…)"
    if side.href is None:
        return f"{e(name)}: {e(side.note or 'not available')}"
    return f'<a href="{e(side.href)}" type="{e(_mime(side.href))}">{e(name)}</a>'


def _mime(href: str) -> str:
    return {"pdf": "application/pdf", "html": "text/html", "json": "application/json"}.get(
        href.rsplit(".", 1)[-1], "application/octet-stream"
    )
