"""Ingest: find, verify, parse, pseudonymise, quarantine and load nightly deliveries into raw.

Public API (used by ``woonsignaal.pipeline``, the DAG and the CLI)::

    scan_landing(landing, warehouse_path=None) -> LandingScan
    verify_delivery(path) -> Manifest            # raises DeliveryRejected
    load_delivery(path, settings=None) -> LoadResult   # raises DeliveryRejected
"""

from woonsignaal.ingest.errors import DeliveryIncomplete, DeliveryRejected
from woonsignaal.ingest.landing import LandedDelivery, LandingScan, scan_landing
from woonsignaal.ingest.load import FileCounts, LoadResult, load_delivery
from woonsignaal.ingest.verify import Manifest, verify_delivery

__all__ = [
    "DeliveryIncomplete",
    "DeliveryRejected",
    "FileCounts",
    "LandedDelivery",
    "LandingScan",
    "LoadResult",
    "Manifest",
    "load_delivery",
    "scan_landing",
    "verify_delivery",
]
