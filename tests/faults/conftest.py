"""Fixtures of the fault suite; how to add a fault: see ``fault_suite.py``."""

from __future__ import annotations

import logging

import pytest
from tests.faults.fault_suite import FaultEnv, Webhook

from woonsignaal.settings import get_settings


@pytest.fixture
def fault_env(woonsignaal_home, monkeypatch, caplog) -> FaultEnv:
    hook = Webhook()
    monkeypatch.setenv("WOONSIGNAAL_ALERT_WEBHOOK", hook.url)
    caplog.set_level(logging.DEBUG)
    settings = get_settings()
    settings.ensure_dirs()
    yield FaultEnv(settings, hook, caplog)
    hook.close()
