"""Digests by email and Slack (issue 5): one clear message per run, each change delivered once per channel.

Pure: ``digest`` (what a message says), ``plain``/``htmlmail``/``blocks``
(the formats). I/O: ``ledger`` (the deliveries table), ``mail`` (SMTP), ``webhook``
(Slack), ``service`` (the entry points below). The ledger reads and writes through the store.
May import: tracker.config, tracker.errors, tracker.models, tracker.vocab, tracker.judge.diff (word
diffs), tracker.store, tracker.hygiene (a server's words made printable), tracker.watchdog (the
SMTP deadline); never run, report or cli.
"""

from __future__ import annotations

from tracker.notify.digest import Digest, Failure, Item, make_digest
from tracker.notify.formats import RENDERERS, render
from tracker.notify.service import (
    CHANNELS,
    Delivery,
    NotifyReport,
    build_digest,
    notify_run,
    send_digest,
)

__all__ = [
    "CHANNELS",
    "RENDERERS",
    "Delivery",
    "Digest",
    "Failure",
    "Item",
    "NotifyReport",
    "build_digest",
    "make_digest",
    "notify_run",
    "render",
    "send_digest",
]
