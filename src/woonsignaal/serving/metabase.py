"""Point a fresh Metabase at the published marts, as the read-only role (docker compose profile ``bi``).

``python -m woonsignaal.serving.metabase`` (the ``metabase-init`` service) waits for Metabase, completes
its first-run setup with an admin account (or logs in when that was done before) and adds the PostgreSQL
warehouse as the database "woonsignaal", connecting as ``WOONSIGNAAL_PG_BI_ROLE`` and showing schema
``marts`` only. Idempotent: a second run changes nothing. Uses Metabase's REST API (``/api/health``,
``/api/session/properties``, ``/api/setup``, ``/api/session``, ``/api/database``).

Environment: ``WOONSIGNAAL_METABASE_URL`` (default ``http://metabase:3000``),
``WOONSIGNAAL_METABASE_ADMIN_EMAIL``, ``WOONSIGNAAL_METABASE_ADMIN_PASSWORD``, and the warehouse as
Metabase reaches it: ``WOONSIGNAAL_PG_HOST``, ``WOONSIGNAAL_PG_PORT``, ``WOONSIGNAAL_PG_DATABASE``,
``WOONSIGNAAL_PG_BI_ROLE``, ``WOONSIGNAAL_PG_BI_PASSWORD``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from woonsignaal.serving.postgres import MARTS_SCHEMA, PgSettings, pg_settings
from woonsignaal.settings import (  # noqa: F401 - the variables' names (docker-compose.yml sets them)
    ENV_METABASE_ADMIN_EMAIL,
    ENV_METABASE_ADMIN_PASSWORD,
    ENV_METABASE_URL,
    get_settings,
)

log = logging.getLogger(__name__)

DATABASE_NAME = "woonsignaal"


class MetabaseError(RuntimeError):
    pass


def _call(
    base: str, method: str, path: str, body: dict | None = None, session: str | None = None, timeout: float = 30.0
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if session:
        req.add_header("X-Metabase-Session", session)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise MetabaseError(f"{method} {path}: HTTP {exc.code}: {detail}") from None
    return json.loads(raw) if raw else None


def wait_until_healthy(base: str, timeout_seconds: float = 600.0, poll_seconds: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    last: str = ""
    while time.monotonic() < deadline:
        try:
            if (_call(base, "GET", "/api/health", timeout=10) or {}).get("status") == "ok":
                return
        except (OSError, MetabaseError, ValueError) as exc:
            last = str(exc)
        time.sleep(poll_seconds)
    raise MetabaseError(f"Metabase at {base} did not become healthy within {timeout_seconds:.0f} s ({last})")


def database_details(pg: PgSettings) -> dict[str, Any]:
    """Metabase's connection details for the warehouse: the read-only role, schema marts only."""
    if not pg.bi_password:
        raise MetabaseError("WOONSIGNAAL_PG_BI_PASSWORD is not set: Metabase connects as the read-only role")
    return {
        "host": pg.host,
        "port": pg.port,
        "dbname": pg.database,
        "user": pg.bi_role,
        "password": pg.bi_password,
        "ssl": False,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": MARTS_SCHEMA,
    }


def configure(base: str, admin_email: str, admin_password: str, pg: PgSettings) -> dict[str, Any]:
    """Set Metabase up (first run) or log in, then add the warehouse unless it is there. Returns what it did."""
    props = _call(base, "GET", "/api/session/properties") or {}
    done: dict[str, Any] = {"setup": False, "database_added": False}
    if not props.get("has-user-setup") and props.get("setup-token"):
        resp = _call(
            base,
            "POST",
            "/api/setup",
            {
                "token": props["setup-token"],
                "user": {
                    "email": admin_email,
                    "password": admin_password,
                    "first_name": "woonsignaal",
                    "last_name": "beheer",
                    "site_name": "woonsignaal",
                },
                "prefs": {"site_name": "woonsignaal", "site_locale": "nl", "allow_tracking": False},
            },
        )
        done["setup"] = True
    else:
        resp = _call(base, "POST", "/api/session", {"username": admin_email, "password": admin_password})
    session = (resp or {}).get("id")
    if not session:
        raise MetabaseError("Metabase returned no session id")
    listed = _call(base, "GET", "/api/database", session=session)
    databases = listed.get("data", []) if isinstance(listed, dict) else (listed or [])
    if not any(d.get("name") == DATABASE_NAME for d in databases):
        _call(
            base,
            "POST",
            "/api/database",
            {
                "engine": "postgres",
                "name": DATABASE_NAME,
                "details": database_details(pg),
                "is_full_sync": True,
            },
            session=session,
        )
        done["database_added"] = True
    return done


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    settings = get_settings()
    base, email, password = settings.metabase_url, settings.metabase_admin_email, settings.metabase_admin_password
    if not email or not password:
        log.error("set %s and %s", ENV_METABASE_ADMIN_EMAIL, ENV_METABASE_ADMIN_PASSWORD)
        return 2
    try:
        wait_until_healthy(base)
        done = configure(base, email, password, pg_settings(settings))
    except MetabaseError as exc:
        log.error("%s", exc)
        return 1
    log.info("Metabase at %s: %s", base, done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
