"""``[schedule]``: when the daily check runs — validated once, at load, without importing the scheduler.

May import: tracker.errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.errors import ConfigError

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
    for item in items:
        first, _, last = item.lower().partition("-")
        if last and DAYS.index(first) > DAYS.index(last):  # cron ranges do not wrap past Sunday
            raise ConfigError(
                f"{where}: [schedule] days {value!r}: the range {item!r} runs past Sunday, which cron cannot "
                'express; list the days instead, e.g. ["sun", "mon", "tue", "wed", "thu"]'
            )
    return ",".join(d.lower() for d in items)
