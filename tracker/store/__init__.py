"""Store: the history database (SQLite through sqlite-utils) and the raw captures.

Owns every SQL statement of the project: ``migrations`` (the schema), ``raw`` (the
captured bodies on disk), ``database`` (opening the database, the run's writes and the
delivery ledger's), ``queries`` (every read: the change log, the coverage matrix, runs,
versions, failing sources, the digest's and the report's rows).
May import: ``tracker.errors``, ``tracker.models``, ``tracker.config``.
"""

from tracker.store.database import DB_NAME, FetchRecord, PruneReport, Store, StoredDocument, open_store

__all__ = ["DB_NAME", "FetchRecord", "PruneReport", "Store", "StoredDocument", "open_store"]
