"""Store: the history database (SQLite through sqlite-utils) and the raw captures.

Owns every SQL statement of the project, and no other package reaches the database:
``migrations`` (the schema), ``raw`` (the captured bodies on disk: RawStore),
``database`` (opening the database; Store: the run's reads and writes, pruning),
``writes`` (the rows a run adds), ``fetchlog`` (the fetch log: appending an attempt, last
success and failing streak in bounded reads), ``queries`` (the analysts' reads: the change log, the
coverage matrix, runs, versions, search, failing sources, the report's lookups),
``ledger`` (the delivery ledger's reads and writes, the digest's rows), ``rows`` (the
TypedDicts those reads return: the CLI's JSON rows), ``lookups`` (package-private: running
a statement, and the lookups several modules share). Imports go one way: ``database`` (the
Store facade) → ``fetchlog`` / ``writes`` → ``lookups``; ``queries``, ``ledger``, ``readings``
sit on the facade (tests/test_store_direction.py).
May import: ``tracker.errors``, ``tracker.models``, ``tracker.judge`` (CodeView, Version,
Change), ``tracker.config`` (Source); never ``tracker.fetch``, ``notify``, ``report``,
``run`` or ``cli``.
"""

from tracker.store.database import DB_NAME, FetchRecord, PruneReport, Store, StoredDocument, open_store
from tracker.store.raw import RawStore

__all__ = ["DB_NAME", "FetchRecord", "PruneReport", "RawStore", "Store", "StoredDocument", "open_store"]
