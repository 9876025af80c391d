"""Signals: segments that really differ, with intervals, FDR control, ernst and a Dutch sentence.

Pure statistics (pandas/numpy/scipy/statsmodels/lifelines), testable without dbt. The dbt Python
model ``int_signalen_berekend_duckdb`` (DuckDB) and the signal step ``woonsignaal.serving.dbt_signals``
(PostgreSQL) call :func:`woonsignaal.signals.engine.compute_signals`; ``woonsignaal.signals.facts`` says
which facts they read.
"""
