"""A page's objects as pdfplumber parses them, its glyphs by a shorter road.

pdfplumber turns every pdfminer glyph into a dict by resolving each of its attributes in
turn (``Page.process_object``): on a page of text that costs twice pdfminer's own parse, and
more than everything the reader does with the page. A glyph's attributes are plain numbers and
strings and one matrix of numbers, which ``resolve_all`` returns unchanged, so the dict is built
here directly: the same keys, in the same order, with the same values as pdfplumber's
(``tests/test_pdf_objects.py`` holds them equal on every PDF the suite makes). Every other
object (rulings, rectangles, curves, images) goes through pdfplumber's own code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from unicodedata import normalize as normalize_unicode

from pdfminer.layout import LTChar, LTContainer
from pdfplumber.page import ALL_ATTRS, fix_fontname_bytes
from pdfplumber.utils.pdfinternals import resolve_all, resolve_and_decode

_PLAIN = frozenset({float, int, str, bytes, bool, type(None)})
"""Value types ``resolve_all`` returns unchanged."""
_SHALLOW = _PLAIN | {tuple}
"""The same, and a tuple (a glyph's one tuple, its matrix, is looked into apart)."""


def parse_chars_quickly(page: Any) -> Any:
    """``page`` (pdfplumber's) with its objects parsed: what ``page.objects`` would parse."""
    if hasattr(page, "_objects"):
        return page
    objects: dict[str, list[dict[str, Any]]] = {}
    glyphs = _Glyphs(page)
    for obj in _layout_objects(page, page.layout._objs):
        item = glyphs.of(obj) if type(obj) is LTChar else page.process_object(obj)
        kind = item["object_type"]
        if kind != "anno":
            objects.setdefault(kind, []).append(item)
    page._objects = objects
    return page


def _layout_objects(page: Any, items: Iterable[Any]) -> Iterator[Any]:
    """pdfplumber's ``iter_layout_objects``: a container (a figure) gives its children."""
    for obj in items:
        if isinstance(obj, LTContainer):
            if page.pdf.laparams is not None:
                yield obj
            yield from _layout_objects(page, obj._objs)
        else:
            yield obj


class _Glyphs:
    """pdfplumber's dict of a pdfminer ``LTChar`` on one page (``Page.process_object``)."""

    def __init__(self, page: Any) -> None:
        self.number, self.height, self.norm = page.page_number, page.height, page.pdf.unicode_norm
        self.mb_x0, self.mb_top = page.mediabox[:2]
        self.doctop = page.initial_doctop
        self.spaces: dict[str, Any] = {}
        self.kept: dict[int, tuple[str, ...]] = {}

    def attributes(self, own: dict[str, Any]) -> dict[str, Any]:
        """The glyph's attributes pdfplumber keeps (``ALL_ATTRS``), resolved as ``resolve_all`` does."""
        keys = self.kept.get(len(own))
        try:
            attr = {k: own[k] for k in keys} if keys is not None else None
        except KeyError:  # other attributes, as many of them
            attr = None
        if attr is None:
            keys = self.kept[len(own)] = tuple(k for k in own if k in ALL_ATTRS)
            attr = {k: own[k] for k in keys}
        if _SHALLOW.issuperset(map(type, attr.values())) and _PLAIN.issuperset(map(type, attr.get("matrix", ()))):
            return attr
        return {k: resolve_all(v) for k, v in attr.items()}

    def space(self, name: str) -> Any:
        if name not in self.spaces:
            self.spaces[name] = resolve_and_decode(name)
        return self.spaces[name]

    def of(self, obj: Any) -> dict[str, Any]:
        attr = self.attributes(obj.__dict__)
        attr["object_type"] = "char"
        attr["page_number"] = self.number
        for cs in ("ncs", "scs"):
            if hasattr(obj, cs):
                attr[cs] = self.space(getattr(obj, cs).name)
        text = obj.get_text()
        attr["text"] = normalize_unicode(self.norm, text) if self.norm is not None else text
        state = obj.graphicstate
        attr["stroking_color"] = state.scolor if isinstance(state.scolor, tuple) else (state.scolor,)
        attr["non_stroking_color"] = state.ncolor if isinstance(state.ncolor, tuple) else (state.ncolor,)
        if isinstance(attr["fontname"], bytes):
            attr["fontname"] = fix_fontname_bytes(attr["fontname"])
        if "y0" in attr:
            attr["top"] = (self.height - attr["y1"]) + self.mb_top
            attr["bottom"] = (self.height - attr["y0"]) + self.mb_top
            attr["doctop"] = self.doctop + attr["top"]
        if "x0" in attr and self.mb_x0 != 0:
            attr["x0"] = attr["x0"] + self.mb_x0
            attr["x1"] = attr["x1"] + self.mb_x0
        return attr
