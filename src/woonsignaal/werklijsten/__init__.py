"""Werklijsten: per actionable signal, the current units, cases or tenancies to look at now.

The lists are built by dbt (``dbt_project/models/werklijsten/``, schema ``werklijsten``) and published
into their own restricted file, never into the published marts (docs/werklijsten.md)::

    from woonsignaal.werklijsten import publish_werklijsten, export_csv, read_werklijst
"""

from woonsignaal.werklijsten.export import (
    CSV_COLUMNS,
    WERKLIJSTEN_SCHEMA,
    export_csv,
    publish_werklijsten,
    qualified,
    read_effect,
    read_werklijst,
    werklijsten_path,
)

__all__ = [
    "CSV_COLUMNS",
    "WERKLIJSTEN_SCHEMA",
    "export_csv",
    "publish_werklijsten",
    "qualified",
    "read_effect",
    "read_werklijst",
    "werklijsten_path",
]
