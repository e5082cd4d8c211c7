"""The digest formats, by name: ``render(digest, "text" | "html" | "slack")``. Pure."""

from __future__ import annotations

import json
from collections.abc import Callable

from tracker.errors import ConfigError
from tracker.notify.blocks import slack_message
from tracker.notify.digest import Digest
from tracker.notify.htmlmail import render_html
from tracker.notify.plain import render_text


def render_slack(digest: Digest) -> str:
    """The Slack webhook payload (Block Kit JSON), as sent."""
    return json.dumps(slack_message(digest).payload, ensure_ascii=False, indent=2)


RENDERERS: dict[str, Callable[[Digest], str]] = {
    "text": render_text,
    "html": render_html,
    "slack": render_slack,
}
"""Each format's renderer; the docstrings describe them for ``--help``."""


def render(digest: Digest, fmt: str) -> str:
    """The digest in one format; ConfigError for an unknown format name."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown digest format {fmt!r}; choose one of {', '.join(RENDERERS)}") from None
    return renderer(digest)
