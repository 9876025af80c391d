"""woonsignaal: nightly pipeline and warehouse that turns a housing corporation's extracts into signals."""

__version__ = "0.1.0"
