"""The HTML of `tracker report`: one self-contained page (inline CSS, no script, no external URL). Pure.

Sections: the coverage matrix (one table per code), the timeline of changes per payer
(newest first), and each change side by side with word-level highlights. Status is
given as text and colour; ``<ins>``/``<del>`` carry hidden start/end words for screen
readers. Every piece of text from a policy, a server or the database is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby

from tracker.report.changes import changes_section, timeline_section
from tracker.report.css import CSS
from tracker.report.parts import ChangeView, ReportData, Row, badge, date, e, kind_label, link, prior_auth, when
from tracker.vocab import (
    code_label,
    payer_name,
    plural,
)

__all__ = ["render_report"]


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
