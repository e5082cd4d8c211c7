"""Run: one source, one run, the lock, the scheduler.

``check`` (every selected source once: fetch → capture → extract → diff → store, each
source isolated), ``job`` (``run_once``: config, lock, check, summary, digest), ``lock``
(flock in the data directory) and ``schedule`` (APScheduler, the only module importing it).
May import every stage below the CLI: config, fetch, extract, judge, store, notify.
"""
