"""Report: `tracker report OUT_DIR`, a static, self-contained HTML report of the history.

``write`` gathers what the report shows from the store and writes the folder; ``html``
renders it (pure); ``css`` is its style sheet.
May import: tracker.store, tracker.judge, tracker.notify.digest (change items), tracker.vocab.
"""

from tracker.report.write import write_report

__all__ = ["write_report"]
