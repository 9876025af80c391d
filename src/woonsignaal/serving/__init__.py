"""Serving the published marts beyond the DuckDB file: PostgreSQL (for BI tools) and Parquet.

Public API::

    from woonsignaal.serving import (
        PgSettings, pg_settings, postgres_enabled,
        ensure_roles, publish_to_postgres, copy_raw_to_postgres,
    )

See ``docs/serving.md``.
"""

from woonsignaal.serving.postgres import (
    PgSettings,
    PostgresPublishError,
    copy_raw_to_postgres,
    ensure_roles,
    pg_settings,
    postgres_enabled,
    publish_to_postgres,
)

__all__ = [
    "PgSettings",
    "PostgresPublishError",
    "copy_raw_to_postgres",
    "ensure_roles",
    "pg_settings",
    "postgres_enabled",
    "publish_to_postgres",
]
