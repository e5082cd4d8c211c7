"""Ten tracked codes share the work of one: each code's sections are those it has when tracked alone."""

from __future__ import annotations

import pytest

from tests import layouts, samples
from tracker.extract import extract

TEN = ["64600", "64605", "64610", "64640", "64999", "61450", "61790", "61791", "64620", "C9399"]
DOCUMENTS = [(made.name, made.kind, made.make) for made in layouts.LAYOUTS] + [
    ("sample_aetna_v2", "html", lambda: samples.aetna_cpb_html(2)),
    ("sample_anthem", "html", lambda: samples.anthem_guideline_html(1)),
    ("sample_horizon", "html", lambda: samples.horizon_range_html(1)),
    ("sample_cigna_pdf", "pdf", lambda: samples.cigna_policy_pdf(2)),
]


@pytest.mark.parametrize("name,kind,make", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_each_code_reads_as_if_tracked_alone(name: str, kind: str, make: object) -> None:
    body = make()  # type: ignore[operator]
    together = extract(body, kind, TEN).sections
    for code in TEN:
        alone = extract(body, kind, [code]).sections
        assert [s for s in together if s.code == code] == list(alone), (name, code)
