"""How much a PDF may inflate to, checked before any PDF parser opens it (issue 23).

A 399 kB PDF whose streams inflate (a Flate bomb) took 862 MB in pdfminer and pypdfium2, which
decode a stream whole. Before either sees a PDF, ``check_budget`` walks the file's streams in
their bytes — every ``stream`` keyword and the dictionary before it — and decodes each through
its filter chain incrementally (``zlib.decompressobj`` with ``max_length``; LZW and run-length as
generators), discarding the output and counting it, and refuses the document once the total passes its budget:
``min(256 MiB, max(32 MiB, 20 × its size))``. Real policies inflate 2 to 10 times their size.

Filters decoded: FlateDecode, LZWDecode, RunLengthDecode, ASCIIHexDecode, ASCII85Decode (and their
abbreviations); an image filter (DCT, JPX, JBIG2, CCITT) ends the chain, since reading text never
decodes images. A stream whose dictionary names no filter the walk decodes (or that the walk cannot
read: a string with an unbalanced ``<<``) is judged by its first bytes: a zlib header, ASCII85 or hex
of one, an LZW clear code. An encrypted PDF's streams are deciphered first (pdfminer's security
handler, the empty user password), as the parsers would. Linear in the file's size whatever its
bytes. Pure: bytes in, ExtractError out.
"""

from __future__ import annotations

import bisect
import operator
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

from tracker.errors import ExtractError

MIB = 1024 * 1024
FLOOR = 32 * MIB
CEILING = 256 * MIB
RATIO = 20
CHUNK = 256 * 1024
"""The most one step of a decoder may produce (and the size of the pieces fed to it)."""

_STREAM = re.compile(rb"(?<![A-Za-z])stream[\x00\t\f ]*(?:\r\n|\r|\n)")
"""The ``stream`` keyword (not ``endstream``), blanks allowed before its end of line as the parsers allow."""
_OBJ_HEAD = re.compile(rb"(\d+)[\x00\t\n\f\r ]+(\d+)[\x00\t\n\f\r ]+obj[\x00\t\n\f\r ]*$")
_FILTER = re.compile(rb"/Filter[\x00\t\n\f\r ]*(\[[^\]]*\]|/[^\x00\t\n\f\r /\[\]<>()]+|\d+\s+\d+\s+R)")
_LENGTH = re.compile(rb"/Length[\x00\t\n\f\r ]+(\d+)(?:[\x00\t\n\f\r ]+(\d+)[\x00\t\n\f\r ]+R)?")
_NAME = re.compile(rb"/([^\x00\t\n\f\r /\[\]<>()]+)")
_ENDSTREAM = re.compile(rb"endstream")
_ALIASES = {
    "Fl": "FlateDecode",
    "LZW": "LZWDecode",
    "RL": "RunLengthDecode",
    "AHx": "ASCIIHexDecode",
    "A85": "ASCII85Decode",
}

Buffer = bytes | memoryview
Chunks = Iterator[bytes]
Decoder = Callable[[Chunks], Chunks]


def budget_of(size: int) -> int:
    """The most a document of ``size`` bytes may inflate to: 20 × its size, at least 32 MiB, at most 256 MiB."""
    return min(CEILING, max(FLOOR, RATIO * size))


def check_budget(body: bytes, budget: int | None = None) -> int:
    """Refuse (ExtractError) a PDF whose streams inflate past ``budget`` (default ``budget_of(len(body))``).

    Returns how many bytes its streams inflate to (every filter's output counted). Linear in the file's
    size whatever its bytes: each stream's dictionary is looked for after the previous ``stream`` keyword.
    """
    meter = _Meter(budget_of(len(body)) if budget is None else budget)
    decipher = _decipher_of(body) if b"/Encrypt" in body else None
    layout = _Layout(body)
    previous = covered = 0
    for match in _STREAM.finditer(body):
        if match.start() < covered:
            continue  # inside the data of a stream already read
        start = match.end()
        closing = body.rfind(b">>", max(previous, match.start() - 4096), match.start())
        dictionary = _dictionary_before(body, closing + 2, previous) if closing >= 0 else None
        previous = start
        top = _top_level(dictionary) if dictionary else b""
        chain = _filters(top) if top else []
        if not chain or chain[0] not in _DECODERS:
            chain = _sniffed(body[start : start + 16])  # a dictionary this walk misread cannot hide a Flate stream
        if chain:
            data, covered = _raw_data(body, start, dictionary or b"<<>>", top, chain, decipher, layout)
            if covered:
                meter.read(len(data), len(body))
            meter.exempt = image_size(top)  # a scanned page's pixels are not a bomb; past them they count
            for _piece in _decoded(data, chain, meter):
                pass
            meter.exempt = 0
    return meter.total


_BLANKS = b"\x00\t\n\f\r "


def _sniffed(head: bytes) -> list[str]:
    """The filters a stream's first bytes show: a zlib header (Flate), ASCII85 or hex of one, an LZW clear code."""
    if _is_zlib(head):
        return ["FlateDecode"]
    if head[:1] == b"\x80" and len(head) > 1 and head[1] < 0x80:
        return ["LZWDecode"]
    text = head.translate(None, _BLANKS).removeprefix(b"<~")
    if len(text) >= 5 and all(33 <= c <= 117 for c in text[:5]):
        value = 0
        for c in text[:5]:
            value = value * 85 + c - 33
        if value <= 0xFFFFFFFF and _is_zlib(bytes((value >> 24, value >> 16 & 0xFF))):
            return ["ASCII85Decode", "FlateDecode"]
    if len(text) >= 4 and _is_zlib(bytes.fromhex(text[:4].decode("latin-1")) if _HEX.fullmatch(text[:4]) else b""):
        return ["ASCIIHexDecode", "FlateDecode"]
    return []


_HEX = re.compile(rb"[0-9A-Fa-f]{4}")


def _is_zlib(head: bytes) -> bool:
    """A zlib stream's two-byte header: deflate, a window of at most 32 kB, the check bits right."""
    return len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] << 8 | head[1]) % 31 == 0


_IMAGE = re.compile(rb"/Subtype[\x00\t\n\f\r ]*/Image(?![A-Za-z])")
_IMAGE_KEYS = {
    key: re.compile(rb"/" + key + rb"[\x00\t\n\f\r ]+(\d+)(?![\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+R)")
    for key in (b"Width", b"Height", b"BitsPerComponent")
}
_COLOURS = re.compile(rb"/ColorSpace[\x00\t\n\f\r ]*/(DeviceGray|DeviceRGB|DeviceCMYK|Indexed)(?![A-Za-z])")
_COMPONENTS = {b"DeviceGray": 1, b"DeviceRGB": 3, b"DeviceCMYK": 4, b"Indexed": 1}
_MASK = re.compile(rb"/ImageMask[\x00\t\n\f\r ]+true")


def image_size(top: bytes) -> int:
    """What an image stream's pixels take, by its own dictionary (width × height × components × bits);
    0 for a stream that is not an image or does not say its size.

    Text readers never decode an image, and a scanned policy's page images inflate far past 20 times
    the file (a 2550 × 3300 grey page is 8.4 MB of pixels from a few kB): up to its declared size an
    image stream is not counted. A stream that inflates past what its dictionary declares counts as
    any other, so "/Subtype /Image" on a bomb buys it nothing but its own stated size (a colour space
    this does not name counts four components, at most the ceiling per stream).
    """
    if not _IMAGE.search(top):
        return 0
    width, height, bits = (_IMAGE_KEYS[key].search(top) for key in (b"Width", b"Height", b"BitsPerComponent"))
    if width is None or height is None:
        return 0
    colours = _COLOURS.search(top)
    components, depth = (1, 1) if _MASK.search(top) else (_COMPONENTS[colours[1]] if colours else 4, 8)
    if bits is not None and not _MASK.search(top):
        depth = int(bits[1])
    row = (int(width[1]) * components * depth + 7) // 8
    return min(row * int(height[1]), CEILING)


class _Meter:
    """The bytes inflated so far, against the budget; ``exempt`` more may pass uncounted (an image's pixels)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.total, self.input, self.exempt = limit, 0, 0, 0

    def read(self, size: int, file_size: int) -> None:
        """Count the bytes a stream's first filter reads whole: streams do not overlap, so at most the file twice."""
        self.input += size
        if self.input > 2 * file_size + MIB:
            raise ExtractError(
                "PDF refused: its streams overlap (a /Length past the end of its data?): a damaged or hostile file"
            )

    def count(self, pieces: Chunks) -> Chunks:
        for piece in pieces:
            free = min(len(piece), self.exempt)
            self.exempt -= free
            self.total += len(piece) - free
            if self.total > self.limit:
                raise ExtractError(
                    f"PDF refused: its compressed streams inflate past {self.limit // MIB} MiB "
                    f"({RATIO} times its size, at least {FLOOR // MIB} MiB, at most {CEILING // MIB} MiB): "
                    "a decompression bomb?"
                )
            yield piece


_BRACKETS = re.compile(rb"<<|>>")


def _dictionary_before(body: bytes, end: int, low: int) -> bytes | None:
    """The dictionary that ends at ``end`` (just past its ``>>``), nested ones included, starting after ``low``.

    One pass over the window (at most 64 kB) with a stack of the ``<<`` still open: linear in it,
    however many brackets it holds.
    """
    low = max(low, end - 65536)
    opened: list[int] = []
    closes: dict[int, int] = {}
    for bracket in _BRACKETS.finditer(body, low, end):
        if bracket.group() == b"<<":
            opened.append(bracket.start())
        elif opened:
            closes[bracket.end()] = opened.pop()
        else:
            opened.clear()  # a ">>" with nothing open: what came before cannot pair across it
    start = closes.get(end)
    return None if start is None else body[max(low, start - 32) : end]  # with the "N G obj" before it


def _top_level(dictionary: bytes) -> bytes:
    """The dictionary's own keys and values: nested dictionaries (decode parameters, …) left out, in one pass."""
    start = dictionary.find(b"<<")
    parts, depth, at = [], 0, start
    for bracket in _BRACKETS.finditer(dictionary, start):
        if depth == 1:
            parts.append(dictionary[at : bracket.start()])
        depth += 1 if bracket.group() == b"<<" else -1
        at = bracket.end()
    return b" ".join(parts)


def _filters(top: bytes) -> list[str]:
    """The stream's filter chain, by full name; an indirect /Filter reads as Flate (tried, and stopped if not)."""
    found = _FILTER.search(top)
    if found is None:
        return []
    value = found.group(1)
    if value.endswith(b"R"):
        return ["FlateDecode"]
    names = [_unescape(n) for n in _NAME.findall(value)]
    return [_ALIASES.get(n, n) for n in names]


def _unescape(name: bytes) -> str:
    """A PDF name with its #xx escapes decoded."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")


def _raw_data(
    body: bytes,
    start: int,
    dictionary: bytes,
    top: bytes,
    chain: list[str],
    decipher: Callable[[bytes, bytes], bytes] | None,
    layout: _Layout,
) -> tuple[Buffer, int]:
    """The stream's bytes, and where its ``endstream`` is (0: not known). Unencrypted and Flate first: to the
    end of the file (the inflater stops at the end of its data, whatever /Length says). Otherwise: to the
    farthest of its ``endstream`` and its /Length, deciphered when the PDF is encrypted."""
    view = memoryview(body)[start:]
    if decipher is None and chain[0] == "FlateDecode":
        return view, 0  # never copied
    covered = layout.end_after(start)
    end = max(covered, start + layout.length(top))
    data = view[: end - start]
    return (decipher(bytes(data), dictionary) if decipher else data), covered


class _Layout:
    """Where a PDF's streams end: ``endstream`` keywords and /Length values (direct or indirect), each index
    built once, when first needed."""

    _OBJECT = re.compile(rb"(?<!\d)(\d+)\s+(\d+)\s+obj\s*(\d+)\s*endobj")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.objects: dict[tuple[bytes, bytes], int] | None = None
        self.ends: list[int] | None = None

    def end_after(self, start: int) -> int:
        """Where the first ``endstream`` after ``start`` is; the file's end when there is none."""
        if self.ends is None:
            self.ends = [m.start() for m in _ENDSTREAM.finditer(self.body)]
        at = bisect.bisect_left(self.ends, start)
        return self.ends[at] if at < len(self.ends) else len(self.body)

    def length(self, top: bytes) -> int:
        """The /Length of a stream dictionary's top level; 0 when it is not given or not found."""
        found = _LENGTH.search(top)
        if found is None:
            return 0
        if found.group(2) is None:
            return int(found.group(1))
        if self.objects is None:
            self.objects = {(m.group(1), m.group(2)): int(m.group(3)) for m in self._OBJECT.finditer(self.body)}
        return self.objects.get((found.group(1), found.group(2)), 0)


def _decipher_of(body: bytes) -> Callable[[bytes, bytes], bytes] | None:
    """A function deciphering one stream's bytes of an encrypted PDF; None when the PDF cannot be opened."""
    import pdfminer.pdfdocument
    import pdfminer.pdfparser

    try:
        document = pdfminer.pdfdocument.PDFDocument(pdfminer.pdfparser.PDFParser(BytesIO(body)))
    except Exception:  # noqa: BLE001 - the parsers will say what is wrong with it
        return None
    handler = document.decipher
    if handler is None:
        return None

    def decipher(data: bytes, dictionary: bytes) -> bytes:
        head = _OBJ_HEAD.search(dictionary[: dictionary.find(b"<<")])
        if head is None or b"/XRef" in _top_level(dictionary):
            return data  # a cross-reference stream is never encrypted
        attrs: dict[str, Any] = {}
        try:
            return handler(int(head.group(1)), int(head.group(2)), data, attrs)
        except Exception:  # noqa: BLE001 - undecipherable: the parsers cannot inflate it either
            return b""

    return decipher


def _decoded(data: Buffer, chain: list[str], meter: _Meter) -> Chunks:
    """The stream's data through its filter chain, in pieces of at most ``CHUNK`` bytes per step, each filter's
    output counted."""
    pieces: Chunks = _pieces(data)
    for name in chain:
        decoder = _DECODERS.get(name)
        if decoder is None:
            break  # an image filter: reading text never decodes it
        pieces = meter.count(decoder(pieces))
    return pieces


def _pieces(data: Buffer) -> Chunks:
    """The data in pieces from 8 kB up to ``CHUNK`` (most streams are small; the data may run to the end)."""
    at, size = 0, 8192
    while at < len(data):
        yield bytes(data[at : at + size])
        at, size = at + size, min(CHUNK, size * 2)


def _flate(pieces: Chunks) -> Chunks:
    inflater = zlib.decompressobj()
    try:
        for piece in pieces:
            out = inflater.decompress(piece, CHUNK)
            while out:
                yield out
                out = inflater.decompress(inflater.unconsumed_tail, CHUNK) if inflater.unconsumed_tail else b""
            if inflater.eof:
                return
    except zlib.error:
        return  # damaged: the parsers stop there too


def _ascii85(pieces: Chunks) -> Chunks:
    data = _whole_stream(pieces)
    data = data[: data.find(b"~>")] if b"~>" in data else data
    data = re.sub(rb"[\x00\t\n\f\r ]", b"", data).removeprefix(b"<~").replace(b"z", b"!!!!!")
    yield a85decode(data)


def a85decode(data: bytes) -> bytes:
    """ASCII85 (whitespace and ``z`` already expanded) decoded with C-level iteration only: ~10 times faster
    than ``base64.a85decode`` (a ReportLab PDF writes every stream so). Stops at a group that overflows."""
    pad = -len(data) % 5
    digits = (data + b"u" * pad).translate(_A85_DIGITS)
    if b"\xff" in digits:
        digits = digits[: digits.find(b"\xff") // 5 * 5]  # a character outside ASCII85: the data ends there
        pad = 0
    groups = len(digits) // 5
    weighted = [map(table.__getitem__, digits[k::5]) for k, table in enumerate(_A85_WEIGHTS)]
    values = map(operator.add, map(operator.add, map(operator.add, *weighted[:2]), weighted[2]), weighted[3])
    words = list(map(operator.add, values, digits[4::5]))
    good = next((n for n, word in enumerate(words) if word > 0xFFFFFFFF), groups)
    out = struct.pack(f">{good}I", *words[:good])
    return out[: len(out) - pad] if good == groups else out


_A85_DIGITS = bytes(c - 33 if 33 <= c <= 117 else 0xFF for c in range(256))
_A85_WEIGHTS = tuple([d * 85**k for d in range(85)] for k in (4, 3, 2, 1))


def _asciihex(pieces: Chunks) -> Chunks:
    data = _whole_stream(pieces)
    data = re.sub(rb"[^0-9A-Fa-f]", b"", data[: data.find(b">")] if b">" in data else data)
    yield bytes.fromhex(data.decode("ascii") + ("0" if len(data) % 2 else ""))


def _runlength(pieces: Chunks) -> Chunks:
    data = _whole_stream(pieces)
    at, out = 0, bytearray()
    while at < len(data) and data[at] != 128:
        length = data[at]
        if length < 128:
            out += data[at + 1 : at + 2 + length]
            at += 2 + length
        else:
            out += data[at + 1 : at + 2] * (257 - length)
            at += 2
        if len(out) >= CHUNK:
            yield bytes(out)
            out.clear()
    yield bytes(out)


def _lzw(pieces: Chunks) -> Chunks:
    from pdfminer.lzw import CorruptDataError, LZWDecoder

    class UntilEnd(LZWDecoder):
        def feed(self, code: int) -> bytes:
            if code == 257:
                raise CorruptDataError  # the end of data: pdfminer's run() stops there
            return super().feed(code)

    out = bytearray()
    for code in UntilEnd(BytesIO(_whole_stream(pieces))).run():
        out += code
        if len(out) >= CHUNK:
            yield bytes(out)
            out.clear()
    yield bytes(out)


def _whole_stream(pieces: Chunks) -> bytes:
    """The input of a filter that cannot tell its end from the bytes: the input joined, at most ``CEILING`` bytes
    (the previous filter's output is counted already; a first filter's input is the file)."""
    parts, seen = [], 0
    for piece in pieces:
        parts.append(bytes(piece))
        seen += len(piece)
        if seen > CEILING:
            break
    return b"".join(parts)


_DECODERS: dict[str, Decoder] = {
    "FlateDecode": _flate,
    "LZWDecode": _lzw,
    "RunLengthDecode": _runlength,
    "ASCIIHexDecode": _asciihex,
    "ASCII85Decode": _ascii85,
}
