"""``report_command`` as the lead registers it (``woonsignaal report``), on the fixture publication."""

from __future__ import annotations

from datetime import date

import duckdb
import typer
from typer.testing import CliRunner

from woonsignaal.report.cli import report_command


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(report_command)
    return app


def test_default_month_is_the_last_complete_month(fresh_home, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(fresh_home.home))
    monkeypatch.delenv("WOONSIGNAAL_MIN_GROEPSGROOTTE", raising=False)
    # a publication from the middle of November: October is the last complete month
    con = duckdb.connect(str(fresh_home.published_path))
    con.execute(
        "insert into marts.pipeline_runs (extractdatum, run_id, status, rijen_geladen, rijen_quarantaine) "
        "values (?, 'run-nov', 'gepubliceerd', 10, 0)",
        [date(2026, 11, 5)],
    )
    con.close()
    out = CliRunner().invoke(_app(), ["--geen-pdf"])
    assert out.exit_code == 0, out.output
    html = fresh_home.reports_dir / "2026-10" / "managementrapportage.html"
    assert str(html) in out.output and html.is_file()
    assert not (fresh_home.reports_dir / "2026-10" / "managementrapportage.pdf").exists()


def test_explicit_month_and_clear_failure(fresh_home, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(fresh_home.home))
    out = CliRunner().invoke(_app(), ["--maand", "2026-09", "--geen-pdf"])
    assert out.exit_code == 0, out.output
    assert "september 2026" in (fresh_home.reports_dir / "2026-09" / "managementrapportage.html").read_text("utf-8")
    out = CliRunner().invoke(_app(), ["--maand", "2027-01"])
    assert out.exit_code == 1
    assert "Geen rapportage gemaakt" in out.output
