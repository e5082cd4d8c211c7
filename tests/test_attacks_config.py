"""Attacks on sources.toml: numbers that are not numbers, URLs that are not URLs, codes that are not codes.

Issue 13, item 9 (the configuration part): each is exit 2 with the file, the line and the key,
before anything is fetched, and never a traceback.
"""

from __future__ import annotations

import pytest

from tests.helpers import PolicyServer, Workdir

GOOD_URL = "http://127.0.0.1:9/policy.html"


def _line(text: str, start: str) -> int:
    """The number of the first line of ``text`` that starts with ``start``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def _sources(url: str = GOOD_URL, codes: str = '["64600"]', fetch: str = "") -> str:
    return f"""codes = {codes}

[[source]]
id = "aetna-0374"
payer = "aetna"
title = "Trigeminal Neuralgia: Treatments"
url = "{url}"

[fetch]
delay = 0
{fetch}
"""


@pytest.mark.parametrize(
    ("fetch", "key"),
    [
        ("timeout = nan", "timeout"),
        ("read_timeout = inf", "read_timeout"),
        ("backoff = -inf", "backoff"),
        ("deadline = -1", "deadline"),
        ("deadline = 0", "deadline"),
        ("backoff = -0.5", "backoff"),
        ("retries = -3", "retries"),
        ("max_bytes = 0", "max_bytes"),
        ("parallel = 1e400", "parallel"),
        ("max_retry_after = nan", "max_retry_after"),
        ('user_agent = "a\\u001b[2Jb"', "user_agent"),
    ],
)
def test_bad_fetch_numbers_are_exit_2_with_line_and_key(work: Workdir, fetch: str, key: str) -> None:
    text = _sources(fetch=fetch)
    work.sources.write_text(text, encoding="utf-8")
    result = work.cli("run")
    assert result.exit_code == 2, result.output
    assert f"sources.toml:{_line(text, key + ' =')}: [fetch]: key {key!r}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/x",
        "http://127.0.0.1:65536/x",
        "http://127.0.0.1:99999999999/x",
        "http://127.0.0.1:0/x",
        "http://exa mple.org/x",
        "http:// example.org/x",
        "ftp://127.0.0.1/policy.pdf",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "http:///no-host",
        "https://user@/x",
        "http://127.0.0.1:port/x",
    ],
)
def test_malformed_urls_and_other_schemes_are_exit_2(work: Workdir, url: str) -> None:
    text = _sources(url=url)
    work.sources.write_text(text, encoding="utf-8")
    result = work.cli("run")
    assert result.exit_code == 2, result.output
    assert f"sources.toml:{_line(text, 'url =')}: source 'aetna-0374': key 'url' must be an http" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("code", ["6460", "646000", "64 600", "ABCDE", "J12345", "1234", "64600\\n", "6460-", "64600T"])
def test_codes_that_are_not_cpt_or_hcpcs_shapes_are_exit_2(work: Workdir, code: str) -> None:
    text = _sources(codes=f'["{code}"]')
    work.sources.write_text(text, encoding="utf-8")
    result = work.cli("run")
    assert result.exit_code == 2, result.output
    assert (
        f"sources.toml:{_line(text, 'codes =')}: top level: key 'codes'" in result.output
        and "Traceback" not in result.output
    )


@pytest.mark.parametrize("code", ["64600", "J1234", "0213T"])
def test_cpt_and_hcpcs_shapes_are_accepted(work: Workdir, server: PolicyServer, code: str) -> None:
    work.sources.write_text(_sources(url=server.url("/gone"), codes=f'["{code}"]'), encoding="utf-8")
    result = work.cli("run")
    assert result.exit_code == 1 and "http-status" in result.output  # checked (and failed: 404), not refused
