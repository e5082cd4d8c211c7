"""Another policy behind a redirect is not a change (issue 23, item 1).

A source's url that now redirects to a new address serving another policy (another number, no
title read; another title, no number read; or neither shown) is that source's failure, never
``changed``; the last good version stays, and the third run, with the right page back, is
``unchanged`` (the flip). The same policy at a new address is read as usual and noted ("Moved").
"Same policy?" is decided by number or title, whichever both readings have (``fetch.sameness``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import samples
from tests.helpers import PolicyServer, Workdir
from tracker.config.sources import load_config
from tracker.errors import FetchError
from tracker.fetch.sameness import described, redirected_to, refuse_another_policy, sameness
from tracker.models import Fetched, Metadata, Version

PATH = "/cpb/0374.html"
ELSEWHERE = "/cpb/medical/data/900_999/0999.html"
TITLE = "Trigeminal Neuralgia: Treatments"
_FULL_TITLE = f"<title>{TITLE} - Medical Clinical Policy Bulletins | Aetna</title>"


def page(number: str | None = "0374", title: str | None = TITLE, version: int = 1) -> bytes:
    """The Aetna sample with its number and title replaced, or left out (None: nothing there to read)."""
    text = samples.aetna_cpb_html(version).decode()
    if title is None:
        text = text.replace(_FULL_TITLE, "<title></title>").replace(f"<h1>{TITLE}</h1>", "")
    else:
        text = text.replace(TITLE, title)
    if number is None:
        text = text.replace("<p>Number: <strong>0374</strong></p>", "")
    else:
        text = text.replace("<strong>0374</strong>", f"<strong>{number}</strong>")
    return text.encode()


def _sources(server: PolicyServer, path: str = PATH) -> str:
    return _sources_for(server.url(path))


def _sources_for(url: str) -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "{TITLE}"
        url = "{url}"
    """


def _outcome(work: Workdir) -> dict[str, Any]:
    return dict(work.json("runs", "--limit", "1")[0]["sources"][0])


def _redirect(server: PolicyServer, body: bytes, target: str = ELSEWHERE) -> None:
    server.set(target, body)
    server.set(PATH, b"", status=302, headers={"Location": server.url(target)})


OTHER_POLICIES = {
    "another number, no title read": (page("0999", None, version=2), "redirected to another policy: 0999;"),
    "another title, no number read": (
        page(None, "Pulsed Radiofrequency", version=2),
        "redirected to another policy: 'Pulsed Radiofrequency';",
    ),
    "another number and title": (
        page("0735", "Pulsed Radiofrequency", version=2),
        "redirected to another policy: 0735 'Pulsed Radiofrequency';",
    ),
    "neither number nor title shown": (page(None, None, version=2), "which shows no policy number or title"),
}


@pytest.mark.parametrize("name", OTHER_POLICIES)
def test_another_policy_behind_a_redirect_is_a_failure_never_a_change(
    server: PolicyServer, work: Workdir, name: str
) -> None:
    other, message = OTHER_POLICIES[name]
    good = page()
    server.set(PATH, good)
    work.write_sources(_sources(server))
    assert work.cli("run").exit_code == 0

    _redirect(server, other)  # every other page says 64600 is not covered: read as-is, a false "changed"
    faulty = work.cli("run")
    assert faulty.exit_code == 1 and "Traceback" not in faulty.output, faulty.output
    assert "0 changed" in faulty.output and "Changes (" not in faulty.output, faulty.output
    failed = _outcome(work)
    assert failed["outcome"] == "error" and failed["error_class"] == "unreadable", failed
    assert message in failed["error"] and "if it moved, update url" in failed["error"], failed["error"]
    assert server.url(ELSEWHERE) in failed["error"]

    server.set(PATH, good)  # the right page is back at the address
    again = work.cli("run")
    assert again.exit_code == 0 and _outcome(work)["outcome"] == "unchanged", again.output
    assert [c["kind"] for c in work.json("changes", "--source", "aetna-0374")] == ["new"]
    assert [r["status"] for r in work.json("status")] == ["covered"]  # the last good version stood throughout
    assert len(work.json("history", "aetna-0374")) == 1


def test_the_same_policy_at_a_new_address_is_read_and_noted(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, page())
    work.write_sources(_sources(server))
    assert work.cli("run").exit_code == 0
    moved = "/cpb/medical/data/300_399/0374.html"
    _redirect(server, page(), moved)
    result = work.cli("run")
    assert result.exit_code == 0, result.output
    assert _outcome(work)["outcome"] == "unchanged"
    assert "Moved (1): the same policy answers at a new address" in result.output
    assert f"  aetna-0374: {server.url(PATH)} → {server.url(moved)}" in result.output

    _redirect(server, page(version=2), moved)  # there, the policy really changes: a change like any other
    changed = work.cli("run")
    assert changed.exit_code == 0 and _outcome(work)["outcome"] == "changed", changed.output
    assert "Moved (1)" in changed.output
    kinds = [(c["kind"], c["old_status"], c["new_status"]) for c in work.json("changes", "--source", "aetna-0374")]
    assert ("changed", "covered", "not_covered") in kinds


def test_the_number_alone_decides_when_no_title_is_read_behind_a_redirect(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, page())
    work.write_sources(_sources(server))
    assert work.cli("run").exit_code == 0
    _redirect(server, page("0374", None, version=2))  # the same number: the same policy, which changed
    result = work.cli("run")
    assert result.exit_code == 0 and _outcome(work)["outcome"] == "changed", result.output
    assert "Moved (1)" in result.output


def test_updating_the_url_as_told_reads_the_new_address(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, page())
    work.write_sources(_sources(server))
    assert work.cli("run").exit_code == 0
    _redirect(server, page("0999", None, version=2))
    assert work.cli("run").exit_code == 1
    work.write_sources(_sources(server, ELSEWHERE))  # the operator's choice: the url written is read as written
    result = work.cli("run")
    assert result.exit_code == 0 and _outcome(work)["outcome"] == "changed", result.output
    assert "Moved (" not in result.output


def test_at_the_address_itself_a_new_number_alone_is_read_as_a_renumbering(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, page())
    work.write_sources(_sources(server))
    assert work.cli("run").exit_code == 0
    server.set(PATH, page("0999", None, version=2))  # no redirect: no url edit could silence a wrong refusal here
    result = work.cli("run")
    assert result.exit_code == 0 and _outcome(work)["outcome"] == "changed", result.output


def test_tracker_test_refuses_another_policy_behind_a_redirect(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, page())
    work.write_sources(_sources(server))
    assert work.cli("run", "--no-notify").exit_code == 0
    _redirect(server, page("0999", None, version=2))
    result = work.cli("test", "aetna-0374")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unreadable: " in result.output and "redirected to another policy: 0999;" in result.output


# ----------------------------------------------------------------------------- the rule, as pure functions


def _meta(number: str | None = None, title: str | None = None) -> Metadata:
    return Metadata(title=title, policy_number=number)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # number only (both have a number; a title on one side only is not compared)
        (_meta("0374"), _meta("0374"), "same"),
        (_meta("0374", TITLE), _meta("0999"), "other"),
        (_meta("CS154TX.A"), _meta("CS154TX.B", "Another Title"), "same"),  # a revision suffix keeps the number
        # title only
        (_meta(title=TITLE), _meta(title="  trigeminal neuralgia:   TREATMENTS "), "same"),
        (_meta("0374", TITLE), _meta(title="Pulsed Radiofrequency"), "other"),
        # both: either agreeing is enough (a renumbering, a retitling)
        (_meta("0374", TITLE), _meta("0999", TITLE), "same"),
        (_meta("0374", TITLE), _meta("0374", "Treatments for Trigeminal Neuralgia"), "same"),
        (_meta("0374", TITLE), _meta("0735", "Pulsed Radiofrequency"), "other"),
        # neither: nothing both have
        (_meta(), _meta("0999", "Pulsed Radiofrequency"), "unknown"),
        (_meta("0374"), _meta(title="Pulsed Radiofrequency"), "unknown"),
        (_meta("0374", TITLE), _meta(), "unknown"),
        # Medicare articles: the number is the article id
        (_meta("A57452", "Billing and Coding: Nerve Blocks"), _meta("A57452", "Nerve Blocks"), "same"),
        (_meta("A57452", "Billing and Coding: Nerve Blocks"), _meta("A57453", "Billing and Coding: Other"), "other"),
    ],
)
def test_the_sameness_rule(before: Metadata, after: Metadata, expected: str) -> None:
    assert sameness(before, after) == expected


@pytest.mark.parametrize(
    ("url", "final", "new"),
    [
        ("http://a.example/cpb/0374.html", None, False),
        ("http://a.example/cpb/0374.html", "https://a.example/cpb/0374.html", False),  # the scheme only
        ("http://a.example/cpb/", "http://A.example:80/cpb", False),  # case, default port, trailing slash
        ("http://a.example/cpb/0374.html", "http://a.example/cpb/0374.html#policy", False),
        ("http://a.example/cpb/0374.html", "http://a.example/cpb/0999.html", True),
        ("http://a.example/p?id=0374", "http://a.example/p?id=0999", True),
        ("http://a.example/cpb/0374.html", "http://b.example/cpb/0374.html", True),
        ("http://a.example/cpb/0374.html", "http://a.example:8080/cpb/0374.html", True),
    ],
)
def test_a_new_address(url: str, final: str | None, new: bool) -> None:
    fetched = Fetched(url, 200, b"", "text/html", "html", None, None, final_url=final)
    assert redirected_to(fetched) == (final if new else None)


def _version(number: str | None, title: str | None) -> Version:
    return Version(_meta(number, title), frozenset({"64600"}))


def test_a_last_version_known_by_nothing_cannot_be_told_apart(work: Workdir) -> None:
    work.write_sources(_sources_for("http://a.example/cpb/0374.html"))
    [source] = load_config(work.sources, {}).sources
    moved = Fetched(source.url, 200, b"", "text/html", "html", None, None, final_url="http://a.example/new")
    refuse_another_policy(source, moved, _version(None, None), _version("0999", "Pulsed Radiofrequency"))
    refuse_another_policy(source, moved, None, _version("0999", None))  # a first capture: nothing to compare
    with pytest.raises(FetchError) as refused:
        refuse_another_policy(source, moved, _version("0374", TITLE), _version(None, None))
    assert refused.value.error_class == "unreadable"
    assert "which shows no policy number or title" in refused.value.message
    assert f"the last good version ({described(_meta('0374', TITLE))}) is kept" in refused.value.message
