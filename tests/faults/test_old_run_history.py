"""A run history written before faults were values may hold a library's text: it is never shown again."""

from __future__ import annotations

from datetime import date

from tests.faults.fault_suite import pipeline_runs_and_audit, status_output

from woonsignaal import runs
from woonsignaal.settings import get_settings

LEAKED = (
    "Invalid Input Error: CSV Error on Line: 5\nOriginal Line: R9004;01-03-1981;EOG;4;43000,00;J;"
    'O\'Brien "Bob";obrien@example.nl;+31 6 11122233;NL39ASNB0708090100;192837465'
)


def test_an_old_failure_text_reaches_neither_status_nor_the_published_run_table(woonsignaal_home):
    settings = get_settings()
    runs.record(settings, "2026-11-23", "verifieer_levering", "gestart", "oud")
    runs.record(settings, "2026-11-23", "verifieer_levering", "mislukt", "oud", bericht=LEAKED)
    (run,) = runs.latest_runs(settings)
    assert run.status == "mislukt" and run.samenvatting == "verifieer_levering: onverwachte fout"
    status = status_output()
    table, audit = pipeline_runs_and_audit(settings, date(2026, 11, 24))
    for text in (run.fout, status, table):
        assert "obrien" not in text and "NL39ASNB0708090100" not in text and "Original Line" not in text
    assert "2026-11-23 mislukt in verifieer_levering: onverwachte fout" in status
    assert audit == []
