"""More channels, one ledger (issue 21): the JSON webhook, Apprise (json:// and Workflows), routing by tags.

Every endpoint is a server on 127.0.0.1 started by the test; email goes to aiosmtpd.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import samples
from tests.helpers import Answer, LoopbackHTTPServer, Mailbox, PolicyServer, Request, Workdir

AETNA = "/cpb/medical/data/300_399/0374.html"
OTHER = "/cpb/medical/data/300_399/0375.html"
WEBHOOK_SECRET = "whsec-Hmac-Key-9f8e7d6c5b4a"
JSON_TOKEN = "jsonPathTOKENsecret0123456789"
WORKFLOW_ID = "wfIDsecret11223344556677"
WORKFLOW_SIG = "sigSECRETabcdef0123456789"


class Receiver(LoopbackHTTPServer):
    """A JSON endpoint (a ticketing system, Apprise's json:// target, a Workflows trigger): records posts.

    ``hold`` makes the first post wait until ``release`` is set (a delivery in flight).
    """

    methods = ("POST",)
    protocol_version = "HTTP/1.0"

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__()
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.hold = False
        self.arrived = threading.Event()
        self.release = threading.Event()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.log]

    def respond(self, request: Request) -> Answer:
        if self.hold and not self.arrived.is_set():
            self.arrived.set()  # received; the answer waits
            self.release.wait(30)
        return Answer(200, b'{"ok": true}', "application/json")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as srv:
        yield srv


def sources(server: PolicyServer, notify: str = "") -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{server.url(AETNA)}"
        tags = ["pain"]

        [[source]]
        id = "aetna-0375"
        payer = "aetna"
        title = "Occipital Neuralgia"
        url = "{server.url(OTHER)}"
        tags = ["neurosurgery"]
        {notify}
    """


def serve(server: PolicyServer, version: int) -> None:
    server.set(AETNA, samples.aetna_cpb_html(version))
    server.set(OTHER, samples.aetna_cpb_html(version).replace(b"0374", b"0375"))


def _secrets_absent(work: Workdir, *texts: str, secrets: tuple[str, ...]) -> None:
    """No secret, whole or in part (16 characters of a token), in the database, the data directory or the texts."""
    stored = b"".join(p.read_bytes() for p in work.data.rglob("*") if p.is_file() and not p.name.endswith(".gz"))
    for secret in secrets:
        pieces = {secret} if "://" in secret else {secret, secret[:16], secret[-16:]}  # a URL's host is no secret
        for piece in pieces:
            assert piece.encode() not in stored, piece
            for text in texts:
                assert piece not in text, piece


def _ledger(work: Workdir) -> list[tuple[str, str, int]]:
    with sqlite3.connect(work.data / "tracker.db") as db:
        rows = db.execute(
            "select channel, status, count(*) from deliveries where change_id is not null group by channel, status"
        )
        return sorted(rows.fetchall())


def test_json_webhook_posts_the_changes_signed(
    server: PolicyServer, work: Workdir, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{receiver.base}/hooks/{JSON_TOKEN}"
    monkeypatch.setenv("TRACKER_WEBHOOK_URL", url)
    monkeypatch.setenv("TRACKER_WEBHOOK_SECRET", WEBHOOK_SECRET)
    work.write_sources(sources(server))
    outputs = []
    for version in (1, 2, 2):
        serve(server, version)
        result = work.cli("--log-level", "DEBUG", "run")
        assert result.exit_code == 0, result.output
        outputs += [result.output, result.stderr]
    (post,) = receiver.log  # the first capture alone is no message; the third run has nothing new
    expected = hmac.new(WEBHOOK_SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    assert post.header("X-Tracker-Signature-256") == f"sha256={expected}"
    assert post.header("Content-Type") == "application/json; charset=utf-8"
    document = json.loads(post.body)
    assert document["event"] == "changes" and isinstance(document["run_id"], int)
    logged = {c["id"]: c for c in work.json("changes")}
    assert {c["kind"] for c in document["changes"]} == {"new", "changed"}
    for change in document["changes"]:
        assert {k: v for k, v in change.items() if k != "url"} == logged[change["id"]]
        assert change["url"] in (server.url(AETNA), server.url(OTHER))
    assert len(document["changes"]) == len(logged)
    assert _ledger(work) == [("webhook", "sent", len(logged))]
    _secrets_absent(work, *outputs, secrets=(WEBHOOK_SECRET, JSON_TOKEN, url))


def test_webhook_without_secret_has_no_signature_and_a_refusal_is_retried(
    server: PolicyServer, work: Workdir, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Refusing(Receiver):
        def respond(self, request: Request) -> Answer:
            if len(self.log) < 1:
                return Answer(503, f"down; you called /hooks/{JSON_TOKEN}".encode())
            return super().respond(request)

    with Refusing() as hook:
        monkeypatch.setenv("TRACKER_WEBHOOK_URL", f"{hook.base}/hooks/{JSON_TOKEN}")
        work.write_sources(sources(server))
        serve(server, 1)
        work.cli("run")
        serve(server, 2)
        failed = work.cli("run")
        assert "webhook: delivery failed: the JSON webhook answered HTTP 503" in failed.output
        assert JSON_TOKEN not in failed.output and "[redacted]" in failed.output
        again = work.cli("run")
        assert "webhook: digest sent" in again.output
        assert [r.status for r in hook.log] == [503, 200]
        assert hook.log[1].header("X-Tracker-Signature-256") is None
        assert json.loads(hook.log[0].body) == json.loads(hook.log[1].body) | {
            k: json.loads(hook.log[0].body)[k] for k in ("run_id", "sent_at", "generated_at")
        }


def _tls_context(tmp_path: Path) -> ssl.SSLContext:
    import datetime as dt
    import ipaddress

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
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_apprise_json_and_workflows_each_delivered_once(
    server: PolicyServer, work: Workdir, receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Receiver(tls=_tls_context(tmp_path)) as workflows:
        json_url = f"json://{receiver.host}:{receiver.port}/in/{JSON_TOKEN}"
        flow_url = f"workflows://{workflows.host}:{workflows.port}/{WORKFLOW_ID}/{WORKFLOW_SIG}/?verify=no"
        monkeypatch.setenv("TRACKER_APPRISE_URLS", f"{json_url} {flow_url}")
        work.write_sources(sources(server))
        outputs = []
        for version in (1, 2, 2):
            serve(server, version)
            result = work.cli("--log-level", "DEBUG", "run")
            assert result.exit_code == 0, result.output
            outputs += [result.output, result.stderr]
        (message,) = receiver.bodies
        assert message["title"].startswith("Policy changes: 2") and "covered → not covered" in message["message"]
        assert receiver.log[0].path == f"/in/{JSON_TOKEN}"
        (flow,) = workflows.log
        assert flow.path.startswith(f"/workflows/{WORKFLOW_ID}/triggers/manual/paths/invoke")
        assert f"sig={WORKFLOW_SIG}" in flow.path
        assert "covered → not covered" in json.dumps(json.loads(flow.body), ensure_ascii=False)
        changes = len(work.json("changes"))
        assert _ledger(work) == [("apprise#1", "sent", changes), ("apprise#2", "sent", changes)]
        assert "apprise#2: digest sent" in outputs[2] and "workflows://" in outputs[2]
        _secrets_absent(work, *outputs, secrets=(JSON_TOKEN, WORKFLOW_ID, WORKFLOW_SIG, json_url, flow_url))


def test_a_kill_between_send_and_ledger_repeats_at_most_the_message_in_flight(
    server: PolicyServer, work: Workdir, receiver: Receiver
) -> None:
    work.write_sources(sources(server))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_APPRISE_URLS"] = f"json://{receiver.host}:{receiver.port}/in/{JSON_TOKEN}"
    command = [sys.executable, "-m", "tracker", "--sources", str(work.sources), "--data", str(work.data), "run"]
    serve(server, 1)
    assert subprocess.run(command, env=env, capture_output=True, timeout=60).returncode == 0
    serve(server, 2)
    receiver.hold = True
    running = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert receiver.arrived.wait(30), "the message never left"
    running.send_signal(signal.SIGKILL)  # sent, not yet recorded in the ledger
    running.wait(10)
    receiver.release.set()
    assert _ledger(work) == []
    for _ in range(2):
        assert subprocess.run(command, env=env, capture_output=True, timeout=60).returncode == 0
    in_flight, repeat = receiver.bodies  # the message in flight, then its one repeat; nothing after

    def news(body: dict[str, Any]) -> list[str]:
        return [line for line in body["message"].splitlines() if not line.startswith("Generated ")]

    assert news(in_flight) == news(repeat) and "covered → not covered" in repeat["message"]
    assert _ledger(work) == [("apprise#1", "sent", len(work.json("changes")))]


def test_routing_sends_each_team_only_its_own_changes(
    server: PolicyServer, work: Workdir, mailbox: Mailbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_APPRISE_NEURO", f"json://{receiver.host}:{receiver.port}/neuro/{JSON_TOKEN}")
    notify = f"""
        [notify]
        email_to = ["billing@example.org"]
        email_from = "tracker@example.org"
        smtp_host = "127.0.0.1"
        smtp_port = {mailbox.port}
        smtp_tls = "none"

        [[notify.route]]
        tags = ["pain"]
        email_to = ["pain-team@example.org", "billing@example.org"]

        [[notify.route]]
        tags = ["neurosurgery"]
        email_to = ["neuro-team@example.org", "both@example.org"]
        apprise = "TRACKER_APPRISE_NEURO"

        [[notify.route]]
        tags = ["pain"]
        email_to = ["both@example.org"]
    """
    work.write_sources(sources(server, notify))
    for version in (1, 2, 2):
        serve(server, version)
        assert work.cli("run").exit_code == 0
    received: dict[str, list[str]] = {}
    for envelope in mailbox.log:
        for rcpt in envelope.rcpt_tos:
            received.setdefault(rcpt, []).append(envelope.content.decode("utf-8", "replace"))
    assert {k: len(v) for k, v in received.items()} == {  # one message per recipient per run
        "billing@example.org": 1,
        "pain-team@example.org": 1,
        "neuro-team@example.org": 1,
        "both@example.org": 1,
    }
    assert "0374" in received["pain-team@example.org"][0] and "0375" not in received["pain-team@example.org"][0]
    assert "0375" in received["neuro-team@example.org"][0] and "0374" not in received["neuro-team@example.org"][0]
    for everyone in ("billing@example.org", "both@example.org"):
        assert "0374" in received[everyone][0] and "0375" in received[everyone][0]
    (team,) = receiver.bodies
    assert "0375" in team["message"] and "0374" not in team["message"]
    channels = {channel for channel, _, _ in _ledger(work)}
    assert channels == {
        "email",
        "email:pain-team@example.org",
        "email:neuro-team@example.org",
        "email:both@example.org",
        "apprise:TRACKER_APPRISE_NEURO#1",
    }


def test_notify_test_covers_apprise_and_the_webhook(
    server: PolicyServer, work: Workdir, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_APPRISE_URLS", f"json://{receiver.host}:{receiver.port}/in/{JSON_TOKEN}")
    monkeypatch.setenv("TRACKER_WEBHOOK_URL", f"{receiver.base}/hooks/{JSON_TOKEN}")
    monkeypatch.setenv("TRACKER_WEBHOOK_SECRET", WEBHOOK_SECRET)
    work.write_sources(sources(server))
    result = work.cli("notify", "--test")
    assert result.exit_code == 0, result.output
    assert "webhook: ok, test message posted to the JSON webhook (signed)" in result.output
    assert "apprise#1: ok, test message sent to json://" in result.output
    assert sorted(r.path.split("/")[1] for r in receiver.log) == ["hooks", "in"]
    assert JSON_TOKEN not in result.output and WEBHOOK_SECRET not in result.output
    receiver.stop()
    down = work.cli("notify", "--test")
    assert down.exit_code == 1 and "apprise#1: FAILED" in down.output and JSON_TOKEN not in down.output


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ('tags = "pain"\nemail_to = ["a@example.org"]', "key 'tags' must be a non-empty list"),
        ('tags = ["pain"]', "give email_to or apprise"),
        ('tags = ["pain"]\napprise = "json://x/y"', "must name an environment variable"),
        ('tags = ["pain"]\napprise = "TRACKER_UNSET_TEAM"', "names an environment variable that is not set"),
        ('tags = ["pain"]\nemail_to = ["a@example.org"]\nslack = true', "unknown key 'slack'"),
    ],
)
def test_bad_routes_are_clear_errors(server: PolicyServer, work: Workdir, route: str, message: str) -> None:
    work.write_sources(sources(server, f"[[notify.route]]\n{route}\n"))
    result = work.cli("run", "--no-notify")
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
