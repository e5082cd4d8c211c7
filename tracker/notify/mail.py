"""Email delivery: the multipart/alternative message (pure) and sending it over SMTP (I/O)."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from tracker.config.notify import NotifySettings
from tracker.errors import NotifyError
from tracker.hygiene import one_line
from tracker.notify.digest import Digest
from tracker.notify.htmlmail import render_html
from tracker.notify.plain import render_text
from tracker.watchdog import watch_socket, watching

REPLY_LIMIT = 300
"""A server's reply longer than this is cut in messages."""
SmtpFactory = Callable[[NotifySettings, ssl.SSLContext], smtplib.SMTP]
"""Opens a connection (already TLS-wrapped when ``smtp_tls = ssl``); STARTTLS and login come after."""


def build_message(digest: Digest, settings: NotifySettings, *, now: datetime) -> EmailMessage:
    """The digest as an email: text and HTML alternatives, Date, Message-ID, the digest's subject."""
    sender = settings.email_from or ""
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = ", ".join(settings.email_to)
    message["Date"] = format_datetime(now)
    # The sender's domain, not socket.getfqdn(): no DNS lookup, and a stable right-hand side.
    message["Message-ID"] = make_msgid("tracker", domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a digest
    message.set_content(render_text(digest))
    message.add_alternative(render_html(digest), subtype="html")
    return message


class _WatchedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket the delivery's deadline may shut (``tracker.watchdog``), greeting included."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]  # not in typeshed
        watch_socket(sock)  # before the greeting is read, and before a TLS wrap (which keeps the connection)
        return sock


class _WatchedSMTPSSL(smtplib.SMTP_SSL, _WatchedSMTP):
    """smtplib.SMTP_SSL over a watched socket: the TLS handshake is within the deadline too."""


def connect(settings: NotifySettings, context: ssl.SSLContext) -> smtplib.SMTP:
    """The default SMTP factory: plain TCP, or TLS from the first byte for ``smtp_tls = ssl``.

    No read waits beyond the delivery's deadline; the deadline itself is ``send_email``'s.
    """
    host = settings.smtp_host or "localhost"
    timeout = min(settings.timeout, settings.smtp_deadline)
    if settings.smtp_tls == "ssl":
        return _WatchedSMTPSSL(host, settings.smtp_port, timeout=timeout, context=context)
    return _WatchedSMTP(host, settings.smtp_port, timeout=timeout)


def send_email(
    message: EmailMessage,
    settings: NotifySettings,
    *,
    smtp_factory: SmtpFactory = connect,
    ssl_context: ssl.SSLContext | None = None,
) -> dict[str, str]:
    """Send ``message``; return the recipients the server refused (others got it); NotifyError if none did.

    The message counts as delivered once the server answered 250 to its DATA: what happens at
    QUIT afterwards (a 421, a dropped connection, the deadline) changes nothing, so it is never
    sent twice. The whole delivery, connect to QUIT, has ``[notify] smtp_deadline`` seconds: a
    server that drips its greeting or its answers is cut off then (the read timeout is per read).
    """
    context = ssl_context or ssl.create_default_context()
    where = f"SMTP server {settings.smtp_host}:{settings.smtp_port}"
    with watching(settings.smtp_deadline) as deadline:
        try:
            smtp = smtp_factory(settings, context)
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            raise _failed(settings, where, exc, deadline.fired) from None
        watch_socket(smtp.sock)  # a factory of the caller's own, whose socket was not watched from the start
        try:
            if settings.smtp_tls == "starttls":
                # Never fall back to clear text: a server without STARTTLS is an error.
                smtp.starttls(context=context)
            if settings.smtp_user and settings.smtp_password:
                login(smtp, settings.smtp_user, settings.smtp_password)
            refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            raise _failed(settings, where, exc, deadline.fired) from None
        finally:
            _quit(smtp)
    return {addr: one_line(f"{code} {_text(reply)}", REPLY_LIMIT) for addr, (code, reply) in refused.items()}


def _failed(settings: NotifySettings, where: str, exc: BaseException, late: bool) -> NotifyError:
    """The NotifyError of a failed delivery: the deadline when it cut the connection, else the cause; no secret."""
    if late:
        why = (
            f"not done within the {settings.smtp_deadline:g}-second delivery deadline ([notify] smtp_deadline); "
            "the server is too slow or drips its answers"
        )
    else:
        why = describe(exc)
    return NotifyError(redacted_line(settings, f"{where}: {why}"))


def redacted_line(settings: NotifySettings, text: str) -> str:
    """A server's words as one printable line with no secret in it: redacted before the cleaning (which
    could join a secret's pieces) and after (which could split one)."""
    return settings.redact(one_line(settings.redact(text)))


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a server that answers QUIT badly (421) or hangs up has already had its say."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a non-ASCII user or password goes as UTF-8 over AUTH PLAIN (RFC 4616), which smtplib cannot do."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in offered:
        raise smtplib.SMTPException(
            "the SMTP user name or password has non-ASCII characters, which only AUTH PLAIN carries (as UTF-8), "
            f"and the server offers {', '.join(offered) or 'no login at all'}; use an ASCII password"
        )
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def describe(exc: BaseException) -> str:
    """A one-line reason for an SMTP or socket failure."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused: " + "; ".join(
            f"{addr} ({code} {_text(reply)})" for addr, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the SMTP server running, and is the port right?)"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    """A server's reply as one printable line, not endless (a server may send escape sequences)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return one_line(text, REPLY_LIMIT)
