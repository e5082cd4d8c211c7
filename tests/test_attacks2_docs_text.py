"""Issue 23, item 4: NUL bytes and UTF-16 pages read as a browser reads them.

NUL bytes in a page (between its tags, in its title) flipped its reading both ways — a false `changed`
(metadata) when they came and again when they went; a UTF-16 page with a BOM and a correct charset was a
permanent false "incomplete: ends without </body>", because the check searched the raw bytes. A page is now
decoded as a browser decodes it (BOM, HTTP charset, <meta>, UTF-8, windows-1252; NUL dropped), then read and
checked. Flip tests over loopback: good → fault → good, no `changed`, the third run unchanged.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import pytest

from tests import samples
from tests.helpers import PolicyServer, Workdir
from tracker.extract import extract
from tracker.extract.decode import decode_html, encoding_of
from tracker.models import Extraction

PATH = "/MedPol2/HNBE-8TVP74"
UTF8 = "text/html; charset=utf-8"


def _nul_laden(page: bytes) -> bytes:
    """The page with NUL bytes between its tags, after every character of its text (title included), and
    inside a heading's tag, as the sweep sent it."""
    spread = re.sub(rb">([^<]+)<", lambda m: b">" + b"".join(bytes([c, 0]) for c in m.group(1)) + b"<", page)
    return spread.replace(b"><", b">\0\0<").replace(b"</h2>", b"</h2\0>")


def _utf16(page: bytes, codec: str = "utf-16") -> bytes:
    """The UTF-8 page re-encoded (a BOM first), its <meta> saying so."""
    text = (
        page.decode("utf-8").replace('charset="utf-8"', 'charset="utf-16"').replace("charset=utf-8", "charset=utf-16")
    )
    body = text.encode(codec)
    return body if codec == "utf-16" else (codecs.BOM_UTF16_BE if codec.endswith("be") else codecs.BOM_UTF16_LE) + body


def _reading(found: Extraction) -> tuple[Any, ...]:
    return found.metadata, [(s.code, s.heading, s.status, s.prior_auth, s.text) for s in found.sections]


# ----------------------------------------------------------------------------- the decoder


def test_the_browser_order_bom_then_http_then_meta_then_utf8_then_windows_1252() -> None:
    meta_1251 = '<meta charset="windows-1251"><p>Код</p>'.encode("cp1251")
    assert decode_html(codecs.BOM_UTF8 + meta_1251, "windows-1251").startswith("<meta")  # the BOM wins...
    assert "Код" not in decode_html(codecs.BOM_UTF8 + meta_1251, "windows-1251")  # ...over HTTP and <meta>
    assert "Код" in decode_html(meta_1251, None)  # the <meta>
    assert "Код" not in decode_html(meta_1251, "koi8-r")  # HTTP before <meta>
    assert decode_html("<p>café</p>".encode(), None) == "<p>café</p>"  # valid UTF-8
    assert decode_html("<p>café – 64600</p>".encode("cp1252"), None) == "<p>café – 64600</p>"  # else windows-1252
    assert decode_html("<p>café</p>".encode(), "iso-8859-1") == "<p>café</p>"  # a mis-declared UTF-8 page
    assert decode_html(b"<p>caf\xe9</p>", "utf-8") == "<p>caf\ufffd</p>"  # undecodable: U+FFFD, as a browser shows


def test_labels_mean_what_they_mean_to_a_browser() -> None:
    assert [encoding_of(label) for label in ("ISO-8859-1", "latin1", "US-ASCII", "utf-16", "UTF-16BE")] == [
        "cp1252",
        "cp1252",
        "cp1252",
        "utf-16-le",
        "utf-16-be",
    ]
    assert [encoding_of(label) for label in ("hex", "zlib", "utf-7", "utf-32", "bogus", "", None)] == [None] * 7
    assert decode_html(b'<meta charset="utf-16"><p>x</p>', None) == '<meta charset="utf-16"><p>x</p>'  # UTF-8
    assert decode_html(b"<p>64600</p>", "hex") == "<p>64600</p>"  # an unknown label is ignored


def test_a_label_a_codec_cannot_even_be_looked_up_by_is_ignored() -> None:
    """RFC 2231 lets a server send "charset*=''utf%008": a NUL in the label made the codec lookup raise
    (the page unreadable, the completeness check an internal error); a browser ignores such a label."""
    from tracker.fetch.verdict import charset_of

    label = charset_of("text/html; charset*=''utf%008")
    assert label is not None and "\0" in label
    assert encoding_of(label) is None and encoding_of("\0") is None and encoding_of("utf-\ud800") is None
    assert decode_html(b"<p>CPT 64600</p></body>", label) == "<p>CPT 64600</p></body>"


def test_nul_bytes_are_dropped_and_never_make_a_page_utf16() -> None:
    page = b"<html><head><title>Policy 0525</title></head><body><h1>Nerve</h1><p>64600 covered</p></body></html>"
    laden = _nul_laden(page)
    assert decode_html(laden, None) == page.decode()
    assert decode_html(laden, "utf-8") == decode_html(page, "utf-8")
    assert decode_html(page.decode().encode("utf-16"), None) == page.decode()  # real UTF-16: by its BOM


# ----------------------------------------------------------------------------- reading: the same page


@pytest.mark.parametrize(
    "page",
    [samples.horizon_range_html(1), samples.aetna_cpb_html(1), samples.anthem_guideline_html(1)],
    ids=["horizon", "aetna", "anthem"],
)
def test_a_nul_laden_page_reads_as_the_page(page: bytes) -> None:
    expected = _reading(extract(page, "html", ["64600"]))
    assert _reading(extract(_nul_laden(page), "html", ["64600"])) == expected
    assert _reading(extract(_nul_laden(page), "html", ["64600"], encoding="utf-8")) == expected


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("declared", [None, "utf-16"], ids=["bom-only", "bom-and-charset"])
def test_a_utf16_page_reads_as_its_utf8_twin(codec: str, declared: str | None) -> None:
    page = samples.horizon_range_html(1)
    twin = _utf16(page, codec)
    assert twin[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) and b"</body>" not in twin
    charset = declared if declared != "utf-16" or codec == "utf-16" else codec
    found = extract(twin, "html", ["64600"], encoding=charset)
    assert _reading(found) == _reading(extract(page, "html", ["64600"]))
    assert found.sections


# ----------------------------------------------------------------------------- over loopback: flips


def _sources(server: PolicyServer) -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "horizon-142"
        payer = "bcbs"
        plan = "horizon-nj"
        title = "Percutaneous Neurolysis"
        url = "{server.url(PATH)}"
    """


def _outcome(work: Workdir) -> dict[str, Any]:
    [source] = work.json("runs", "--limit", "1")[0]["sources"]
    return dict(source)


def _flip(server: PolicyServer, work: Workdir, fault: bytes, fault_type: str) -> dict[str, Any]:
    """Good, fault, good: each run exits 0 and reads the same; only the baseline is ever reported."""
    work.write_sources(_sources(server))
    good = samples.horizon_range_html(1)
    outcomes = []
    for body, content_type in ((good, UTF8), (fault, fault_type), (good, UTF8)):
        server.set(PATH, body, content_type=content_type)
        result = work.cli("run", "--no-notify")
        outcomes.append(_outcome(work))
        assert result.exit_code == 0, (result.output, outcomes[-1])
    assert [o["outcome"] for o in outcomes] == ["new", "unchanged", "unchanged"], outcomes
    assert [c["kind"] for c in work.json("changes")] == ["new"]
    return outcomes[1]


@pytest.mark.parametrize("content_type", [UTF8, "text/html"], ids=["charset", "no-charset"])
def test_nul_bytes_in_a_page_are_not_a_change_either_way(
    server: PolicyServer, work: Workdir, content_type: str
) -> None:
    _flip(server, work, _nul_laden(samples.horizon_range_html(1)), content_type)


@pytest.mark.parametrize(
    ("codec", "content_type"),
    [
        ("utf-16", "text/html; charset=utf-16"),
        ("utf-16", "text/html"),
        ("utf-16-be", "text/html; charset=utf-16be"),
    ],
    ids=["bom-and-charset", "bom-only", "big-endian"],
)
def test_a_utf16_page_is_complete_and_reads_as_its_utf8_twin(
    server: PolicyServer, work: Workdir, codec: str, content_type: str
) -> None:
    failed = _flip(server, work, _utf16(samples.horizon_range_html(1), codec), content_type)
    assert not failed.get("error")


def test_a_utf16_page_cut_short_is_still_incomplete(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(_sources(server))
    whole = _utf16(samples.horizon_range_html(1))
    server.set(PATH, whole, content_type="text/html; charset=utf-16")
    assert work.cli("run", "--no-notify").exit_code == 0
    cut = whole[: whole.index("</table>".encode("utf-16-le")) + 200]  # the codes kept, the end gone
    server.set(PATH, cut, content_type="text/html; charset=utf-16")
    result = work.cli("run", "--no-notify")
    failed = _outcome(work)
    assert result.exit_code == 1 and failed["outcome"] == "error", failed
    assert "incomplete" in failed["error"] and "</body>" in failed["error"]
    assert [c["kind"] for c in work.json("changes")] == ["new"]


@pytest.mark.parametrize("codec,ctype", [("utf-16", "text/html"), ("utf-16-le", "text/html; charset=utf-16le")])
def test_a_utf16_challenge_page_is_a_challenge(codec: str, ctype: str) -> None:
    """The challenge check reads the page decoded, as the completeness check does (decode first, then check)."""
    from tracker.config.sources import Source
    from tracker.errors import FetchError
    from tracker.fetch.verdict import check_body

    page = "<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x.js'></script></html>"
    with pytest.raises(FetchError) as refused:
        check_body(
            Source(id="p", payer="aetna", title="t", url="http://127.0.0.1/p", codes=("64600",)),
            page.encode(codec),
            ctype,
        )
    assert refused.value.error_class == "challenge"
