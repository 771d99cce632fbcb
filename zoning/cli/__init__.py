"""The `zoning` command: one module per sub-command over the library, in the style of rio and fio. Heavy
imports happen inside each command, so that `zoning --help` stays quick."""
from __future__ import annotations

import warnings

import click

from .atlas import atlas
from .check import check
from .doctor import doctor
from .impact import impact
from .layers import layers
from .register import register
from .rules import rules
from .screen import screen
from .serve import serve
from .suitability import suitability
from .users import users

__all__ = ["main", "check", "screen", "serve"]


def _print_versions(ctx, _param, value):
    if not value or ctx.resilient_parsing:
        return
    from ..doctor import versions
    for name, version in versions():
        click.echo(f"{name} {version}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_versions,
              help="Versions of zoning, GDAL, GEOS, PROJ and the rule sets, then exit.")
@click.option("-v", "--verbose", count=True, help="More messages: -v what is done, -vv debugging detail.")
@click.option("-q", "--quiet", is_flag=True, help="Only results and errors: no progress, no 'wrote' lines.")
@click.pass_context
def main(ctx, verbose, quiet):
    """Admission checks for the Chang-Zhu-Tan Ecological Green Heart (长株潭生态绿心), ecological red
    lines (生态保护红线) and ecological corridors (生态廊道).

    \b
    zoning check SITE --category CODE    verdict for one site
    zoning screen LIST --out OUT.gpkg    a verdict per row of a project list
    zoning atlas --out maps/atlas.html   the layers as one web map
    zoning serve                         the web app for approvals staff
    zoning layers                        the layers of the manifest, with hashes and problems
    zoning rules                         the admission matrix the tool applies
    """
    import logging

    from .. import progress
    ctx.obj = {"verbose": verbose, "quiet": quiet}
    progress.QUIET = quiet
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="zoning: %(levelname)s: %(message)s")
    # numeric noise of hostile coordinates is answered by the error that follows, never shown as a raw warning
    for module in ("numpy", "shapely", "pyogrio", "rasterio", "pyproj"):
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=module)
    warnings.filterwarnings("ignore", message="Non closed ring detected", category=RuntimeWarning)


for command in (check, screen, atlas, serve, doctor, users, register, suitability, impact, layers, rules):
    main.add_command(command)
