"""The monthly management report (managementrapportage), built from the published marts only.

``build_report(maand, settings)`` -> :class:`ReportResult` with ``.html`` and ``.pdf``.
"""

__all__ = ["ReportResult", "build_report", "default_month"]


def __getattr__(name: str):
    # imported on first use, so `woonsignaal --help` and the other commands do not load matplotlib and weasyprint
    if name in __all__:
        from woonsignaal.report.build import ReportResult, build_report, default_month

        return {"ReportResult": ReportResult, "build_report": build_report, "default_month": default_month}[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
