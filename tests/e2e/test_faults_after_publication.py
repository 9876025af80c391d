"""Faulty nights after a good publication (issue 7): each fault is named precisely, and the published
marts stay byte for byte as they were; row faults are quarantined with file, line, column and reason.

Runs the pipeline's own steps (the code the DAG tasks run) on a copy of a published home.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from woonsignaal import pipeline
from woonsignaal.settings import get_settings
from woonsignaal.simulate.writer import read_csv, write_csv, write_manifest

pytestmark = pytest.mark.e2e

NIGHT = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def published_home(tmp_path_factory):
    """A small corporation with its first night published (the last good publication)."""
    root = tmp_path_factory.mktemp("faults")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(WOONSIGNAAL_HOME=str(root / "home"), WOONSIGNAAL_DEMO="1")
    for args in (
        [
            "simulate",
            "--out",
            str(root / "landing"),
            "--eenheden",
            "300",
            "--jaren",
            "1",
            "--delta-dagen",
            "0",
            "--seed",
            "5",
            "--ground-truth",
            str(root / "gt.json"),
        ],
        ["run", "--landing", str(root / "landing")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "woonsignaal.cli", *args], env=env, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return root


@pytest.fixture
def night(published_home, tmp_path, monkeypatch):
    """A copy of the published home and a next-night delivery (a copy of the last one) to corrupt."""
    home = tmp_path / "home"
    shutil.copytree(published_home / "home", home, symlinks=True)
    source = sorted((published_home / "landing").iterdir())[-1]
    landing = tmp_path / "landing"
    folder = landing / NIGHT.isoformat()
    shutil.copytree(source, folder)
    (folder / "manifest.json").unlink()
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(home))
    monkeypatch.setenv("WOONSIGNAAL_LANDING", str(landing))
    monkeypatch.setenv("WOONSIGNAAL_DEMO", "1")
    settings = get_settings()
    published = settings.published_path.read_bytes()
    yield folder, settings
    assert settings.published_path.read_bytes() == published, "the published marts changed"


def _manifest(folder: Path) -> None:
    write_manifest(
        folder,
        extractdatum=NIGHT,
        soort="volledig",
        aangemaakt_op=dt.datetime(2026, 11, 26, 2, 13, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    )


def _edit(folder: Path, name: str, change) -> None:
    header, rows = read_csv(folder / name)
    header, rows = change(header, rows)
    write_csv(folder / name, header, rows)


def _refused(settings, step=pipeline.load_raw) -> str:
    with pytest.raises(pipeline.PermanentFailure) as err:
        pipeline.verify(NIGHT, settings=settings)
        step(NIGHT, settings=settings)
    return str(err.value)


def test_no_manifest_waits(night):
    folder, settings = night
    assert pipeline.delivery_is_complete(NIGHT, settings) is False


def test_truncated_file(night):
    folder, settings = night
    _manifest(folder)
    _edit(folder, "boekingen.csv", lambda h, r: (h, r[: len(r) // 2]))
    message = _refused(settings)
    assert "boekingen.csv" in message and ("sha256" in message or "rijen" in message)


def test_sha256_mismatch(night):
    folder, settings = night
    _manifest(folder)
    path = folder / "eenheden.csv"
    path.write_bytes(path.read_bytes().replace(b";J;", b";N;", 1))
    message = _refused(settings)
    assert "eenheden.csv" in message and "sha256" in message


def test_missing_required_column(night):
    folder, settings = night
    _edit(
        folder,
        "zaken.csv",
        lambda h, r: (
            [c for c in h if c != "registratiedatum"],
            [[v for c, v in zip(h, row, strict=True) if c != "registratiedatum"] for row in r],
        ),
    )
    _manifest(folder)
    message = _refused(settings)
    assert "zaken.csv" in message and "registratiedatum" in message


def test_wrong_encoding(night):
    folder, settings = night
    path = folder / "complexen.csv"
    _manifest(folder)
    path.write_bytes(path.read_bytes().decode("utf-8-sig").replace("e", "é", 3).encode("latin-1"))
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["bestanden"]:  # an exporter that wrote Latin-1 and a manifest that matches it
        if entry["naam"] == "complexen.csv":
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    message = _refused(settings)
    assert "complexen.csv" in message and "UTF-8" in message


def test_row_faults_are_quarantined_with_file_line_column_and_reason(night):
    folder, settings = night

    def corrupt(h, rows):
        i = {c: n for n, c in enumerate(h)}
        rows[0][i["boekdatum"]] = "31-02-2026"  # not a date
        rows[1][i["detailsoort"]] = "XYZ"  # not in referentiedata
        rows.append(list(rows[2]))  # duplicate key
        return h, rows

    _edit(folder, "boekingen.csv", corrupt)
    _manifest(folder)
    pipeline.verify(NIGHT, settings=settings)
    result = pipeline.load_raw(NIGHT, settings=settings)
    assert result["files"]["boekingen"]["quarantaine"] == 4  # the bad date, the bad code, both duplicates
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select regelnummer, kolom, reden from raw.quarantaine where bestand = 'boekingen.csv' "
            "and extractdatum = ? order by regelnummer",
            [NIGHT],
        ).fetchall()
    finally:
        con.close()
    reasons = " ".join(f"{line}:{col}:{reason}" for line, col, reason in rows)
    assert "2:boekdatum" in reasons and "3:detailsoort" in reasons
    assert any("dubbel" in r.lower() or "duplicate" in r.lower() for _, _, r in rows)
