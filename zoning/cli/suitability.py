"""`zoning suitability`: the verdict level per cell for one category."""
from __future__ import annotations

import json
import sys

import click

from .options import date_option, layers_option, national_major_option, terminate_raises, TYPES, user_errors, writes
from ..messages import error


@click.command()
@click.option("--category", "-c", required=True, help="Project category (code, Chinese name or synonym).")
@layers_option
@date_option("Which rule sets are in force (default today).")
@click.option("--cell", type=TYPES["metres"], default=20.0, show_default=True, help="Cell size in metres.")
@national_major_option
@click.option("--extent", type=TYPES["extent"],
              help="minx,miny,maxx,maxy in EPSG:4547 (default: the green heart plus 3 km).")
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="GeoTIFF (default maps/suitability_CODE.tif).")
@user_errors
@writes("out")
def suitability(category, layers_path, date_, cell, national_major, extent, out):
    """Where could this category go: the verdict level per cell (GeoTIFF in CGCS2000 GK, and a PNG overlay)."""
    from ..engine import make_context
    from ..suitability import build
    ctx = make_context(layers=layers_path, date=date_)
    cat = ctx.catalogue.categories.match(category, source="--category")
    box = extent
    from ..screen.run import Terminated
    try:
        with terminate_raises():
            info = build(ctx, cat.code, out or f"maps/suitability_{cat.code}.tif", cell=cell, extent=box,
                         national_major=bool(national_major), show_progress=None)
    except (KeyboardInterrupt, Terminated) as exc:
        # the GeoTIFF is written to a temporary file and renamed at the end: nothing half-written is left
        click.echo("zoning: " + error("suitability_interrupted"), err=True)
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    click.echo(json.dumps(info, ensure_ascii=False), err=False)
