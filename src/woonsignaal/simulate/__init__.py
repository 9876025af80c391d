"""The simulator: a living housing corporation's nightly deliveries, exactly per the contract.

Public API::

    from woonsignaal.simulate import simulate, SimulationResult
    result = simulate(Path("landing"), eenheden=2000, jaren=3, delta_dagen=3, scenario="standaard", seed=1)

See ``docs/simulator.md``.
"""

__all__ = ["DEFAULT_TOT", "SimulationResult", "simulate"]


def __getattr__(name: str):
    # imported on first use, so `woonsignaal --help` and the other commands do not load numpy and pandas
    if name in __all__:
        from woonsignaal.simulate.core import DEFAULT_TOT, SimulationResult, simulate

        return {"DEFAULT_TOT": DEFAULT_TOT, "SimulationResult": SimulationResult, "simulate": simulate}[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
