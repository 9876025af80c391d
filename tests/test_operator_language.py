"""Operators read Dutch: configuration errors, the CLI's refusals and the alert of a failed task are
Dutch sentences (logs and code stay English)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from woonsignaal import alerts
from woonsignaal.settings import ConfigurationError, get_settings


@pytest.mark.parametrize(
    ("variable", "value", "dutch"),
    [
        ("WOONSIGNAAL_MIN_GROEPSGROOTTE", "tien", "is geen geheel getal"),
        ("WOONSIGNAAL_MIN_GROEPSGROOTTE", "0", "moet minstens 1 zijn, niet 0"),
        ("WOONSIGNAAL_RIJEN_TOLERANTIE", "veel", "is geen getal (bijvoorbeeld 0.5 voor 50%)"),
        ("WOONSIGNAAL_LEVERING_TOLERANTIE", "-1", "moet groter dan 0 zijn, niet -1.0"),
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
