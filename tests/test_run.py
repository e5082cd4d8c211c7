"""tracker run end to end: a loopback server with fixture policies in two versions, the real CLI, a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import samples
from tests.helpers import AETNA_PATH, PolicyServer, Workdir, aetna_only

PDF = "application/pdf"


def sources_toml(server: PolicyServer, extra: str = "") -> str:
    return aetna_only(
        server.url(AETNA_PATH),
        f"""
        [[source]]
        id = "cigna-0525"
        payer = "cigna"
        title = "Peripheral Nerve Destruction for Pain Conditions"
        url = "{server.url("/coveragePolicies/medical/mm_0525.pdf")}"

        [[source]]
        id = "horizon-142"
        payer = "bcbs"
        plan = "horizon-nj"
        title = "Percutaneous Neurolysis for Trigeminal Neuralgia"
        url = "{server.url("/MedPol2.nsf/MedicalPolicies/HNBE-8TVP74")}"
        {extra}
        """,
    )


@pytest.fixture
def site(server: PolicyServer, work: Workdir) -> PolicyServer:
    """Version 1 of every policy, served; sources.toml pointing at them."""
    serve(server, aetna=1, cigna=1, horizon=1)
    work.write_sources(sources_toml(server))
    return server


def serve(
    server: PolicyServer, *, aetna: int, cigna: int, horizon: int, rerender: bool = False, etag: bool = False
) -> None:
    server.set("/cpb/medical/data/300_399/0374.html", samples.aetna_cpb_html(aetna), etag=etag)
    server.set(
        "/coveragePolicies/medical/mm_0525.pdf",
        samples.cigna_policy_pdf(cigna, rerender=rerender),
        content_type=PDF,
        etag=etag,
    )
    server.set("/MedPol2.nsf/MedicalPolicies/HNBE-8TVP74", samples.horizon_range_html(horizon), etag=etag)


def run(work: Workdir, *args: str, exit_code: int = 0) -> str:
    result = work.cli("run", *args)
    assert result.exit_code == exit_code, result.output
    return result.output


def kinds(work: Workdir, **filters: str) -> list[tuple[str, str, str | None, str | None]]:
    args = [a for k, v in filters.items() for a in (f"--{k}", v)]
    return [(c["source"], c["kind"], c["old_status"], c["new_status"]) for c in work.json("changes", *args)]


def test_first_run_is_the_baseline(site: PolicyServer, work: Workdir) -> None:
    output = run(work)
    assert "checked 3 of 3 sources: 3 new, 0 changed, 0 unchanged, 0 failed" in output
    assert "3 source(s) captured for the first time" in output
    assert sorted(kinds(work)) == [
        ("aetna-0374", "new", None, "covered"),
        ("cigna-0525", "new", None, "covered"),
        ("horizon-142", "new", None, "covered"),
    ]
    status = {r["source"]: r for r in work.json("status", "--code", "64600")}
    assert status["cigna-0525"]["status"] == "covered"
    assert status["cigna-0525"]["effective_date"] and status["cigna-0525"]["checked_at"]
    assert set(status["aetna-0374"]) >= {
        "source",
        "payer",
        "plan",
        "code",
        "status",
        "prior_auth",
        "effective_date",
        "checked_at",
        "changed_at",
    }


def test_unchanged_second_run_records_nothing_new(site: PolicyServer, work: Workdir) -> None:
    run(work)
    output = run(work)
    assert "0 new, 0 changed, 3 unchanged, 0 failed" in output
    assert [k for k in kinds(work) if k[1] != "new"] == []


def test_304_not_modified_is_unchanged(server: PolicyServer, work: Workdir) -> None:
    serve(server, aetna=1, cigna=1, horizon=1, etag=True)
    work.write_sources(sources_toml(server))
    run(work)
    run(work)
    second = server.hits("/cpb/medical/data/300_399/0374.html")[1]
    assert second[0].get("If-None-Match") and second[1] == 304
    [latest] = work.json("runs", "--limit", "1")
    assert {s["outcome"] for s in latest["sources"]} == {"unchanged"}


def test_status_move_range_edit_and_rerender(site: PolicyServer, work: Workdir) -> None:
    run(work)
    serve(site, aetna=2, cigna=1, horizon=2, rerender=True)
    output = run(work)
    assert "0 new, 2 changed, 1 unchanged, 0 failed" in output
    assert sorted(k for k in kinds(work) if k[1] != "new") == [
        ("aetna-0374", "changed", "covered", "not_covered"),
        ("horizon-142", "removed", "covered", "absent"),
    ]
    [removed] = work.json("changes", "--source", "horizon-142", "--since", "2000-01-01")[1:]
    assert removed["kind"] == "removed" and removed["diff"]
    assert len(work.json("history", "cigna-0525", "--code", "64600")) == 1  # other bytes, same text: no version
    db = sqlite3.connect(work.data / "tracker.db")
    [(rerendered,)] = db.execute(
        "select sha256 from fetches where source_id = 'cigna-0525' and run_id = 2 and outcome = 'unchanged'"
    ).fetchall()
    assert (work.data / "raw" / rerendered[:2] / f"{rerendered}.gz").exists()  # the body itself is kept


def test_cigna_moves_to_experimental(site: PolicyServer, work: Workdir) -> None:
    run(work)
    serve(site, aetna=1, cigna=2, horizon=1)
    output = run(work)
    assert "cigna-0525: changed: CPT 64600: covered → experimental" in output
    [change] = [c for c in work.json("changes", "--code", "64600", "--payer", "cigna") if c["kind"] != "new"]
    assert (change["old_status"], change["new_status"]) == ("covered", "experimental")
    assert change["detected_at"] and "-" in change["diff"] and "+" in change["diff"]
    status = {r["source"]: r for r in work.json("status")}
    assert status["cigna-0525"]["status"] == "experimental"
    assert status["cigna-0525"]["effective_date"] == "2026-04-21"


FAILURES = {
    "503": dict(body=b"", fail_first=99),
    "timeout": dict(delay=2.5),
    "challenge": dict(challenge=True),
    "html-for-pdf": dict(html=True),
    "truncated-pdf": dict(truncated=True),
}


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_failures_keep_the_last_good_version(site: PolicyServer, work: Workdir, failure: str) -> None:
    run(work)
    path = "/coveragePolicies/medical/mm_0525.pdf"
    spec = dict(FAILURES[failure])
    if spec.pop("challenge", False):
        site.set(path, samples.challenge_html(), content_type="text/html")
    elif spec.pop("html", False):
        site.set(path, samples.aetna_cpb_html(1), content_type="text/html")
    elif spec.pop("truncated", False):
        site.set(path, samples.truncated_pdf(), content_type=PDF)
    else:
        spec.pop("body", None)
        site.set(path, samples.cigna_policy_pdf(2), content_type=PDF, **spec)
    output = run(work, exit_code=1)
    assert "Failures: 1 source(s) could not be checked" in output
    [latest] = work.json("runs", "--limit", "1")
    by_source = {s["source"]: s for s in latest["sources"]}
    expected_class = {
        "503": "http-status",
        "timeout": "timeout",
        "challenge": "challenge",
        "html-for-pdf": "wrong-type",
        "truncated-pdf": "unreadable",
    }[failure]
    assert by_source["cigna-0525"]["outcome"] == "error"
    assert by_source["cigna-0525"]["error_class"] == expected_class
    assert by_source["aetna-0374"]["outcome"] == "unchanged"
    assert [k for k in kinds(work) if k[1] != "new"] == []  # never "removed"
    status = {r["source"]: r for r in work.json("status")}
    assert status["cigna-0525"]["status"] == "covered" and status["cigna-0525"]["last_error"]
    db = sqlite3.connect(work.data / "tracker.db")
    assert db.execute("select count(*) from documents where source_id = 'cigna-0525'").fetchone() == (1,)


def test_only_runs_one_source(site: PolicyServer, work: Workdir) -> None:
    output = run(work, "--only", "cigna-0525")
    assert "checked 1 of 1 sources" in output
    result = work.cli("run", "--only", "nope")
    assert result.exit_code == 2 and "no source with id 'nope'" in result.output


def test_raw_captures_are_kept_once_by_sha256(site: PolicyServer, work: Workdir) -> None:
    run(work)
    run(work)
    db = sqlite3.connect(work.data / "tracker.db")
    shas = [r[0] for r in db.execute("select sha256 from documents")]
    assert len(shas) == 3
    files = sorted(p.name for p in (work.data / "raw").rglob("*.gz"))
    assert files == sorted(f"{s}.gz" for s in shas)


def test_bad_sources_toml_exits_2_with_a_clear_message(work: Workdir) -> None:
    work.write_sources('codes = ["64600"]\n[[source]]\nid = "x"\npayer = "humana"\ntitle = "t"\nurl = "http://h/"\n')
    result = work.cli("run")
    assert result.exit_code == 2
    assert "sources.toml:4:" in result.output and "'payer' must be one of aetna" in result.output
    assert "Traceback" not in result.output


def test_real_process_exit_status_and_stderr(work: Workdir) -> None:
    work.write_sources(
        'codes = ["64600"]\n[[source]]\nid = "x"\npayer = "aetna"\ntitle = "t"\nurl = "http://h/"\nurll = 1\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "--sources", str(work.sources), "--data", str(work.data), "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "sources.toml:7: source 'x': unknown key 'urll'" in proc.stderr and "Traceback" not in proc.stderr


def test_extract_command_json(tmp_path, work: Workdir) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "cigna.pdf"
    pdf.write_bytes(samples.cigna_policy_pdf(2))
    result = work.cli("extract", str(pdf), "--code", "64600", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metadata"]["policy_number"] == "0525"
    assert data["sections"] and set(data["sections"][0]) == {
        "code",
        "heading",
        "text",
        "status",
        "prior_auth",
        "page",
        "basis",
    }
    assert any(s["status"] == "experimental" for s in data["sections"])


EXPECTED = sorted((Path(__file__).parent / "expected").glob("*.yaml"))


@pytest.mark.parametrize("case_path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_extract_command_matches_each_expected_fixture(case_path: Path, tmp_path: Path, work: Workdir) -> None:
    case = yaml.safe_load(case_path.read_text(encoding="utf-8"))
    body = getattr(samples, case["fixture"])(**(case.get("args") or {}))
    doc = tmp_path / ("policy.pdf" if body.startswith(b"%PDF") else "policy.html")
    doc.write_bytes(body)
    result = work.cli("extract", str(doc), "--code", "64600", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {"metadata": case["metadata"], "sections": case["sections"]}


def test_extract_command_on_a_truncated_pdf(tmp_path: Path, work: Workdir) -> None:
    doc = tmp_path / "cut.pdf"
    doc.write_bytes(samples.truncated_pdf())
    result = work.cli("extract", str(doc))
    assert result.exit_code == 5 and "Error:" in result.output and "Traceback" not in result.output


def test_a_login_page_after_a_good_version_is_a_failure_not_a_removal(site: PolicyServer, work: Workdir) -> None:
    run(work)
    login = (
        b"<html><head><title>Sign In | Provider Portal</title></head><body><h1>Sign in to your account</h1>"
        b"<form action='/login' method='post'><input name='user'><input type='password' name='pw'></form>"
        b"<p>Effective 01/01/2026 all providers must register.</p></body></html>"
    )
    site.set("/MedPol2.nsf/MedicalPolicies/HNBE-8TVP74", login)
    output = run(work, exit_code=1)
    assert "horizon-142: unreadable:" in output and "none of the tracked codes and it asks to sign in" in output
    assert [k for k in kinds(work) if k[1] != "new"] == []


def test_a_new_url_never_reuses_the_old_urls_validators(server: PolicyServer, work: Workdir) -> None:
    serve(server, aetna=1, cigna=1, horizon=1, etag=True)
    work.write_sources(sources_toml(server))
    run(work)
    server.set("/cpb/medical/data/300_399/0374-moved.html", samples.aetna_cpb_html(2), etag=True)
    work.write_sources(sources_toml(server).replace("0374.html", "0374-moved.html"))
    run(work)
    [(headers, status)] = server.hits("/cpb/medical/data/300_399/0374-moved.html")
    assert "If-None-Match" not in headers and status == 200
    assert ("aetna-0374", "changed", "covered", "not_covered") in kinds(work)


def test_a_newly_tracked_code_is_read_from_the_unchanged_document(site: PolicyServer, work: Workdir) -> None:
    run(work)
    work.write_sources(sources_toml(site).replace('codes = ["64600"]', 'codes = ["64600", "64605"]'))
    run(work)
    new = [k for k in kinds(work, code="64605")]
    assert ("horizon-142", "new", None, "covered") in new  # 64605 is inside "64600-64681"
    status = {r["source"]: r["status"] for r in work.json("status", "--code", "64605")}
    assert status["horizon-142"] == "covered"
    assert [k for k in kinds(work, code="64600") if k[1] != "new"] == []


def test_a_redirect_elsewhere_after_a_good_version_is_a_failure(site: PolicyServer, work: Workdir) -> None:
    run(work)
    site.set("/MedPol2.nsf/MedicalPolicies/HNBE-8TVP74", b"", status=302, headers={"Location": "/portal/home"})
    site.set("/portal/home", b"<html><head><title>Provider Portal</title></head><body><h1>Welcome</h1></body></html>")
    output = run(work, exit_code=1)
    assert "horizon-142: unreadable:" in output and "redirected to" in output
    assert [k for k in kinds(work) if k[1] != "new"] == []


def test_a_per_request_nonce_makes_no_new_version(site: PolicyServer, work: Workdir) -> None:
    page = samples.aetna_cpb_html(1)
    for nonce in (b"a1b2", b"c3d4", b"e5f6"):
        site.set(
            "/cpb/medical/data/300_399/0374.html",
            page.replace(b"<head>", b'<head><meta name="csp-nonce" content="' + nonce + b'">', 1),
        )
        run(work)
    assert len(work.json("history", "aetna-0374")) == 1
    [latest] = work.json("runs", "--limit", "1")
    assert {s["source"]: s["outcome"] for s in latest["sources"]}["aetna-0374"] == "unchanged"


def test_a_charset_declared_only_in_the_http_header_is_honoured(server: PolicyServer, work: Workdir) -> None:
    text = samples.aetna_cpb_html(1).decode("utf-8").replace('<meta charset="utf-8">', "")
    text = text.replace("Trigeminal Neuralgia: Treatments</h1>", "Trigeminal Neuralgia: Treatments – café</h1>", 1)
    server.set("/p.html", text.encode("cp1252", "replace"), content_type="text/html; charset=windows-1252")
    work.write_sources(f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "t"
        url = "{server.url("/p.html")}"
    """)
    run(work)
    [version] = work.json("history", "aetna-0374")
    assert version["title"] and "�" not in version["title"]
    assert version["title"].endswith("Treatments - café")  # dashes are normalized; é decoded as cp1252
