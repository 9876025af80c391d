"""The simulator: a living housing corporation's nightly deliveries, exactly per the contract.

Public API::

    from woonsignaal.simulate import simulate, SimulationResult
    result = simulate(Path("landing"), eenheden=2000, jaren=3, delta_dagen=3, scenario="standaard", seed=1)

See ``docs/simulator.md``.
"""

from woonsignaal.simulate.core import DEFAULT_TOT, SimulationResult, simulate

__all__ = ["DEFAULT_TOT", "SimulationResult", "simulate"]
