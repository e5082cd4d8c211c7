"""The report's parts: its data (``ReportData``, each change's ``ChangeView`` and its ``Side``s) and the
small pieces every view writes (escaped text, links, dates, status badges, prior auth). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from tracker.notify.digest import Item
from tracker.vocab import (
    STATUS_LABELS,
    STATUS_MEANINGS,
    prior_auth_word,
    status_label,
)

Row = Mapping[str, Any]

KIND_LABELS = {
    "new": "First capture",
    "added": "Code added",
    "removed": "Code removed",
    "changed": "Changed",
    "metadata": "Details updated",
    "retired": "Policy retired",
}


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
