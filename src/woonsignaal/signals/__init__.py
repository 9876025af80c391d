"""Signals: segments that really differ, with intervals, FDR control, ernst and a Dutch sentence.

Pure statistics (pandas/numpy/scipy/statsmodels/lifelines), testable without dbt. The dbt Python
model ``int_signalen_berekend`` calls :func:`woonsignaal.signals.engine.compute_signals`.
"""
