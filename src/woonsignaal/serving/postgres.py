"""Publish the audited marts into PostgreSQL, with a read-only role for BI tools.

* ``publish_to_postgres(candidate, settings)`` copies every table of schema ``marts`` of the audited
  candidate DuckDB file into PostgreSQL schema ``marts`` atomically: the tables are loaded into a fresh
  schema ``marts_new_<version>`` (``COPY ... FROM STDIN``, row counts checked, committed but unseen),
  then in ONE transaction the old tables are locked, ``marts`` is renamed to ``marts_old_<version>``,
  ``marts_new_<version>`` to ``marts``, and the old schema dropped. A statement in another session reads
  the old marts or the new ones, never a mix and never a missing schema. On any error the previous
  publication stays as it was.
* ``ensure_roles()`` creates (or repairs) the read-only role for BI tools: it may connect, use schema
  ``marts`` and select from its tables, and nothing else (no ``raw``/``staging``/``intermediate``,
  no writes: the role's sessions are read-only as well).
* ``copy_raw_to_postgres(settings)`` copies the raw layer of the working DuckDB into schema ``raw`` of
  the database dbt's ``postgres`` target builds in (the same swap), so ``dbt build --target postgres``
  runs on the same data as the DuckDB build.

Settings come from the environment (read on every call, never at import):

=============================== ================================= =====================================
variable                        default                           meaning
=============================== ================================= =====================================
``WOONSIGNAAL_PG_HOST``         (unset: no PostgreSQL publication) server host
``WOONSIGNAAL_PG_PORT``         ``5432``
``WOONSIGNAAL_PG_USER``         ``postgres``                      the publishing user (owns ``marts``)
``WOONSIGNAAL_PG_PASSWORD``     (empty)
``WOONSIGNAAL_PG_DATABASE``     ``woonsignaal``                   database the marts are published in
``WOONSIGNAAL_PG_BI_ROLE``      ``woonsignaal_bi``                the read-only role for BI tools
``WOONSIGNAAL_PG_BI_PASSWORD``  (unset: password left as is)      its password
``WOONSIGNAAL_PG_DBNAME``       ``WOONSIGNAAL_PG_DATABASE``       database of dbt's ``postgres`` target
=============================== ================================= =====================================
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from woonsignaal.contract import MARTS_SCHEMA
from woonsignaal.raw_schema import RAW_SCHEMA
from woonsignaal.settings import (  # noqa: F401 - the variables' names, used here and by the cluster
    ENV_PG_BI_PASSWORD,
    ENV_PG_BI_ROLE,
    ENV_PG_DATABASE,
    ENV_PG_DBT_DATABASE,
    ENV_PG_HOST,
    ENV_PG_PASSWORD,
    ENV_PG_PORT,
    ENV_PG_USER,
    Settings,
    get_settings,
)
from woonsignaal.sqltext import qualified_name, quote_identifier, quote_literal

log = logging.getLogger(__name__)


DEFAULT_BI_ROLE = "woonsignaal_bi"
#: Schemas the BI role must never read (the layers below the published marts).
PRIVATE_SCHEMAS = ("raw", "staging", "intermediate", "public")
#: Key of the advisory lock that keeps two publications of one database from running at once.
_PUBLISH_LOCK_KEY = 0x776F6F6E  # "woon"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresPublishError(RuntimeError):
    """Publication to PostgreSQL failed; the previous publication is unchanged."""


@dataclass(frozen=True)
class PgSettings:
    host: str
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    database: str = "woonsignaal"
    bi_role: str = DEFAULT_BI_ROLE
    bi_password: str | None = field(default=None, repr=False)
    dbt_database: str | None = None
    #: How long one swap attempt waits for BI queries still reading the old marts (they finish on the
    #: old data; queries arriving meanwhile wait, then read the new marts), and how often it tries.
    swap_lock_timeout_ms: int = 30_000
    swap_attempts: int = 3

    def __post_init__(self) -> None:
        if not _IDENT.match(self.bi_role):
            raise ValueError(f"{ENV_PG_BI_ROLE}={self.bi_role!r}: use lower-case letters, digits and _")

    def connect(self, database: str | None = None, user: str | None = None, password: str | None = None, **kwargs: Any):
        """A new psycopg2 connection (not autocommit) to ``database`` (default: the serving database)."""
        import psycopg2

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=user or self.user,
            password=self.password if password is None else password,
            dbname=database or self.database,
            connect_timeout=10,
            application_name="woonsignaal",
            **kwargs,
        )

    def describe(self, database: str | None = None) -> str:
        """host:port/database as user (never the password), for logs and messages."""
        return f"{self.user}@{self.host}:{self.port}/{database or self.database}"


def pg_settings(settings: Settings | None = None) -> PgSettings:
    """The PostgreSQL settings (default: from the environment); raises when ``WOONSIGNAAL_PG_HOST`` is not set."""
    s = settings or get_settings()
    if not s.pg_host:
        raise PostgresPublishError(f"{ENV_PG_HOST} is not set: publication to PostgreSQL is off")
    try:
        port = int(s.pg_port)
    except ValueError:
        raise PostgresPublishError(f"{ENV_PG_PORT}={s.pg_port!r} is not a port number") from None
    database = s.pg_database or "woonsignaal"
    return PgSettings(
        host=s.pg_host,
        port=port,
        user=s.pg_user or "postgres",
        password=s.pg_password,
        database=database,
        bi_role=s.pg_bi_role or DEFAULT_BI_ROLE,
        bi_password=s.pg_bi_password or None,
        dbt_database=s.pg_dbt_database or database,
    )


def postgres_enabled(settings: Settings | None = None) -> bool:
    """Publication to PostgreSQL is on when ``WOONSIGNAAL_PG_HOST`` is set."""
    return bool((settings or get_settings()).pg_host)


# --- roles --------------------------------------------------------------------------------------


def _sql():
    from psycopg2 import sql

    return sql


def _can_create_roles(cur) -> bool:
    cur.execute("select rolsuper or rolcreaterole from pg_roles where rolname = current_user")
    row = cur.fetchone()
    return bool(row and row[0])


def _schemas(cur) -> set[str]:
    cur.execute("select nspname from pg_namespace")
    return {r[0] for r in cur.fetchall()}


def _grant_marts(cur, schema: str, role: str) -> None:
    """USAGE on the schema, SELECT on its tables and on tables created in it later."""
    sql = _sql()
    s, r = sql.Identifier(schema), sql.Identifier(role)
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(s, r))
    cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(s, r))
    cur.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(s, r))


def _ensure_roles(cur, pg: PgSettings, database: str) -> dict[str, Any]:
    sql = _sql()
    role = sql.Identifier(pg.bi_role)
    out: dict[str, Any] = {"rol": pg.bi_role, "aangemaakt": False, "wachtwoord_gezet": False}
    if _can_create_roles(cur):
        cur.execute("select 1 from pg_roles where rolname = %s", [pg.bi_role])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("create role {} login").format(role))
            out["aangemaakt"] = True
            if not pg.bi_password:
                log.warning("role %s created without a password: set %s", pg.bi_role, ENV_PG_BI_PASSWORD)
        # whatever someone did to the role by hand: no privileges beyond logging in
        cur.execute(
            sql.SQL("alter role {} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls inherit").format(
                role
            )
        )
        if pg.bi_password:
            # hashed here (SCRAM), so the plain password never reaches the server or its statement log
            from psycopg2.extensions import encrypt_password

            hashed = encrypt_password(pg.bi_password, pg.bi_role, cur.connection, "scram-sha-256")
            cur.execute(sql.SQL("alter role {} password %s").format(role), [hashed])
            out["wachtwoord_gezet"] = True
        # every session of the role is read-only and starts in schema marts
        cur.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(role))
        cur.execute(sql.SQL("alter role {} set search_path = marts").format(role))
        # no membership in other roles (it would inherit their privileges)
        cur.execute(
            "select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid "
            "join pg_roles u on u.oid = m.member where u.rolname = %s",
            [pg.bi_role],
        )
        for (granted,) in cur.fetchall():
            cur.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(granted), role))
    else:
        cur.execute("select 1 from pg_roles where rolname = %s", [pg.bi_role])
        if cur.fetchone() is None:
            raise PostgresPublishError(
                f"role {pg.bi_role!r} does not exist and {pg.user!r} may not create roles: create it once as "
                f"an administrator (`create role {pg.bi_role} login password '...'`) or give {pg.user!r} CREATEROLE"
            )
    cur.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role))
    existing = _schemas(cur)
    for schema in PRIVATE_SCHEMAS:
        if schema in existing:
            s = sql.Identifier(schema)
            cur.execute(sql.SQL("revoke all on schema {} from {}").format(s, role))
            cur.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(s, role))
    if MARTS_SCHEMA in existing:
        _grant_marts(cur, MARTS_SCHEMA, pg.bi_role)
    return out


def ensure_roles(pg: PgSettings | None = None, database: str | None = None) -> dict[str, Any]:
    """Create or repair the read-only BI role (name ``WOONSIGNAAL_PG_BI_ROLE``, default ``woonsignaal_bi``).

    The role may log in (password ``WOONSIGNAAL_PG_BI_PASSWORD`` when set), connect to the serving
    database, use schema ``marts`` and select from its tables (also tables created there later), and
    nothing else: its rights on ``raw``, ``staging``, ``intermediate`` and ``public`` are revoked, its
    sessions are read-only (``default_transaction_read_only``) and start in ``marts``.
    Idempotent; needs a user with CREATEROLE (or an existing role, then only the grants are renewed).
    """
    pg = pg or pg_settings()
    database = database or pg.database
    con = pg.connect(database)
    try:
        with con, con.cursor() as cur:
            return _ensure_roles(cur, pg, database)
    finally:
        con.close()


# --- copying DuckDB tables into PostgreSQL ------------------------------------------------------

_SIMPLE_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "UHUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMPTZ_NS": "timestamptz",
    "TIME WITH TIME ZONE": "timetz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "jsonb",
}


def pg_column(name: str, duck_type: str) -> tuple[str, str]:
    """(PostgreSQL type, DuckDB select expression) for one column of a DuckDB table.

    Types PostgreSQL has are kept; nested types (LIST, STRUCT, MAP) become jsonb; BLOB becomes bytea;
    enums and anything else unknown are published as text (their DuckDB text form).
    """
    quoted = quote_identifier(name)
    t = duck_type.upper().strip()
    if t in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[t], quoted
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return f"numeric({m.group(1)},{m.group(2)})", quoted
    if t == "BLOB":
        return "bytea", f"'\\x' || hex({quoted})"
    if t.endswith("]") or t.startswith(("STRUCT", "MAP", "UNION")):
        return "jsonb", f"cast(to_json({quoted}) as varchar)"
    return "text", f"cast({quoted} as varchar)"


def _open_duckdb(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file to read it: read-only, unless this process already has it open read-write
    (dbt-duckdb keeps its connection after an in-process ``dbt build``; DuckDB then refuses a second
    configuration of the same file, and only reading happens here anyway)."""
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        return duckdb.connect(str(path))


def _duck_tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "and table_type = 'BASE TABLE' order by 1",
            [catalog, schema],
        ).fetchall()
    ]


def _duck_columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
    ]


def _load_schema(
    duck: duckdb.DuckDBPyConnection, catalog: str, source_schema: str, cur, target_schema: str, workdir: Path
) -> dict[str, int]:
    """Create ``target_schema`` in PostgreSQL with a copy of every table of DuckDB ``source_schema``.

    Each table goes through a CSV file (DuckDB's COPY TO, PostgreSQL's COPY FROM STDIN): NULL is an
    unquoted empty field, an empty string a quoted one, in both. Row counts are checked per table.
    """
    sql = _sql()
    tables = _duck_tables(duck, catalog, source_schema)
    if not tables:
        raise PostgresPublishError(f"no tables in schema {source_schema!r} of the DuckDB file: nothing to copy")
    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(target_schema)))
    rows: dict[str, int] = {}
    for table in tables:
        columns = _duck_columns(duck, catalog, source_schema, table)
        mapped = [(name, *pg_column(name, type_)) for name, type_ in columns]
        target = sql.Identifier(target_schema, table)
        cur.execute(
            sql.SQL("create table {} ({})").format(
                target,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(pg_type)) for n, pg_type, _ in mapped
                ),
            )
        )
        csv_path = workdir / f"{table}.csv"
        select = ", ".join(expr for _, _, expr in mapped)
        duck.execute(
            f"copy (select {select} from {qualified_name(catalog, source_schema, table)}) "
            f"to {quote_literal(str(csv_path))} (format csv, header false)"
        )
        expected = duck.execute(f"select count(*) from {qualified_name(catalog, source_schema, table)}").fetchone()[0]
        with open(csv_path, "rb") as fh:
            cur.copy_expert(
                sql.SQL("copy {} from stdin with (format csv, header false)").format(target).as_string(cur), fh
            )
        loaded = cur.rowcount
        csv_path.unlink()
        if loaded != expected:
            raise PostgresPublishError(
                f"{source_schema}.{table}: {loaded} rows arrived in PostgreSQL, DuckDB has {expected}"
            )
        rows[table] = loaded
        cur.execute(sql.SQL("analyze {}").format(target))
    return rows


def _drop_orphans(cur, target_schema: str) -> list[str]:
    """Drop ``<target>_new_*``/``<target>_old_*`` schemas a killed publication left behind."""
    sql = _sql()
    cur.execute(
        "select nspname from pg_namespace where nspname like %s or nspname like %s",
        [f"{target_schema}\\_new\\_%", f"{target_schema}\\_old\\_%"],
    )
    dropped = [r[0] for r in cur.fetchall()]
    for schema in dropped:
        cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
    return dropped


def _swap(cur, pg: PgSettings, target_schema: str, new_schema: str, old_schema: str) -> bool:
    """One transaction: lock the old tables, rename old aside and new in, drop old. True if there was an old."""
    sql = _sql()
    cur.execute(f"set local lock_timeout = {int(pg.swap_lock_timeout_ms)}")
    had_old = target_schema in _schemas(cur)
    if had_old:
        cur.execute(
            "select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') order by c.relname",
            [target_schema],
        )
        old_tables = [r[0] for r in cur.fetchall()]
        if old_tables:
            # Wait for statements still reading the old marts; statements arriving now queue behind this
            # lock and, once the swap commits, find the new tables by name (PostgreSQL looks the name up
            # again after waiting for a lock). So no statement ever reads old and new tables together.
            cur.execute(f"lock table {', '.join(old_tables)} in access exclusive mode")
        cur.execute(
            sql.SQL("alter schema {} rename to {}").format(sql.Identifier(target_schema), sql.Identifier(old_schema))
        )
    cur.execute(
        sql.SQL("alter schema {} rename to {}").format(sql.Identifier(new_schema), sql.Identifier(target_schema))
    )
    if had_old:
        cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(old_schema)))
    return had_old


def _replace_schema(
    duck: duckdb.DuckDBPyConnection,
    catalog: str,
    source_schema: str,
    pg: PgSettings,
    database: str,
    target_schema: str,
    bi_role: str | None,
    comment: str,
) -> dict[str, Any]:
    """Load DuckDB ``source_schema`` into PostgreSQL beside ``target_schema``, then swap it in.

    1. (transaction) drop leftovers of killed runs, load every table into ``<target>_new_<version>``,
       check row counts, grant the BI role, commit: invisible to readers, who still use ``<target>``;
    2. (one transaction) lock the old tables, rename ``<target>`` to ``<target>_old_<version>`` and
       ``<target>_new_<version>`` to ``<target>``, drop the old schema, commit. When BI queries hold the
       old tables longer than ``swap_lock_timeout_ms`` (or a deadlock with a reader), the swap is
       retried; after ``swap_attempts`` the new schema is dropped and the old publication stays.
    A session-level advisory lock keeps two publications of one database from interleaving.
    """
    from psycopg2 import errors as pg_errors

    sql = _sql()
    version = (datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "_" + uuid.uuid4().hex[:6]).lower()
    new_schema = f"{target_schema}_new_{version}"
    old_schema = f"{target_schema}_old_{version}"
    started = time.perf_counter()
    con = pg.connect(database)
    try:
        cur = con.cursor()
        cur.execute("select pg_advisory_lock(%s, hashtext(%s))", [_PUBLISH_LOCK_KEY, target_schema])
        con.commit()
        try:
            orphans = _drop_orphans(cur, target_schema)
            with tempfile.TemporaryDirectory(prefix="woonsignaal-pg-") as workdir:
                rows = _load_schema(duck, catalog, source_schema, cur, new_schema, Path(workdir))
            cur.execute(
                sql.SQL("comment on schema {} is %s").format(sql.Identifier(new_schema)),
                [f"{comment}; versie {version}"],
            )
            if bi_role:
                _grant_marts(cur, new_schema, bi_role)
            con.commit()
        except Exception as exc:
            con.rollback()
            if isinstance(exc, PostgresPublishError):
                raise
            raise PostgresPublishError(
                f"loading {target_schema} into {pg.describe(database)} failed ({type(exc).__name__}), the "
                f"previous publication stays"
            ) from exc
        loaded = time.perf_counter()

        attempt, last_error = 0, None
        while True:
            attempt += 1
            try:
                had_old = _swap(cur, pg, target_schema, new_schema, old_schema)
                con.commit()
                break
            except (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected) as exc:
                con.rollback()
                last_error = exc
                log.warning(
                    "swap of %s attempt %d: BI queries hold the old tables (%s)",
                    target_schema,
                    attempt,
                    type(exc).__name__,
                )
                if attempt >= pg.swap_attempts:
                    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(new_schema)))
                    con.commit()
                    raise PostgresPublishError(
                        f"could not swap in the new {target_schema} on {pg.describe(database)} after {attempt} "
                        f"attempts: queries kept the old tables locked ({type(last_error).__name__}); the "
                        "previous publication stays"
                    ) from exc
                time.sleep(1.0)
            except Exception as exc:
                con.rollback()
                cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(new_schema)))
                con.commit()
                raise PostgresPublishError(
                    f"swapping in {target_schema} on {pg.describe(database)} failed ({type(exc).__name__}), the "
                    f"previous publication stays"
                ) from exc
    finally:
        con.close()  # also releases the advisory lock
    finished = time.perf_counter()
    return {
        "versie": version,
        "database": pg.describe(database),
        "schema": target_schema,
        "tabellen": rows,
        "rijen": sum(rows.values()),
        "vervangen": had_old,
        "opgeruimd": orphans,
        "pogingen_wissel": attempt,
        "seconden_laden": round(loaded - started, 3),
        "seconden_wissel": round(finished - loaded, 3),
        "seconden_totaal": round(finished - started, 3),
    }


def publish_to_postgres(candidate_duckdb: Path, settings: Any = None, pg: PgSettings | None = None) -> dict[str, Any]:
    """Publish every table of schema ``marts`` of the audited DuckDB file into PostgreSQL ``marts``.

    Atomic for readers (see the module docstring); the BI role is created or repaired first and gets
    SELECT on the new tables before they become visible. ``settings`` (woonsignaal's ``Settings``) is
    accepted for symmetry with the other publication steps; the connection comes from ``pg`` or the
    ``WOONSIGNAAL_PG_*`` settings. Returns what was published (per table the row count).
    """
    pg = pg or pg_settings(settings)
    candidate = Path(candidate_duckdb)
    if not candidate.is_file():
        raise PostgresPublishError(f"{candidate} does not exist: nothing to publish")
    ensure_roles(pg)
    duck = _open_duckdb(candidate)
    try:
        catalog = duck.execute("select current_database()").fetchone()[0]
        info = _replace_schema(
            duck,
            catalog,
            MARTS_SCHEMA,
            pg,
            pg.database,
            MARTS_SCHEMA,
            pg.bi_role,
            comment=f"woonsignaal: gepubliceerde marts uit {candidate.name}",
        )
    finally:
        duck.close()
    info["bi_rol"] = pg.bi_role
    log.info(
        "published %d marts (%d rows) to %s in %.1f s",
        len(info["tabellen"]),
        info["rijen"],
        info["database"],
        info["seconden_totaal"],
    )
    return info


def copy_raw_to_postgres(settings: Any = None, pg: PgSettings | None = None) -> dict[str, Any]:
    """Copy schema ``raw`` of the working DuckDB into schema ``raw`` of dbt's PostgreSQL database.

    The database is ``WOONSIGNAAL_PG_DBNAME`` (the one ``profiles.yml``'s ``postgres`` target uses;
    default ``WOONSIGNAAL_PG_DATABASE``). The old ``raw`` is replaced in one transaction; views dbt built
    on it (``staging``) go with it and are rebuilt by the next ``dbt build --target postgres``.
    No role gets any right on it. Call with the warehouse writer lock held (it opens the working DuckDB).
    """
    settings = settings or get_settings()
    pg = pg or pg_settings(settings)
    database = pg.dbt_database or pg.database
    duck = _open_duckdb(settings.warehouse_path)
    try:
        catalog = duck.execute("select current_database()").fetchone()[0]
        info = _replace_schema(
            duck,
            catalog,
            RAW_SCHEMA,
            pg,
            database,
            RAW_SCHEMA,
            None,
            comment="woonsignaal: raw layer (copy of the working DuckDB) for dbt",
        )
    finally:
        duck.close()
    log.info(
        "copied raw (%d tables, %d rows) to %s in %.1f s",
        len(info["tabellen"]),
        info["rijen"],
        info["database"],
        info["seconden_totaal"],
    )
    return info
