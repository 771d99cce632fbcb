"""`zoning.check`: one site, every layer of the manifest, one verdict. The CLI, batch and maps call this."""
from __future__ import annotations

import datetime as dt
import os

from . import __version__
from .engine import Context, run
from .errors import InputError
from .geometry.crs import crs_label, screening_crs
from .geometry.normalise import normalise_batch
from .inputs import ReadOptions, SiteInput, read_site, site_from_wkt
from .layers import Manifest, load_manifest
from . import values
from .rules import load_catalogue
from .units import areas
from .verdict.result import CheckResult

DISCLAIMER = ("本结果为依据所载图层与规则文件的技术性筛查，不构成行政许可、审批意见或法律意见。"
              "A technical screening against the loaded layers and rule files: not an administrative decision, "
              "approval or legal advice. The rule files record the legal basis and confidence of every cell.")


def parse_date(value, *, source="--date") -> dt.date:
    """The application date: today when none is given (see values.date for the spellings)."""
    return values.date(value, source=source) or dt.date.today()


def _site_input(site, wkt, site_id, read_options) -> SiteInput:
    if isinstance(site, SiteInput):
        return site
    if wkt is not None:
        return site_from_wkt(wkt)
    if site is None:
        raise InputError("no site given", expected="a site file or --wkt")
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


def make_context(*, layers=None, date=None, tolerance_m=0.5, catalogue=None) -> Context:
    catalogue = catalogue or load_catalogue()
    manifest = layers if isinstance(layers, Manifest) else load_manifest(layers)
    return Context(manifest=manifest, catalogue=catalogue, date=parse_date(date),
                   tolerance_m=values.tolerance(tolerance_m))


def resolve_category(catalogue, given: SiteInput, category=None, national_major=None, default_category=None):
    """(Category, national_major) from the command line, else from the site's own columns, else the default."""
    raw = category if category is not None else given.category
    if raw is None:
        raw = default_category
    if raw is None:
        raise InputError("no project category", source=given.source, row=given.row, field="category",
                         expected="--category CODE (a list: a category column or --default-category); codes: "
                                  + ", ".join(catalogue.categories.by_code))
    cat = catalogue.categories.match(raw, source="--category" if category is not None else given.source,
                                     row=None if category is not None else given.row,
                                     field=None if category is not None else "category")
    if national_major is not None:
        return cat, values.flag(national_major, source="national_major")
    if given.national_major is None:
        return cat, False
    return cat, values.flag(given.national_major, source=given.source, row=given.row, field="national_major")


def build_result(ctx: Context, batch, i: int, cat, major: bool, outcome, *, name=None) -> CheckResult:
    """The CheckResult of row `i` of a batch: what `check` returns and `screen` writes."""
    given = batch.inputs[i]
    a = areas(batch.area[i])
    src = batch.source_crs[i]
    site = {
        "id": given.id, "name": name or given.name, "category": cat.code, "category_name": cat.name,
        "category_name_en": cat.name_en, "national_major": major, "area_m2": a["m2"], "area_ha": a["ha"],
        "area_mu": a["mu"], "geometry_sha256": batch.sha256[i], "source": given.source,
        "source_crs": crs_label(src) + (" (taken as CGCS2000: same at screening precision)"
                                        if isinstance(src, str) and screening_crs(src) != src else ""),
        "footprint": batch.footprint[i], "bounds_lonlat": [round(v, 7) for v in batch.lonlat[i].bounds],
    }
    m = ctx.manifest
    return CheckResult(
        verdict=outcome.verdict, complete=outcome.complete, date=ctx.date.isoformat(), site=site,
        layers=outcome.layers, findings=outcome.findings, rule_sets=rule_sets_dict(ctx), tool_version=__version__,
        analysis_crs=crs_label(int(batch.epsg[i])), tolerance_m=batch.tolerance, warnings=outcome.warnings,
        incomplete_reasons=outcome.reasons,
        manifest={"path": str(m.path), "title": m.title, "version": m.version or None, "sha256": m.sha256,
                  "demo": m.demo, "notice": m.notice, "categories_version": ctx.catalogue.categories.version},
        disclaimer=DISCLAIMER, site_geometry=batch.lonlat[i])


def rule_sets_dict(ctx: Context) -> list[dict]:
    return [{"id": rs.id, "version": rs.version, "sha256": rs.sha256, "title": rs.title,
             "in_force_from": rs.in_force_from.isoformat() if rs.in_force_from else None,
             "in_force_to": rs.in_force_to.isoformat() if rs.in_force_to else None,
             "status_on_date": rs.status_on(ctx.date)} for rs in ctx.rule_sets()]
