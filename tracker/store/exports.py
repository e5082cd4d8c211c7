"""Exports: the change log's rows by id, as `tracker changes --json` has them (for the JSON webhook, issue 21).

May import: the modules of ``tracker.store``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracker.store.database import Store
from tracker.store.lookups import select_rows

_BY_ID = """
    select c.id, c.source_id as source, c.payer, c.plan, s.title, c.code, c.kind, c.old_status, c.new_status,
           c.detected_at, c.effective_date, c.summary, c.diff, c.run_id, s.url
    from changes c join sources s on s.id = c.source_id
    where c.id in (select value from json_each(?)) order by c.detected_at, c.id"""


def changes_by_id(store: Store, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The ``changes --json`` rows of these changes, oldest first, each with its policy's ``url``."""
    import json

    wanted = sorted(set(ids))
    return select_rows(store, _BY_ID, [json.dumps(wanted)]) if wanted else []
