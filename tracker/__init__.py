"""tracker: watches payers' coverage policies and reports, code by code, what changed.

The library API (the CLI is a thin face on it)::

    from tracker import load_config, open_store, run_once, extract
    config = load_config(Path("sources.toml"), os.environ)
    outcome = run_once(Path("sources.toml"), Path("snapshots"), clock=now, env=os.environ)
    found = extract(Path("policy.pdf").read_bytes(), "pdf", ["64600"])

The stages, one package each (see README, "How the code is organised"): ``config`` →
``fetch`` → ``extract`` → ``judge`` → ``store`` → ``notify``, driven by ``run``; ``report``,
``demo`` and ``cli`` sit on top. Every error is a ``tracker.errors.TrackerError``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below are imported on first use, so `import tracker` stays light
    from tracker import errors
    from tracker.config import load_config
    from tracker.extract import extract
    from tracker.run.job import run_once
    from tracker.store import open_store

_LAZY = {
    "errors": ("tracker.errors", None),
    "load_config": ("tracker.config", "load_config"),
    "extract": ("tracker.extract", "extract"),
    "run_once": ("tracker.run.job", "run_once"),
    "open_store": ("tracker.store", "open_store"),
}

__all__ = ["__version__", "errors", "extract", "load_config", "open_store", "run_once"]


def __getattr__(name: str) -> Any:
    """The public API, imported when first used (the CLI's read commands need none of the heavy stages)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("payer-policy-tracker")  # the distribution's name (issue 22)
        except PackageNotFoundError:  # running from a checkout that was never installed
            return "0+unknown"
    if name not in _LAZY:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = import_module(module_name)
    return module if attribute is None else getattr(module, attribute)
