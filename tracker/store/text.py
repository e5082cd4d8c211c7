"""Text hygiene: what may be stored as policy text and shown on a terminal or in a plain-text email.

A page may carry terminal escape sequences (CSI colour codes, OSC 8 hyperlinks, a
C1 CSI) and control characters; none of them is policy wording, and shown raw they
could rewrite a terminal. ``printable`` (``tracker.hygiene``) removes them; the run
cleans every section and metadata field before it is compared or stored, the CLI and
the plain-text email clean what they print. Imports ``tracker.hygiene`` and ``tracker.models``.
"""

from __future__ import annotations

from dataclasses import replace

from tracker.hygiene import printable
from tracker.models import Extraction, Metadata


def _clean(value: str | None) -> str | None:
    return None if value is None else printable(value)


def clean_extraction(extraction: Extraction) -> Extraction:
    """The extraction with every text field made printable (sections and metadata)."""
    meta = extraction.metadata
    metadata = Metadata(**{k: _clean(v) for k, v in meta.to_dict().items()})
    sections = tuple(replace(s, heading=printable(s.heading), text=printable(s.text)) for s in extraction.sections)
    return Extraction(metadata, sections)


__all__ = ["clean_extraction", "printable"]
