"""Config: ``sources.toml`` and the environment, read and validated once into typed settings.

``load_config(path, env)`` → ``Config``: the sources, ``[fetch]``, ``[notify]`` (with the
environment over it; the only reader of environment values, from the mapping it is given)
and ``[schedule]``. Every error names the file, the line and the key.
May import: tracker.errors, tracker.models, tracker.vocab (never the scheduler or the network).
"""

from tracker.config.notify import NotifySettings, notify_settings
from tracker.config.schedule import ScheduleSettings, schedule_settings
from tracker.config.sources import CODE_RE, DEFAULT_API, Config, FetchSettings, Source, load_config

__all__ = [
    "CODE_RE",
    "DEFAULT_API",
    "Config",
    "FetchSettings",
    "NotifySettings",
    "ScheduleSettings",
    "Source",
    "load_config",
    "notify_settings",
    "schedule_settings",
]
