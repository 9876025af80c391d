"""``woonsignaal werklijst``: show a signal's werklijst or export the werklijsten per wijk as CSV.

Reads only the restricted file ``published/werklijsten/werklijsten.duckdb`` (read-only). The lead
registers it: ``app.command("werklijst", help=...)(werklijst_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def werklijst_command(
    signaal: Annotated[
        str | None, typer.Option("--signaal", help="Toon de werklijst van dit signaal (signaal_id).")
    ] = None,
    csv_dir: Annotated[
        Path | None,
        typer.Option("--csv", help="Schrijf de werklijsten als CSV, één bestand per wijk, in deze map."),
    ] = None,
    database: Annotated[
        Path | None,
        typer.Option("--database", help="Werklijsten-bestand (standaard: published/werklijsten/werklijsten.duckdb)."),
    ] = None,
) -> None:
    """Zonder opties: per signaal hoeveel rijen zijn werklijst heeft. Met --signaal: de werklijst zelf."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from woonsignaal.settings import get_settings
    from woonsignaal.werklijsten.export import export_csv, read_werklijst, werklijsten_path

    settings = get_settings()
    path = database or werklijsten_path(settings)
    # data (a wijk, a reden) is printed as text: a "[/]" in it is not console markup
    console = Console(markup=False, highlight=False)
    if not path.is_file():
        typer.echo(f"Geen werklijsten gevonden op {path}: draai eerst de pijplijn.", err=True)
        raise typer.Exit(2)

    if csv_dir is not None:
        files = export_csv(settings, csv_dir, database=path, signaal_id=signaal)
        if not files:
            console.print("Geen werklijstrijen: er is niets te exporteren.")
            return
        console.print(f"{len(files)} CSV-bestand(en) geschreven naar {csv_dir}:")
        for f in files:
            console.print(f"  {f.name}")
        return

    rows = read_werklijst(settings, signaal_id=signaal, database=path)
    if signaal is not None:
        if not rows:
            console.print(
                f"Signaal {signaal} heeft geen werklijst: het bestaat niet, vraagt geen actie "
                "(richting beter of ernst laag) of er zijn nu geen eenheden, zaken of contracten die aan de "
                "regel voldoen."
            )
            return
        first = rows[0]
        table = Table(
            title=Text(
                f"Werklijst signaal {signaal}: {first['proces']}, {first['indicator']}, "
                f"{first['segment']} (ernst {first['ernst']}, extractdatum {first['extractdatum']})"
            )
        )
        for header in ("Prio", "Soort", "Sleutel in bronsysteem", "Wijk", "Reden", "Voorgestelde actie"):
            table.add_column(header)
        for r in rows:
            table.add_row(
                *(
                    Text(str(v))
                    for v in (
                        r["prioriteit"],
                        r["object_soort"],
                        r["object_id"],
                        r["wijk"] or "",
                        r["reden"],
                        r["actie"],
                    )
                )
            )
        console.print(table)
        return

    if not rows:
        console.print("Geen werklijsten: geen gepubliceerd signaal vraagt nu om actie.")
        return
    counts: dict[str, dict] = {}
    for r in rows:
        c = counts.setdefault(r["signaal_id"], {**r, "rijen": 0})
        c["rijen"] += 1
    table = Table(title="Werklijsten per signaal (toon er één met --signaal ID)")
    for header in ("Signaal", "Proces", "Indicator", "Segment", "Ernst", "Rijen"):
        table.add_column(header)
    for sid, c in counts.items():
        table.add_row(*(Text(str(v)) for v in (sid, c["proces"], c["indicator"], c["segment"], c["ernst"], c["rijen"])))
    console.print(table)
