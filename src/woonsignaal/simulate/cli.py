"""``woonsignaal simulate``: the command (registered by the lead in ``woonsignaal.cli``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from woonsignaal.simulate.defaults import DEFAULT_TOT


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"{text!r} is geen datum (gebruik JJJJ-MM-DD of dd-mm-jjjj)")


def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Landingsmap: elke levering komt in <out>/<JJJJ-MM-DD>/.")],
    eenheden: Annotated[int, typer.Option("--eenheden", min=50, help="Aantal verhuureenheden.")] = 2000,
    jaren: Annotated[int, typer.Option("--jaren", min=1, help="Jaren historie in de volledige levering.")] = 3,
    delta_dagen: Annotated[
        int, typer.Option("--delta-dagen", min=0, help="Aantal dagelijkse deltaleveringen na de volledige.")
    ] = 3,
    scenario: Annotated[
        str, typer.Option("--scenario", help="'standaard', 'nul' of een scenario-bestand (JSON).")
    ] = "standaard",
    seed: Annotated[int, typer.Option("--seed", help="Seed: dezelfde seed geeft dezelfde leveringen.")] = 1,
    tot: Annotated[
        str | None,
        typer.Option(
            "--tot",
            help=(
                f"Laatste extractdatum (JJJJ-MM-DD); standaard {DEFAULT_TOT.isoformat()}, vast voor "
                "reproduceerbaarheid."
            ),
        ),
    ] = None,
    ground_truth: Annotated[
        Path | None,
        typer.Option(
            "--ground-truth",
            help="JSON met de geplante effecten; standaard <out>/../ground_truth.json (buiten de landingsmap).",
        ),
    ] = None,
    kalibratie: Annotated[
        bool, typer.Option("--kalibratie/--geen-kalibratie", help="Toon de gerealiseerde sectorcijfers.")
    ] = True,
) -> None:
    """Simuleer een woningcorporatie en schrijf één volledige levering plus dagelijkse delta's."""
    from rich.console import Console
    from rich.table import Table

    from woonsignaal.simulate import calibration
    from woonsignaal.simulate.core import simulate
    from woonsignaal.simulate.scenarios import ScenarioError

    console = Console()
    try:
        result = simulate(
            out,
            eenheden=eenheden,
            jaren=jaren,
            delta_dagen=delta_dagen,
            scenario=scenario,
            seed=seed,
            tot=_parse_date(tot),
            ground_truth=ground_truth,
            progress=True,
        )
    except ScenarioError as exc:
        console.print(f"[red]Scenario ongeldig:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(
        f"{len(result.deliveries)} leveringen geschreven in {out} "
        f"({result.extract_dates[0].isoformat()} volledig, daarna {len(result.deliveries) - 1} delta)."
    )
    console.print(
        f"Ground truth: {result.ground_truth_path} ({len(result.ground_truth['effects'])} geplante effecten)."
    )
    if kalibratie:
        table = Table(title="Kalibratie: gerealiseerde sectorcijfers")
        for col in ("Kengetal", "Gerealiseerd", "Sectorbereik", "Binnen bereik"):
            table.add_column(col)
        for row in calibration.format_table(result.calibration):
            table.add_row(*row)
        console.print(table)
