"""Data printed or exported as data: never a spreadsheet formula (issue 20, point 4), never console
markup (point 5)."""

from __future__ import annotations

import csv
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from woonsignaal import runs
from woonsignaal.faults import Fout
from woonsignaal.settings import get_settings
from woonsignaal.werklijsten import export_csv
from woonsignaal.werklijsten.cli import werklijst_command

#: werklijst rows whose text a spreadsheet or rich would read as code
HOSTILE = [
    # wijk, reden, object_id, prioriteit
    ("[/]Noord", '=HYPERLINK("http://x","klik")', "-12", 1),
    ("[bold]Zuid", "+31 6 1234", "@SUM(A1:A9)", -3),
    ("Oost", "\tverborgen", "\rE1", 2),
    ("West", "-1+1|cmd!A0", "E-9", 3),
]


def _werklijsten_file(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema werklijsten.werklijsten")
    con.execute(
        "create table werklijsten.werklijsten.werklijst (signaal_id varchar, proces varchar, indicator "
        "varchar, segment varchar, "
        "ernst varchar, prioriteit integer, object_soort varchar, object_id varchar, wijk varchar, reden varchar, "
        "actie_code varchar, actie varchar, extractdatum date)"
    )
    for wijk, reden, object_id, prio in HOSTILE:
        con.execute(
            "insert into werklijsten.werklijsten.werklijst values ('s1', 'verhuur', 'leegstand[/]', "
            "'wijk=[red]', 'hoog', ?, "
            "'eenheid', ?, ?, ?, 'A1', '=bel [/]huurder', ?)",
            [prio, object_id, wijk, reden, date(2026, 11, 24)],
        )
    con.close()
    return path


@pytest.fixture
def werklijsten(woonsignaal_home, tmp_path):
    return _werklijsten_file(tmp_path / "lijsten" / "werklijsten.duckdb")


def test_csv_cells_that_start_like_a_formula_are_text(werklijsten, tmp_path):
    files = export_csv(get_settings(), tmp_path / "csv", database=werklijsten)
    cells = {}
    for f in files:
        with f.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        header = rows[0]
        for row in rows[1:]:
            record = dict(zip(header, row, strict=True))
            cells[record["Sleutel in bronsysteem"]] = record
    assert len(cells) == len(HOSTILE)
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for record in cells.values():
        for header, value in record.items():
            if header == "Prioriteit":
                continue
            assert not value.startswith(dangerous), f"{header}={value!r} would be a formula in Excel"
    assert cells["'-12"]["Reden"] == '\'=HYPERLINK("http://x","klik")'
    assert cells["'@SUM(A1:A9)"]["Reden"] == "'+31 6 1234"
    assert cells["'\rE1"]["Reden"] == "'\tverborgen"
    assert cells["E-9"]["Reden"] == "'-1+1|cmd!A0"
    assert cells["'-12"]["Voorgestelde actie"] == "'=bel [/]huurder"
    # a numeric column keeps its numbers, a negative one too
    assert cells["'@SUM(A1:A9)"]["Prioriteit"] == "-3"


@pytest.mark.parametrize("args", [[], ["--signaal", "s1"]])
def test_werklijst_prints_markup_in_data_as_text(werklijsten, args):
    import typer

    app = typer.Typer()
    app.command()(werklijst_command)
    res = CliRunner().invoke(app, [*args, "--database", str(werklijsten)], terminal_width=300)
    assert res.exit_code == 0, res.output + repr(res.exception)
    if args:
        assert "[/]Noord" in res.output and "[bold]Zuid" in res.output
    assert "leegstand[/]" in res.output


def test_status_never_crashes_on_markup_in_the_run_history(woonsignaal_home):
    from woonsignaal.cli import app

    settings = get_settings()
    runs.record(settings, "2026-11-24", "laad_raw", "gestart", "r1")
    # a failure is shown from its recorded faults (woonsignaal.faults), markup and all, as text
    fout = Fout(
        "rijfouten", "[/]eenheden.csv", 3, "wijk", "eenheden.csv regel 3 kolom wijk: waarde [/] of [bold] is geen code"
    )
    runs.record(
        settings,
        "2026-11-24",
        "laad_raw",
        "mislukt",
        "r1",
        bericht=fout.detail,
        details={"files": {"[/]eenheden.csv": {"quarantaine": 2}}, "fouten": [fout.to_dict()]},
    )
    res = CliRunner().invoke(app, ["status"], terminal_width=300)
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "[/] of [bold]" in res.output
    assert "[/]eenheden.csv: 2 rijen in quarantaine" in res.output
    assert "mislukt in laad_raw: te veel rijen met fouten ([/]eenheden.csv, regel 3, kolom 'wijk')" in res.output
