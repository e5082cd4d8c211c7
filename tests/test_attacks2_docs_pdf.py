"""Issue 23, item 3: PDF decompression is bounded.

A 399 kB PDF whose content stream inflates to ~400 MB of zeros (a Flate bomb) took 862 MB and minutes in the
parsers. The bombs here are built by a tiny PDF writer (one page, one content stream of deflated zeros after a
line of real text), plainly and wrapped the ways a filter chain allows; each is refused before a parser opens
it, within a stated memory ceiling, and over loopback it is that source's failure: the last good version stays.
"""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import CIGNA_PDF_PATH, PolicyServer, Workdir, cigna_only
from tracker.errors import ExtractError
from tracker.extract import extract
from tracker.extract.fingerprint import fingerprint
from tracker.extract.pdfbudget import CEILING, FLOOR, MIB, budget_of, check_budget

TEXT = b"BT /F1 12 Tf 72 720 Td (CPT 64600 is covered when criteria are met) Tj ET\n"
PDF = "application/pdf"
ROOT = Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------- a tiny PDF writer


def pdf_of(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of these objects (numbered from 1; 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def stream(data: bytes, keys: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), keys, data)


def one_page(content: bytes, filters: bytes, *, extra: list[bytes] | None = None, trailer: bytes = b"") -> bytes:
    """A one-page PDF whose page content is ``content`` (already encoded by ``filters``)."""
    return pdf_of(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            stream(content, b"/Filter " + filters if filters else b""),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            *(extra or []),
        ],
        trailer,
    )


def deflated_zeros(compressed: int) -> bytes:
    """The text line, then zeros (blanks to a PDF parser), deflated to about ``compressed`` bytes (~1030:1)."""
    deflater = zlib.compressobj(9)
    parts, size, block = [deflater.compress(TEXT)], 0, bytes(1 << 20)
    while size < compressed:
        parts.append(deflater.compress(block))
        size += len(parts[-1])
    parts.append(deflater.flush())
    return b"".join(parts)


def bomb(compressed: int) -> bytes:
    return one_page(deflated_zeros(compressed), b"/FlateDecode")


def good(text: bytes = TEXT) -> bytes:
    return one_page(zlib.compress(text), b"/FlateDecode")


# ----------------------------------------------------------------------------- the formula, and real PDFs under it


def test_the_budget_is_twenty_times_the_size_between_32_and_256_mib() -> None:
    assert budget_of(100_000) == FLOOR == 32 * MIB
    assert budget_of(4 * MIB) == 80 * MIB
    assert budget_of(50 * MIB) == CEILING == 256 * MIB


@pytest.mark.parametrize(
    "make",
    [lambda: samples.cigna_policy_pdf(1), lambda: samples.uhc_policy_pdf(2), lambda: samples.long_policy_pdf(120)],
    ids=["cigna", "uhc", "long-120-pages"],
)
def test_real_policies_inflate_well_under_their_budget_and_are_counted_whole(make: Callable[[], bytes]) -> None:
    body = make()
    inflated = check_budget(body)
    assert 0 < inflated < budget_of(len(body)) // 4
    assert inflated >= _decoded_by_pdfminer(body)  # at least what a parser inflates: every stream, whole


def _decoded_by_pdfminer(body: bytes) -> int:
    """The bytes pdfminer inflates decoding every stream of the file (filters it decodes)."""
    from io import BytesIO

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream

    document, total = PDFDocument(PDFParser(BytesIO(body))), 0
    for xref in document.xrefs:
        for objid in xref.get_objids():
            obj = document.getobj(objid)
            if isinstance(obj, PDFStream) and all(f.name in {"FlateDecode", "LZWDecode"} for f, _ in obj.get_filters()):
                total += len(obj.get_data())
    return total


# ----------------------------------------------------------------------------- bombs, plain and wrapped


def _lzw_bits(codes: list[int]) -> bytes:
    """LZW codes packed as PDF writes them: 9 to 12 bits, widening one code early (EarlyChange 1)."""
    bits, size, out = 0, 0, bytearray()
    nbits, entries, first = 9, 258, True
    for code in codes:
        bits, size = (bits << nbits) | code, size + nbits
        while size >= 8:
            size -= 8
            out.append((bits >> size) & 0xFF)
        bits &= (1 << size) - 1
        if code == 256:
            nbits, entries, first = 9, 258, True
            continue
        entries, first = entries + (0 if first else 1), False
        nbits = 12 if entries >= 2047 else 11 if entries >= 1023 else 10 if entries >= 511 else 9
    if size:
        out.append((bits << (8 - size)) & 0xFF)
    return bytes(out)


def _lzw(data: bytes) -> bytes:
    """LZW-encode a short text."""
    table, codes, word = {bytes([i]): i for i in range(256)}, [256], b""
    for byte in data:
        grown = word + bytes([byte])
        if grown in table:
            word = grown
            continue
        codes.append(table[word])
        table[grown], word = len(table) + 2, bytes([byte])
    return _lzw_bits([*codes, table[word], 257])


def _lzw_zeros(cycles: int) -> bytes:
    """LZW of zeros, each table filled by ever longer runs (0, 00, 000, …: ~7 MB a table, from ~5 kB)."""
    codes = []
    for _ in range(cycles):
        codes += [256, 0, *range(258, 4094)]
    return _lzw_bits([*codes, 257])


def _double_flate() -> bytes:
    return one_page(zlib.compress(deflated_zeros(40_000), 9), b"[/FlateDecode /FlateDecode]")


def _ascii85_flate() -> bytes:
    import base64

    return one_page(base64.a85encode(deflated_zeros(40_000)) + b"~>", b"[/A85 /Fl]")


def _runlength() -> bytes:
    runs = b"\x81\x00" * 300_000 + b"\x80"  # 128 zeros per two bytes: 38 MB from 600 kB
    return one_page(runs, b"/RunLengthDecode")


def _lzw_bomb() -> bytes:
    return one_page(_lzw_zeros(9), b"/LZWDecode")


def _escaped_name() -> bytes:
    return one_page(deflated_zeros(40_000), b"/Flate#44ecode")


def _hidden_in_an_unreferenced_object() -> bytes:
    return one_page(zlib.compress(TEXT), b"/FlateDecode", extra=[stream(deflated_zeros(40_000), b"/Filter /Fl")])


WRAPPED: dict[str, Callable[[], bytes]] = {
    "flate-twice": _double_flate,
    "ascii85-then-flate": _ascii85_flate,
    "run-length": _runlength,
    "lzw": _lzw_bomb,
    "escaped-filter-name": _escaped_name,
    "unreferenced-object": _hidden_in_an_unreferenced_object,
}


@pytest.mark.parametrize("make", WRAPPED.values(), ids=WRAPPED.keys())
def test_a_bomb_in_any_filter_chain_is_refused(make: Callable[[], bytes]) -> None:
    body = make()
    assert len(body) < 1_700_000 and budget_of(len(body)) == FLOOR  # small files: the 32 MiB floor applies
    with pytest.raises(ExtractError, match="decompression bomb"):
        check_budget(body)


def test_the_same_filter_chains_under_the_budget_read_normally() -> None:
    import base64

    assert check_budget(one_page(zlib.compress(zlib.compress(TEXT)), b"[/FlateDecode /FlateDecode]")) > len(TEXT)
    assert check_budget(one_page(base64.a85encode(zlib.compress(TEXT)) + b"~>", b"[/A85 /Fl]")) >= 2 * len(TEXT)
    assert check_budget(one_page(_lzw(TEXT * 50), b"/LZWDecode")) == len(TEXT) * 50
    sections = extract(one_page(_lzw(TEXT), b"/LZWDecode"), "pdf", ["64600"]).sections
    assert [s.code for s in sections] == ["64600"]


# ----------------------------------------------------------------------------- an encrypted bomb (RC4, no password)

PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    box, j = list(range(256)), 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) % 256
        box[i], box[j] = box[j], box[i]
    out, i, j = bytearray(len(data)), 0, 0
    for n, byte in enumerate(data):
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out[n] = byte ^ box[(box[i] + box[j]) % 256]
    return bytes(out)


def encrypted(content: bytes) -> bytes:
    """A one-page PDF under the standard security handler (revision 2, 40-bit RC4), readable without a password."""
    owner, doc_id, permissions = b"\x01" * 32, b"0123456789abcdef", -4
    key = hashlib.md5(PAD + owner + struct.pack("<i", permissions) + doc_id).digest()[:5]
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (
        owner.hex().encode(),
        _rc4(key, PAD).hex().encode(),
        permissions,
    )
    trailer = b"/Encrypt 6 0 R /ID [<%s> <%s>] " % (doc_id.hex().encode(), doc_id.hex().encode())
    return one_page(_rc4(object_key, content), b"/FlateDecode", extra=[encrypt], trailer=trailer)


def test_an_encrypted_pdf_is_deciphered_before_it_is_counted() -> None:
    readable = encrypted(zlib.compress(TEXT))
    assert [s.code for s in extract(readable, "pdf", ["64600"]).sections] == ["64600"]  # the parsers read it
    assert check_budget(readable) == len(TEXT)
    with pytest.raises(ExtractError, match="decompression bomb"):
        check_budget(encrypted(deflated_zeros(40_000)))


# ----------------------------------------------------------------------------- the memory ceiling, measured

CEILING_RSS = 200 * MIB
"""What `tracker extract` may take on a bomb: the interpreter and the parsers' imports (~60 MB) and little more."""


def _extract_in_a_child(path: Path) -> tuple[int, str, float, int]:
    """``tracker extract PATH`` in a fresh process: its exit status, output, seconds and peak RSS (bytes)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "tracker", "extract", str(path), "--code", "64600", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    with child.stdout:
        output = child.stdout.read().decode()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, output, time.monotonic() - started, usage.ru_maxrss * 1024


@pytest.mark.parametrize("compressed", [400_000, 800_000], ids=["400kB", "800kB"])
def test_a_flate_bomb_is_refused_by_extract_within_the_memory_ceiling(tmp_path: Path, compressed: int) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb(compressed))
    status, output, seconds, peak = _extract_in_a_child(path)
    assert status == 5, output  # ExtractError: the document could not be read
    assert "decompression bomb" in output and "Traceback" not in output
    assert peak < CEILING_RSS, f"peak RSS {peak / MIB:.0f} MiB"
    assert seconds < 30  # was 314 s; about half a second on an idle machine


def test_the_fingerprint_refuses_a_bomb_before_pypdfium2_inflates_it() -> None:
    started = time.monotonic()
    assert fingerprint(bomb(400_000), "pdf") is None  # no shortcut: the extraction runs, and refuses it
    assert fingerprint(good(), "pdf") is not None
    assert time.monotonic() - started < 10


# ----------------------------------------------------------------------------- over loopback: that source's failure


def test_a_bomb_served_in_place_of_a_policy_is_that_sources_failure_and_the_last_version_stays(
    server: PolicyServer, work: Workdir
) -> None:
    work.write_sources(cigna_only(server))
    server.set(CIGNA_PDF_PATH, samples.cigna_policy_pdf(1), content_type=PDF)
    assert work.cli("run", "--no-notify").exit_code == 0
    kept = ("status", "prior_auth", "effective_date", "policy_number", "changed_at")
    before = [{k: row[k] for k in kept} for row in work.json("status")]

    server.set(CIGNA_PDF_PATH, bomb(400_000), content_type=PDF)
    faulty = work.cli("run", "--no-notify")
    assert faulty.exit_code == 1 and "Traceback" not in faulty.output, faulty.output
    [failed] = work.json("runs", "--limit", "1")[0]["sources"]
    assert failed["outcome"] == "error" and "decompression bomb" in failed["error"], failed
    assert [{k: row[k] for k in kept} for row in work.json("status")] == before  # the last good version stays

    server.set(CIGNA_PDF_PATH, samples.cigna_policy_pdf(1), content_type=PDF)
    again = work.cli("run", "--no-notify")
    assert again.exit_code == 0, again.output
    assert work.json("runs", "--limit", "1")[0]["sources"][0]["outcome"] == "unchanged"
    assert {c["kind"] for c in work.json("changes", "--source", "cigna-0525")} == {"new"}


def test_the_fast_ascii85_decoder_agrees_with_the_standard_library() -> None:
    import base64
    import random

    from tracker.extract.pdfbudget import a85decode

    rng = random.Random(23)
    for size in [*range(12), 1000, 65_537]:
        data = bytes(rng.randrange(256) for _ in range(size)) + bytes(rng.randrange(9))
        assert a85decode(base64.a85encode(data).replace(b"z", b"!!!!!")) == data
    assert a85decode(b"87cURD]j7BEbo80") == b"Hello world!"
    assert a85decode(b"87cURD]j7B\x7fEbo80") == b"Hello wo"  # a character outside ASCII85 ends the data


def test_the_budget_check_is_linear_whatever_the_bytes() -> None:
    deflated = zlib.compress(TEXT)
    hostile = {
        "stream keywords without dictionaries": b"%PDF-1.7\n" + b">>stream\n" * 500_000 + b"%%EOF",
        "nesting 30,000 deep": b"%PDF-1.7\n1 0 obj\n" + b"<<" * 30_000 + b">>" * 30_000 + b"\nstream\nx\nendstream",
        "100,000 small streams": b"%PDF-1.7\n"
        + stream(deflated, b"/Filter /FlateDecode").join([b"1 0 obj\n", b"\nendobj\n"]) * 100_000,
    }
    hostile["ASCII85-looking data after every keyword"] = b"%PDF-1.7\n" + b"stream\nGb!!!" * 500_000 + b"%%EOF"
    for name, body in hostile.items():
        started = time.monotonic()
        check_budget(body)
        assert time.monotonic() - started < 10, name  # one to three seconds each on an idle machine
    assert check_budget(hostile["100,000 small streams"]) == 100_000 * len(TEXT)


def test_streams_whose_length_overlaps_the_rest_of_the_file_are_refused_at_once() -> None:
    overlapping = stream(b"\x80", b"/Filter /RunLengthDecode").replace(b"/Length 1", b"/Length 99999999")
    body = pdf_of([b"<< /Type /Catalog >>", *[overlapping] * 50_000])
    started = time.monotonic()
    with pytest.raises(ExtractError, match="streams overlap"):
        check_budget(body)
    assert time.monotonic() - started < 5


def _misleading_dictionary() -> bytes:
    """A string with an unbalanced ``<<`` in the stream's dictionary, and blanks after ``stream``."""
    page = one_page(deflated_zeros(40_000), b"/FlateDecode /X (<<)")
    return page.replace(b">>\nstream\n", b">>\nstream  \r\n", 1)


def _lying_dictionary() -> bytes:
    """The dictionary names an image filter; the data is deflated zeros (sniffed, counted)."""
    return one_page(deflated_zeros(40_000), b"/DCTDecode")


def test_a_bomb_behind_a_dictionary_the_walk_cannot_read_is_still_refused() -> None:
    for body in (_misleading_dictionary(), _lying_dictionary()):
        with pytest.raises(ExtractError, match="decompression bomb"):
            check_budget(body)


@pytest.mark.parametrize("parse", ["uhc_bulletin", "cigna_updates"])
def test_a_bomb_in_a_monthly_bulletin_is_the_feeds_failure(parse: str) -> None:
    """The feeds' PDF bulletins are opened by the same budget: a bomb is that feed's clear failure."""
    from tracker.errors import FetchError
    from tracker.feeds import parse as feeds

    started = time.monotonic()
    with pytest.raises(FetchError, match="decompression bomb") as refused:
        getattr(feeds, parse)(bomb(400_000), "http://127.0.0.1/bulletin.pdf")
    assert refused.value.error_class == "unreadable"
    assert time.monotonic() - started < 10


def scanned(pixels: bytes, *, width: int = 2550, height: int = 3300) -> bytes:
    """A page as a scanner makes it: a deflated grey image (``pixels``) drawn over the page, and a line
    of text (an OCR layer)."""
    image = stream(
        zlib.compress(pixels, 9),
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode" % (width, height),
    )
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q\n" + TEXT
    return pdf_of(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
            stream(zlib.compress(content), b"/Filter /FlateDecode"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            image,
        ]
    )


def test_a_scanned_page_is_read_not_refused() -> None:
    """A page image inflates far past 20 times the file (8.4 MB of white from 25 kB) and text readers
    never decode it: up to the size its dictionary declares, it is not counted."""
    body = scanned(bytes([255]) * (2550 * 3300))
    assert 8 * MIB > 20 * len(body)
    assert check_budget(body, FLOOR // 8) < FLOOR // 8
    assert [s.code for s in extract(body, "pdf", ["64600"]).sections] == ["64600"]


def test_an_image_that_inflates_past_its_declared_size_is_counted() -> None:
    """ "/Subtype /Image" buys a bomb nothing but its own stated size (here one pixel)."""
    with pytest.raises(ExtractError, match="decompression bomb"):
        check_budget(scanned(bytes(64 * MIB), width=1, height=1))


def test_a_stream_dictionary_is_found_in_linear_time_whatever_the_brackets_before_it() -> None:
    """Thousands of ">>" before each stream made the walk back to its dictionary quadratic (4.5 s a MB)."""
    body = b"%PDF-1.4\n" + (b">>" * 32500 + b"\n<< /Length 3 >>\nstream\nabc\nendstream\n") * 16
    started = time.monotonic()
    check_budget(body)
    assert time.monotonic() - started < 1.0
