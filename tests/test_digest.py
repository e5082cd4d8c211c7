"""The digest's content and formats: pure functions over change and failure rows, no I/O."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest

from tracker.errors import ConfigError
from tracker.judge.diff import DELETE, GAP, INSERT, SAME, Segment, word_diff
from tracker.notify import Digest, make_digest, render
from tracker.notify.blocks import MAX_BLOCKS, MAX_TEXT, MAX_TOTAL, slack_message

NOW = "2026-04-22 06:00 UTC"
COVERED = (
    "Coding Information › Considered Medically Necessary when criteria are met\n"
    "CPT Codes: 64600 | Description: Destruction by neurolytic agent, trigeminal nerve"
)
EXPERIMENTAL = COVERED.replace("Medically Necessary when criteria are met", "Experimental/Investigational/Unproven")


def change(
    cid: int,
    kind: str = "changed",
    *,
    payer: str = "cigna",
    code: str = "64600",
    old: str | None = "covered",
    new: str | None = "experimental",
    old_text: str | None = COVERED,
    new_text: str | None = EXPERIMENTAL,
    **extra: Any,
) -> dict[str, Any]:
    """A change row as ledger.change_rows returns it."""
    source = extra.pop("source_id", f"{payer}-{cid}")
    return {
        "id": cid,
        "run_id": 1,
        "source_id": source,
        "payer": payer,
        "plan": None,
        "code": code,
        "kind": kind,
        "old_status": old,
        "new_status": new,
        "detected_at": "2026-04-22T06:00:00+00:00",
        "effective_date": "2026-04-21",
        "summary": "",
        "title": f"Policy {cid}",
        "policy_number": f"{cid:04d}",
        "url": f"https://example.org/{source}",
        "old_text": old_text,
        "new_text": new_text,
        "old_prior_auth": None,
        "new_prior_auth": None,
        **extra,
    }


def failure(source: str, runs: int, **extra: Any) -> dict[str, Any]:
    """A failing-source row as ledger.failure_rows returns it."""
    return {
        "source": source,
        "payer": "uhc",
        "plan": None,
        "title": f"Title of {source}",
        "url": f"https://example.org/{source}",
        "failures_in_a_row": runs,
        "last_success": "2026-04-01T06:00:00+00:00",
        "error_class": "timeout",
        "error": "read timed out after 60 s",
        "policy_number": None,
        **extra,
    }


def digest(changes: list[dict[str, Any]], failures: list[dict[str, Any]] | None = None) -> Digest:
    return make_digest(changes, failures or [], generated_at=NOW, max_failures=3)


# ----------------------------------------------------------------------------- word diff


def test_word_diff_marks_insertions_and_deletions() -> None:
    assert word_diff("a b c d", "a b x d") == (
        Segment(SAME, "a b"),
        Segment(DELETE, "c"),
        Segment(INSERT, "x"),
        Segment(SAME, "d"),
    )
    assert word_diff("same  words\n here", "same words here") == ()  # whitespace is not a change


def test_word_diff_trims_unchanged_context() -> None:
    words = [f"w{i}" for i in range(100)]
    new = words[:50] + ["NEW"] + words[50:]
    segments = word_diff(" ".join(words), " ".join(new), context=3)
    assert [s.op for s in segments] == [GAP, SAME, INSERT, SAME, GAP]
    assert segments[1].text == "w47 w48 w49" and segments[3].text == "w50 w51 w52"
    two_edits = word_diff("a b c d e f g h i j", "A b c d e f g h i J", context=2)
    assert [s.op for s in two_edits] == [DELETE, INSERT, SAME, GAP, SAME, DELETE, INSERT]


# ----------------------------------------------------------------------------- content and order


def test_parts_in_order_grouped_by_payer_then_code() -> None:
    rows = [
        change(1, "metadata", payer="aetna", old="covered", new="covered", summary="effective_date: a → b"),
        change(2, "added", payer="bcbs", old="absent", new="covered", old_text=None, plan="anthem"),
        change(3, "changed", payer="cigna", code="64610"),
        change(4, "changed", payer="aetna", old="covered", new="covered"),
        change(5, "changed", payer="cigna", code="64600"),
        change(6, "changed", payer="aetna", old="covered", new="not_covered"),
        change(7, "new", payer="uhc"),
        change(8, "new", payer="uhc", source_id="uhc-7", code="64605"),
        change(9, "new", payer="medicare"),
    ]
    d = digest(rows, [failure("uhc-9", 1)])
    assert [(p, [i.change_id for i in items]) for p, items in d.parts] == [
        ("status", [6, 5, 3]),
        ("text", [4]),
        ("codes", [2]),
        ("metadata", [1]),
    ]
    assert d.baseline_ids == (7, 8, 9) and d.baseline_sources == 2 and d.change_ids == (6, 5, 3, 4, 2, 1, 7, 8, 9)
    text = render(d, "text")
    order = [
        "STATUS CHANGES (3)",
        "Aetna 0006 · CPT 64600: covered → not covered",
        "\nCigna\n",
        "Cigna 0005 · CPT 64600",
        "Cigna 0003 · CPT 64610",
        "TEXT CHANGES (1)",
        "wording changed (still covered)",
        "CODES ADDED OR REMOVED (1)",
        "Anthem 0002 · CPT 64600: added (covered)",
        "DATES AND OTHER DETAILS",
        "FIRST CAPTURES",
        "2 sources captured for the first time",
        "COULD NOT BE CHECKED (1 source)",
    ]
    position = 0
    for marker in order:
        position = text.index(marker, position)  # ValueError if out of order
    assert "Policy 7" not in text and "Policy 9" not in text  # first captures are summarized, not listed


def test_status_line_subject_and_links() -> None:
    d = digest([change(525), change(2, old="covered", new="covered"), change(3, "removed", new="absent")])
    [status] = [i for i in d.items if i.part == "status"]
    assert status.headline == "Cigna 0525 · CPT 64600: covered → experimental, effective 2026-04-21"
    assert d.subject == "Policy changes: 3 (Cigna 64600 covered → experimental, +2 more)"
    assert d.headline == "3 policy changes"
    text = render(d, "text")
    assert "    Policy 525\n    https://example.org/cigna-525\n" in text
    flat = " ".join(text.split())  # undo the line wrapping
    assert "[-Medically Necessary when criteria are met-] {+Experimental/Investigational/Unproven+}" in flat
    assert "Cigna 0003 · CPT 64600: removed (was covered)" in text


def test_prior_authorization_change_is_a_status_change() -> None:
    d = digest([change(1, old="covered", new="covered", old_prior_auth=0, new_prior_auth=1)])
    assert d.items[0].part == "status"
    assert d.items[0].what == "prior authorization not required → required (still covered), effective 2026-04-21"


def test_metadata_change_is_one_compact_line() -> None:
    d = digest([change(1, "metadata", old="covered", new="covered", summary="effective_date: 2025-01-01 → 2026-04-21")])
    lines = [line for line in render(d, "text").splitlines() if "CPT 64600" in line]
    assert lines == ["  * Cigna 0001 · CPT 64600: effective date: 2025-01-01 → 2026-04-21 — Policy 1"]


def test_failures_say_how_long_a_source_has_been_failing() -> None:
    d = digest(
        [],
        [
            failure("uhc-1", 1),
            failure("uhc-2", 3),
            failure("uhc-3", 5, last_success=None),
            failure("uhc-4", 4, gone_in_a_row=4, error_class="http-status", error="HTTP 404 Not Found"),
        ],
    )
    assert d.subject == "Policy tracker: 4 sources could not be checked"
    what = {f.source_id: f.what for f in d.failures}
    assert what["uhc-1"] == "could not be checked: timeout: read timed out after 60 s"
    assert what["uhc-2"] == (
        "has not been checked since 2026-04-01 (3 failed runs in a row); last error: timeout: read timed out after 60 s"
    )
    assert what["uhc-3"].startswith("has not been checked successfully, ever (5 failed runs in a row)")
    assert what["uhc-4"].endswith(
        "HTTP 404 Not Found; the address answers 404/410: the policy has possibly moved or been retired"
    )


def test_an_empty_digest_renders_in_every_format() -> None:
    d = digest([])
    assert d.subject == "Policy changes: none" and d.headline == "No policy changes"
    for fmt in ("text", "html", "slack"):
        assert "No policy changes" in render(d, fmt)
    with pytest.raises(ConfigError, match="unknown digest format 'pdf'; choose one of text, html, slack"):
        render(d, "pdf")


# ----------------------------------------------------------------------------- HTML


class _Tags(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_escapes_policy_text_and_uses_inline_styles_only() -> None:
    old = "Dose < 5 mg & criteria <b>met</b>"
    new = "Dose < 10 mg & criteria <script>alert(1)</script> met"
    d = digest(
        [
            change(
                1,
                old_text=old,
                new_text=new,
                title="Nerve Ablation & <Destruction>",
                url="https://example.org/p?a=1&b=2",
            )
        ]
    )
    html = render(d, "html")
    assert "<script>" not in html and "<b>met" not in html and "< 5" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "mg &amp; criteria" in html
    assert "Nerve Ablation &amp; &lt;Destruction&gt;" in html and 'href="https://example.org/p?a=1&amp;b=2"' in html
    tags = _Tags()
    tags.feed(html)
    names = {name for name, _ in tags.tags}
    assert not names & {"style", "ins", "del", "script", "link"} and not any("class" in a for _, a in tags.tags)
    styled = [a for name, a in tags.tags if name not in ("html", "head", "meta", "title", "strong", "br")]
    assert styled and all(a.get("style") for a in styled)
    spans = {a["title"]: a["style"] for name, a in tags.tags if name == "span" and a.get("title")}
    assert "line-through" in (spans["deleted"] or "") and "background" in (spans["inserted"] or "")


# ----------------------------------------------------------------------------- Slack


def _long_text(n: int, tag: str) -> str:
    return " ".join(f"{tag}{i} criterion." if i % 7 == 0 else f"word{i}" for i in range(n))


def test_slack_200_changes_stay_within_limits_and_count_what_is_left_out() -> None:
    rows = [
        change(
            i,
            payer=("aetna", "bcbs", "cigna", "uhc")[i % 4],
            code=f"6460{i % 10}",
            old=("covered" if i % 3 else "covered"),
            new=("experimental" if i % 2 else "covered"),
            old_text=_long_text(300, "old"),
            new_text=_long_text(300, "new"),
        )
        for i in range(1, 201)
    ]
    rows += [change(300 + i, "new", payer="medicare") for i in range(12)]
    d = digest(rows, [failure(f"uhc-{i}", 4) for i in range(40)])
    message = slack_message(d)
    payload = json.loads(render(d, "slack"))
    assert payload == message.payload
    blocks = payload["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(0 < len(t) <= MAX_TEXT for t in texts)
    every_text = [b["text"]["text"] for b in blocks if "text" in b] + [
        e["text"] for b in blocks for e in b.get("elements", [])
    ]
    assert sum(map(len, every_text)) <= MAX_TOTAL  # Slack's undocumented msg_blocks_too_long
    assert len(blocks[0]["text"]["text"]) <= 150 and blocks[0]["type"] == "header"
    shown = [cid for cid in message.change_ids if cid < 300]
    assert 0 < len(shown) < 200 and message.left_out == 200 - len(shown)
    assert shown == [i.change_id for i in d.items[: len(shown)]]  # the first items, in digest order
    assert set(message.change_ids) >= set(d.baseline_ids)
    [note] = [b for b in blocks if b["type"] == "context"]
    assert note["elements"][0]["text"].startswith(f"{message.left_out} more changes not shown here")
    assert "12 sources captured for the first time" in texts[-2]
    assert texts[-1].startswith("*Could not be checked (40 sources)*") and "more source" in texts[-1]
    assert "diff shortened" in texts[1]  # long diffs end visibly, never mid-sentence without a word
    assert sum(t.count("• *") for t in texts[1:-2]) == len(shown)


def test_slack_escapes_and_neutralizes_markup() -> None:
    d = digest(
        [
            change(
                1,
                old_text="CPT®* Codes: a < b",
                new_text="CPT®* Codes: a & b ~x~",
                title="A | B <C>",
                url="https://example.org/p?a=1&b=2",
            )
        ]
    )
    section = slack_message(d).payload["blocks"][2]["text"]["text"]
    assert "<https://example.org/p?a=1&amp;b=2|A ¦ B &lt;C&gt;>" in section
    assert "CPT®∗ Codes: a" in section and "~&lt;~ *&amp;*" in section and "∼x∼" in section
    assert "<C>" not in section and " < " not in section


def test_a_freak_url_never_pushes_a_slack_section_over_its_limit() -> None:
    row = change(1, url="https://example.org/" + "x" * 5000)
    message = slack_message(digest([row]))
    texts = [b["text"]["text"] for b in message.payload["blocks"] if b.get("type") == "section"]
    assert texts and max(len(t) for t in texts) <= MAX_TEXT
    assert "link too long for Slack" in "".join(texts)
