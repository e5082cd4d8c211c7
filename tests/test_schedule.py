"""Daily operation: the scheduler's configuration, an unattended run stopped by SIGTERM, the lock,
failure escalation and prune."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import CIGNA_PDF_PATH, PolicyServer, Workdir, cigna_only
from tracker.errors import ConfigError, LockedError
from tracker.run.lock import hold
from tracker.run.schedule import build_scheduler, schedule_settings
from tracker.store.database import open_store

PDF_PATH = CIGNA_PDF_PATH


def test_schedule_settings_parse_and_validate() -> None:
    s = schedule_settings({"time": "06:30", "timezone": "America/New_York", "days": "mon-fri", "max_failures": 2})
    assert (s.hour, s.minute, s.second, s.timezone, s.days, s.max_failures) == (
        6,
        30,
        0,
        "America/New_York",
        "mon-fri",
        2,
    )
    assert schedule_settings({"days": ["mon", "thu"]}).days == "mon,thu"
    for bad, message in [
        ({"time": "6pm"}, "HH:MM"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"days": ["funday"]}, "days"),
        ({"max_failures": 0}, "positive"),
    ]:
        with pytest.raises(ConfigError, match=message):
            schedule_settings(bad)


def test_build_scheduler_trigger_timezone_and_options() -> None:
    settings = schedule_settings({"time": "06:00", "timezone": "America/New_York", "days": "mon-fri"})
    scheduler = build_scheduler(settings, lambda: None)
    [job] = scheduler.get_jobs()
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["second"], fields["day_of_week"]) == ("6", "0", "0", "mon-fri")
    assert str(job.trigger.timezone) == "America/New_York"
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 6 * 3600)
    first = job.trigger.get_next_fire_time(None, datetime(2026, 11, 27, 12, 0, tzinfo=UTC))  # a Friday, 07:00 NY
    assert first.isoformat() == "2026-11-30T06:00:00-05:00"  # next weekday: Monday


def tracker_process(work: Workdir, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--sources", str(work.sources), "--data", str(work.data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def runs_recorded(work: Workdir) -> int:
    db_path = work.data / "tracker.db"
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("select count(*) from runs where finished_at is not null").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_schedule_runs_unattended_and_stops_on_sigterm(server: PolicyServer, work: Workdir) -> None:
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    at = datetime.now(UTC) + timedelta(seconds=4)
    work.write_sources(cigna_only(server, f'[schedule]\ntime = "{at:%H:%M:%S}"\ntimezone = "UTC"'))
    proc = tracker_process(work, "--log-level", "INFO", "schedule")
    try:
        assert wait_for(lambda: runs_recorded(work) == 1), "the scheduled run did not happen"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "next run at" in stderr and "source=cigna-0525 outcome=new" in stderr
    assert "Traceback" not in stderr


def lock_holder(path: Path) -> subprocess.Popen[str]:
    """Another process that takes the lock and says so on stdout."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom tracker.run.lock import hold\n"
            "with hold(Path(sys.argv[1])):\n    print('locked', flush=True)\n    time.sleep(60)\n",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout and holder.stdout.readline().strip() == "locked"
    return holder


def test_second_run_is_refused_while_one_holds_the_lock(work: Workdir, server: PolicyServer) -> None:
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    work.write_sources(cigna_only(server))
    holder = lock_holder(work.data / "run.lock")
    try:
        proc = tracker_process(work, "run", "--no-notify")
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 4
        assert f"another tracker run is in progress (pid {holder.pid}" in stderr
        assert runs_recorded(work) == 0
    finally:
        holder.kill()
        holder.communicate()


def test_stale_lock_from_a_killed_process_does_not_block(work: Workdir, server: PolicyServer) -> None:
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    work.write_sources(cigna_only(server))
    holder = lock_holder(work.data / "run.lock")
    os.kill(holder.pid, signal.SIGKILL)
    holder.communicate()
    assert (work.data / "run.lock").read_text() == f"pid {holder.pid}"  # the file stays behind ...
    result = work.cli("run", "--no-notify")
    assert result.exit_code == 0, result.output  # ... the lock does not


def test_lock_in_process(tmp_path: Path) -> None:
    with hold(tmp_path / "x.lock"), pytest.raises(LockedError, match="another tracker run"), hold(tmp_path / "x.lock"):
        pass
    with hold(tmp_path / "x.lock"):
        pass  # released


def test_failure_escalation_after_max_failures_and_reset(server: PolicyServer, work: Workdir) -> None:
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    work.write_sources(cigna_only(server, "[schedule]\nmax_failures = 3"))
    assert work.cli("run", "--no-notify").exit_code == 0
    server.set(PDF_PATH, b"gone", status=404, content_type="text/plain")
    outputs = [work.cli("run", "--no-notify").output for _ in range(3)]
    assert all("Attention" not in out for out in outputs[:2])
    today = datetime.now(UTC).date().isoformat()
    assert f"cigna-0525 has not been checked since {today}: 3 failed runs in a row" in outputs[2]
    assert "HTTP 404 3 times: the policy has possibly moved or been retired" in outputs[2]
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    assert "Attention" not in work.cli("run", "--no-notify").output


def test_prune_keeps_what_versions_need(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(cigna_only(server))
    bodies = [
        samples.cigna_policy_pdf(1),
        samples.cigna_policy_pdf(1, rerender=True),
        samples.cigna_policy_pdf(1),
        samples.truncated_pdf(),
        samples.cigna_policy_pdf(2),
    ]
    for body in bodies:
        server.set(PDF_PATH, body, content_type="application/pdf")
        work.cli("run", "--no-notify")
    store = open_store(work.data)
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        versions = [sha for (sha,) in db.execute("select sha256 from documents order by id")]
        assert len(versions) == 2  # v1 and v2; the re-render (same text) and the truncated PDF are no versions
        kept_bodies = {sha for (sha,) in db.execute("select sha256 from fetches where sha256 is not null")}
    assert len(kept_bodies) == 4 and all(store.raw.path(sha).exists() for sha in kept_bodies)
    assert store.prune("9999-12-31").deleted == 2  # the re-render's body and the truncated PDF's
    left = set(store.raw.iterate())
    assert left == set(versions)
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        assert len(db.execute("select * from fetches").fetchall()) == 5  # rows are never deleted
    result = work.cli("prune", "--keep-days", "30")
    assert result.exit_code == 0 and "Deleted 0 raw capture(s)" in result.output


def test_a_run_left_open_by_a_killed_process_is_closed_as_interrupted(server: PolicyServer, work: Workdir) -> None:
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    work.write_sources(cigna_only(server))
    store = open_store(work.data)
    store.start_run("2026-11-01T06:00:00+00:00", (), 1)  # never finished: its process was killed
    assert work.cli("run", "--no-notify").exit_code == 0
    statuses = [(r["id"], r["status"]) for r in work.json("runs")]
    assert statuses == [(2, "ok"), (1, "interrupted")]  # issue 14 item 3 (was "aborted")


def test_sigterm_during_a_run_finishes_the_source_in_progress_then_exits(server: PolicyServer, work: Workdir) -> None:
    for name in ("a", "b", "c"):
        server.set(f"/{name}.html", samples.aetna_cpb_html(1), delay=1.5)
    work.write_sources(
        'codes = ["64600"]\n'
        + "".join(
            f'[[source]]\nid = "{name}"\npayer = "aetna"\ntitle = "{name}"\nurl = "{server.url(f"/{name}.html")}"\n'
            for name in ("a", "b", "c")
        ),
        fetch="[fetch]\ndelay = 0\nretries = 0\nread_timeout = 10\n",
    )
    proc = tracker_process(work, "--log-level", "INFO", "schedule", "--run-now")
    try:
        routes = [server.routes[f"/{name}.html"] for name in ("a", "b", "c")]
        assert wait_for(lambda: sum(r.hits for r in routes) >= 1, timeout=20), "the run did not start"
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGINT)  # a second signal while stopping changes nothing
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "still finishing the run in progress" in stderr and "scheduler stopped" in stderr
    assert "Traceback" not in stderr
    with sqlite3.connect(work.data / "tracker.db") as db:
        [(status, ok)] = db.execute("select status, sources_ok from runs").fetchall()
    assert (status, ok) == ("interrupted", 1)
    assert sum(r.hits for r in routes) == 1  # the sources not started were left for the next run


def test_days_that_wrap_past_sunday_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"days 'sun-thu'.*list the days instead"):
        schedule_settings({"days": "sun-thu"})
    assert schedule_settings({"days": ["sun", "mon", "tue", "wed", "thu"]}).days == "sun,mon,tue,wed,thu"
