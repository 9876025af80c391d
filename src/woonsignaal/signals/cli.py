"""``woonsignaal evaluate``: compare the published signals with a simulator ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def evaluate_command(
    ground_truth: Annotated[
        Path, typer.Option("--ground-truth", help="Ground-truth JSON written by `woonsignaal simulate`.")
    ],
    database: Annotated[
        Path | None,
        typer.Option("--database", help="Published DuckDB file (default: settings.published_path)."),
    ] = None,
) -> None:
    """Print every planted effect as found/missed with its best signal, recall, false alarms, precision."""
    from rich.console import Console

    from woonsignaal.settings import get_settings
    from woonsignaal.signals.evaluate import evaluate_published, render

    path = database or get_settings().published_path
    if not path.exists():
        typer.echo(f"Geen gepubliceerd warehouse gevonden op {path}: draai eerst de pijplijn.", err=True)
        raise typer.Exit(2)
    if not ground_truth.is_file():
        typer.echo(f"Ground truth {ground_truth} bestaat niet.", err=True)
        raise typer.Exit(2)
    result = evaluate_published(ground_truth, path)
    render(result, Console())
