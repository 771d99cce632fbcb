"""`zoning atlas`: every layer as one web map."""
from __future__ import annotations

import click

from .options import basemap_options, date_option, layers_option, user_errors, writes, wrote


@click.command()
@layers_option
@click.option("--results", type=click.Path(exists=True, dir_okay=False),
              help="A zoning screen result (.gpkg or .parquet) to show as verdict-coloured sites.")
@click.option("--out", "-o", default="maps/atlas.html", show_default=True, type=click.Path(dir_okay=False))
@date_option("Which rule sets are in force (shown switched on).")
@click.option("--tiles", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="Draw the layers from vector tiles written beside the page (<name>_tiles/); auto: when the "
                   "layers have more than 300,000 vertices (official-size layers).")
@basemap_options
@user_errors
@writes("out")
def atlas(layers_path, results, out, date_, tiles, basemap, tianditu_key, overlay):
    """Publish the layers as a web map: styled, toggleable, searchable, with a table of area per zone, and
    optionally the sites of a screening result. Small layer sets give one self-contained HTML file; official-size
    ones a page and a folder of vector tiles, to publish together on any web server (or `zoning serve --atlas`)."""
    from ..engine import make_context
    from ..render.atlas import write_atlas
    from ..render.basemaps import tianditu_key as key_of
    ctx = make_context(layers=layers_path, date=date_)
    path = write_atlas(ctx, out, tiles=tiles, results=results, basemap=basemap, tianditu_key=key_of(tianditu_key),
                       overlay=overlay)
    folder = path.with_name(f"{path.stem}_tiles")
    extra = f" and its vector tiles in {folder}/" if tiles != "no" and folder.is_dir() else ""
    wrote(path, f" ({path.stat().st_size / 1e6:.1f} MB){extra}")
