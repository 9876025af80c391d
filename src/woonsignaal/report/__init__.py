"""The monthly management report (managementrapportage), built from the published marts only.

``build_report(maand, settings)`` -> :class:`ReportResult` with ``.html`` and ``.pdf``.
"""

from woonsignaal.report.build import ReportResult, build_report, default_month

__all__ = ["ReportResult", "build_report", "default_month"]
