"""Issue 14 item 1: with no network a run fails fast and says so once."""

from __future__ import annotations

import time

from tests.helpers import Workdir, free_port


def _dead_sources(count: int) -> str:
    body = 'codes = ["64600"]\n'
    for i in range(count):
        port = free_port()  # bound then closed: nothing listens there, so the connection is refused
        body += f'\n[[source]]\nid = "dead-{i:02d}"\npayer = "aetna"\ntitle = "dead {i}"\n'
        body += f'url = "http://127.0.0.1:{port}/policy.html"\n'
    return body


def test_twelve_refusing_hosts_fail_in_seconds_and_the_summary_says_it_once(work: Workdir) -> None:
    work.write_sources(_dead_sources(12), fetch="")  # the default [fetch]: 3 retries, backoff 2, delay 2
    started = time.monotonic()
    result = work.cli("run", "--no-notify")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    print(f"12 sources on refusing hosts, default [fetch]: {elapsed:.2f} s")
    assert elapsed < 15, f"12 refusing hosts took {elapsed:.1f} s"
    assert result.output.count("network or DNS looks unreachable") == 1
    assert "checked 0 of 12 sources" in result.output
    assert "Traceback" not in result.output
    runs = work.json("runs")
    assert runs[0]["sources_failed"] == 12
    assert {s["error_class"] for s in runs[0]["sources"]} == {"network"}


def test_a_refused_connection_is_retried_at_most_once(work: Workdir) -> None:
    work.write_sources(_dead_sources(1), fetch="[fetch]\nretries = 5\nbackoff = 30\ndelay = 0\n")
    started = time.monotonic()
    result = work.cli("run", "--no-notify")
    assert result.exit_code == 1
    assert time.monotonic() - started < 5  # five retries with a 30 s backoff would take minutes


def test_one_unreachable_source_among_good_ones_is_an_ordinary_failure(work: Workdir) -> None:
    from tests import samples
    from tests.helpers import PolicyServer

    with PolicyServer() as server:
        server.set("/ok.html", samples.aetna_cpb_html(1))
        body = _dead_sources(1) + (
            f'\n[[source]]\nid = "ok"\npayer = "aetna"\ntitle = "ok"\nurl = "{server.url("/ok.html")}"\n'
        )
        work.write_sources(body)
        result = work.cli("run", "--no-notify")
    assert result.exit_code == 1
    assert "looks unreachable" not in result.output
    assert "dead-00: network:" in result.output
