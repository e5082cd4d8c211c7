"""A cheap fingerprint of what a reader sees, taken before the full extraction (issue 15).

For HTML: the normalized visible text — no script, style, template or noscript, no
comments — with the bare element structure and the few attributes that change a reading
(role, style, class, spans), read with lxml directly (no BeautifulSoup walk). For PDF: the
pypdfium2 text of every page. A body whose bytes differ from the last version's but whose
fingerprint is the same shows a reader the same words (a per-request token in a script or an
attribute, a re-rendered PDF), so the run can skip the full extraction. A per-request stamp in
the visible text ("Page last updated: 11/27/2026 06:00:01 AM", "Date Printed: …": a text node
or a PDF line that is a label and a moment, nothing else; ``normalize.is_stamp``) is left out,
as the reader leaves it out of every section; any other difference in visible text changes the
fingerprint: then the full extraction decides. The fingerprint is only compared under the same extractor identity (the
run checks), and it covers the declared charset and the selector, which change what is read.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tracker.extract.normalize import STAMP_ENDS, STAMP_LENGTH, is_stamp
from tracker.models import Kind

_INVISIBLE = ("script", "style", "template", "noscript")
_SHAPING = ("role", "style", "class", "colspan", "rowspan", "size", "hidden", "open")
"""Attributes that can change how a page reads (headings by style or role, table spans, collapsed parts).

Every other attribute — where per-request tokens live (nonces, CSRF values, ids) — is left out."""


def fingerprint(body: bytes, kind: Kind, *, encoding: str | None = None, selector: str | None = None) -> str | None:
    """The fingerprint of a body as a reader sees it; None when it cannot be taken cheaply (then extract)."""
    try:
        if kind == "html":
            text = _html_text(body, encoding)
        elif kind == "pdf":
            text = _pdf_text(body)
        else:
            return None  # a Medicare article is canonical JSON: its bytes are its text
    except Exception:  # noqa: BLE001 - a shortcut that cannot be taken is not an error: the extraction runs
        return None
    digest = hashlib.sha256(f"{kind}\0{encoding or ''}\0{selector or ''}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _html_text(body: bytes, encoding: str | None) -> str:
    """The visible text and the bare structure (tags, and the few attributes that change a reading)."""
    import lxml.html

    parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True)
    root = lxml.html.document_fromstring(body, parser=parser)
    for element in list(root.iter(*_INVISIBLE)):
        element.drop_tree()
    out: list[str] = []
    parts: list[str] = []  # since the last long node: joined and split into words at once
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        shape = " ".join(f"{a}={element.get(a)}" for a in _SHAPING if element.get(a) is not None)
        parts.append(f"<{element.tag} {shape}>" if shape else f"<{element.tag}>")
        for text, owner in ((element.text, element), (element.tail, element.getparent())):
            if not text or (text[-1] in _MAY_END_STAMP and _stamp(text) and _alone(owner, text)):
                continue
            if len(text) > _LONG and _spaced(text):  # a long text already in words: not split again
                out.append(" ".join(" ".join(parts).split()))
                out.append(text)
                parts = []
            else:
                parts.append(text)
    out.append(" ".join(" ".join(parts).split()))
    return " ".join(part for part in out if part)


def _stamp(text: str) -> bool:
    """A text node that is a per-request stamp ("Page last updated: …"), which the reader leaves out."""
    return len(text) <= 2 * STAMP_LENGTH and is_stamp(" ".join(text.split()))


_CELLS = frozenset({"td", "th", "caption", "header", "footer", "nav"})
"""Where else a reader's text unit ends: a table cell, a caption, the page's header and footer."""


def _alone(owner: Any, text: str) -> bool:
    """Whether ``text`` is all the text of the block it stands in, as the reader's paragraph is: a
    date in "Criteria <em>updated 04/21/2026</em>" is part of a sentence, and changes the fingerprint."""
    from tracker.extract.htmlnodes import BLOCK_TAGS

    while owner is not None and owner.tag not in BLOCK_TAGS | _CELLS and owner.getparent() is not None:
        owner = owner.getparent()
    return owner is not None and " ".join(owner.text_content().split()) == " ".join(text.split())


_MAY_END_STAMP = frozenset("0123456789 \t\n\r\f\v\xa0") | STAMP_ENDS
"""Last characters of a text node that may be a stamp (white space: it may end before it)."""
_LONG = 256
"""Length from which a text node is looked at for its spacing: splitting the text of a 500 kB
page into words costs more than the rest of the fingerprint."""


def _spaced(text: str) -> bool:
    """Whether ``text`` (ASCII) has its words one space apart already: no other white space,
    none doubled, none at either end."""
    return (
        text.isascii()
        and not text[0].isspace()
        and not text[-1].isspace()
        and "  " not in text
        and not any(c in text for c in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
    )


def _pdf_text(body: bytes) -> str:
    import pypdfium2

    from tracker.extract.pdfbudget import check_budget
    from tracker.extract.pdfscan import PDFIUM_LOCK

    check_budget(body)  # a decompression bomb is refused before pypdfium2 inflates it (issue 23)
    with PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(body)
        try:
            pages = []
            for index in range(len(pdf)):
                page = pdf[index]
                textpage = page.get_textpage()
                pages.append(textpage.get_text_range())
                textpage.close()
                page.close()
        finally:
            pdf.close()
    return "\f".join(_page_words(text) for text in pages)


def _page_words(text: str) -> str:
    """A page's words, its stamp lines left out (the reader drops them as page furniture)."""
    return " ".join(" ".join(line for line in text.splitlines() if not is_stamp(line)).split())
