"""Editing sources.toml: appending [[source]] tables with tomlkit, so that comments and layout stay.

The new tables are validated with the whole file (the same checks as a run); a source whose id
or URL is already configured is refused, and nothing is written.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

from tracker.config.sources import load_config
from tracker.errors import ConfigError


def add_sources(path: Path, text: str, env: Mapping[str, str]) -> list[str]:
    """Append the [[source]] tables of ``text`` to ``path``; their ids. ConfigError on a duplicate or a bad table."""
    import tomlkit

    try:
        new = tomllib.loads(text).get("source", [])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the entries to add are not valid TOML: {exc}") from exc
    if not new:
        raise ConfigError("nothing to add: no [[source]] table in the input")
    try:
        original = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    current = load_config(path, env)
    ids, urls = {s.id for s in current.sources}, {s.url for s in current.sources}
    for table in new:
        if table.get("id") in ids:
            raise ConfigError(f"{path}: a source with id {table.get('id')!r} is already configured; nothing added")
        if table.get("url") and table["url"] in urls:
            raise ConfigError(f"{path}: {table['url']} is already watched; nothing added")
        ids.add(table.get("id"))
        urls.add(table.get("url"))
    block = tomlkit.dumps(tomlkit.parse(text))  # the tables as written, comments included, in TOML's own spelling
    updated = insert_after_sources(original, block)
    _check(path, updated, env)
    _write(path, updated)
    return [str(t.get("id")) for t in new]


def insert_after_sources(original: str, block: str) -> str:
    """``original`` with ``block`` inserted after its last [[source]] table (before the comments that
    introduce whatever follows it), every other byte kept; at the end when there is no [[source]]."""
    lines = original.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if line.lstrip().startswith("[")]
    sources = [i for i in headers if line_is_source(lines[i])]
    if not sources:
        at = len(lines)
    else:
        following = [i for i in headers if i > sources[-1]]
        at = following[0] if following else len(lines)
        while at > sources[-1] + 1 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
            at -= 1
    head = "".join(lines[:at])
    if head and not head.endswith("\n"):
        head += "\n"
    tail = "".join(lines[at:])
    return head + "\n" + block.strip("\n") + "\n" + ("\n" + tail.lstrip("\n") if tail.strip() else "")


def line_is_source(line: str) -> bool:
    """A ``[[source]]`` header line."""
    return line.strip().replace(" ", "").startswith("[[source]]")


def _check(path: Path, text: str, env: Mapping[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / path.name
        trial.write_text(text, encoding="utf-8")
        try:
            load_config(trial, env)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(trial), str(path)) + "; nothing added") from None


def _write(path: Path, text: str) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".sources.", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(name, path)
