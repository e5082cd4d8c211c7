"""The JSON webhook channel (``TRACKER_WEBHOOK_URL``): the run's changes as one signed JSON document (issue 21).

The document (``payload``)::

    {"event": "changes", "run_id": 12, "generated_at": "2026-04-22 06:00 UTC", "sent_at": "2026-04-22T06:00:09+00:00",
     "changes": [<a `tracker changes --json` row, plus "url": the policy's address>, ...],
     "failures": [{"source", "payer", "plan", "title", "url", "error_class", "error", "failures_in_a_row",
                   "last_success"}, ...]}

Headers: ``Content-Type: application/json``, ``X-Tracker-Event: changes``, ``X-Tracker-Delivery``
(the run and the first change id), and, when ``TRACKER_WEBHOOK_SECRET`` is set,
``X-Tracker-Signature-256: sha256=<hex HMAC-SHA256 of the exact body bytes under the secret>``.
A receiver recomputes the HMAC over the raw body and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.config.notify import NotifySettings
from tracker.errors import NotifyError
from tracker.notify.digest import Digest
from tracker.notify.webhook import SessionFactory, _redacted_logs

SIGNATURE_HEADER = "X-Tracker-Signature-256"


def payload(rows: Sequence[Mapping[str, Any]], digest: Digest, *, run_id: int | None, sent_at: str) -> dict[str, Any]:
    """The document posted: the changes (rows of ``tracker.store.exports.changes_by_id``) and the failures."""
    failures = [
        {
            "source": f.source_id,
            "payer": f.payer,
            "plan": f.plan,
            "title": f.title,
            "url": f.url,
            "error_class": f.error_class,
            "error": f.error,
            "failures_in_a_row": f.failures_in_a_row,
            "last_success": f.last_success,
        }
        for f in digest.failures
    ]
    return {
        "event": "changes",
        "run_id": run_id,
        "generated_at": digest.generated_at,
        "sent_at": sent_at,
        "changes": [dict(r) for r in rows],
        "failures": failures,
    }


def body_and_headers(document: Mapping[str, Any], secret: str | None) -> tuple[bytes, dict[str, str]]:
    """The exact bytes posted and the headers, signed when there is a secret."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    first = document["changes"][0]["id"] if document.get("changes") else "none"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Tracker-Event": str(document.get("event", "changes")),
        "X-Tracker-Delivery": f"run-{document.get('run_id')}-change-{first}",
    }
    if secret:
        headers[SIGNATURE_HEADER] = "sha256=" + signature(body, secret)
    return body, headers


def signature(body: bytes, secret: str) -> str:
    """HMAC-SHA256 of the body under the secret, as lower-case hex."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_json(
    document: Mapping[str, Any], settings: NotifySettings, *, session_factory: SessionFactory | None = None
) -> None:
    """POST the document; NotifyError (the URL redacted) unless the receiver answers 2xx."""
    import requests

    body, headers = body_and_headers(document, settings.webhook_secret)
    try:
        with _redacted_logs(settings), (session_factory or requests.Session)() as session:
            response = session.post(
                settings.webhook_url or "", data=body, headers=headers, timeout=(10, settings.timeout)
            )
    except requests.RequestException as exc:
        raise NotifyError(settings.redact(f"cannot reach the JSON webhook: {type(exc).__name__}: {exc}")) from None
    if not 200 <= response.status_code < 300:
        answer = settings.redact(" ".join(response.text.split()))[:200]
        raise NotifyError(f"the JSON webhook answered HTTP {response.status_code}: {answer or 'no body'}")
