"""The nightly build's two dbt parts (``dbt_project/selectors.yml``) around the signal step: together they
build every node of the project exactly once, and nothing that reads the engine's output is built before
the step ran (``dbt ls``, no database needed)."""

from __future__ import annotations

import json

import pytest

from woonsignaal.pipeline import MARTS_SELECTOR, SIGNALS_SELECTOR

SOURCE = "source.woonsignaal.signalen_invoer"


@pytest.fixture(scope="module")
def listed(tmp_path_factory):
    """``{"all" | "marts" | "signalen": {unique_id: manifest node}}`` from ``dbt ls``."""
    import dataclasses

    from dbt.cli.main import dbtRunner

    from woonsignaal.settings import environment_for_dbt, get_settings
    from woonsignaal.transform import _common_args

    settings = dataclasses.replace(get_settings(), home=tmp_path_factory.mktemp("selectors"))

    def ls(*args: str) -> list[str]:
        cli = ["ls", *args, "--resource-type", "all", "--output", "json", "--output-keys", "unique_id", "--quiet"]
        with environment_for_dbt(settings):
            res = dbtRunner().invoke([*cli, *_common_args(settings, None, None)])
        assert res.success, res.exception
        return [json.loads(line)["unique_id"] for line in res.result]

    ids = {"all": ls(), "marts": ls("--selector", MARTS_SELECTOR), "signalen": ls("--selector", SIGNALS_SELECTOR)}
    manifest = json.loads((settings.dbt_dir / "target" / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest["sources"], **manifest["exposures"], **manifest["unit_tests"]}
    return {part: {u: nodes[u] for u in found} for part, found in ids.items()}


def _executable(nodes: dict[str, dict]) -> set[str]:
    return {u for u, n in nodes.items() if n["resource_type"] not in ("source", "exposure")}


def test_the_two_parts_build_every_node_exactly_once(listed):
    marts, signalen = _executable(listed["marts"]), _executable(listed["signalen"])
    assert marts & signalen == set()
    assert marts | signalen == _executable(listed["all"])
    kinds = {listed["all"][u]["resource_type"] for u in signalen}
    assert kinds == {"model", "test", "unit_test"}


def test_nothing_downstream_of_the_signal_source_is_built_before_the_step(listed):
    everything = listed["all"]
    parents = {u: set((n.get("depends_on") or {}).get("nodes", [])) for u, n in everything.items()}

    def downstream_of_source(uid: str, seen: set[str] | None = None) -> bool:
        seen = seen or set()
        if uid in seen:
            return False
        seen.add(uid)
        return any(p.startswith(SOURCE) or downstream_of_source(p, seen) for p in parents.get(uid, ()))

    assert not [u for u in _executable(listed["marts"]) if downstream_of_source(u)]
    # and the second part holds exactly what depends on it (every test with a parent there included)
    assert all(downstream_of_source(u) for u in _executable(listed["signalen"]))
    names = {everything[u]["name"] for u in listed["signalen"] if everything[u]["resource_type"] == "model"}
    assert names >= {"int_signalen_berekend", "signalen", "signalen_status", "fct_signalen_historie", "werklijst"}
    assert "fct_zaak_partner" not in names and "int_signalen_periode" not in names
    tests = {everything[u]["name"] for u in listed["signalen"]}
    assert "assert_signalen_invoer_van_deze_nacht" in tests
