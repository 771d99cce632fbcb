"""`zoning impact`: which past checks or screened rows a layer update changes."""
from __future__ import annotations

import click

from .options import quiet, tolerance_option, user_errors, writes, wrote
from ..messages import error


@click.command()
@click.option("--old", "old_path", required=True, type=click.Path(dir_okay=False), help="The manifest in use.")
@click.option("--new", "new_path", required=True, type=click.Path(dir_okay=False), help="The updated manifest.")
@click.option("--register", "register_path", type=click.Path(dir_okay=False),
              help="Re-run every check of the web app's register (register.sqlite).")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="Re-run every row of a screen's results (.gpkg from `zoning screen --out`).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the changed rows (.xlsx).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), help="Write them as a web map (HTML).")
@tolerance_option
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes of each screen.")
@user_errors
@writes("out_path", "map_path")
def impact(old_path, new_path, register_path, results_path, out_path, map_path, tolerance_m, workers):
    """Which past checks or screened rows get another verdict on new layers: each is re-run on OLD and NEW (with
    its own category, flag and application date) and those whose verdict, completeness, driving findings or
    overlap areas change are listed. Rows that do not change are counted."""
    from ..errors import InputError
    from ..render.impact_out import impact_text, write_impact_map, write_impact_xlsx
    from ..screen.impact import impact as run_impact
    from ..screen.impact import sites_from_results
    from ..web.register import sites_from_register
    if bool(register_path) == bool(results_path):
        raise InputError(error("impact_source"), source="zoning impact",
                         expected="--register register.sqlite or --results results.gpkg")
    if out_path and not out_path.lower().endswith(".xlsx"):
        raise InputError(error("impact_out"), source=out_path, expected="impact.xlsx")
    sites, source = sites_from_register(register_path) if register_path else sites_from_results(results_path)
    result = run_impact(old_path, new_path, sites, source, tolerance_m=tolerance_m, workers=workers,
                        show_progress=not quiet())
    if out_path:
        write_impact_xlsx(result, out_path)
        wrote(out_path)
    if map_path:
        write_impact_map(result, sites, map_path)
        wrote(map_path)
    click.echo(impact_text(result))
