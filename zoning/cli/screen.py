"""`zoning screen`: a verdict per row of a project list, resumable."""
from __future__ import annotations

import contextlib
import sys

import click

from ..messages import error, text
from .options import quiet as global_quiet
from .options import (
    date_option,
    EXIT_FAIL_ON,
    footprint_options,
    input_options,
    layers_option,
    LEVELS,
    national_major_option,
    stdout_file,
    terminate_raises,
    user_errors,
    writes,
)


@click.command()
@click.argument("list_path", metavar="LIST", type=click.Path(exists=False))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Output: .csv, .xlsx, .gpkg (with geometries and a findings table) or .parquet; "
                   "- for CSV rows on standard output.")
@layers_option
@date_option("Application date for rows without their own.")
@click.option("--default-category", help="Category for rows without one (code, Chinese name or synonym).")
@national_major_option
@footprint_options
@click.option("--map", "map_path", type=click.Path(dir_okay=False), help="Write an overview map of all sites (HTML).")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), help="Write each row's check report here.")
@click.option("--reports-for", help="Only these verdicts get reports, e.g. prohibited,conditional.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--workers", type=int, help="Worker processes (local) or dask workers (default: all cores).")
@click.option("--scheduler", help="Address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--chunk-size", type=int, default=5000, show_default=True, help="Rows per chunk.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run of the same command.")
@click.option("--restart", is_flag=True,
              help="With --resume: start over when the list, options, layers or rules changed (default: refuse).")
@click.option("--fail-on", type=click.Choice(["prohibited", "conditional", "incomplete"]), multiple=True,
              help="Exit 1 when any row is prohibited, conditional (or worse) or incomplete (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary on stderr.")
@click.option("--findings/--no-findings", default=True, show_default=True,
              help="Write the findings table. --no-findings: rows only, faster (no nearest zone, adjacency, raster "
                   "statistics, corridor residual width or corridor tests that cannot change the verdict); the "
                   "verdicts and row columns are the same.")
@input_options
@user_errors
@writes("out", "map_path", unless="resume")
def screen(list_path, out, layers_path, date_, default_category, national_major, crs, tolerance_m, radius_m, width_m,
           map_path, reports_dir, reports_for, engine, workers, scheduler, chunk_size, resume, restart, fail_on, quiet,
           findings, read_options):
    """Screen a project LIST (CSV, Excel, GeoPackage, Shapefile, GeoJSON, GeoParquet, FlatGeobuf, 界址点 TXT ...):
    one verdict per row, in input order, streamed in chunks, resumable with --resume.

    Exit codes: 0 every row screened; 1 some rows in error (each says why in its `error` column), a layer failed
    for every row, or --fail-on matched; 2 a user error or a disk fault that stops the run (the state is kept
    for --resume); 130 / 143 interrupted by Ctrl-C / SIGTERM (the state is kept for --resume).
    """
    quiet = quiet or global_quiet()       # `zoning -q screen` and `zoning screen -q` alike
    from ..errors import InputError
    from ..screen import ScreenOptions
    from ..screen import screen as run_screen
    levels = None
    if reports_for:
        levels = tuple(v.strip() for v in reports_for.split(",") if v.strip())
        bad = [v for v in levels if v not in LEVELS]
        if bad:
            raise InputError(error("unknown_verdicts", values=bad), source="--reports-for", expected=", ".join(LEVELS))
    if chunk_size < 1:
        raise InputError(error("bad_chunk_size", size=chunk_size), source="--chunk-size",
                         expected="a positive number of rows")
    from ..screen.run import Interrupted
    stdout = out == "-"
    if stdout and (resume or restart):
        raise InputError(error("resume_needs_file"), source="--out -", expected="--out result.csv to resume")
    try:
        with terminate_raises(), _to_stdout(out) as out:
            summary = run_screen(list_path, out, ScreenOptions(
                layers=layers_path, date=date_, tolerance_m=tolerance_m, read=read_options,
                default_category=default_category, national_major=national_major, crs=crs, radius_m=radius_m,
                width_m=width_m, chunk_size=chunk_size, workers=workers, engine=engine, scheduler=scheduler,
                resume=resume, restart=restart, quiet=quiet, map_path=map_path, reports_dir=reports_dir,
                reports_for=levels, findings=findings and not stdout))
    except Interrupted as exc:
        click.echo(f"zoning: {exc.message}", err=True)
        sys.exit(exc.code)
    if stdout:
        summary["outputs"] = ["<stdout>"]
    if not quiet:
        for line in summary_lines(summary):
            click.echo(line, err=True)
    for lid in summary["failed_layers"]:
        click.echo("zoning: " + text("layer_failed", layer=lid, why=summary["versions"]["layers"][lid].get("failed")),
                   err=True)
    v = summary["verdicts"]
    matched = (("prohibited" in fail_on and v.get("prohibited", 0))
               or ("conditional" in fail_on and (v.get("conditional", 0) or v.get("prohibited", 0)))
               or ("incomplete" in fail_on and summary["incomplete"]))
    sys.exit(EXIT_FAIL_ON if summary["rows_in_error"] or summary["failed_layers"] or matched else 0)


def summary_lines(summary: dict) -> list[str]:
    """The end-of-run summary as people read it (not a Python dict)."""
    from ..render.labels import verdict_counts
    verdicts = verdict_counts(summary["verdicts"])
    return [text("screen_summary", rows=summary["rows"], seconds=summary["seconds"], rate=summary["rows_per_second"]),
            text("screen_verdicts", verdicts=verdicts),
            text("screen_errors", errors=summary["rows_in_error"], incomplete=summary["incomplete"]),
            text("wrote", paths=", ".join(summary["outputs"]))]


@contextlib.contextmanager
def _to_stdout(out):
    """`--out -`: the rows as CSV on standard output; any other --out is used as it is."""
    if out != "-":
        yield out
        return
    with stdout_file("stdout.csv", strip_bom=True) as path:
        yield path
