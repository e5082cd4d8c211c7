"""An HTML page's bytes → its text, decoded as a browser decodes it (issue 23).

The order is the browser's (WHATWG encoding sniffing): a byte-order mark wins; then the charset
the server declared (HTTP Content-Type); then the page's own ``<meta charset>``; then UTF-8 when
the bytes are valid UTF-8; else windows-1252. Labels mean what they mean to a browser
("iso-8859-1", "latin1" and "ascii" are windows-1252; "utf-16" is UTF-16LE; a ``<meta>`` saying
UTF-16 in bytes that are not is UTF-8). A single-byte Western label on bytes that are valid UTF-8
with non-ASCII characters is a mis-declaration (the page would show mojibake): read as UTF-8.
Undecodable bytes become U+FFFD, as in a browser.

NUL characters are removed. A browser drops them from a page's text; where it would show U+FFFD
instead (a title, a tag's name) or break a tag (``<\0script>``), the tracker reads the page as if
the NUL were not there: a NUL is never content, so NULs that come and go are never a change, and
they never make a page UTF-16 (bs4's guess, formerly). Pure: bytes in, text out.
"""

from __future__ import annotations

import codecs
import re

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_WINDOW = 4096
"""How far into the page a ``<meta charset>`` is looked for."""
WINDOWS_1252 = "cp1252"
_WESTERN = frozenset({"cp1252", "iso8859-15"})
"""Single-byte Western encodings, after ``encoding_of``: the ones a mis-declared UTF-8 page names."""
_BROWSER_LABELS = {
    "iso-8859-1": WINDOWS_1252,
    "iso8859-1": WINDOWS_1252,
    "latin1": WINDOWS_1252,
    "latin-1": WINDOWS_1252,
    "l1": WINDOWS_1252,
    "ascii": WINDOWS_1252,
    "us-ascii": WINDOWS_1252,
    "x-user-defined": WINDOWS_1252,
    "utf-16": "utf-16-le",
    "unicode": "utf-16-le",
}

_WEB_CODECS = frozenset(
    {"utf-8", "utf-16-le", "utf-16-be", "cp866", "cp874", "gbk", "gb2312", "gb18030", "big5", "big5hkscs"}
    | {"euc_jp", "iso2022_jp", "shift_jis", "euc_kr", "cp949", "cp932", "mac-roman", "mac-cyrillic"}
)
_WEB_FAMILIES = ("iso8859-", "cp125", "koi8-")
"""The encodings of the WHATWG Encoding standard, by Python codec name."""


def decode_html(body: bytes, declared: str | None = None) -> str:
    """The page's text as a browser decodes it; ``declared`` is the server's charset (Content-Type)."""
    encoding, start = _by_bom(body)
    if encoding is None:
        encoding = encoding_of(declared) or _meta_encoding(body)
        if encoding is None or (encoding in _WESTERN and not body.isascii()):
            try:
                return _without_nul(body.decode("utf-8"))  # valid UTF-8 (a Western label on it: mis-declared)
            except UnicodeDecodeError:
                encoding = encoding or WINDOWS_1252
    return _without_nul(body[start:].decode(encoding, "replace"))


def _without_nul(text: str) -> str:
    return text.replace("\0", "") if "\0" in text else text


def encoding_of(label: str | None) -> str | None:
    """The Python codec a browser would use for a charset label; None for no label or one it does not know."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _BROWSER_LABELS:
        return _BROWSER_LABELS[name]
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError, UnicodeError):  # no such codec; a NUL or a lone surrogate in the label
        return None
    if codec in ("latin-1", "iso8859-1", "ascii"):
        return WINDOWS_1252
    if codec in _WEB_CODECS or codec.startswith(_WEB_FAMILIES):
        return codec
    return None  # not an encoding of the web (UTF-7, UTF-32, "hex", "zlib"): a browser ignores the label


def _by_bom(body: bytes) -> tuple[str | None, int]:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    return None, 0


def _meta_encoding(body: bytes) -> str | None:
    """The ``<meta charset>`` of the page's head; a UTF-16 one is UTF-8 (it was read in ASCII-compatible bytes)."""
    match = _META_CHARSET.search(body[:_META_WINDOW])
    encoding = encoding_of(match.group(1).decode("ascii", "replace")) if match else None
    return "utf-8" if encoding and encoding.startswith("utf-16") else encoding
