"""`zoning.check`: one site, every layer of the manifest, one verdict. The CLI, batch and maps call this."""
from __future__ import annotations

import os

from . import values
from .engine import Context, make_context, run
from .errors import InputError
from .geometry.normalise import normalise_batch
from .inputs import ReadOptions, SiteInput, read_site, site_from_wkt
from .rules.categories import resolve_category
from .verdict.build import DISCLAIMER, build_result, rule_sets_dict
from .verdict.result import CheckResult
from .messages import error

__all__ = ["DISCLAIMER", "build_result", "check", "make_context", "parse_date", "resolve_category", "rule_sets_dict"]

parse_date = values.application_date      # the public API's name for it


def _site_input(site, wkt, site_id, read_options) -> SiteInput:
    if isinstance(site, SiteInput):
        return site
    if wkt is not None:
        return site_from_wkt(wkt)
    if site is None:
        raise InputError(error("no_site"), expected="a site file or --wkt")
    if hasattr(site, "geom_type"):
        return SiteInput(geometry=site, crs=None, source="geometry")
    if isinstance(site, (str, os.PathLike)):
        return read_site(site, site_id=site_id, opts=read_options or ReadOptions())
    raise InputError(f"cannot read a site from {type(site).__name__}", expected="a path, WKT or shapely geometry")


def check(site=None, *, category=None, national_major=None, date=None, layers=None, crs=None,
          tolerance_m: float | None = None, radius_m=None, width_m=None, wkt=None, site_id=None, name=None,
          read_options: ReadOptions | None = None, catalogue=None, context: Context | None = None) -> CheckResult:
    """Check one site against every layer of the manifest and return the verdict with its findings.

    `site` is a file path, a shapely geometry (lon/lat CGCS2000 unless `crs`) or a SiteInput; or pass `wkt`.
    `category` is a code, Chinese name or synonym; when omitted the site file's category column is used.
    With `context` (a run's shared layers), `date` and `tolerance_m` still apply; the default tolerance is 0.5 m.
    """
    if tolerance_m is not None:
        tolerance_m = values.tolerance(tolerance_m, source="tolerance_m")
    radius_m = None if radius_m is None else values.metres(radius_m, source="radius_m")
    width_m = None if width_m is None else values.metres(width_m, source="width_m")
    if context is not None:
        ctx = context.variant(date=parse_date(date) if date is not None else None, tolerance_m=tolerance_m)
    else:
        ctx = make_context(layers=layers, date=date, catalogue=catalogue,
                           tolerance_m=0.5 if tolerance_m is None else tolerance_m)
    given = _site_input(site, wkt, site_id, read_options)
    cat, major = resolve_category(ctx.catalogue, given, category, national_major)
    batch = normalise_batch([given], crs_option=crs, radius_m=radius_m, width_m=width_m,
                            tolerance_m=ctx.tolerance_m)
    if batch.errors[0] is not None:
        raise batch.errors[0]
    outcome = run(batch, [cat.code], [major], ctx).site(0)
    return build_result(ctx, batch, 0, cat, major, outcome, name=name)
