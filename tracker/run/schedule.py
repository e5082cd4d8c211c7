"""Schedule: the daily check, unattended — APScheduler's cron trigger, one run at a time.

``run_once`` (``run.job``) is the job itself; ``build_scheduler`` wires it to a
``BlockingScheduler`` with the ``[schedule]`` settings (validated by
``config.schedule``); ``serve`` runs it in the foreground until SIGINT/SIGTERM,
finishing the sources in progress. The only module that imports APScheduler.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from tracker.config.schedule import ScheduleSettings, schedule_settings

__all__ = ["Runner", "ScheduleSettings", "build_scheduler", "schedule_settings", "serve"]

log = logging.getLogger("tracker")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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
