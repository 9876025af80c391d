"""Operators read Dutch: configuration errors, the CLI's refusals and the alert of a failed task are
Dutch sentences (logs and code stay English)."""

from __future__ import annotations

import json
import re

import pytest
from tests.ingest.ingest_builder import DAY1, base_rows, rewrite_manifest, write_delivery
from typer.testing import CliRunner

from woonsignaal import alerts, contract
from woonsignaal.contract import MANIFEST_NAME
from woonsignaal.faults import melding
from woonsignaal.ingest import DeliveryRejected, load_delivery, verify_delivery
from woonsignaal.settings import ConfigurationError, get_settings


@pytest.mark.parametrize(
    ("variable", "value", "dutch"),
    [
        ("WOONSIGNAAL_MIN_GROEPSGROOTTE", "tien", "is geen geheel getal"),
        ("WOONSIGNAAL_MIN_GROEPSGROOTTE", "0", "moet minstens 1 zijn, niet 0"),
        ("WOONSIGNAAL_RIJEN_TOLERANTIE", "veel", "is geen getal (bijvoorbeeld 0.5 voor 50%)"),
        ("WOONSIGNAAL_LEVERING_TOLERANTIE", "-1", "moet groter dan 0 zijn, niet -1.0"),
        ("WOONSIGNAAL_RETRY_DELAY_SECONDS", "vijf", "is geen geheel aantal seconden"),
    ],
)
def test_configuration_errors_are_dutch(woonsignaal_home, monkeypatch, variable, value, dutch):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        get_settings()
    assert str(raised.value) == f"{variable}={value!r} {dutch}" or str(raised.value) == f"{variable} {dutch}"


def test_missing_key_is_explained_in_dutch(woonsignaal_home, monkeypatch):
    monkeypatch.delenv("WOONSIGNAAL_DEMO")
    with pytest.raises(ConfigurationError, match="is niet gezet") as raised:
        get_settings().pseudonymisation_key  # noqa: B018 - the property raises
    assert "een nieuwe sleutel geeft elke huurder een nieuw pseudoniem" in str(raised.value)


def test_run_refuses_a_missing_landing_folder_in_dutch(woonsignaal_home, tmp_path):
    from woonsignaal.cli import app

    missing = tmp_path / "geen-map"
    result = CliRunner().invoke(app, ["run", "--landing", str(missing)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # rich wraps long lines
    assert output == f"fout: landingsmap {missing} bestaat niet"


def test_alert_of_a_task_without_exception_is_dutch(woonsignaal_home, monkeypatch):
    sent = []
    monkeypatch.setattr(alerts, "send_alert", lambda title, body, settings: sent.append((title, body)))

    class TaskInstance:
        task_id, dag_id, run_id = "publiceer", "woonsignaal_nightly", "r1"

    alerts.on_task_failure({"task_instance": TaskInstance()})
    [(title, body)] = sent
    assert title.startswith("woonsignaal: woonsignaal_nightly.publiceer mislukt")
    assert body.startswith("taak mislukt\n\nDe vorige publicatie blijft staan.")


#: English words that are no Dutch words: one of them in a fault's message means an English sentence
ENGLISH_WORDS = re.compile(
    r"\b(the|not|expected|missing|file|files|row|rows|says|has|cannot|line|column|refused|delivery|listed|with|"
    r"from|than|and|was|empty|required|header|record|records|holds|looks|check|but|differs|already|lacks|needs|must|entry|supported|match|folder|arrived)\b",
    re.IGNORECASE,
)


def _english(text: str) -> list[str]:
    # names of files and columns are the contract's (Dutch); leave out quoted names and file names
    text = re.sub(r"'[^']*'|\S+\.(csv|json)\b", "", text)
    return ENGLISH_WORDS.findall(text)


def _refusal(folder) -> DeliveryRejected:
    with pytest.raises(DeliveryRejected) as raised:
        verify_delivery(folder)
    return raised.value


def _refusals_of_bad_deliveries(landing) -> list[DeliveryRejected]:
    """The refusals of a few known bad deliveries: manifest faults, a missing file, a cut-off file, a
    wrong row count, a file that is not UTF-8, a lone carriage return and a missing required column."""
    out = []
    folder = write_delivery(landing / "a", DAY1, base_rows())
    (folder / MANIFEST_NAME).write_text("{niet: json", encoding="utf-8")
    out.append(_refusal(folder))
    (folder / MANIFEST_NAME).write_text(json.dumps({"contract_versie": "9.0"}), encoding="utf-8")
    out.append(_refusal(folder))

    folder = write_delivery(landing / "b", DAY1, base_rows())
    (folder / "huurovereenkomsten.csv").unlink()
    out.append(_refusal(folder))

    folder = write_delivery(landing / "c", DAY1, base_rows())
    text = (folder / "eenheden.csv").read_bytes()
    (folder / "eenheden.csv").write_bytes(text[: len(text) // 2])  # cut off
    (folder / "relaties.csv").write_bytes((folder / "relaties.csv").read_bytes() + b"\n")  # sha256 differs
    out.append(_refusal(folder))

    folder = write_delivery(landing / "d", DAY1, base_rows())
    text = (folder / "eenheden.csv").read_bytes()
    (folder / "eenheden.csv").write_bytes(text.replace(b"\n", "\né\n".encode("cp1252"), 2).replace(b"\r", b""))
    header, _, rest = (folder / "relaties.csv").read_bytes().partition(b"\n")
    (folder / "relaties.csv").write_bytes(header + b"\n" + rest.replace(b";", b";\r", 1))
    rewrite_manifest(folder)
    out.append(_refusal(folder))

    folder = write_delivery(landing / "e", DAY1, base_rows())
    rewrite_manifest(folder, keep_counts=False)
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    for entry in manifest["bestanden"]:
        entry["rijen"] += 1
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    out.append(_refusal(folder))
    return out


def test_ingest_faults_are_dutch(woonsignaal_home, tmp_path):
    refusals = _refusals_of_bad_deliveries(tmp_path)
    klassen = {f.klasse for r in refusals for f in r.fouten}
    assert {"manifest", "bestand_ontbreekt", "afgebroken", "sha256", "rijen"} <= klassen, klassen
    assert {"codering", "regeleinde"} & klassen, klassen
    english = {m: _english(m) for r in refusals for m in [melding(r), *(f.melding() for f in r.fouten)]}
    assert not {m: w for m, w in english.items() if w}, english


def test_a_missing_required_column_is_dutch(woonsignaal_home, tmp_path):
    header = [c for c in contract.FILES_BY_NAME["eenheden"].column_names if c != "nettohuur"]
    folder = write_delivery(tmp_path, DAY1, base_rows(), headers={"eenheden": header})
    with pytest.raises(DeliveryRejected) as raised:
        load_delivery(folder, get_settings(), gx=False)
    [fout] = [f for f in raised.value.fouten if f.klasse == "kolom_ontbreekt"]
    assert not _english(fout.melding()), fout.melding()
    assert not _english(melding(raised.value)), melding(raised.value)
