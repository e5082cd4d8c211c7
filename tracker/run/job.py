"""The job: one locked run with its summary and digest — what `tracker run` and the scheduler both do.

``run_once`` is the one entry point of a run: it loads and validates the configuration
once, takes the run lock, checks the sources (``run.check``), tells of the sources failing
for too long and sends the digest (``notify``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracker.config.sources import Source, load_config
from tracker.models import Clock, Outcome
from tracker.notify import notify_run
from tracker.run.check import RunResult, SourceResult, run_check
from tracker.run.lock import hold
from tracker.store import Store, open_store, queries
from tracker.vocab import MOVED, failure_lines, not_checked

RUN_LOCK = "run.lock"
log = logging.getLogger("tracker")


@dataclass
class JobOutcome:
    """A finished run and the lines that tell a person about it."""

    result: RunResult
    total: int
    lines: list[str] = field(default_factory=list)
    feeds_failed: int = 0
    """Feeds that could not be read this run (tracker.feeds)."""


def run_once(
    sources_path: Path,
    data_dir: Path,
    *,
    clock: Clock,
    env: Mapping[str, str],
    only: Sequence[str] = (),
    notify: bool = True,
    stop: threading.Event | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    on_start: Callable[[Source], None] | None = None,
) -> JobOutcome:
    """Load the config, take the run lock, check the sources, tell of failing ones, send the digest.

    An interrupted run (``stop`` set before every source was checked) sends no digest: what it
    found stays undelivered and goes out with the next run.
    """
    config = load_config(sources_path, env)  # a bad [notify] or [schedule] stops before any fetch
    total = len(config.select(tuple(only)))
    with hold(data_dir / RUN_LOCK):
        store = open_store(data_dir)
        result = run_check(config, store, clock=clock, only=only, on_result=on_result, stop=stop, on_start=on_start)
        outcome = JobOutcome(result, total, summary(result, total))
        if not only and not result.interrupted:
            from tracker.feeds.poll import after_run

            feeds = after_run(config, store, result, clock)
            outcome.lines += feeds.lines()
            outcome.feeds_failed = len(feeds.failed)
        attention = attention_lines(store, config.schedule.max_failures, [s.id for s in config.sources])
        for line in attention[1:]:
            log.warning("%s", line.strip())
        outcome.lines += attention
        if notify and result.interrupted:
            outcome.lines.append("Digest not sent (interrupted): it goes out with the next run.")
        elif notify:
            report = notify_run(store, config, run_id=result.run_id, clock=clock)
            outcome.lines += report.lines()
    return outcome


def summary(result: RunResult, total: int) -> list[str]:
    """The few lines a run prints."""
    counts = _counts(result)
    lines = [
        f"Run {result.run_id}: checked {len(result.results) - counts['error']} of {total} sources: "
        f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, {counts['error']} failed."
    ]
    if result.interrupted:
        lines.append(f"Interrupted: {total - len(result.results)} source(s) left for the next run.")
    results = sorted(result.results, key=lambda r: r.source.id)
    alerts = [(r, c) for r in results for c in r.changes if c.kind != "new"]
    if alerts:
        lines.append(f"Changes ({len(alerts)}):")
        lines += [f"  {r.source.id}: {c.kind}: {c.summary}" for r, c in alerts]
    if counts["new"]:
        lines.append(f"{counts['new']} source(s) captured for the first time (baseline, not alerted).")
    reread = sum(r.reread for r in result.results)
    if reread:
        lines.append(
            f"{reread} source(s) re-read with the current extractor before comparing "
            "(an upgrade changes no policy: nothing alerted for it)."
        )
    moved = [r for r in results if r.moved_to]
    if moved:
        lines.append(
            f"Moved ({len(moved)}): the same policy answers at a new address (update url in the sources file):"
        )
        lines += [f"  {r.source.id}: {r.source.url} → {r.moved_to}" for r in moved]
    if result.failed:
        lines += _failure_lines(result)
    return lines


def network_down(result: RunResult) -> bool:
    """Every source checked failed at the network level (refused, DNS, no route): the machine looks offline."""
    return bool(result.results) and all(r.error_class == "network" for r in result.results)


def _failure_lines(result: RunResult) -> list[str]:
    failed = sorted(result.failed, key=lambda r: r.source.id)
    if network_down(result):
        return [
            f"Failures: the network or DNS looks unreachable: none of the {len(failed)} source(s) could be "
            "connected to (check the connection, DNS or proxy, then run again; the last good versions are kept).",
            f"  not checked: {', '.join(r.source.id for r in failed)}",
            f"  first error: {failed[0].error}",
        ]
    lines = [
        f"Failures: {len(failed)} source(s) could not be checked (a last good version, where there is one, is kept):"
    ]
    return lines + failure_lines([(r.source.id, r.error_class, r.error) for r in failed])


def _counts(result: RunResult) -> dict[Outcome, int]:
    outcomes: tuple[Outcome, ...] = ("new", "changed", "unchanged", "error")
    return {o: sum(r.outcome == o for r in result.results) for o in outcomes}


def attention_lines(store: Store, max_failures: int, source_ids: Sequence[str]) -> list[str]:
    """Configured sources that failed ``max_failures`` runs in a row or more: since when, and why."""
    lines = []
    for row in queries.failing_sources(store, source_ids):
        if row["failures_in_a_row"] < max_failures:
            continue
        line = (
            f"  {row['source']} {not_checked(row['last_success'])}: {row['failures_in_a_row']} failed runs in a row; "
            f"last error: {row['error_class']}: {row['error']}"
        )
        if row["gone_in_a_row"] >= max_failures:
            line += f" (HTTP {row['http_status']} {row['gone_in_a_row']} times: {MOVED})"
        lines.append(line)
    if lines:
        lines.insert(0, f"Attention: {len(lines)} source(s) failing for {max_failures} runs or more:")
    return lines
