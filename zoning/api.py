"""`zoning.check`: one site, every layer of the manifest, one verdict. The CLI, batch and maps call this."""
from __future__ import annotations

import datetime as dt
import os

from . import __version__
from .errors import InputError, LayerError, RuleSetError
from .geometry.crs import crs_label, screening_crs
from .geometry.normalise import normalise
from .inputs import ReadOptions, SiteInput, read_site, site_from_wkt
from .inputs.fields import parse_flag
from .layers import Manifest, load_layer, load_manifest
from .overlay import overlay_site
from .rules import load_catalogue
from .rules.evaluate import evaluate_layer, near_distance
from .units import areas
from .verdict.decide import layer_status, overall
from .verdict.result import CheckResult, LayerReport

DISCLAIMER = ("本结果为依据所载图层与规则文件的技术性筛查，不构成行政许可、审批意见或法律意见。"
              "A technical screening against the loaded layers and rule files: not an administrative decision, "
              "approval or legal advice. The rule files record the legal basis and confidence of every cell.")


def parse_date(value) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"'{value}' is not a date", source="--date", expected="YYYY-MM-DD") from None


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
          tolerance_m: float = 0.5, radius_m=None, width_m=None, wkt=None, site_id=None, name=None,
          read_options: ReadOptions | None = None, catalogue=None) -> CheckResult:
    """Check one site against every layer of the manifest and return the verdict with its findings.

    `site` is a file path, a shapely geometry (lon/lat CGCS2000 unless `crs`) or a SiteInput; or pass `wkt`.
    `category` is a code, Chinese name or synonym; when omitted the site file's category column is used.
    """
    catalogue = catalogue or load_catalogue()
    manifest = layers if isinstance(layers, Manifest) else load_manifest(layers)
    when = parse_date(date)
    if tolerance_m is None or tolerance_m < 0:
        raise InputError(f"tolerance {tolerance_m} m", source="--tolerance-m", expected="a number >= 0")
    given = _site_input(site, wkt, site_id, read_options)
    raw_cat = category if category is not None else given.category
    if raw_cat is None:
        raise InputError("no project category", source=given.source,
                         expected="--category CODE, e.g. " + ", ".join(list(catalogue.categories.by_code)[:6]) + " ...")
    cat = catalogue.categories.match(raw_cat, source="--category" if category is not None else given.source,
                                     row=None if category is not None else given.row)
    major = bool(national_major) if national_major is not None else (
        parse_flag(given.national_major, source=given.source, row=given.row, field="national_major")
        if given.national_major is not None else False)
    s = normalise(given, crs_option=crs, radius_m=radius_m, width_m=width_m, tolerance_m=tolerance_m)

    if given.declared_area_m2 and abs(s.area_m2 - given.declared_area_m2) > 0.01 * given.declared_area_m2:
        s.warnings.append(f"{given.source}: the file states {given.declared_area_m2:,.1f} m² but the geometry measures "
                          f"{s.area_m2:,.1f} m²; check the coordinates and the zone")
    reports, findings, used_sets = [], [], {}
    for spec in manifest.layers:
        report = LayerReport(id=spec.id, kind=spec.kind, rule_set=spec.rule_set, status="failed",
                             version=spec.version)
        reports.append(report)
        try:
            rs = catalogue.rule_set(spec.rule_set)
            used_sets[rs.id] = rs
            report.rule_set_status = rs.status_on(when)
            if rs.kind != spec.kind:
                raise LayerError(f"rule set {rs.id} judges '{rs.kind}' layers, not '{spec.kind}'",
                                 source=f"layer '{spec.id}'")
            layer = load_layer(spec, rs)
        except (LayerError, RuleSetError) as exc:
            report.error = str(exc)
            continue
        report.sha256, report.coverage, report.warnings = layer.sha256, layer.coverage_label, list(layer.warnings)
        report.version = layer.version
        indexed = layer.indexed(s.epsg)
        measured = overlay_site(s.projected, s.inner, indexed, near_m=near_distance(rs))
        in_force = report.rule_set_status == "in_force"
        layer_findings = evaluate_layer(indexed, measured, s, cat.code, major, in_force)
        report.covered_share = measured.covered_share
        report.status = layer_status(measured.covered_share, layer_findings, in_force)
        findings.extend(layer_findings)

    bounded = [r for r in reports if r.coverage not in (None, "unbounded") and r.covered_share is not None]
    if bounded and all(r.covered_share == 0 for r in bounded):
        s.warnings.append("the site lies outside the coverage of every bounded layer ("
                          + ", ".join(r.id for r in bounded) + "); check its coordinates and CRS")
    verdict, complete, reasons = overall(findings, reports)
    a = areas(s.area_m2)
    site_dict = {
        "id": given.id, "name": name or given.name, "category": cat.code, "category_name": cat.name,
        "category_name_en": cat.name_en, "national_major": major, "area_m2": a["m2"], "area_ha": a["ha"],
        "area_mu": a["mu"], "geometry_sha256": s.sha256, "source": given.source,
        "source_crs": crs_label(s.source_crs) + (" (taken as CGCS2000: same at screening precision)"
                                                  if screening_crs(s.source_crs) != s.source_crs else ""),
        "footprint": s.footprint, "bounds_lonlat": [round(v, 7) for v in s.lonlat.bounds],
    }
    rule_sets = [{"id": rs.id, "version": rs.version, "sha256": rs.sha256, "title": rs.title,
                  "in_force_from": rs.in_force_from.isoformat() if rs.in_force_from else None,
                  "in_force_to": rs.in_force_to.isoformat() if rs.in_force_to else None,
                  "status_on_date": rs.status_on(when)} for rs in used_sets.values()]
    return CheckResult(
        verdict=verdict, complete=complete, date=when.isoformat(), site=site_dict, layers=reports,
        findings=findings, rule_sets=rule_sets, tool_version=__version__, analysis_crs=crs_label(s.epsg),
        tolerance_m=tolerance_m, warnings=given.warnings + s.warnings, incomplete_reasons=reasons,
        manifest={"path": str(manifest.path), "title": manifest.title, "demo": manifest.demo,
                  "notice": manifest.notice, "categories_version": catalogue.categories.version},
        disclaimer=DISCLAIMER, site_geometry=s.lonlat)
