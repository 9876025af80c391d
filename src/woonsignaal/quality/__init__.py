"""Great Expectations: the raw suites (generated from the contract) and a generic runner.

Public API::

    validate(database, suite_dir, *, tables=None, schema="main", run_name=None,
             datasource_name=None, settings=None) -> ValidationReport
    generate_raw_suites() -> dict[str, dict];  write_raw_suites(target) -> list[Path]

GX itself is imported lazily inside ``validate``.
"""

from woonsignaal.quality.raw_suites import generate_raw_suites, write_raw_suites
from woonsignaal.quality.runner import ExpectationFailure, ValidationReport, validate

__all__ = ["ExpectationFailure", "ValidationReport", "generate_raw_suites", "validate", "write_raw_suites"]
