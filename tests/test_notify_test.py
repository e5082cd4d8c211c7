"""Issue 14 item 5: `tracker notify --test` — one test message per channel, nothing recorded."""

from __future__ import annotations

import pytest

from tests.helpers import SLACK_TOKEN, Mailbox, SlackHook, Workdir

SOURCES = """
    codes = ["64600"]

    [[source]]
    id = "aetna-0374"
    payer = "aetna"
    title = "Trigeminal Neuralgia: Treatments"
    url = "http://127.0.0.1:9/0374.html"
"""


def _configure(work: Workdir, mailbox: Mailbox, slack: SlackHook, monkeypatch: pytest.MonkeyPatch) -> None:
    notify = f"""
[notify]
email_to = ["billing@example.org"]
email_from = "Policy Tracker <tracker@example.org>"
smtp_host = "127.0.0.1"
smtp_port = {mailbox.port}
smtp_tls = "none"
slack = true
"""
    work.write_sources(SOURCES, fetch=notify)
    monkeypatch.setenv("TRACKER_SLACK_WEBHOOK_URL", slack.url)


def test_notify_test_sends_one_message_per_channel_and_records_nothing(
    work: Workdir, mailbox: Mailbox, slack: SlackHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(work, mailbox, slack, monkeypatch)
    result = work.cli("notify", "--test")
    assert result.exit_code == 0, result.output
    assert "email: ok, test message sent to billing@example.org" in result.output
    assert "slack: ok" in result.output
    [message] = mailbox.messages
    assert message["Subject"] == "tracker: test message" and "test message" in message.get_content()
    [payload] = slack.payloads
    assert "test message" in payload["text"]
    assert not work.data.exists()  # no database, no delivery recorded, no data dir created


def test_notify_test_names_the_channel_that_failed_and_why(
    work: Workdir, mailbox: Mailbox, slack: SlackHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(work, mailbox, slack, monkeypatch)
    slack.answers.append((500, {}, b"internal_error"))
    result = work.cli("notify", "--test")
    assert result.exit_code == 1
    assert "email: ok" in result.output
    assert "slack: FAILED: Slack answered HTTP 500: internal_error" in result.output
    assert "could not be sent on slack" in result.stderr
    assert SLACK_TOKEN not in result.output and "Traceback" not in result.output


def test_notify_test_with_the_smtp_server_down_fails_on_email(
    work: Workdir, mailbox: Mailbox, slack: SlackHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(work, mailbox, slack, monkeypatch)
    mailbox.stop()
    result = work.cli("notify", "--test")
    assert result.exit_code == 1
    assert "email: FAILED: SMTP server 127.0.0.1" in result.output and "connection refused" in result.output
    assert "slack: ok" in result.output


def test_notify_test_without_channels_is_a_usage_error(work: Workdir) -> None:
    work.write_sources(SOURCES)
    result = work.cli("notify", "--test")
    assert result.exit_code == 2 and "no notification channel configured" in result.output
    alone = work.cli("notify")  # nothing asked: its help (issue 22)
    assert alone.exit_code == 0 and "--test" in alone.output
