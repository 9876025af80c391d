"""``woonsignaal report``: render the management report of one month (registered in woonsignaal.cli)."""

from __future__ import annotations

import typer

from woonsignaal.report.data import PublicationMissing


def report_command(
    maand: str | None = typer.Option(
        None,
        "--maand",
        metavar="JJJJ-MM",
        help=(
            "De maand van de rapportage, bijvoorbeeld 2026-10 (standaard: de laatste volledige maand van de "
            "publicatie)."
        ),
    ),
    pdf: bool = typer.Option(True, "--pdf/--geen-pdf", help="Ook een PDF maken (standaard: ja)."),
) -> None:
    """Maak de managementrapportage (HTML en PDF) uit de gepubliceerde marts."""
    from woonsignaal.report.build import build_report, default_month
    from woonsignaal.settings import get_settings

    settings = get_settings()
    try:
        gekozen = maand or default_month(settings)
        result = build_report(gekozen, settings, pdf=pdf)
    except (PublicationMissing, ValueError) as exc:
        typer.secho(f"Geen rapportage gemaakt: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    for w in result.waarschuwingen:
        typer.secho(f"let op: {w}", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"HTML: {result.html}")
    if result.pdf:
        typer.echo(f"PDF:  {result.pdf}")
