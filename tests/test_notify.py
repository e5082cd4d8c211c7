"""Delivery end to end: real runs against a loopback policy server, a real SMTP server (aiosmtpd) and a loopback
Slack webhook; the ledger in a real SQLite file. Also the [notify] settings and their secrets."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import sqlite3
import ssl
import textwrap
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests import samples
from tests.helpers import FAST_FETCH, Mailbox, PolicyServer, SlackHook
from tests.helpers import SLACK_TOKEN as TOKEN
from tests.helpers import SMTP_PASSWORD as PASSWORD
from tracker.config.notify import NotifySettings, notify_settings
from tracker.config.sources import load_config
from tracker.errors import ConfigError
from tracker.notify import NotifyReport, build_digest, notify_run, render, send_digest
from tracker.run.check import run_check
from tracker.store import Store, open_store

PDF = "application/pdf"
PATHS = {
    "aetna": "/cpb/0374.html",
    "cigna": "/coveragePolicies/mm_0525.pdf",
    "horizon": "/MedPol2/HNBE-8TVP74",
    "uhc": "/uhc/ablation.html",
}


# ----------------------------------------------------------------------------- the tracker, driven run by run


@dataclass
class Clock:
    """A test clock: one day per run."""

    now: dt.datetime = dt.datetime(2026, 4, 20, 6, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Tracker:
    """sources.toml, a data dir, the policy server and the two channels; ``run()`` = check + notify."""

    path: Path
    server: PolicyServer
    mailbox: Mailbox
    slack: SlackHook
    clock: Clock = field(default_factory=Clock)
    env: dict[str, str] = field(default_factory=dict)
    sleeps: list[float] = field(default_factory=list)
    store: Store | None = None

    def configure(
        self, *, cigna: bool = False, uhc: bool = False, notify: str | None = None, schedule: str = ""
    ) -> None:
        self.env = {"TRACKER_SLACK_WEBHOOK_URL": self.slack.url}
        notify = (
            notify
            if notify is not None
            else f"""
            email_to = ["billing@example.org", "policy@example.org"]
            email_from = "Policy Tracker <tracker@example.org>"
            smtp_host = "127.0.0.1"
            smtp_port = {self.mailbox.port}
            smtp_tls = "none"
            slack = true"""
        )
        sources = [("aetna-0374", "aetna", "", "Trigeminal Neuralgia: Treatments", "aetna")]
        sources.append(("horizon-142", "bcbs", 'plan = "horizon-nj"', "Percutaneous Neurolysis", "horizon"))
        if cigna:
            sources.append(("cigna-0525", "cigna", "", "Peripheral Nerve Destruction for Pain Conditions", "cigna"))
        if uhc:
            sources.append(("uhc-0042", "uhc", "", "Nerve Ablation & <Destruction>", "uhc"))
        body = 'codes = ["64600"]\n' + "".join(
            f'[[source]]\nid = "{i}"\npayer = "{p}"\n{plan}\ntitle = "{t}"\nurl = "{self.server.url(PATHS[k])}"\n'
            for i, p, plan, t, k in sources
        )
        body += "[notify]\n" + textwrap.dedent(notify) + "\n" + schedule
        (self.path / "sources.toml").write_text(body + FAST_FETCH, encoding="utf-8")

    def serve(self, version: int, *, cigna: int | None = None, uhc_fails: bool = False) -> None:
        self.server.set(PATHS["aetna"], samples.aetna_cpb_html(version))
        self.server.set(PATHS["horizon"], samples.horizon_range_html(version))
        if cigna:
            self.server.set(PATHS["cigna"], samples.cigna_policy_pdf(cigna), content_type=PDF)
        if uhc_fails:
            self.server.set(PATHS["uhc"], b"gone", status=404, content_type="text/plain")
        else:
            self.server.set(PATHS["uhc"], samples.anthem_guideline_html(1))

    def run(self) -> NotifyReport:
        self.clock.now += dt.timedelta(days=1)
        config = load_config(self.path / "sources.toml", self.env)
        self.store = self.store or open_store(self.path / "data")
        result = run_check(config, self.store, clock=self.clock)
        return notify_run(self.store, config, run_id=result.run_id, clock=self.clock, sleep=self.sleeps.append)

    def deliveries(self) -> list[dict[str, Any]]:
        assert self.store
        with closing(sqlite3.connect(self.path / "data" / "tracker.db")) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("select change_id, channel, status, error from deliveries order by id")]


@pytest.fixture
def tracker(tmp_path: Path, server: PolicyServer, mailbox: Mailbox, slack: SlackHook) -> Iterator[Tracker]:
    t = Tracker(tmp_path, server, mailbox, slack)
    yield t
    if t.store:
        t.store.close()


def _parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def _flat(text: str) -> str:
    """Text with line wrapping undone."""
    return " ".join(text.split())


def _check_blocks(payload: dict[str, Any]) -> None:
    blocks = payload["blocks"]
    assert payload["text"] and 1 <= len(blocks) <= 50
    for block in blocks:
        assert block["type"] in ("header", "section", "context", "divider")
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn" and 0 < len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert all(e["type"] == "mrkdwn" and e["text"] for e in block["elements"])


# ----------------------------------------------------------------------------- the "done when"


def test_two_runs_send_one_email_and_one_slack_post_then_nothing(tracker: Tracker) -> None:
    tracker.configure(cigna=True)
    tracker.serve(1, cigna=1)
    first = tracker.run()
    assert [d.status for d in first.deliveries] == ["idle", "idle"]  # a baseline alone is not news
    assert first.lines() == ["Notifications: email: nothing new to send.", "Notifications: slack: nothing new to send."]
    assert not tracker.mailbox.messages and not tracker.slack.posts

    tracker.serve(2, cigna=2)
    second = tracker.run()
    assert [(d.channel, d.status, d.changes) for d in second.deliveries] == [("email", "sent", 3), ("slack", "sent", 3)]
    [message] = tracker.mailbox.messages
    assert message["Subject"] == "Policy changes: 3 (Aetna 64600 covered → not covered, +2 more)"
    assert message["From"] == "Policy Tracker <tracker@example.org>"
    assert message["To"] == "billing@example.org, policy@example.org"
    assert message["Date"].datetime == tracker.clock.now
    assert message["Message-ID"].endswith("@example.org>")
    assert message.get_content_type() == "multipart/alternative"
    parts = _parts(message)
    assert list(parts) == ["text/plain", "text/html"]
    text, html = parts["text/plain"], parts["text/html"]
    assert "Cigna 0525 · CPT 64600: covered → experimental, effective 2026-04-21" in text
    assert "Aetna 0374 · CPT 64600: covered → not covered" in text
    assert "Horizon BCBSNJ 142 · CPT 64600: removed (was covered)" in text
    assert "{+Experimental/Investigational/Unproven:+}" in text and "[-Medically Necessary" in text
    assert tracker.server.url(PATHS["cigna"]) in text and "3 sources captured for the first time" in text
    assert text.index("STATUS CHANGES") < text.index("CODES ADDED OR REMOVED") < text.index("FIRST CAPTURES")
    assert "text-decoration:line-through" in html and f'href="{tracker.server.url(PATHS["cigna"])}"' in html

    [payload] = tracker.slack.payloads
    _check_blocks(payload)
    slack_text = json.dumps(payload, ensure_ascii=False)
    assert "Cigna 0525 · CPT 64600*: covered → experimental, effective 2026-04-21" in slack_text
    assert tracker.slack.posts[0]["type"] == "application/json"

    third = tracker.run()
    assert [d.status for d in third.deliveries] == ["idle", "idle"]
    assert len(tracker.mailbox.messages) == 1 and len(tracker.slack.posts) == 1
    sent = {(r["channel"], r["status"]) for r in tracker.deliveries()}
    assert sent == {("email", "sent"), ("slack", "sent")}
    assert len(tracker.deliveries()) == 2 * 6  # 3 changes + 3 first captures, per channel, once


def test_no_changes_sends_nothing_unless_configured(tracker: Tracker) -> None:
    tracker.configure()
    tracker.serve(1)
    tracker.run()
    tracker.run()
    assert not tracker.mailbox.messages and not tracker.slack.posts

    tracker.configure(
        notify=f"""
        email_to = "billing@example.org"
        email_from = "tracker@example.org"
        smtp_host = "127.0.0.1"
        smtp_port = {tracker.mailbox.port}
        smtp_tls = "none"
        slack = false
        send_when_no_changes = true"""
    )
    report = tracker.run()
    assert [d.status for d in report.deliveries] == ["sent"]
    [message] = tracker.mailbox.messages
    assert "No policy changes" in _parts(message)["text/plain"]
    assert "2 sources captured for the first time" in _parts(message)["text/plain"]  # rides along once
    tracker.run()
    assert "2 sources" not in _parts(tracker.mailbox.messages[1])["text/plain"]


# ----------------------------------------------------------------------------- failures are recorded and retried


@pytest.mark.parametrize("refusal", ["server down", "554 reply"])
def test_smtp_refusing_is_recorded_and_retried_once(tracker: Tracker, refusal: str) -> None:
    tracker.configure()
    tracker.serve(1)
    tracker.run()
    tracker.serve(2)
    if refusal == "server down":
        tracker.mailbox.stop()
    else:
        tracker.mailbox.inbox.refuse = "554 5.7.1 Message rejected by policy"
    failed = tracker.run()
    email_report = failed.deliveries[0]
    assert email_report.status == "failed" and failed.failed == [email_report]
    reason = "connection refused" if refusal == "server down" else "the server answered 554 5.7.1 Message rejected"
    assert reason in email_report.detail
    assert failed.lines()[0].endswith("of its 2 changes, those not yet delivered on email go out with the next run.")
    rows = [r for r in tracker.deliveries() if r["channel"] == "email"]
    assert rows and all(r["status"] == "failed" and reason in r["error"] for r in rows)
    assert len(tracker.slack.posts) == 1  # the other channel is not held back

    if refusal == "server down":
        tracker.mailbox.start()
    tracker.mailbox.inbox.refuse = None
    retried = tracker.run()  # nothing new fetched: the pending changes go out
    assert [(d.channel, d.status) for d in retried.deliveries] == [("email", "sent"), ("slack", "idle")]
    [message] = tracker.mailbox.messages
    assert "Aetna 0374 · CPT 64600: covered → not covered" in _parts(message)["text/plain"]
    tracker.run()
    assert len(tracker.mailbox.messages) == 1 and len(tracker.slack.posts) == 1


def test_slack_500_is_retried_next_run(tracker: Tracker) -> None:
    tracker.configure()
    tracker.serve(1)
    tracker.run()
    tracker.serve(2)
    tracker.slack.answers.append((500, {}, f"internal_error for /services/T0000/B0000/{TOKEN}".encode()))
    failed = tracker.run()
    assert [d.status for d in failed.deliveries] == ["sent", "failed"]
    assert "Slack answered HTTP 500: internal_error" in failed.deliveries[1].detail
    assert TOKEN not in failed.deliveries[1].detail and "[redacted]" in failed.deliveries[1].detail
    retried = tracker.run()
    assert [d.status for d in retried.deliveries] == ["idle", "sent"]
    assert len(tracker.slack.posts) == 2 and tracker.slack.payloads[0] == tracker.slack.payloads[1]
    tracker.run()
    assert len(tracker.slack.posts) == 2 and len(tracker.mailbox.messages) == 1


def test_slack_429_waits_for_retry_after(tracker: Tracker) -> None:
    tracker.configure()
    tracker.serve(1)
    tracker.run()
    tracker.serve(2)
    tracker.slack.answers.append((429, {"Retry-After": "3"}, b"rate_limited"))
    report = tracker.run()
    assert report.deliveries[1].status == "sent" and tracker.sleeps == [3.0]
    assert len(tracker.slack.posts) == 2  # the refused post and the accepted one

    tracker.serve(1)
    tracker.slack.answers += [(429, {"Retry-After": "1"}, b"")] * 3
    stuck = tracker.run()
    assert stuck.deliveries[1].status == "failed" and "HTTP 429" in stuck.deliveries[1].detail


def test_failing_source_listed_and_escalated_once(tracker: Tracker) -> None:
    tracker.configure(uhc=True, schedule="[schedule]\nmax_failures = 2\n")
    tracker.serve(1)
    tracker.run()
    tracker.serve(2, uhc_fails=True)
    tracker.run()  # a change and a first failure: the failure is listed
    text = _flat(_parts(tracker.mailbox.messages[0])["text/plain"])
    assert "COULD NOT BE CHECKED (1 source)" in text
    assert "could not be checked: http-status:" in text and "Nerve Ablation & <Destruction>" in text
    assert "&lt;Destruction&gt;" in _parts(tracker.mailbox.messages[0])["text/html"]

    escalation = tracker.run()  # nothing changed, but the source reached max_failures
    assert [d.status for d in escalation.deliveries] == ["sent", "sent"]
    message = tracker.mailbox.messages[1]
    assert message["Subject"] == "Policy tracker: 1 source could not be checked"
    assert "has not been checked since 2026-04-21 (2 failed runs in a row); last error: http-status" in _flat(
        _parts(message)["text/plain"]
    )
    assert "has not been checked since 2026-04-21" in json.dumps(tracker.slack.payloads[1], ensure_ascii=False)

    tracker.run()  # still failing: no new alert
    assert len(tracker.mailbox.messages) == 2 and len(tracker.slack.posts) == 2


def test_an_escalation_whose_delivery_failed_is_sent_with_the_next_run(tracker: Tracker) -> None:
    tracker.configure(uhc=True, schedule="[schedule]\nmax_failures = 2\n")
    tracker.serve(1)
    tracker.run()
    tracker.serve(2, uhc_fails=True)
    tracker.run()  # a change and a first failure
    tracker.mailbox.inbox.refuse = "451 4.3.0 Try again later"
    tracker.slack.answers.append((500, {}, b"oops"))
    failed = tracker.run()  # the source reaches max_failures, but both deliveries fail
    assert [d.status for d in failed.deliveries] == ["failed", "failed"]
    assert len(tracker.mailbox.messages) == 1 and len(tracker.slack.posts) == 2  # the refused post is counted
    tracker.mailbox.inbox.refuse = None
    retried = tracker.run()  # still failing: the alert that did not get through goes out now
    assert [d.status for d in retried.deliveries] == ["sent", "sent"]
    assert "has not been checked since" in _flat(_parts(tracker.mailbox.messages[1])["text/plain"])
    tracker.run()  # and only once
    assert len(tracker.mailbox.messages) == 2 and len(tracker.slack.posts) == 3


# ----------------------------------------------------------------------------- secrets, TLS and login


def test_secrets_never_reach_the_db_or_the_output(tracker: Tracker, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs every request path at DEBUG
    tracker.mailbox.stop()
    tracker.mailbox.start(authenticator=tracker.mailbox.inbox.authenticate, auth_require_tls=False)
    tracker.configure()
    tracker.serve(1)
    tracker.run()
    tracker.env.update(TRACKER_SMTP_USER="tracker", TRACKER_SMTP_PASSWORD=PASSWORD)
    tracker.serve(2)
    tracker.slack.answers.append((403, {}, f"invalid_token {TOKEN} password={PASSWORD}".encode()))
    report = tracker.run()
    assert tracker.mailbox.inbox.logins == [b"tracker"] and report.deliveries[0].status == "sent"
    assert report.deliveries[1].status == "failed"
    tracker.env["TRACKER_SMTP_PASSWORD"] = "wrong-" + PASSWORD
    tracker.serve(1)
    denied = tracker.run()
    assert denied.deliveries[0].status == "failed" and "535" in denied.deliveries[0].detail

    assert tracker.store
    with closing(sqlite3.connect(tracker.path / "data" / "tracker.db")) as db:
        dump = "\n".join(db.iterdump())
    config = load_config(tracker.path / "sources.toml", tracker.env)
    settings = config.notify
    digest = build_digest(tracker.store, config, since="2000-01-01", clock=tracker.clock)
    shown = [
        dump,
        repr(settings),
        str(settings),
        *report.lines(),
        *denied.lines(),
        *(render(digest, fmt) for fmt in ("text", "html", "slack")),
    ]
    for text in shown:
        assert PASSWORD not in text and TOKEN not in text and tracker.slack.url not in text
    assert "[redacted]" in dump
    assert "POST [redacted]" in caplog.text and TOKEN not in caplog.text and PASSWORD not in caplog.text


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context and a client context that trusts it."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return server, ssl.create_default_context(cafile=str(folder / "cert.pem"))


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_and_login(tmp_path: Path, tls_pair: tuple[ssl.SSLContext, ssl.SSLContext], mode: str) -> None:
    server_tls, client_tls = tls_pair
    box = Mailbox()
    inbox = box.inbox
    options: dict[str, Any] = {"authenticator": inbox.authenticate}
    if mode == "starttls":
        options.update(tls_context=server_tls, require_starttls=True)
    else:
        options.update(ssl_context=server_tls, auth_require_tls=False)  # the whole session is TLS already
    box.start(**options)
    try:
        (tmp_path / "sources.toml").write_text(
            textwrap.dedent(f"""
            [[source]]
            id = "aetna-0374"
            payer = "aetna"
            title = "Trigeminal Neuralgia: Treatments"
            url = "https://example.org/0374.html"
            [notify]
            email_to = "billing@example.org"
            email_from = "tracker@example.org"
            smtp_host = "127.0.0.1"
            smtp_tls = "{mode}"
            send_when_no_changes = true
        """),
            encoding="utf-8",
        )
        env = {"TRACKER_SMTP_PORT": str(box.port), "TRACKER_SMTP_USER": "tracker", "TRACKER_SMTP_PASSWORD": PASSWORD}
        config = load_config(tmp_path / "sources.toml", env)
        store = open_store(tmp_path / "data")
        digest = build_digest(store, config, clock=Clock())
        report = send_digest(store, config, digest, clock=Clock(), ssl_context=client_tls)
        store.close()
    finally:
        box.stop()
    assert [d.status for d in report.deliveries] == ["sent"], report.lines()
    assert inbox.logins == [b"tracker"] and len(box.messages) == 1
    assert box.messages[0]["Subject"] == "Policy changes: none"


def test_starttls_never_falls_back_to_clear_text(tracker: Tracker) -> None:
    tracker.configure(
        notify=f"""
        email_to = "billing@example.org"
        email_from = "tracker@example.org"
        smtp_host = "127.0.0.1"
        smtp_port = {tracker.mailbox.port}
        smtp_tls = "starttls"
        slack = false
        send_when_no_changes = true"""
    )
    tracker.serve(1)
    report = tracker.run()
    assert report.deliveries[0].status == "failed" and "STARTTLS" in report.deliveries[0].detail
    assert not tracker.mailbox.messages


# ----------------------------------------------------------------------------- tracker digest: preview and re-send


def test_digest_preview_and_resend(tracker: Tracker) -> None:
    tracker.configure()
    tracker.serve(1)
    tracker.run()
    tracker.serve(2)
    tracker.run()
    assert tracker.store
    config = load_config(tracker.path / "sources.toml", tracker.env)
    latest = build_digest(tracker.store, config, clock=tracker.clock)  # default: the latest run's changes
    assert len(latest.items) == 2 and latest.baseline_sources == 0
    everything = build_digest(tracker.store, config, since="2026-04-21", clock=tracker.clock)
    assert len(everything.items) == 2 and everything.baseline_sources == 2
    assert not build_digest(tracker.store, config, since="2026-04-23", clock=tracker.clock).items
    assert not build_digest(tracker.store, config, pending_for="email", clock=tracker.clock).change_ids

    report = send_digest(tracker.store, config, latest, clock=tracker.clock)
    assert [d.status for d in report.sent] == ["sent", "sent"]
    assert len(tracker.mailbox.messages) == 2 and len(tracker.slack.posts) == 2
    assert len([r for r in tracker.deliveries() if r["status"] == "sent"]) == 2 * 4 + 2 * 2


def test_send_digest_without_a_channel_is_a_config_error(tracker: Tracker) -> None:
    tracker.configure(notify="")
    tracker.env = {}
    tracker.serve(1)
    assert tracker.run().lines() == []  # tracker run stays quiet when nothing is configured
    config = load_config(tracker.path / "sources.toml", {})
    assert tracker.store
    digest = build_digest(tracker.store, config, clock=tracker.clock)
    with pytest.raises(ConfigError, match="no notification channel configured"):
        send_digest(tracker.store, config, digest, clock=tracker.clock)


# ----------------------------------------------------------------------------- [notify] and the environment


def test_settings_from_table_and_environment() -> None:
    table = {
        "email_to": ["a@example.org"],
        "email_from": "t@example.org",
        "smtp_host": "mail.example.org",
        "smtp_tls": "ssl",
        "slack": False,
    }
    s = notify_settings(table, {})
    assert (s.email_to, s.smtp_port, s.smtp_tls, s.channels) == (("a@example.org",), 465, "ssl", ("email",))
    env = {
        "TRACKER_MAIL_TO": "x@example.org, y@example.org",
        "TRACKER_SMTP_HOST": "relay.example.org",
        "TRACKER_SMTP_PORT": "2525",
        "TRACKER_SMTP_TLS": "STARTTLS",
        "TRACKER_MAIL_FROM": "f@example.org",
        "TRACKER_SMTP_USER": "u",
        "TRACKER_SMTP_PASSWORD": PASSWORD,
        "TRACKER_SMTP_HOST_UNUSED": "x",
        "TRACKER_SLACK_WEBHOOK_URL": f"https://hooks.slack.com/services/T0/B0/{TOKEN}",
    }
    s = notify_settings(table, env)
    assert s.email_to == ("x@example.org", "y@example.org") and s.smtp_host == "relay.example.org"
    assert (s.smtp_port, s.smtp_tls, s.email_from, s.slack) == (2525, "starttls", "f@example.org", False)
    assert PASSWORD not in repr(s) and TOKEN not in repr(s)
    assert (
        s.redact(f"POST https://hooks.slack.com/services/T0/B0/{TOKEN} with {PASSWORD}")
        == "POST [redacted] with [redacted]"
    )
    assert notify_settings({}, {"TRACKER_SLACK_WEBHOOK_URL": f"https://hooks.slack.com/x/{TOKEN}"}).channels == (
        "slack",
    )
    assert notify_settings({}, {"TRACKER_MAIL_TO": "  "}) == NotifySettings()  # blank counts as unset


BAD = [
    ({"smtp_tls": "tls"}, {}, "[notify] key 'smtp_tls': must be one of none, starttls, ssl, not 'tls'"),
    ({}, {"TRACKER_SMTP_TLS": "yes"}, "environment variable TRACKER_SMTP_TLS: must be one of"),
    ({"smtp_port": 0}, {}, "[notify] key 'smtp_port': 0 is not a port number"),
    ({}, {"TRACKER_SMTP_PORT": "25x"}, "environment variable TRACKER_SMTP_PORT: '25x' is not a port number"),
    ({"email_to": ["nobody"]}, {}, "'nobody' is not an email address"),
    ({"email_to": 5}, {}, "must be an address or a list of addresses"),
    ({"email_to": "a@example.org"}, {}, "email_to is set but no SMTP server"),
    ({"email_to": "a@example.org", "smtp_host": "h"}, {}, "email_to is set but no sender"),
    ({"smtp_host": "mail.example.org:25"}, {}, "is not a host name"),
    ({"slack": "yes"}, {}, "[notify] key 'slack': must be true or false"),
    ({"slack": True}, {}, "TRACKER_SLACK_WEBHOOK_URL is not set"),
    ({}, {"TRACKER_SLACK_WEBHOOK_URL": f"http://hooks.slack.com/{TOKEN}"}, "must be an https:// Slack webhook URL"),
    ({}, {"TRACKER_SMTP_USER": "u"}, "TRACKER_SMTP_USER and TRACKER_SMTP_PASSWORD go together"),
    (
        {
            "email_to": "a@example.org",
            "email_from": "t@example.org",
            "smtp_host": "mail.example.org",
            "smtp_tls": "none",
        },
        {"TRACKER_SMTP_USER": "u", "TRACKER_SMTP_PASSWORD": PASSWORD},
        "in clear",
    ),
]


@pytest.mark.parametrize(("table", "env", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_bad_settings_are_config_errors(table: dict[str, Any], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        notify_settings(table, env)
    assert message in str(caught.value)
    assert PASSWORD not in str(caught.value) and TOKEN not in str(caught.value)
