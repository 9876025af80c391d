"""A night asked to stop (issue 20, point 7; end to end: tests/e2e/test_stop_signal.py): the step that
would run next, or the one running, is recorded as stopped and the night lock is released."""

from __future__ import annotations

from datetime import date

import pytest

from woonsignaal import pipeline, runs
from woonsignaal.locking import night_holder
from woonsignaal.settings import get_settings

NIGHT = date(2026, 11, 24)


@pytest.fixture
def stop_requested(monkeypatch):
    monkeypatch.setitem(pipeline._stop, "signaal", None)
    pipeline.request_stop("SIGTERM")


def test_no_step_starts_after_a_stop(woonsignaal_home, monkeypatch):
    settings = get_settings()
    monkeypatch.setitem(pipeline._stop, "signaal", None)
    with pipeline._step(settings, NIGHT, "laad_raw", "A"):
        pass
    pipeline.request_stop("SIGTERM")
    with pytest.raises(pipeline.RunStopped):
        with pipeline._step(settings, NIGHT, "dbt_build_marts", "A"):
            pytest.fail("a step started after the stop")
    (run,) = runs.latest_runs(settings)
    assert run.status == "mislukt" and run.fout.startswith("dbt_build_marts: gestopt door SIGTERM")
    assert night_holder(settings.state_dir) is None


def test_the_sensor_stops_waiting(woonsignaal_home, stop_requested):
    with pytest.raises(pipeline.RunStopped):
        pipeline.delivery_is_complete(NIGHT, get_settings())


def test_a_keyboard_interrupt_inside_a_step_is_recorded_as_stopped(woonsignaal_home, monkeypatch):
    settings = get_settings()
    monkeypatch.setitem(pipeline._stop, "signaal", None)
    with pytest.raises(pipeline.RunStopped):
        with pipeline._step(settings, NIGHT, "kwaliteitspoort", "A"):
            raise KeyboardInterrupt
    (run,) = runs.latest_runs(settings)
    assert run.status == "mislukt" and "gestopt tijdens kwaliteitspoort" in run.fout
    assert night_holder(settings.state_dir) is None
