"""Lookups: how the store's modules run a statement, and the lookups several of them share.

Package-private: only modules of ``tracker.store`` import this. It is how the modules outside
``database`` reach a Store's database (``Store._db``, through the ``Handle`` protocol, so that
this module needs nothing above it), and it writes each lookup that more than one query needs
once: a source's latest document, a document by id, what a document says of a code.
The store's direction (issue 22): ``database`` (the Store facade) on top, then ``fetchlog``
and ``writes``, then ``lookups``; ``queries``, ``ledger`` and ``readings`` read through the facade.
May import: nothing of the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlite_utils import Database


class Handle(Protocol):
    """What the store's lower modules need of a Store: its database, and the guard for writes."""

    _db: Database

    def writing(self) -> AbstractContextManager[None]:
        """Within the block, a failed write is a StoreError."""
        ...


Store = Handle
"""The lower modules' name for the handle they are given (a ``tracker.store.database.Store``)."""

Row = dict[str, Any]
Params = Sequence[Any] | dict[str, Any]


def select_rows(store: Store, sql: str, params: Params = ()) -> list[Row]:
    """The rows of a read-only query, as dicts.

    A plain ``execute``: sqlite-utils' ``query`` wraps each statement in a savepoint (three
    statements for one read), which a read-only query does not need.
    """
    cursor = store._db.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, row, strict=True)) for row in cursor]


def select_row(store: Store, sql: str, params: Params = ()) -> Row | None:
    """The first row of a read-only query, or None."""
    cursor = store._db.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def select_value(store: Store, sql: str, params: Params = ()) -> Any:
    """The first column of the first row of a read-only query, or None."""
    row = next(store._db.execute(sql, params), None)
    return row[0] if row else None


def insert_rows(store: Store, table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Append rows to a table, in one transaction (StoreError when the disk is full)."""
    with store.writing(), store._db.atomic():
        store._db.table(table).insert_all(rows)


def latest_document(store: Store, source_id: str) -> Row | None:
    """The ``documents`` row of a source's latest good version, or None."""
    return select_row(store, "select * from documents where source_id = ? order by id desc limit 1", [source_id])


def document(store: Store, document_id: int) -> Row | None:
    """The ``documents`` row with this id, or None."""
    return select_row(store, "select * from documents where id = ?", [document_id])


def coverage(store: Store, document_id: int, code: str) -> Row | None:
    """The ``coverage`` row of a document and code (what that version says of the code), or None."""
    return select_row(store, "select * from coverage where document_id = ? and code = ?", [document_id, code])


def as_bool(value: Any) -> bool | None:
    """A stored 0/1/NULL flag as True/False/None."""
    return None if value is None else bool(value)
