"""A table left unclosed is read as a browser reads it (issue 13, item 3): the rest of the page is still content,
so good → unclosed → good never reports `changed` or `removed`."""

from __future__ import annotations

from tests import samples
from tests.helpers import PolicyServer, Workdir

PATH = "/cpb/medical/data/300_399/0374.html"


def test_an_unclosed_table_is_no_change(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(
        f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{server.url(PATH)}"
        """
    )
    good = samples.aetna_cpb_html(1)
    assert good.count(b"</table>") >= 1
    unclosed = good.replace(b"</table>", b"", 1)  # the first code table never closed; </body></html> still there
    outcomes = []
    for body in (good, unclosed, good):
        server.set(PATH, body)
        result = work.cli("run", "--no-notify")
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        outcomes.append(work.json("runs")[0]["sources"][0]["outcome"])
    assert outcomes == ["new", "unchanged", "unchanged"]
    assert [c["kind"] for c in work.json("changes", "--source", "aetna-0374")] == ["new"]
    assert work.json("status")[0]["status"] == "covered"
