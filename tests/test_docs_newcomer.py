"""Issue 22 item 9 (and the name of item 2): the README is the user's manual, with contents, and links nothing outside.

Performance figures, hostile-input notes and the code tour live in docs/; the licence file matches
pyproject.toml; the install lines name the distribution, payer-policy-tracker.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tracker.config.sources import DEFAULT_USER_AGENT, DISTRIBUTION, HOMEPAGE

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def prose(text: str) -> str:
    """The text without code blocks (fenced or indented) and inline code."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    text = re.sub(r"^    .*$", "", text, flags=re.MULTILINE)  # indented code blocks
    return re.sub(r"`[^`\n]*`", "", text)


def test_the_readme_has_contents_whose_links_all_resolve() -> None:
    contents = README[README.index("## Contents") : README.index("## Quick start")]
    anchors = {slug(h) for h in re.findall(r"^#{2,4} (.+)$", README, re.MULTILINE)}
    links = re.findall(r"\]\(([^)]+)\)", contents)
    assert len(links) >= 15
    for link in links:
        if link.startswith("#"):
            assert link[1:] in anchors, link
        else:
            assert (ROOT / link).is_file(), link


def test_the_readme_links_nothing_outside_the_repository() -> None:
    for text, name in (
        (README, "README.md"),
        *((p.read_text(encoding="utf-8"), p.name) for p in (ROOT / "docs").glob("*.md")),
    ):
        assert not re.findall(r"\]\((?:https?:)?//", text), name
    assert not re.findall(r"https?://", prose(README))  # addresses only as code (examples, sources.toml values)
    for target in re.findall(r"\]\(([^)#]+)", README):
        assert (ROOT / target).exists(), target


def test_figures_hostile_input_and_the_code_tour_moved_to_docs() -> None:
    moved = {"performance.md": "bench/", "hostile-input.md": "sources.toml", "code-tour.md": "tracker/"}
    for name, mark in moved.items():
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert text.startswith("# ") and mark in text and len(text) > 1500, name
        assert f"(docs/{name})" in README
    assert "load average" not in README and "```\ntracker/\n" not in README


def test_the_licence_file_matches_pyproject() -> None:
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_the_lock_says_it_is_posix_only() -> None:
    lock = README[README.index("### The lock") :]
    assert "POSIX" in lock[:1200] and "Windows" in lock[:1200]


def test_the_distribution_name_in_pyproject_install_lines_and_user_agent() -> None:
    assert PYPROJECT["project"]["name"] == DISTRIBUTION == "payer-policy-tracker"
    assert PYPROJECT["project"]["scripts"] == {"tracker": "tracker.cli:cli"}
    assert PYPROJECT["project"]["urls"]["Homepage"] == HOMEPAGE
    assert DEFAULT_USER_AGENT.startswith("payer-policy-tracker/") and f"+{HOMEPAGE})" in DEFAULT_USER_AGENT
    assert "pypi.org/project/tracker" not in DEFAULT_USER_AGENT
    installs = re.findall(r"pip install [^\n`]+", README)
    assert installs and not [i for i in installs if re.search(r"pip install '?tracker\b", i)]
    assert "pip install 'payer-policy-tracker[datasette]'" in README


def test_the_newcomer_path_is_in_the_readme_in_order() -> None:
    path = ["pip install", "tracker demo", "tracker init", "tracker test", "tracker run", "tracker datasette"]
    positions = [README.index(step) for step in path]
    assert positions == sorted(positions)
