"""What the signal engine reads and what it writes, in one place for every target the dbt project runs on.

The signal step (:func:`woonsignaal.signals.step.compute_and_store`, task ``bereken_signalen``) computes
the signals of a night with :func:`woonsignaal.signals.engine.compute_signals`, from the working DuckDB
file or from dbt's PostgreSQL database. Both read from here: which fact marts, which rows and columns of
them (:func:`fact_reads`), and the types of the output (:data:`OUTPUT_TYPES`, :func:`typed_signals`), so
the engine gets the same facts and the dbt source ``signalen_invoer`` the same types on every target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from woonsignaal.contract import SIGNALEN_COLUMNS
from woonsignaal.signals.engine import (
    CONTRACT_MONTH_COLUMNS,
    CONTRACT_MONTH_LOOKBACK,
    EXTRA_COLUMNS,
    compute_signals,
    periode_eind_for,
)
from woonsignaal.sqltext import quote_identifier

#: The fact marts the engine reads (schema ``marts``), in this order.
FACT_MARTS: tuple[str, ...] = ("fct_leegstand", "fct_publicatie", "fct_zaak", "fct_zaak_partner", "fct_contract_maand")

#: The output's columns and their (DuckDB) types: the contract's columns of ``marts.signalen``, then
#: signaal_sleutel, vergelijking, p_waarde, q_waarde. Explicit, so an empty run has typed columns too.
OUTPUT_TYPES: dict[str, str] = dict(
    SIGNALEN_COLUMNS, signaal_sleutel="VARCHAR", vergelijking="VARCHAR", p_waarde="DOUBLE", q_waarde="DOUBLE"
)
assert tuple(OUTPUT_TYPES)[len(SIGNALEN_COLUMNS) :] == EXTRA_COLUMNS


@dataclass(frozen=True)
class FactRead:
    """One fact mart as the engine reads it: which columns (None: all) and which rows (``where``)."""

    mart: str
    columns: tuple[str, ...] | None = None
    #: A predicate valid on DuckDB and PostgreSQL alike (None: every row).
    where: str | None = None
    #: Columns to sort by, when the engine wants that order (it sorts itself when the rows come otherwise).
    order_by: tuple[str, ...] | None = None

    def select_columns(self, available: Sequence[str]) -> list[str]:
        """The columns to read, of those the mart has (in the mart's order when all are read)."""
        if self.columns is None:
            return list(available)
        return [c for c in self.columns if c in available]


def contract_months_since(periode_eind: dt.date) -> dt.date:
    """First month of fct_contract_maand the engine reads: ``CONTRACT_MONTH_LOOKBACK`` months before
    the month of ``periode_eind``. fct_contract_maand holds every contract-month of the whole history:
    loading only these months and columns keeps the read small (10 years x 35 columns otherwise)."""
    first_month = dt.date(periode_eind.year, periode_eind.month, 1)
    months_back = first_month.year * 12 + first_month.month - 1 - CONTRACT_MONTH_LOOKBACK
    return dt.date(months_back // 12, months_back % 12 + 1, 1)


def fact_reads(periode_eind: dt.date) -> tuple[FactRead, ...]:
    """What the engine reads for the periode ending on ``periode_eind``, one entry per ``FACT_MARTS``."""
    since = contract_months_since(periode_eind)
    return tuple(
        FactRead(m, CONTRACT_MONTH_COLUMNS, f"maand >= DATE '{since.isoformat()}'", ("overeenkomst_id", "maand"))
        if m == "fct_contract_maand"
        else FactRead(m)
        for m in FACT_MARTS
    )


def read_facts(periode_eind: dt.date, read: Callable[[FactRead], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The engine's ``facts``: ``read(fact_read)`` for every entry of :func:`fact_reads`."""
    return {f.mart: read(f) for f in fact_reads(periode_eind)}


def read_facts_duckdb(relations: Mapping[str, object], periode_eind: dt.date) -> dict[str, pd.DataFrame]:
    """The engine's ``facts`` from DuckDB relations (``{mart: relation}``, e.g. dbt's ``dbt.ref(...)``)."""

    def read(f: FactRead) -> pd.DataFrame:
        rel = relations[f.mart]
        if f.where:
            rel = rel.filter(f.where)
        if f.columns is not None:
            rel = rel.project(", ".join(quote_identifier(c) for c in f.select_columns(rel.columns)))
        if f.order_by:
            rel = rel.order(", ".join(quote_identifier(c) for c in f.order_by))
        return rel.df()

    return read_facts(periode_eind, read)


def signals_for(facts: Mapping[str, pd.DataFrame], extractdatum: dt.date, minimum: int) -> pd.DataFrame:
    """The engine's signals for the periode of ``extractdatum`` (:func:`periode_eind_for`)."""
    return compute_signals(facts, periode_eind_for(extractdatum), minimum)


def typed_signals(con, signals: pd.DataFrame):
    """``signals`` as a DuckDB relation on ``con`` with the columns and types of ``OUTPUT_TYPES``
    (also when there are no signals: an empty pandas column has no type)."""
    relation = con.from_df(signals)
    return relation.project(", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in OUTPUT_TYPES.items()))
