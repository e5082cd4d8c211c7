"""Code matching: whole tokens only, and inside ranges of codes of the same shape."""

from __future__ import annotations

import pytest

from tracker.extract.codes import in_range, is_code_like, mentions, only_codes, shape


@pytest.mark.parametrize(
    "text",
    [
        "CPT 64600",
        "64600 Destruction by neurolytic agent",
        "(CPT code 64600).",
        "64600*",
        "64600\u00b9",  # superscript footnote marker
        "codes 61790, 64600, 64605",
        "64600-64681",
        "64600 \u2013 64650",  # en dash with spaces, as TRICARE writes it
        "64590\u201464610",  # em dash
        "64590 - 64610",
        "64600 through 64640",
        "64590 thru 64610",
        "64590 to 64610",
        "64598-64600",
        "CPT: 61790, 61791, 64590-64681",
    ],
)
def test_mentions(text: str) -> None:
    assert mentions(text, "64600")


@pytest.mark.parametrize(
    "text",
    [
        "2064600",
        "64600123",
        "NCT02064600",
        "PMID 2064600",
        "64605-64681",
        "64610 \u2013 64640",
        "64601 through 64640",
        "64500 to 64599",
        "64700-64590",  # reversed: not a range
        "6460",
        "646000",
        "64600a",
        "0213T-64681",  # different shapes never make a range
        "",
    ],
)
def test_does_not_mention(text: str) -> None:
    assert not mentions(text, "64600")


@pytest.mark.parametrize(
    "code,text,expected",
    [
        ("0214T", "0213T-0218T", True),
        ("0214T", "0213T", False),
        ("0219T", "0213T - 0218T", False),
        ("C9727", "C9727", True),
        ("C9727", "HCPCS C9725 through C9730", True),
        ("C9727", "C9725 through D9730", False),  # letters differ: not one range
        ("c9727", "C9727", True),
        ("C9727", "C97271", False),
    ],
)
def test_alphanumeric_codes(code: str, text: str, expected: bool) -> None:
    assert mentions(text, code) is expected


@pytest.mark.parametrize(
    "text",
    [
        "Author64600",  # a reference's author glued to a number
        "Smith J, Authoré64600",  # a letter of another script glues as an ASCII one does
        "Straße64600",
        "Author_64600",
        "x64590-64610",  # a glued range end is no range end
        "64590-64610y",
        "x64590-64610, 64590 and 64610",  # the same numbers standing alone elsewhere make no range
        "\u0661\u0662" + "64600",  # digits of another script make a longer number
    ],
)
def test_a_code_glued_to_letters_is_not_a_code(text: str) -> None:
    assert not mentions(text, "64600")


@pytest.mark.parametrize(
    "text",
    ["Author 64600", "(64600)", "64600\u00b9", "64600\u00b2 and 64605", "\u00b964590-64610", "é 64600"],
)
def test_a_code_beside_a_space_sign_or_footnote_is_a_code(text: str) -> None:
    assert mentions(text, "64600")


@pytest.mark.parametrize(
    "code,text,expected",
    [("G50.1", "G50.0-G50.9", True), ("G50.1", "G50.2-G50.9", False), ("64605", "PMID 12345, 64590-64610", True)],
)
def test_ranges_are_found_once_per_text_whatever_the_code(code: str, text: str, expected: bool) -> None:
    assert mentions(text, code) is expected


def test_shape() -> None:
    assert shape("64600") == "99999"
    assert shape("0213t") == "9999T"
    assert shape("C9727") == "C9999"


@pytest.mark.parametrize(
    "low,high,expected",
    [("64600", "64681", True), ("64590", "64600", True), ("64601", "64681", False), ("646", "64681", False)],
)
def test_in_range(low: str, high: str, expected: bool) -> None:
    assert in_range("64600", low, high) is expected


@pytest.mark.parametrize(
    "token,expected",
    [
        ("64600", True),
        ("64600*", True),
        ("0213T", True),
        ("C9727", True),
        ("G50.0", False),
        ("2024", False),
        ("CPT", False),
    ],
)
def test_is_code_like(token: str, expected: bool) -> None:
    assert is_code_like(token) is expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("61790, 61791, 64600-64681", True),
        ("CPT codes: 64600 and 64605", True),
        ("CPT 64600 Destruction by neurolytic agent", False),
        ("Peripheral branch neurolysis (CPT 64600)", False),
        ("", False),
    ],
)
def test_only_codes(text: str, expected: bool) -> None:
    assert only_codes(text) is expected
