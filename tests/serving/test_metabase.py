"""metabase-init against a local stand-in for Metabase's REST API (no Metabase runs here)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from woonsignaal.serving import PgSettings
from woonsignaal.serving.metabase import MetabaseError, configure, database_details, wait_until_healthy


class FakeMetabase:
    """Setup once, sessions, databases: the part of the API metabase-init uses."""

    def __init__(self) -> None:
        self.token = "setup-token-123"
        self.admin: dict | None = None
        self.databases: list[dict] = []
        self.calls: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, body) -> None:
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> dict:
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n) or b"{}")

            def do_GET(self):
                fake.calls.append(("GET", self.path))
                if self.path == "/api/health":
                    return self._send(200, {"status": "ok"})
                if self.path == "/api/session/properties":
                    return self._send(200, {"has-user-setup": fake.admin is not None, "setup-token": fake.token})
                if self.path == "/api/database":
                    if self.headers.get("X-Metabase-Session") != "sessie":
                        return self._send(401, {"message": "Unauthenticated"})
                    return self._send(200, {"data": fake.databases, "total": len(fake.databases)})
                return self._send(404, {})

            def do_POST(self):
                fake.calls.append(("POST", self.path))
                body = self._body()
                if self.path == "/api/setup":
                    if fake.admin is not None or body.get("token") != fake.token:
                        return self._send(403, {"message": "Token does not match the setup token."})
                    fake.admin = body["user"]
                    return self._send(200, {"id": "sessie"})
                if self.path == "/api/session":
                    ok = fake.admin and body == {"username": fake.admin["email"], "password": fake.admin["password"]}
                    return self._send(200, {"id": "sessie"}) if ok else self._send(401, {"errors": "password"})
                if self.path == "/api/database":
                    if self.headers.get("X-Metabase-Session") != "sessie":
                        return self._send(401, {"message": "Unauthenticated"})
                    fake.databases.append({"id": len(fake.databases) + 1, **body})
                    return self._send(200, fake.databases[-1])
                return self._send(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def metabase():
    fake = FakeMetabase()
    yield fake
    fake.close()


PG = PgSettings(host="warehouse", port=5432, database="woonsignaal", bi_role="woonsignaal_bi", bi_password="bi-geheim")


def test_first_run_sets_up_metabase_and_adds_the_warehouse_as_the_read_only_role(metabase):
    wait_until_healthy(metabase.url, timeout_seconds=5, poll_seconds=0.1)
    done = configure(metabase.url, "beheer@example.org", "een-lang-wachtwoord-42", PG)
    assert done == {"setup": True, "database_added": True}
    assert metabase.admin["email"] == "beheer@example.org"
    [db] = metabase.databases
    assert db["engine"] == "postgres" and db["name"] == "woonsignaal"
    assert db["details"] == {
        "host": "warehouse",
        "port": 5432,
        "dbname": "woonsignaal",
        "user": "woonsignaal_bi",
        "password": "bi-geheim",
        "ssl": False,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "marts",
    }


def test_a_second_run_logs_in_and_changes_nothing(metabase):
    configure(metabase.url, "beheer@example.org", "een-lang-wachtwoord-42", PG)
    done = configure(metabase.url, "beheer@example.org", "een-lang-wachtwoord-42", PG)
    assert done == {"setup": False, "database_added": False}
    assert len(metabase.databases) == 1
    assert ("POST", "/api/session") in metabase.calls


def test_a_wrong_admin_password_and_a_missing_bi_password_are_errors(metabase):
    configure(metabase.url, "beheer@example.org", "een-lang-wachtwoord-42", PG)
    with pytest.raises(MetabaseError, match="HTTP 401"):
        configure(metabase.url, "beheer@example.org", "fout", PG)
    with pytest.raises(MetabaseError, match="WOONSIGNAAL_PG_BI_PASSWORD"):
        database_details(PgSettings(host="warehouse"))


def test_waiting_for_a_metabase_that_never_comes_fails_with_a_clear_message():
    with pytest.raises(MetabaseError, match="did not become healthy"):
        wait_until_healthy("http://127.0.0.1:9", timeout_seconds=0.3, poll_seconds=0.1)
