"""Signals: segments that really differ, with intervals, FDR control, ernst and a Dutch sentence.

Pure statistics (pandas/numpy/scipy/statsmodels/lifelines), testable without dbt. The signal step
``woonsignaal.signals.step`` (task ``bereken_signalen``, every dbt target) calls
:func:`woonsignaal.signals.engine.compute_signals` and writes its output into the dbt source
``signalen_invoer``; ``woonsignaal.signals.facts`` says which facts it reads.
"""
