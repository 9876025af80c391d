"""Defaults of the simulator that the CLI needs without importing numpy/pandas."""

import datetime as dt

#: The last extract date when none is given: fixed, so a seed always gives the same deliveries.
DEFAULT_TOT = dt.date(2026, 11, 24)
