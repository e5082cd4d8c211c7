"""Attacks on delivery: an SMTP server that fails QUIT, a webhook that echoes its URL, non-ASCII passwords.

Issue 13, items 5 and 6: a message counts as delivered when the server accepted it (250 after
DATA, a 2xx from the webhook), and secrets are redacted whole, encoded and in part, before any cut.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests import samples
from tests.helpers import SLACK_TOKEN, Mailbox, PolicyServer, SlackHook, Workdir

AETNA = "/cpb/medical/data/300_399/0374.html"
PASSWORD = "pässwörd-Ω-4711"


def _configure(work: Workdir, server: PolicyServer, mailbox: Mailbox | None, slack: bool = False) -> None:
    notify = "[notify]\n"
    if mailbox:
        notify += (
            'email_to = ["billing@example.org"]\nemail_from = "tracker@example.org"\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {mailbox.port}\nsmtp_tls = "none"\n'
        )
    notify += f"slack = {'true' if slack else 'false'}\n"
    work.write_sources(
        f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{server.url(AETNA)}"
        """
        + notify
    )


def _deliveries(work: Workdir) -> list[tuple[str, str, str | None]]:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return list(db.execute("select channel, status, error from deliveries order by id"))


def _dump(work: Workdir) -> str:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return "\n".join(db.iterdump())


def _three_runs(work: Workdir, server: PolicyServer) -> list[str]:
    outputs = []
    for version in (1, 2, 2):
        server.set(AETNA, samples.aetna_cpb_html(version))
        result = work.cli("run")
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        outputs.append(result.output)
    return outputs


def test_smtp_server_answering_421_to_quit_gets_each_change_once(
    server: PolicyServer, work: Workdir, mailbox: Mailbox
) -> None:
    async def refuse_quit(smtp: Any, session: Any, envelope: Any) -> str:
        return "421 4.3.2 service shutting down"

    mailbox.inbox.handle_QUIT = refuse_quit  # type: ignore[attr-defined]
    _configure(work, server, mailbox)
    outputs = _three_runs(work, server)
    assert len(mailbox.messages) == 1
    assert "digest sent" in outputs[1] and "nothing new to send" in outputs[2]
    assert {status for _, status, _ in _deliveries(work)} == {"sent"}


def test_webhook_echoing_its_url_is_redacted_before_it_is_cut(
    server: PolicyServer, work: Workdir, slack: SlackHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_SLACK_WEBHOOK_URL", slack.url)
    _configure(work, server, None, slack=True)
    quoted = slack.url.replace("/", "%2F")
    echo = f"{'x' * 150} no_such_hook {slack.url} {quoted} {SLACK_TOKEN[:20]}".encode()
    slack.answers += [(404, {}, echo), (204, {}, b"")]  # run 2 fails, run 3 retries
    outputs = _three_runs(work, server)
    outputs.append(work.cli("runs").output)
    shown = [*outputs, _dump(work)]
    pieces = {SLACK_TOKEN[i : i + 8] for i in range(len(SLACK_TOKEN) - 7)}
    for text in shown:
        assert not any(piece in text for piece in pieces), text
    assert "[redacted]" in _dump(work)
    # The 204 of run 3 is an acceptance: recorded as sent, not posted again by run 4.
    assert [status for channel, status, _ in _deliveries(work) if channel == "slack"][-1] == "sent"
    assert work.cli("run").exit_code == 0 and len(slack.posts) == 2


def _utf8_login(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode("utf-8")
    return AuthResult(success=ok, handled=False)


@pytest.mark.parametrize("given", [PASSWORD, "wröng-" + PASSWORD])
def test_a_non_ascii_smtp_password_logs_in_or_fails_clearly(
    server: PolicyServer, work: Workdir, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    mailbox.stop()
    mailbox.start(authenticator=_utf8_login, auth_require_tls=False)
    monkeypatch.setenv("TRACKER_SMTP_USER", "tracker")
    monkeypatch.setenv("TRACKER_SMTP_PASSWORD", given)
    _configure(work, server, mailbox)
    outputs = _three_runs(work, server)
    if given == PASSWORD:
        assert len(mailbox.messages) == 1 and "digest sent" in outputs[1]
    else:
        assert not mailbox.messages and "delivery failed" in outputs[1] and "535" in outputs[1]
    for text in [*outputs, _dump(work)]:
        assert given not in text and "pässwörd" not in text
