"""The CheckResult of one row of a batch: the site as reported, the verdict and findings, the versions of the
layers and rule sets used, and the disclaimer. What `check` returns, `screen` writes and the web files."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._version import __version__
from ..geometry.crs import crs_label, screening_crs
from ..units import areas
from .result import CheckResult

if TYPE_CHECKING:
    from ..engine import Context

DISCLAIMER = ("本结果为依据所载图层与规则文件的技术性筛查，不构成行政许可、审批意见或法律意见。"
              "A technical screening against the loaded layers and rule files: not an administrative decision, "
              "approval or legal advice. The rule files record the legal basis and confidence of every cell.")


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
