"""The ``woonsignaal`` command.

Every subcommand has ``--help``. All state lives under ``$WOONSIGNAAL_HOME`` (default ``./var``).
Airflow is imported only by the subcommands that need it, after its environment is set.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from woonsignaal.report.cli import report_command
from woonsignaal.settings import ConfigurationError, get_settings
from woonsignaal.signals.cli import evaluate_command
from woonsignaal.simulate.cli import simulate_command
from woonsignaal.werklijsten.cli import werklijst_command

app = typer.Typer(
    name="woonsignaal",
    help="woonsignaal: de nachtelijke pijplijn die leveringen van een woningcorporatie omzet in signalen "
    "voor verhuur, overlast en incasso.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

app.command("simulate", help="Simuleer een corporatie en schrijf contract-exacte leveringen (volledig + delta's).")(
    simulate_command
)
app.command("evaluate", help="Vergelijk de gepubliceerde signalen met de ground truth van de simulator.")(
    evaluate_command
)
app.command("report", help="Maak de managementrapportage van een maand (HTML en PDF) uit de gepubliceerde marts.")(
    report_command
)
app.command("werklijst", help="Toon de werklijst van een signaal, of exporteer de werklijsten per wijk als CSV.")(
    werklijst_command
)


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Toon debug-logging."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def _fail(message: str, code: int = 1) -> None:
    # the message is text, not markup; not wrapped, so a path in it can be copied whole
    console.print(Text.assemble(("fout: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


@app.command("run")
def run_command(
    landing: Path = typer.Option(
        None,
        "--landing",
        help="Landingsmap met één map per extractdatum (standaard $WOONSIGNAAL_LANDING of $WOONSIGNAAL_HOME/landing).",
    ),
    alleen: str | None = typer.Option(
        None, "--alleen", help="Verwerk alleen deze levering (jjjj-mm-dd), ook als die al eerder verwerkt is."
    ),
    toon_log: bool = typer.Option(
        False,
        "--toon-log",
        help="Toon de volledige Airflow/dbt/GX-log in plaats van die naar $WOONSIGNAAL_HOME/logs/ te schrijven.",
    ),
) -> None:
    """Verwerk elke complete, nog niet verwerkte levering in volgorde van extractdatum, elk via de nachtelijke DAG."""
    try:
        settings = get_settings()
        if landing is not None:  # the nightly child gets it with the other settings (run_nightly)
            settings = dataclasses.replace(settings, landing=landing.resolve())
        settings.ensure_dirs()
        if not settings.landing.is_dir():
            _fail(f"landingsmap {settings.landing} bestaat niet")
        code = _process_landing_once(settings, alleen, verbose=toon_log)
    except ConfigurationError as exc:
        _fail(str(exc), 2)
    raise typer.Exit(code)


#: exit codes of `woonsignaal run` besides 0 (done) and 1 (a delivery failed)
EXIT_BUSY = 3
EXIT_DISK_FULL = 4


def _process_landing_once(settings, alleen: str | None, verbose: bool = False) -> int:
    """``_process_landing`` under the run lock: one `woonsignaal run` (or demo) at a time per home folder,
    taken before Airflow is touched. A busy warehouse or night and a full disk end in a Dutch message."""
    from woonsignaal.locking import WarehouseBusy, run_lock
    from woonsignaal.pipeline import DiskFull, disk_full_message, is_disk_full

    try:
        with run_lock(settings.state_dir / "run.lock"):
            return _process_landing(settings, alleen, verbose=verbose)
    except WarehouseBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        _fail(str(exc) if isinstance(exc, DiskFull) else disk_full_message(settings, "woonsignaal run"), EXIT_DISK_FULL)
    return 1  # not reached: _fail raises


def _process_landing(settings, alleen: str | None, verbose: bool = False) -> int:
    from woonsignaal.airflow_runner import run_log_path, run_nightly
    from woonsignaal.ingest import scan_landing

    scan = scan_landing(settings.landing, settings.warehouse_path)
    for folder in scan.incomplete:
        console.print(f"[yellow]wacht[/] {folder}: geen manifest.json (levering nog niet compleet)")
    for gap in scan.gaps:
        console.print(f"[yellow]gat[/] geen levering voor {gap}: de volgende delta laadt gewoon door")
    if alleen:
        todo = [d for d in scan.deliveries if d.extractdatum.isoformat() == alleen]
        if not todo:
            _fail(f"geen complete levering voor {alleen} in {settings.landing}")
        if scan.last_loaded and todo[0].extractdatum < scan.last_loaded:
            _fail(
                f"levering {alleen} ligt vóór de laatst geladen levering {scan.last_loaded}: de raw-laag kent al "
                f"latere gegevens. Herbouw vanaf {alleen}: zet {settings.warehouse_path.parent} opzij en draai "
                f"`woonsignaal run` met de laatste volledige levering op of vóór {alleen} en alle latere in de "
                "landingsmap."
            )
    else:
        todo = _to_process(settings, scan)
    if not todo:
        console.print("Niets te doen: alle complete leveringen zijn al verwerkt.")
        _print_where(settings)
        return 0
    for i, delivery in enumerate(todo, 1):
        log_file = None if verbose else run_log_path(settings, delivery.extractdatum)
        console.print(
            f"[bold][{i}/{len(todo)}][/] levering {delivery.extractdatum} wordt verwerkt"
            + (f" (log: {log_file})" if log_file else "")
            + " ..."
        )
        started = time.monotonic()
        with console.status(f"levering {delivery.extractdatum}: verifiëren, laden, dbt build, controleren, publiceren"):
            outcome = run_nightly(delivery.extractdatum, settings, log_file=log_file)
        if outcome.state == "gestopt":
            console.print(
                f"[bold yellow]gestopt[/] levering {delivery.extractdatum}: de run kreeg een stopsignaal; "
                "de vorige publicatie blijft staan."
            )
            _print_failure(settings, delivery.extractdatum)
            return 128 + int(signal.Signals[outcome.signaal or "SIGINT"])
        if not outcome.success:
            console.print(
                f"[bold red]mislukt[/] levering {delivery.extractdatum} (taken: {', '.join(outcome.failed_tasks)})"
            )
            _print_failure(settings, delivery.extractdatum)
            console.print(
                "Latere leveringen zijn niet verwerkt: los het probleem op en draai `woonsignaal run` opnieuw."
            )
            return 1
        console.print(f"[green]gepubliceerd[/] levering {delivery.extractdatum} in {time.monotonic() - started:.0f} s")
    _print_where(settings)
    return 0


def _to_process(settings, scan) -> list:
    """Deliveries not loaded yet (or re-sent), and loaded ones whose night never reached publication
    (a failed or killed run): from the first such delivery on, in extractdatum order."""
    from woonsignaal import runs

    published = {r.extractdatum for r in runs.latest_runs(settings) if r.status == "geslaagd"}
    todo = [d for d in scan.deliveries if d.pending or d.extractdatum.isoformat() not in published]
    if not todo:
        return []
    first = todo[0].extractdatum
    return [d for d in scan.deliveries if d.extractdatum >= first]


def _print_failure(settings, extractdatum: date) -> None:
    from woonsignaal import runs

    for run in runs.latest_runs(settings):
        if run.extractdatum == extractdatum.isoformat() and run.fout:
            console.print(run.fout, markup=False, highlight=False)


def _print_where(settings) -> None:
    from woonsignaal.publish import published_info

    info = published_info(settings)
    if info is None:
        console.print("Er is nog niets gepubliceerd.")
        return
    console.print(
        f"\nGepubliceerd: levering {info['extractdatum']} (versie {info['versie']})\n"
        f"  warehouse (alleen-lezen openen): {info['bestand']}\n"
        f'    duckdb -readonly {info["bestand"]} "select * from marts.signalen order by ernst"\n'
        f"  Parquet per mart:               {info['parquet']}/\n"
        f"  Data Docs (kwaliteitscontroles): {settings.data_docs_dir / 'index.html'}\n"
        f"  dbt docs:                        {settings.dbt_dir / 'target' / 'index.html'}\n"
        f"  status:                          woonsignaal status"
    )


@app.command("status")
def status_command() -> None:
    """Toon de laatste run per levering, wat er gepubliceerd is, en wat er mislukte en waarom."""
    from woonsignaal import runs
    from woonsignaal.locking import night_holder
    from woonsignaal.publish import published_info

    settings = get_settings()
    table = Table(title=Text(f"Leveringen in {settings.home}"))
    for col in ("extractdatum", "status", "gestart", "stappen", "geladen", "quarantaine", "fout"):
        table.add_column(col)
    latest = runs.latest_runs(settings)
    for run in latest:
        load = run.details.get("laad_raw", {})
        stappen = " ".join(f"{k}:{v}" for k, v in run.stappen.items())
        colour = {"geslaagd": "green", "mislukt": "red"}.get(run.status, "yellow")
        # every cell is Text: run history holds data (file names, messages) that is no console markup
        table.add_row(
            Text(run.extractdatum),
            Text(run.status, style=colour),
            Text(run.gestart),
            Text(stappen),
            Text(str(load.get("rijen_geladen", ""))),
            Text(str(load.get("rijen_quarantaine", ""))),
            Text((run.fout[:200] + "...") if len(run.fout) > 200 else run.fout),
        )
    if latest:
        console.print(table)
    else:
        console.print(f"Nog geen runs in {settings.home}.")
    for run in latest:
        quarantaine = run.details.get("laad_raw", {}).get("files", {})
        for bestand, counts in sorted(quarantaine.items()):
            if isinstance(counts, dict) and counts.get("quarantaine"):
                console.print(
                    f"  {run.extractdatum} {bestand}: {counts['quarantaine']} rijen in quarantaine",
                    markup=False,
                    highlight=False,
                )
    failed = [r for r in latest if r.status == "mislukt"]
    for run in failed:
        console.print(
            f"\n{run.extractdatum} mislukt in {run.samenvatting}",
            style="bold red",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )  # one line, however narrow the terminal
        console.print(run.fout, markup=False, highlight=False)
    holder = night_holder(settings.state_dir)
    if holder is not None:
        left = " Het proces is weg: de volgende run neemt de nacht over." if holder.is_stale() else ""
        console.print(Text(f"\nNacht: {holder.describe()}.{left}"))
    info = published_info(settings)
    if info:
        console.print(
            Text(
                f"\nGepubliceerd: levering {info['extractdatum']}, versie {info['versie']}, "
                f"{len(info['marts'])} marts\n  {info['bestand']}"
            )
        )
    else:
        console.print("\nEr is nog niets gepubliceerd.")
    docs = settings.data_docs_dir / "index.html"
    console.print(Text(f"Data Docs: {docs if docs.exists() else 'nog niet gebouwd'}"))


@app.command("demo")
def demo_command(
    eenheden: int = typer.Option(2000, help="Aantal eenheden van de gesimuleerde corporatie."),
    jaren: int = typer.Option(3, help="Jaren geschiedenis."),
    delta_dagen: int = typer.Option(3, "--delta-dagen", help="Aantal nachtelijke delta-leveringen na de volledige."),
    seed: int = typer.Option(1, help="Seed voor de toevalsgenerator."),
) -> None:
    """Simuleer een kleine corporatie en verwerk elke levering via de nachtelijke DAG (demosleutel, geen geheimen)."""
    from woonsignaal.simulate import simulate

    settings = get_settings()
    landing = settings.home / "landing"
    settings = dataclasses.replace(settings, demo=True, landing=landing)
    settings.ensure_dirs()
    if not any(landing.glob("*/manifest.json")):
        console.print(f"Simuleer een corporatie met {eenheden} eenheden en {jaren} jaar geschiedenis in {landing} ...")
        simulate(
            out=landing,
            eenheden=eenheden,
            jaren=jaren,
            delta_dagen=delta_dagen,
            scenario="standaard",
            seed=seed,
            ground_truth=settings.home / "ground_truth.json",
            progress=True,
        )
    code = _process_landing_once(settings, None)
    if code == 0:
        console.print(
            f"\nDe demo is klaar. Vergelijk de signalen met wat de simulator plantte:\n"
            f"  .venv/bin/woonsignaal evaluate --ground-truth {settings.home / 'ground_truth.json'}\n"
            f"Bekijk dezelfde runs in de Airflow UI: make airflow"
        )
    raise typer.Exit(code)


@app.command("airflow")
def airflow_command(
    port: int = typer.Option(8080, help="Poort van de Airflow UI op 127.0.0.1."),
) -> None:
    """Start Airflow standalone op 127.0.0.1 met de DAGs en de map van woonsignaal; Ctrl-C stopt alles netjes."""
    from woonsignaal.airflow_runner import airflow_environment

    settings = get_settings()
    settings.ensure_dirs()
    env = {**settings.child_environment(), **airflow_environment(settings), "AIRFLOW__API__PORT": str(port)}
    # standalone starts its components as `airflow ...` subprocesses: the venv's bin must be on PATH
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    console.print(
        f"Airflow UI: http://127.0.0.1:{port} (gebruiker en wachtwoord staan in "
        f"{settings.airflow_home / 'simple_auth_manager_passwords.json.generated'})"
    )
    proc = subprocess.Popen([sys.executable, "-m", "airflow", "standalone"], env=env, start_new_session=True)

    def stop(signum, frame):  # Ctrl-C or a TERM from a supervisor: stop the whole process group
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        proc.wait()
    except KeyboardInterrupt:
        console.print("Airflow wordt gestopt ...")
    finally:
        stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """TERM the whole group (api-server, scheduler, dag-processor, triggerer, workers), KILL stragglers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their parent
    except ProcessLookupError:
        pass


if __name__ == "__main__":  # pragma: no cover
    app()
