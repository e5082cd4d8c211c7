"""Building and delivering digests: the entry points ``tracker run`` and ``tracker digest`` call.

Each channel gets its own digest of what is pending on it, so an email that
went out and a Slack post that failed are each right the next time. Delivery
failures never raise: they are recorded, reported (secrets redacted) and retried.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from tracker.config.notify import NotifySettings
from tracker.config.sources import Config
from tracker.errors import ConfigError, NotifyError
from tracker.feeds.upcoming import with_upcoming
from tracker.models import Clock, iso
from tracker.notify import ledger
from tracker.notify.blocks import slack_message
from tracker.notify.digest import Digest, make_digest
from tracker.notify.mail import SmtpFactory, build_message, connect, redacted_line, send_email
from tracker.notify.routing import Target, default_targets, targets
from tracker.notify.webhook import SessionFactory, Sleep, post_slack
from tracker.store.database import Store
from tracker.vocab import plural


@dataclass(frozen=True)
class Transport:
    """The I/O a delivery may use, injectable: SMTP connections, HTTP sessions, TLS, the clock, sleeping."""

    clock: Clock
    smtp_factory: SmtpFactory = connect
    session_factory: SessionFactory | None = None
    """None: a plain requests.Session, made when a message is posted."""
    ssl_context: ssl.SSLContext | None = None
    sleep: Sleep = time.sleep
    store: Store | None = None
    """The history database, for the channels that send the change rows themselves (the JSON webhook)."""
    run_id: int | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message ready for one channel: the changes it accounts for and how to send it."""

    change_ids: tuple[int, ...]
    send: Callable[[], str]
    """Sends; returns a note for the report (recipients); raises NotifyError."""
    left_out: int = 0


def _email(digest: Digest, settings: NotifySettings, transport: Transport) -> Outgoing:
    message = build_message(digest, settings, now=transport.clock())

    def send() -> str:
        refused = send_email(message, settings, smtp_factory=transport.smtp_factory, ssl_context=transport.ssl_context)
        note = f"to {', '.join(settings.email_to)}"
        return note + (f"; refused: {'; '.join(f'{a} ({r})' for a, r in refused.items())}" if refused else "")

    return Outgoing(digest.change_ids, send)


def _slack(digest: Digest, settings: NotifySettings, transport: Transport) -> Outgoing:
    message = slack_message(digest)

    def send() -> str:
        post_slack(message.payload, settings, session_factory=transport.session_factory, sleep=transport.sleep)
        return "to Slack"

    return Outgoing(message.change_ids, send, message.left_out)


def _webhook(digest: Digest, settings: NotifySettings, transport: Transport) -> Outgoing:
    from tracker.notify.jsonhook import payload, post_json
    from tracker.store.exports import changes_by_id

    rows = changes_by_id(transport.store, digest.change_ids) if transport.store is not None else []
    document = payload(rows, digest, run_id=transport.run_id, sent_at=iso(transport.clock()))

    def send() -> str:
        post_json(document, settings, session_factory=transport.session_factory)
        return "to the JSON webhook"

    return Outgoing(digest.change_ids, send)


def _apprise(digest: Digest, settings: NotifySettings, transport: Transport) -> Outgoing:
    from tracker.notify.apprise_channel import scheme, send_apprise
    from tracker.notify.plain import render_text

    body = render_text(digest)

    def send() -> str:
        for url in settings.apprise_urls:
            send_apprise(digest.subject, body, url, settings)
        return f"to {', '.join(scheme(u) + '://' for u in settings.apprise_urls)} (Apprise)"

    return Outgoing(digest.change_ids, send)


CHANNELS: dict[str, Callable[[Digest, NotifySettings, Transport], Outgoing]] = {
    "email": _email,
    "slack": _slack,
    "webhook": _webhook,
    "apprise": _apprise,
}
"""Delivery channels: email (SMTP, text + HTML), slack (incoming webhook, Block Kit), webhook (a signed JSON
document, ``tracker.notify.jsonhook``) and apprise (the text digest to any Apprise URL)."""


@dataclass(frozen=True)
class Delivery:
    """What happened on one channel."""

    channel: str
    status: str
    """``sent``, ``failed`` or ``idle`` (nothing to send)."""
    changes: int = 0
    left_out: int = 0
    detail: str = ""


@dataclass
class NotifyReport:
    """What a notification pass did, channel by channel."""

    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivery]:
        """The channels whose delivery failed (retried with the next run)."""
        return [d for d in self.deliveries if d.status == "failed"]

    @property
    def sent(self) -> list[Delivery]:
        """The channels a digest went out on."""
        return [d for d in self.deliveries if d.status == "sent"]

    def lines(self) -> list[str]:
        """One line per channel for the run summary; none when no channel is configured."""
        return [_line(d) for d in self.deliveries]


def _line(d: Delivery) -> str:
    changes = plural(d.changes, "change")
    if d.status == "idle":
        return f"Notifications: {d.channel}: nothing new to send."
    if d.status == "sent":
        later = f"; {d.left_out} more follow with the next digest" if d.left_out else ""
        return f"Notifications: {d.channel}: digest sent ({changes}) {d.detail}{later}."
    retry = f"; of its {changes}, those not yet delivered on {d.channel} go out with the next run" if d.changes else ""
    return f"Notifications: {d.channel}: delivery failed: {d.detail}{retry}."


def build_digest(
    store: Store,
    config: Config,
    *,
    since: str | None = None,
    pending_for: str | None = None,
    clock: Clock,
    target: Target | None = None,
) -> Digest:
    """A digest of the changes detected since a date, or pending on a channel, or else of the latest run.

    With a ``target``, only the changes and failures of the sources it carries (a team's digest).
    """
    if since is None and pending_for is None:
        latest = ledger.latest_change_run(store)
        rows = ledger.change_rows(store, run_id=latest) if latest is not None else []
    else:
        rows = ledger.change_rows(store, since=since, pending_for=pending_for)
    failures = ledger.failure_rows(store, [s.id for s in config.sources])
    if target is not None:
        rows = [r for r in rows if target.wants(r["source_id"])]
        failures = [f for f in failures if target.wants(f["source"])]
    digest = make_digest(rows, failures, generated_at=_stamp(clock()), max_failures=config.schedule.max_failures)
    wants = target.wants if target is not None else None
    return with_upcoming(digest, store, today=clock().date(), since=since, wants=wants)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def notify_run(
    store: Store,
    config: Config,
    *,
    run_id: int,
    clock: Clock,
    session_factory: SessionFactory | None = None,
    smtp_factory: SmtpFactory | None = None,
    ssl_context: ssl.SSLContext | None = None,
    sleep: Sleep = time.sleep,
) -> NotifyReport:
    """After a run: send each configured channel its pending digest, when there is something to say."""
    settings = config.notify
    transport = replace(
        _transport(clock, session_factory, smtp_factory, ssl_context, sleep), store=store, run_id=run_id
    )
    report = NotifyReport()
    every = targets(settings, config.sources)
    if not every:
        return report
    limit = config.schedule.max_failures
    failures = ledger.failure_rows(store, [s.id for s in config.sources])
    for target in every:
        channel = target.ledger
        digest = build_digest(store, config, pending_for=channel, clock=clock, target=target)
        escalated = ledger.escalations(store, channel, [f for f in failures if target.wants(f["source"])], limit)
        # First captures alone do not make a message (a baseline is not news): they ride along with the next one.
        if digest.items or digest.announced or escalated or settings.send_when_no_changes:
            delivery = _deliver(store, target, digest, transport, run_id)
            ledger.record_alerts(
                store,
                escalated,
                channel,
                run_id=run_id,
                at=iso(transport.clock()),
                status=ledger.SENT if delivery.status == "sent" else ledger.FAILED,
                error=None if delivery.status == "sent" else delivery.detail,
            )
            report.deliveries.append(delivery)
        else:
            report.deliveries.append(Delivery(channel, "idle"))
    return report


def send_digest(
    store: Store,
    config: Config,
    digest: Digest,
    *,
    clock: Clock,
    run_id: int | None = None,
    session_factory: SessionFactory | None = None,
    smtp_factory: SmtpFactory | None = None,
    ssl_context: ssl.SSLContext | None = None,
    sleep: Sleep = time.sleep,
) -> NotifyReport:
    """Send ``digest`` on every configured channel now and record the deliveries (``tracker digest --send``)."""
    settings = config.notify
    if not settings.channels:
        raise ConfigError(
            f"{config.path}: no notification channel configured: set [notify] email_to (or TRACKER_MAIL_TO) "
            "and an SMTP server, or slack = true with TRACKER_SLACK_WEBHOOK_URL"
        )
    transport = replace(
        _transport(clock, session_factory, smtp_factory, ssl_context, sleep), store=store, run_id=run_id
    )
    return NotifyReport([_deliver(store, t, digest, transport, run_id) for t in default_targets(settings)])


def _transport(
    clock: Clock,
    session_factory: SessionFactory | None,
    smtp_factory: SmtpFactory | None,
    ssl_context: ssl.SSLContext | None,
    sleep: Sleep,
) -> Transport:
    return Transport(clock, smtp_factory or connect, session_factory, ssl_context, sleep)


def _deliver(store: Store, target: Target, digest: Digest, transport: Transport, run_id: int | None) -> Delivery:
    channel, settings = target.ledger, target.settings
    outgoing = CHANNELS[target.channel](digest, settings, transport)
    shown = len(set(outgoing.change_ids) - set(digest.baseline_ids))
    try:
        detail = outgoing.send()
    except NotifyError as exc:
        reason = redacted_line(settings, exc.message)
        ledger.record(
            store,
            outgoing.change_ids,
            channel,
            run_id=run_id,
            at=iso(transport.clock()),
            status=ledger.FAILED,
            error=reason,
        )
        return Delivery(channel, "failed", shown, detail=reason)
    ledger.record(store, outgoing.change_ids, channel, run_id=run_id, at=iso(transport.clock()), status=ledger.SENT)
    return Delivery(channel, "sent", shown, outgoing.left_out, redacted_line(settings, detail))
