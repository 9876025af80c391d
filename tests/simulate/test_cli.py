"""The `simulate` command as the lead registers it: options, progress, calibration table, errors."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from woonsignaal.simulate.cli import simulate_command

app = typer.Typer()
app.command("simulate")(simulate_command)
app.command("noop")(lambda: None)  # two commands: typer keeps "simulate" as a subcommand


def test_simulate_command_writes_deliveries_and_prints_calibration(tmp_path):
    out = tmp_path / "landing"
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            "--out",
            str(out),
            "--eenheden",
            "300",
            "--jaren",
            "1",
            "--delta-dagen",
            "1",
            "--scenario",
            "nul",
            "--seed",
            "2",
            "--tot",
            "2025-06-30",
        ],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["2025-06-29", "2025-06-30"]
    m = json.loads((out / "2025-06-30" / "manifest.json").read_text())
    assert m["soort"] == "delta" and m["aangemaakt_op"] == "2025-07-01T02:13:07+02:00"  # summer time
    gt = json.loads((tmp_path / "ground_truth.json").read_text())  # default: beside the landing folder
    assert gt["scenario"] == "nul" and gt["effects"] == []
    assert "Kalibratie" in res.output and "Mutatiegraad" in res.output


def test_history_before_the_case_register_and_without_calibration(tmp_path):
    out = tmp_path / "landing"
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            "--out",
            str(out),
            "--eenheden",
            "200",
            "--jaren",
            "1",
            "--delta-dagen",
            "0",
            "--tot",
            "2021-12-31",
            "--geen-kalibratie",
            "--ground-truth",
            str(tmp_path / "gt" / "w.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Kalibratie" not in res.output
    m = json.loads((out / "2021-12-31" / "manifest.json").read_text())
    rows = {b["naam"]: b["rijen"] for b in m["bestanden"]}
    assert rows["zaken.csv"] == 0 and rows["boekingen.csv"] > 0  # no cases before the register went live
    assert (tmp_path / "gt" / "w.json").is_file()


def test_invalid_scenario_is_reported(tmp_path):
    res = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path / "l"), "--scenario", "onbekend"])
    assert res.exit_code == 2
    assert "Scenario ongeldig" in res.output
