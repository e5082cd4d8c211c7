"""Schedule: the daily check, unattended — APScheduler's cron trigger, one run at a time.

``run_once`` is the job itself (lock, check, summary); ``build_scheduler`` wires
it to a ``BlockingScheduler`` with the ``[schedule]`` settings; ``serve`` runs
it in the foreground until SIGINT/SIGTERM, finishing the sources in progress.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from tracker.errors import ConfigError

log = logging.getLogger("tracker")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_DAYS = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$")


@dataclass(frozen=True)
class ScheduleSettings:
    """When the daily check runs (``[schedule]``)."""

    hour: int = 6
    minute: int = 0
    second: int = 0
    timezone: str = "UTC"
    days: str = "*"
    max_failures: int = 3
    misfire_grace_time: int = 6 * 3600


def schedule_settings(table: Mapping[str, Any], where: str = "sources.toml") -> ScheduleSettings:
    """Validate ``[schedule]``: time "HH:MM[:SS]", an IANA timezone, days ("mon-fri" or a list), max_failures."""
    time_text = table.get("time", "06:00")
    match = _TIME.match(time_text) if isinstance(time_text, str) else None
    if not match:
        raise ConfigError(f'{where}: [schedule] time must be "HH:MM" (24-hour), not {time_text!r}')
    tz = table.get("timezone", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"{where}: [schedule] timezone {tz!r} is not an IANA time zone such as America/New_York"
        ) from None
    max_failures = table.get("max_failures", 3)
    if not isinstance(max_failures, int) or isinstance(max_failures, bool) or max_failures < 1:
        raise ConfigError(f"{where}: [schedule] max_failures must be a positive integer, not {max_failures!r}")
    settings = ScheduleSettings(
        hour=int(match.group(1)),
        minute=int(match.group(2)),
        second=int(match.group(3) or 0),
        timezone=tz,
        days=_days(table.get("days", "*"), where),
        max_failures=max_failures,
    )
    try:
        _trigger(settings)
    except ValueError as exc:  # e.g. "sun-thu": cron ranges do not wrap past Sunday
        raise ConfigError(
            f"{where}: [schedule] days {table.get('days')!r}: {exc}; list the days instead, "
            'e.g. ["sun", "mon", "tue", "wed", "thu"]'
        ) from None
    return settings


def _days(value: Any, where: str) -> str:
    items = [value] if isinstance(value, str) else value
    if value == "*" or value == []:
        return "*"
    ok = isinstance(items, list) and items and all(isinstance(d, str) and _DAYS.match(d.lower()) for d in items)
    if not ok:
        raise ConfigError(
            f'{where}: [schedule] days must be "*", a range such as "mon-fri" or a list of {", ".join(DAYS)}'
        )
    return ",".join(d.lower() for d in items)


def build_scheduler(settings: ScheduleSettings, job: Callable[[], None], *, run_now: bool = False) -> BlockingScheduler:
    """A BlockingScheduler with the daily job: cron trigger, one instance, misfires coalesced."""
    scheduler = BlockingScheduler(timezone=settings.timezone)
    options: dict[str, Any] = {}
    if run_now:
        options["next_run_time"] = datetime.now(ZoneInfo(settings.timezone))
    scheduler.add_job(
        job,
        _trigger(settings),
        id="daily-check",
        name="daily policy check",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=settings.misfire_grace_time,
        replace_existing=True,
        **options,
    )
    return scheduler


def _trigger(settings: ScheduleSettings) -> CronTrigger:
    return CronTrigger(
        day_of_week=settings.days,
        hour=settings.hour,
        minute=settings.minute,
        second=settings.second,
        timezone=settings.timezone,
    )


class Runner:
    """Wraps the job so that a stop can wait for the run in progress, outside any scheduler lock."""

    def __init__(self, job: Callable[[], None]) -> None:
        self.job = job
        self.idle = threading.Event()
        self.idle.set()

    def __call__(self) -> None:
        # The run's threads must not take SIGINT/SIGTERM: a signal that lands on one of them never
        # wakes the scheduler's main thread, which sleeps until the next run (seen: a stop ignored
        # for the whole run). Blocked here, inherited by the threads the run starts.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        self.idle.clear()
        try:
            self.job()
        finally:
            self.idle.set()


def serve(scheduler: BlockingScheduler, runner: Runner, stop: threading.Event) -> None:
    """Run the scheduler in the foreground until SIGINT/SIGTERM; a run in progress ends after its current sources.

    The signal handler only asks: it sets ``stop`` (the run finishes the sources it has started)
    and shuts the scheduler down without waiting; the wait for the run happens here, after the
    scheduler's loop has returned, so no scheduler lock is held while the run ends.
    """

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            log.info("received %s again: still finishing the run in progress", signal.Signals(signum).name)
            return
        log.info("received %s: finishing the sources in progress, then stopping", signal.Signals(signum).name)
        stop.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)
    scheduler.add_listener(lambda event: _log_next(scheduler, stop), _EVENTS)
    scheduler.start()  # blocks until shutdown
    runner.idle.wait()
    log.info("scheduler stopped")


_EVENTS = EVENT_SCHEDULER_STARTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED


def _log_next(scheduler: BlockingScheduler, stop: threading.Event) -> None:
    if stop.is_set() or not scheduler.running:
        return
    job = scheduler.get_job("daily-check")
    if job is not None and job.next_run_time is not None:
        log.info("next run at %s", job.next_run_time.isoformat())
