"""Stress (issue 13): SIGKILL runs and deliveries at random moments, then count what survived.

Usage: python bench/stress.py [--kills 20] [--seed 13] [--keep DIR]

A loopback policy server serves four HTML policies whose versions flip between runs, and a
real SMTP server (aiosmtpd, slowed down so that kills land during deliveries too) takes the
digests. ``--kills`` times, ``python -m tracker run`` starts and is killed with SIGKILL after a
random delay; a few runs are left to finish. A last run settles everything. Then:

* ``PRAGMA integrity_check``;
* versions: per source, no two consecutive versions with the same body (doubled) and the
  served body stored as the latest version (lost);
* changes: every version after the first has its changes (lost), none twice (doubled);
* deliveries: every change delivered (a ``sent`` row), and the messages the SMTP server
  received beyond the deliveries recorded (repeats), which may be at most one per kill.

Nothing leaves 127.0.0.1. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import samples  # noqa: E402 - the repository's own fixtures
from tests.helpers import Mailbox, PolicyServer  # noqa: E402

PAGES = {
    "aetna-0374": ("aetna", "/cpb/0374.html", samples.aetna_cpb_html),
    "horizon-142": ("bcbs", "/MedPol2/HNBE-8TVP74", samples.horizon_range_html),
    "anthem-cg-surg-89": ("bcbs", "/medpolicies/CG-SURG-89.html", samples.anthem_guideline_html),
}


class SlowInbox:
    """Takes each message after a pause, so that a kill may land between DATA and its 250."""

    def __init__(self, mailbox: Mailbox, pause: float) -> None:
        self.mailbox, self.pause = mailbox, pause

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(self.pause)
        self.mailbox.record(envelope)
        return "250 OK queued"


def write_sources(path: Path, server: PolicyServer, mailbox: Mailbox) -> None:
    body = 'codes = ["64600"]\n'
    for sid, (payer, url_path, _) in PAGES.items():
        plan = 'plan = "anthem"\n' if sid.startswith("anthem") else ('plan = "horizon-nj"\n' if payer == "bcbs" else "")
        body += (
            f'\n[[source]]\nid = "{sid}"\npayer = "{payer}"\n{plan}title = "{sid}"\nurl = "{server.url(url_path)}"\n'
        )
    body += "\n[fetch]\ndelay = 0\nretries = 0\ntimeout = 2\nread_timeout = 5\ndeadline = 20\n"
    body += (
        '\n[notify]\nemail_to = ["billing@example.org"]\nemail_from = "tracker@example.org"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {mailbox.port}\nsmtp_tls = "none"\n'
    )
    path.write_text(body, encoding="utf-8")


def serve(server: PolicyServer, version: int) -> dict[str, bytes]:
    served = {}
    for sid, (_, url_path, make) in PAGES.items():
        body = make(version if sid != "anthem-cg-surg-89" else 1 + version % 2)
        server.set(url_path, body)
        served[sid] = body
    return served


def tracker_run(work: Path, kill_after: float | None) -> str:
    """One ``tracker run``; killed with SIGKILL after ``kill_after`` seconds (None: let it finish)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--sources", str(work / "sources.toml"), "--data", str(work / "data"), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    if kill_after is None:
        proc.wait(timeout=300)
        return f"finished ({proc.returncode})"
    try:
        proc.wait(timeout=kill_after)
        return f"finished before the kill ({proc.returncode})"
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return f"killed after {kill_after:.2f} s"


def audit(db_path: Path, served: dict[str, bytes], received: int) -> dict[str, Any]:
    import hashlib

    with closing(sqlite3.connect(db_path)) as db:
        integrity = [row[0] for row in db.execute("pragma integrity_check")]
        docs = db.execute("select id, source_id, sha256 from documents order by id").fetchall()
        changes = db.execute("select new_document_id, code, kind from changes").fetchall()
        sent = db.execute(
            "select count(distinct run_id || '/' || attempted_at) from deliveries "
            "where channel = 'email' and status = 'sent'"
        ).fetchone()[0]
        undelivered = db.execute(
            "select count(*) from changes c where kind != 'new' and not exists (select 1 from deliveries d "
            "where d.change_id = c.id and d.channel = 'email' and d.status = 'sent')"
        ).fetchone()[0]
        runs = dict(db.execute("select status, count(*) from runs group by status").fetchall())
    by_source: dict[str, list[tuple[int, str]]] = {}
    for doc_id, sid, sha in docs:
        by_source.setdefault(sid, []).append((doc_id, sha))
    doubled = sum(1 for seq in by_source.values() for a, b in zip(seq, seq[1:], strict=False) if a[1] == b[1])
    lost = sum(
        1 for sid, body in served.items() if by_source.get(sid, [(0, "")])[-1][1] != hashlib.sha256(body).hexdigest()
    )
    keys = [(d, c) for d, c, _ in changes]
    firsts = {seq[0][0] for seq in by_source.values()}
    with_changes = {d for d, _ in keys}
    return {
        "integrity_check": integrity,
        "versions": len(docs),
        "versions_doubled": doubled,
        "versions_lost": lost,
        "changes": len(changes),
        "changes_doubled": len(keys) - len(set(keys)),
        "versions_without_changes": len({d for d, _, _ in docs} - firsts - with_changes),
        "messages_received": received,
        "deliveries_recorded": sent,
        "repeats": received - sent,
        "changes_never_delivered": undelivered,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", type=Path, help="work in this directory (kept) instead of a temporary one")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="tracker-stress-"))
    work.mkdir(parents=True, exist_ok=True)
    with PolicyServer() as server, Mailbox() as mailbox:
        mailbox.stop()
        mailbox.inbox = SlowInbox(mailbox, pause=0.4)  # type: ignore[assignment]
        mailbox.start()
        write_sources(work / "sources.toml", server, mailbox)
        version, served = 1, serve(server, 1)
        tracker_run(work, None)  # the baseline
        version, served = 2, serve(server, 2)
        tick = time.monotonic()
        tracker_run(work, None)  # a run with changes and a delivery: how long one takes, start-up included
        whole = time.monotonic() - tick
        log, kills, started = [], 0, time.monotonic()
        while kills < args.kills:
            version = 3 - version
            served = serve(server, version)
            finish = rng.random() < 0.2
            what = tracker_run(work, None if finish else rng.uniform(0.4 * whole, whole))
            kills += what.startswith("killed")
            log.append(what)
        tracker_run(work, None)  # settle: whatever was pending goes out now
        report = audit(work / "data" / "tracker.db", served, len(mailbox.log))
    report.update(kills=kills, attempts=len(log), seconds=round(time.monotonic() - started, 1), work=str(work))
    report["one_run_seconds"] = round(whole, 2)
    report["repeats_within_bound"] = 0 <= report["repeats"] <= kills
    print(json.dumps({"log": log, **report}, indent=2))
    ok = report["integrity_check"] == ["ok"] and not (report["versions_doubled"] or report["versions_lost"])
    ok = ok and not report["changes_doubled"] and report["repeats_within_bound"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.pop("TRACKER_SOURCES", None)
    main()
