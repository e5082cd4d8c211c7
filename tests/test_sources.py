"""sources.toml validation: every mistake names the file, the line, the source and the key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tracker.config.sources import load_config
from tracker.errors import ConfigError

GOOD = """\
codes = ["64600"]

[[source]]
id = "aetna-0374"
payer = "aetna"
title = "Trigeminal Neuralgia: Treatments"
url = "https://www.aetna.com/cpb/medical/data/300_399/0374.html"

[[source]]
id = "cigna-0525"
payer = "cigna"
title = "Peripheral Nerve Destruction for Pain Conditions"
url = "https://static.cigna.com/x/mm_0525.pdf"
codes = ["64600", "64605"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return str(info.value)


def test_good_file_parses_with_defaults_and_overrides(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    aetna, cigna = config.sources
    assert config.codes == ("64600",)
    assert aetna.codes == ("64600",) and cigna.codes == ("64600", "64605")
    assert aetna.expected_kind is None and cigna.expected_kind == "pdf"
    assert aetna.host == "www.aetna.com"
    assert config.fetch.delay == 2.0 and config.fetch.max_bytes == 50 * 1024 * 1024


def test_unknown_key_names_file_line_source_and_allowed_keys(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD + 'tittle = "typo"\n')
    assert f"{tmp_path / 'sources.toml'}:15:" in message
    assert "source 'cigna-0525'" in message and "'tittle'" in message
    assert "allowed keys: id, payer, plan, title, url, kind, codes, selector" in message


def test_missing_key_names_the_source_table_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace('title = "Trigeminal Neuralgia: Treatments"\n', ""))
    assert ":3:" in message and "source 'aetna-0374'" in message and "missing key 'title'" in message


def test_duplicate_id(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace('id = "cigna-0525"', 'id = "aetna-0374"'))
    assert ":10:" in message and "duplicates the source at line 3" in message


def test_bad_payer_lists_payers(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace('payer = "cigna"', 'payer = "humana"'))
    assert ":11:" in message and "'payer'" in message and "aetna, bcbs, cigna, uhc, medicare" in message


def test_bad_code_and_bad_url(tmp_path: Path) -> None:
    assert "not a CPT/HCPCS code" in error_of(tmp_path, GOOD.replace('"64605"', '"646"'))
    assert "'url' must be an http(s) URL" in error_of(tmp_path, GOOD.replace("https://www.aetna", "ftp://www.aetna"))


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD + "[[source]\n")
    assert "not valid TOML" in message and "line 15" in message


def test_unknown_top_level_and_table_keys(tmp_path: Path) -> None:
    assert "top level: unknown key 'sources'" in error_of(tmp_path, "sources = 1\n" + GOOD)
    message = error_of(tmp_path, GOOD + "[notify]\nemail = 'a@b'\n")
    assert ":16:" in message and "[notify]: unknown key 'email'" in message and "email_to" in message


def test_mcd_article_needs_article_id_and_builds_api_url(tmp_path: Path) -> None:
    text = GOOD + '[[source]]\nid = "a57452"\npayer = "medicare"\ntitle = "A57452"\nkind = "mcd-article"\n'
    assert "missing key 'article_id'" in error_of(tmp_path, text)
    source = load_config(write(tmp_path, text + "article_id = 57452\n")).sources[-1]
    assert source.url == "https://api.coverage.cms.gov/v1/data/article/?articleid=57452"


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TRACKER_SOURCES"):
        load_config(tmp_path / "nope.toml")


def test_select_unknown_only_id(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert [s.id for s in config.select(("cigna-0525",))] == ["cigna-0525"]
    with pytest.raises(ConfigError, match="no source with id 'nope'"):
        config.select(("nope",))


def test_shipped_sources_toml_is_valid() -> None:
    config = load_config(Path(__file__).parent.parent / "sources.toml")
    payers = {s.payer for s in config.sources}
    assert payers == {"aetna", "bcbs", "cigna", "uhc", "medicare"}
    assert len({s.plan for s in config.sources if s.payer == "bcbs"}) >= 3
    assert config.codes == ("64600",)


def test_bad_selector_and_medicare_kind_for_another_payer(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD + 'selector = "div[["\n')
    assert ":15:" in message and "'selector' must be a valid CSS selector" in message
    html = GOOD.replace("mm_0525.pdf", "mm_0525.html")
    assert load_config(write(tmp_path, html + 'selector = "#main .policy"\n')).sources[1].selector == "#main .policy"
    message = error_of(tmp_path, GOOD + 'kind = "mcd-article"\narticle_id = 1\n')
    assert ":11:" in message and "kind 'mcd-article' is a Medicare article" in message
