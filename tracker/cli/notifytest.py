"""`tracker notify --test`: one short test message on each configured channel, recorded nowhere."""

from __future__ import annotations

import sys
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import click

from tracker.cli.base import Context, now
from tracker.config.notify import NotifySettings
from tracker.errors import EXIT_SOURCES_FAILED, NotifyError, UsageError

TEST_SUBJECT = "tracker: test message"
TEST_TEXT = (
    "This is a test message from the payer-policy tracker (`tracker notify --test`). "
    "If you can read it, this channel is set up; no policy change is reported here."
)


def _test_email(settings: NotifySettings) -> str:
    from tracker.notify.mail import send_email

    sender = settings.email_from or ""
    message = EmailMessage()
    message["Subject"] = TEST_SUBJECT
    message["From"] = sender
    message["To"] = ", ".join(settings.email_to)
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid("tracker-test", domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(TEST_TEXT)
    refused = send_email(message, settings)
    note = f"sent to {', '.join(settings.email_to)}"
    return note + (f"; refused: {'; '.join(f'{a} ({r})' for a, r in refused.items())}" if refused else "")


def _test_slack(settings: NotifySettings) -> str:
    from tracker.notify.webhook import post_slack

    post_slack({"text": f"*{TEST_SUBJECT}*\n{TEST_TEXT}"}, settings)
    return "posted to the Slack webhook"


def _test_webhook(settings: NotifySettings) -> str:
    from tracker.notify.jsonhook import post_json

    post_json({"event": "test", "run_id": None, "sent_at": now().isoformat(), "message": TEST_TEXT}, settings)
    return "posted to the JSON webhook" + (" (signed)" if settings.webhook_secret else "")


def _test_apprise(settings: NotifySettings) -> str:
    from tracker.notify.apprise_channel import scheme, send_apprise

    for url in settings.apprise_urls:
        send_apprise(TEST_SUBJECT, TEST_TEXT, url, settings)
    return f"sent to {', '.join(scheme(u) + '://' for u in settings.apprise_urls)} (Apprise)"


SENDERS = {"email": _test_email, "slack": _test_slack, "webhook": _test_webhook, "apprise": _test_apprise}


@click.command("notify")
@click.option("--test", "test", is_flag=True, help="Send one short test message on each configured channel.")
@click.pass_obj
def notify(obj: Context, test: bool) -> None:
    """Check the channels: one test message per configured channel (email, Slack, JSON webhook, Apprise, routes).

    Nothing is recorded as a delivery and no change is marked sent. Exit status 1 naming
    the channel that failed, and why.

    Example:

        tracker notify --test
    """
    if not test:  # nothing asked: the help says what there is to do (issue 22)
        click.echo(click.get_current_context().get_help())
        return
    from tracker.notify.mail import redacted_line
    from tracker.notify.routing import targets

    config = obj.config()
    settings = config.notify
    if not settings.channels and not settings.routes:
        raise UsageError(
            f"{obj.sources_path}: no notification channel configured: set [notify] email_to (or TRACKER_MAIL_TO) "
            "and an SMTP server, or slack = true with TRACKER_SLACK_WEBHOOK_URL"
        )
    failed = []
    for target in targets(settings, config.sources):
        try:
            click.echo(f"{target.ledger}: ok, test message {SENDERS[target.channel](target.settings)}")
        except NotifyError as exc:
            failed.append(target.ledger)
            click.echo(f"{target.ledger}: FAILED: {redacted_line(settings, exc.message)}")
    if failed:
        click.echo(f"Error: the test message could not be sent on {', '.join(failed)}", err=True)
        sys.exit(EXIT_SOURCES_FAILED)
