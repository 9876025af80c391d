"""Point woonsignaal at a throw-away home with the demo pseudonymisation key.

One place for what every test chain sets: function-scoped tests get it through the ``woonsignaal_home``
fixture, module- and session-scoped fixtures through ``pytest.MonkeyPatch.context()``::

    with pytest.MonkeyPatch.context() as env:
        demo_environment(env, home, landing)
        ...
"""

from __future__ import annotations

from pathlib import Path

import pytest


def demo_environment(env: pytest.MonkeyPatch, home: Path, landing: Path | None = None) -> None:
    env.setenv("WOONSIGNAAL_HOME", str(home))
    env.setenv("WOONSIGNAAL_DEMO", "1")
    if landing is None:
        env.delenv("WOONSIGNAAL_LANDING", raising=False)
    else:
        env.setenv("WOONSIGNAAL_LANDING", str(landing))
    env.delenv("WOONSIGNAAL_PSEUDONIEM_SLEUTEL", raising=False)
    env.delenv("WOONSIGNAAL_ALERT_WEBHOOK", raising=False)
