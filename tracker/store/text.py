"""Text hygiene: what may be stored as policy text and shown on a terminal or in a plain-text email.

A page may carry terminal escape sequences (CSI colour codes, OSC 8 hyperlinks, a
C1 CSI) and control characters; none of them is policy wording, and shown raw they
could rewrite a terminal. ``printable`` removes them; the run cleans every section
and metadata field before it is compared or stored, the CLI and the plain-text
email clean what they print. Imports nothing of the tracker.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tracker.models import Extraction, Metadata

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x9b[0-?]*[ -/]*[@-~]"  # C1 CSI
    r"|(?:\x1b[\]P^_X]|[\x90\x9d\x9e\x9f\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC / DCS / PM / APC / SOS
    r"|\x1b[ -/]*[0-~]?"  # any other ESC sequence (or a lone ESC)
)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` without escape sequences and control characters (C0, DEL, C1), except those in ``keep``."""
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else "", text)


def _clean(value: str | None) -> str | None:
    return None if value is None else printable(value)


def clean_extraction(extraction: Extraction) -> Extraction:
    """The extraction with every text field made printable (sections and metadata)."""
    meta = extraction.metadata
    metadata = Metadata(**{k: _clean(v) for k, v in meta.to_dict().items()})
    sections = tuple(replace(s, heading=printable(s.heading), text=printable(s.text)) for s in extraction.sections)
    return Extraction(metadata, sections)


__all__ = ["clean_extraction", "printable"]
