"""Same seed, same deliveries (byte for byte); another seed, other data."""

from __future__ import annotations

import json

from woonsignaal.simulate import simulate

from .conftest import NUL


def _hashes(result):
    out = {}
    for folder in result.deliveries:
        m = json.loads((folder / "manifest.json").read_text())
        out[folder.name] = {b["naam"]: b["sha256"] for b in m["bestanden"]}
    return out


def test_same_seed_same_bytes_other_seed_other_data(tmp_path, nul_sim):
    again = simulate(tmp_path / "a" / "landing", **NUL)
    assert _hashes(again) == _hashes(nul_sim)
    assert (again.deliveries[0] / "manifest.json").read_bytes() == (
        nul_sim.deliveries[0] / "manifest.json"
    ).read_bytes()
    other = simulate(tmp_path / "b" / "landing", **{**NUL, "seed": 4})
    h_other, h_nul = _hashes(other), _hashes(nul_sim)
    assert h_other.keys() == h_nul.keys()
    day = next(iter(h_nul))
    assert h_other[day]["referentiedata.csv"] == h_nul[day]["referentiedata.csv"]
    assert h_other[day]["eenheden.csv"] != h_nul[day]["eenheden.csv"]
    assert h_other[day]["boekingen.csv"] != h_nul[day]["boekingen.csv"]
