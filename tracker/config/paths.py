"""Where the tracker's files are: the sources file, and the data directory that follows it (issue 22).

The sources file is ``--sources`` or ``TRACKER_SOURCES``, else ``./sources.toml``, else the
user's configuration directory (``$XDG_CONFIG_HOME/tracker/sources.toml`` on Linux, through
platformdirs). The data directory is ``--data`` or ``TRACKER_DATA``, else ``snapshots/`` beside
the sources file that was found, else — when that file came from the configuration directory —
the user's data directory (``$XDG_DATA_HOME/tracker``). So every command run from anywhere
reads and writes the history that belongs to its configuration.
May import: tracker.errors (platformdirs lazily, so that `tracker --help` stays light).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Origin = Literal["option", "environment", "current directory", "config directory", "default"]
"""How the sources file was found; "default" means no file was found (./sources.toml, missing)."""

SOURCES_NAME = "sources.toml"
DATA_NAME = "snapshots"
APP = "tracker"


def config_home() -> Path:
    """The user's configuration directory for the tracker (``~/.config/tracker`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_home() -> Path:
    """The user's data directory for the tracker (``~/.local/share/tracker`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def xdg_sources() -> Path:
    """The sources file in the user's configuration directory."""
    return config_home() / SOURCES_NAME


@dataclass(frozen=True)
class Paths:
    """The sources file and the data directory a command uses, and how each was chosen."""

    sources: Path
    origin: Origin
    data: Path
    data_origin: str
    """"--data", "TRACKER_DATA", "beside the sources file" or "the user data directory"."""

    @property
    def explicit(self) -> bool:
        """Whether the sources file was named (by --sources or TRACKER_SOURCES), so that its absence is an error."""
        return self.origin in ("option", "environment")

    def describe(self) -> str:
        """One line for --verbose: which sources file and which database, and why."""
        return (
            f"sources: {self.sources.absolute()} ({self.origin}); "
            f"database: {(self.data / 'tracker.db').absolute()} ({self.data_origin})"
        )


def find_sources(given: Path | None, origin: Origin | None = None) -> tuple[Path, Origin]:
    """The sources file and how it was found: given, else ./sources.toml, else the configuration directory's."""
    if given is not None:
        return given, origin or "option"
    local = Path(SOURCES_NAME)
    if local.exists():
        return local, "current directory"
    xdg = xdg_sources()
    if xdg.exists():
        return xdg, "config directory"
    return local, "default"


def data_for(sources: Path, origin: Origin) -> tuple[Path, str]:
    """The default data directory of a sources file: the user data directory for the configuration directory's."""
    if origin == "config directory" or _same(sources, xdg_sources()):
        return data_home(), "the user data directory"
    return sources.parent / DATA_NAME, "beside the sources file"


def resolve(
    sources: Path | None, sources_origin: Origin | None, data: Path | None, data_origin: str | None = None
) -> Paths:
    """The paths a command uses: the given ones win, the data directory follows the sources file otherwise."""
    path, origin = find_sources(sources, sources_origin)
    if data is not None:
        return Paths(path, origin, data, data_origin or "--data")
    folder, why = data_for(path, origin)
    return Paths(path, origin, folder, why)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def stray_history(paths: Paths) -> Path | None:
    """A history database at ./snapshots (the default before issue 22) that the resolved data dir is not.

    `tracker run` warns of it rather than start a second history beside the first.
    """
    old = Path(DATA_NAME) / "tracker.db"
    new = paths.data / "tracker.db"
    if new.exists() or not old.exists():
        return None
    return None if _same(old.parent, paths.data) else old
