"""SMTP delivery has a deadline for the whole delivery (issue 23, item 6), and a server's words are printable (item 5).

A server that drips its greeting one byte at a time answers every read within the 30-second
read timeout, and held a run 66 s before ``[notify] smtp_deadline``. Here the greeting drips
one byte every 0.5 s (about 16 s in all) against ``smtp_deadline = 3``: the run ends within the
deadline and a margin, the failure names the deadline, no secret appears anywhere, and the
change stays pending for the next run. Measured (2 cores, load ~3): the same run took 17.1 s before
(the whole drip), 3.1 s after.
"""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing

import pytest

from tests import samples
from tests.helpers import AETNA_PATH, PolicyServer, RawSocketServer, Workdir, aetna_only

AETNA = AETNA_PATH
PASSWORD = "s3cret-Password-4711"
USER = "billing-bot"
DEADLINE = 3
MARGIN = 4.0
"""Slack for a busy machine; the drip alone takes 16 s."""
ESCAPE = "\x1b]0;PWNED\x07\x1b[2J\x9b31m"
CONTROL = "\x1b\x07\x9b"

Conversation = Callable[["RawSMTP", socket.socket], None]


class RawSMTP(RawSocketServer):
    """An SMTP server on 127.0.0.1 that speaks by hand: each connection runs one ``conversation``."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__()
        self.conversation = conversation
        self.heard: list[str] = []

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                self.conversation(self, conn)
            except OSError:
                pass  # the client hung up (as it should, at its deadline)

    def lines(self, conn: socket.socket) -> Iterator[str]:
        """The client's command lines, as they come."""
        buffer = b""
        while not self.stopping.is_set():
            while b"\r\n" not in buffer:
                data = conn.recv(4096)
                if not data:
                    return
                buffer += data
            line, buffer = buffer.split(b"\r\n", 1)
            self.heard.append(line.decode("latin-1"))
            yield line.decode("latin-1")


def drip_greeting(server: RawSMTP, conn: socket.socket) -> None:
    """The greeting one byte every 0.5 s: never a read timeout, 16 s in all."""
    for byte in b"220 slow.example.org ESMTP ready\r\n":
        if server.stopping.wait(0.5):
            return
        conn.sendall(bytes([byte]))


def refuse_with_escapes(server: RawSMTP, conn: socket.socket) -> None:
    """A quick server that refuses the sender with escape sequences (and the password, echoed) in its reply."""
    conn.sendall(b"220 mail.example.org ESMTP\r\n")
    for line in server.lines(conn):
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            conn.sendall(b"250-mail.example.org\r\n250 AUTH PLAIN LOGIN\r\n")
        elif verb == "AUTH":
            conn.sendall(b"235 2.7.0 ok\r\n")
        elif verb == "MAIL":
            conn.sendall(f"550 5.7.1 {ESCAPE}refused for {PASSWORD}{ESCAPE} go away\r\n".encode())
        elif verb == "QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


def configure(work: Workdir, server: PolicyServer, smtp: RawSMTP, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_SMTP_USER", USER)
    monkeypatch.setenv("TRACKER_SMTP_PASSWORD", PASSWORD)
    server.set(AETNA, samples.aetna_cpb_html(1))
    work.write_sources(
        aetna_only(
            server.url(AETNA),
            f"""
        [notify]
        email_to = ["billing@example.org"]
        email_from = "tracker@example.org"
        smtp_host = "127.0.0.1"
        smtp_port = {smtp.port}
        smtp_tls = "none"
        smtp_deadline = {DEADLINE}
        """,
        )
    )


def stored(work: Workdir) -> str:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return "\n".join(db.iterdump())


def pending(work: Workdir) -> list[tuple[str, str, str | None]]:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return list(db.execute("select channel, status, error from deliveries order by id"))


def test_a_server_dripping_its_greeting_is_cut_at_the_smtp_deadline(
    server: PolicyServer, work: Workdir, monkeypatch: pytest.MonkeyPatch
) -> None:
    with RawSMTP(drip_greeting) as smtp:
        configure(work, server, smtp, monkeypatch)
        assert work.cli("run", "--no-notify").exit_code == 0  # the baseline, not alerted
        server.set(AETNA, samples.aetna_cpb_html(2))  # a real change: a digest to send
        started = time.monotonic()
        result = work.cli("run")
        took = time.monotonic() - started
    assert took < DEADLINE + MARGIN, f"the run took {took:.1f} s with smtp_deadline = {DEADLINE}"
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output  # every source was checked
    assert "delivery failed" in result.output and f"{DEADLINE}-second delivery deadline" in result.output
    assert "[notify] smtp_deadline" in result.output
    assert PASSWORD not in result.output and PASSWORD not in stored(work)
    assert {status for _, status, _ in pending(work)} == {"failed"}  # not sent: the next run tries again
    assert all("smtp_deadline" in (error or "") for _, _, error in pending(work))


def test_smtp_replies_are_printable_and_hold_no_secret(
    server: PolicyServer, work: Workdir, monkeypatch: pytest.MonkeyPatch
) -> None:
    with RawSMTP(refuse_with_escapes) as smtp:
        configure(work, server, smtp, monkeypatch)
        assert work.cli("run", "--no-notify").exit_code == 0
        server.set(AETNA, samples.aetna_cpb_html(2))
        result = work.cli("run")
        test = work.cli("notify", "--test")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert test.exit_code == 1 and "FAILED" in test.output, test.output
    assert "550 5.7.1" in result.output and "go away" in result.output
    for shown in (result.output, test.output, stored(work)):
        assert not any(c in shown for c in CONTROL), repr(shown)
        assert PASSWORD not in shown
    assert "[redacted]" in result.output


def test_smtp_deadline_must_be_a_positive_number(work: Workdir) -> None:
    for bad in ("0", "-1", "nan", '"soon"', "true"):
        work.write_sources(
            '\ncodes = ["64600"]\n[notify]\nemail_to = ["a@example.org"]\nemail_from = "t@example.org"\n'
            f'smtp_host = "127.0.0.1"\nsmtp_deadline = {bad}\n'
        )
        result = work.cli("sources")
        assert result.exit_code == 2 and "smtp_deadline" in result.output, (bad, result.output)
