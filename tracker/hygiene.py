"""Text hygiene: what may be shown on a terminal, stored as text, or put in a plain-text message.

A page or a server may send terminal escape sequences (CSI colour codes, OSC 8 hyperlinks, an
OSC that sets the window title, a C1 CSI) and control characters; none of them is policy wording
or a server's meaning, and shown raw they could rewrite a terminal. ``printable`` removes them
(policy text: ``tracker.store.text``; the CLI and the plain-text email); ``one_line`` is the same
for a string a server supplied (a reason phrase, a header, a redirect's location, an error's
text): one printable line, not endless. Imports nothing of the tracker.
"""

from __future__ import annotations

import re

__all__ = ["one_line", "printable"]

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x9b[0-?]*[ -/]*[@-~]"  # C1 CSI
    r"|(?:\x1b[\]P^_X]|[\x90\x9d\x9e\x9f\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC / DCS / PM / APC / SOS
    r"|\x1b[ -/]*[0-~]?"  # any other ESC sequence (or a lone ESC)
)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Direction overrides: text that reads backwards on a terminal (a URL that hides where it points)."""


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` without escape sequences and control characters (C0, DEL, C1), except those in ``keep``."""
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else "", text)


def one_line(text: str, limit: int = 0) -> str:
    """A server-supplied string as one printable line: escapes and direction overrides gone, breaks as spaces.

    ``limit`` (when not 0) cuts it to that many characters, marked with "…".
    """
    text = printable(_BIDI.sub("", _BREAKS.sub(" ", text)), keep="")
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"
