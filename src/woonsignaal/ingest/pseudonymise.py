"""Keyed hashes (HMAC-SHA256) for person keys and identifying personal data (contract section 5).

The key comes from configuration (``settings.pseudonymisation_key``; outside the demo a missing key
refuses the run). Hashing runs inside DuckDB, vectorised, with the HMAC pads held in session
variables so the key never appears in SQL text, a table or a log line:

    HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m))

:func:`pseudonymise` computes the same value in Python (tests compare both).
"""

from __future__ import annotations

import hashlib
import hmac

from woonsignaal.contract import Column, Pii

_BLOCK = 64  # SHA-256 block size


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if not key:
        raise ValueError("the pseudonymisation key is empty")
    k = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    k = k.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in k), bytes(b ^ 0x5C for b in k)


def normalise(value: str, column: Column) -> str:
    """The form of a value that is hashed (Python mirror of :func:`normalise_sql`)."""
    if column.pii is Pii.HASH:
        return value.strip().replace(" ", "").replace(".", "").upper()
    return value.strip()


def normalise_sql(expr: str, column: Column) -> str:
    if column.pii is Pii.HASH:
        return f"upper(replace(replace(trim({expr}), ' ', ''), '.', ''))"
    return f"trim({expr})"


def pseudonymise(value: str, key: bytes) -> str:
    """HMAC-SHA256 of ``value`` (UTF-8) as 64 lower-case hex characters."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def install_key(con, key: bytes) -> None:
    """Put the HMAC pads for ``key`` into session variables of DuckDB connection ``con``."""
    ipad, opad = _pads(key)
    con.execute("set variable ws_hmac_ipad = ?", [ipad])
    con.execute("set variable ws_hmac_opad = ?", [opad])


def hmac_sql(expr: str) -> str:
    """SQL for the keyed hash of the VARCHAR expression ``expr`` (NULL stays NULL)."""
    return f"sha256(getvariable('ws_hmac_opad') || unhex(sha256(getvariable('ws_hmac_ipad') || encode({expr}))))"


def pseudonymise_sql(expr: str, column: Column) -> str:
    """SQL for a stored personal-data column: the keyed hash of its normalised value."""
    norm = normalise_sql(expr, column)
    return f"case when nullif({norm}, '') is null then null else {hmac_sql(norm)} end"
