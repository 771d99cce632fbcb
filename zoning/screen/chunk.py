"""One chunk of a project list through the engine: a row per input row, and the findings of every row."""
from __future__ import annotations

import json
from dataclasses import dataclass

import shapely

from ..api import build_result, parse_date, resolve_category
from ..engine import Context, run
from ..errors import ZoningError
from ..geometry.normalise import normalise_batch
from ..rules.ruleset import VERDICTS
from ..units import areas

BASE_COLUMNS = ["row", "id", "name", "category", "category_name", "national_major", "date", "verdict", "complete",
                "site_area_m2", "site_area_mu", "rules", "incomplete_reasons", "warnings", "error",
                "geometry_sha256", "layer_versions", "rule_versions"]
LAYER_COLUMNS = ["status", "zone", "zone_name", "overlap_m2", "overlap_mu", "share"]
FINDING_COLUMNS = ["row", "id", "layer", "rule_set", "type", "zone", "zone_name", "zone_name_en", "feature",
                   "overlap_m2", "overlap_ha", "overlap_mu", "overlap_share", "distance_m", "verdict", "drives_verdict",
                   "rule", "basis", "authority", "conditions", "conditions_en", "confidence", "features", "corridor",
                   "note", "stats"]


def columns(layer_ids) -> list[str]:
    return BASE_COLUMNS + [f"{lid}_{c}" for lid in layer_ids for c in LAYER_COLUMNS]


_FLOAT = ("site_area_m2", "site_area_mu", "overlap_m2", "overlap_mu", "share", "overlap_ha", "overlap_share",
          "distance_m")
_BOOL = ("national_major", "complete", "drives_verdict")


def _type(name: str):
    import pyarrow as pa
    if name == "row":
        return pa.int64()
    if name in _BOOL:
        return pa.bool_()
    if name.endswith(_FLOAT):
        return pa.float64()
    return pa.string()


def row_schema(layer_ids):
    import pyarrow as pa
    return pa.schema([pa.field(c, _type(c)) for c in columns(layer_ids)])


def finding_schema():
    import pyarrow as pa
    return pa.schema([pa.field(c, _type(c)) for c in FINDING_COLUMNS])


@dataclass(frozen=True)
class ChunkSettings:
    crs: str | None = None
    radius_m: float | None = None
    width_m: float | None = None
    default_category: str | None = None
    national_major: bool | None = None


@dataclass
class ChunkResult:
    index: int
    rows: list[dict]            # one per input row, in input order
    findings: list[dict]        # the JSON findings of `check`, with the row number
    geometry: list              # CGCS2000 lon/lat WKB per row (None for rows in error)
    reports: list               # (row dict, CheckResult) of rows whose report was asked for


def _worst_zone(findings, layer_id):
    """The layer's worst zone: worst verdict among driving overlaps, else the largest overlap or contact."""
    hits = [f for f in findings if f.layer == layer_id and f.type in ("overlap", "boundary_contact")]
    if not hits:
        return None
    drive = [f for f in hits if f.drives_verdict] or hits
    return min(drive, key=lambda f: (VERDICTS.index(f.verdict) if f.verdict in VERDICTS else 9, -f.overlap_m2))


def summary_row(result, row: int, layer_ids) -> dict:
    """The output row of one CheckResult: what `screen` writes for a site that `check` would judge so."""
    s = result.site
    out = {"row": row, "id": s["id"], "name": s["name"], "category": s["category"],
           "category_name": s["category_name"], "national_major": s["national_major"], "date": result.date,
           "verdict": result.verdict, "complete": result.complete, "site_area_m2": s["area_m2"],
           "site_area_mu": s["area_mu"],
           "rules": ";".join(dict.fromkeys(f.rule for f in result.findings if f.drives_verdict and f.rule)),
           "incomplete_reasons": "; ".join(result.incomplete_reasons), "warnings": "; ".join(result.warnings),
           "error": "", "geometry_sha256": s["geometry_sha256"],
           "layer_versions": json.dumps({l.id: l.version for l in result.layers}, ensure_ascii=False),
           "rule_versions": json.dumps({r["id"]: r["version"] for r in result.rule_sets}, ensure_ascii=False)}
    status = {l.id: l.status for l in result.layers}
    for lid in layer_ids:
        f = _worst_zone(result.findings, lid)
        a = areas(f.overlap_m2) if f else None
        out.update({f"{lid}_status": status.get(lid, ""), f"{lid}_zone": f.zone if f else "",
                    f"{lid}_zone_name": f.zone_name if f else "", f"{lid}_overlap_m2": a["m2"] if f else 0.0,
                    f"{lid}_overlap_mu": a["mu"] if f else 0.0,
                    f"{lid}_share": round(f.overlap_share, 6) if f else 0.0})
    return out


def error_row(row: int, site, message: str, layer_ids) -> dict:
    out = {c: None for c in columns(layer_ids)}
    out.update({"row": row, "id": site.id or "", "name": site.name or "", "category": site.category or "",
                "error": message, "complete": False, "national_major": False, "site_area_m2": 0.0,
                "site_area_mu": 0.0})
    for lid in layer_ids:
        out[f"{lid}_overlap_m2"] = out[f"{lid}_overlap_mu"] = out[f"{lid}_share"] = 0.0
    return out


def finding_dicts(result, row: int) -> list[dict]:
    out = []
    for f in result.findings:
        d = f.to_dict()
        d["features"] = json.dumps(d["features"], ensure_ascii=False)
        d["corridor"] = json.dumps(d["corridor"], ensure_ascii=False)
        d["stats"] = json.dumps(d["stats"], ensure_ascii=False)
        out.append({"row": row, "id": result.site["id"], **d})
    return out


def process_chunk(index: int, sites, ctx: Context, settings: ChunkSettings, *, report_levels=None) -> ChunkResult:
    """Run the engine on one chunk of SiteInputs; a bad row gets its error, the others their verdicts."""
    layer_ids = [s.id for s in ctx.manifest.layers]
    n = len(sites)
    cats, majors, dates, errors = [None] * n, [False] * n, [ctx.date] * n, [None] * n
    for i, si in enumerate(sites):
        if si.error is not None:
            errors[i] = str(si.error)
            continue
        try:
            cats[i], majors[i] = resolve_category(ctx.catalogue, si, None, settings.national_major,
                                                  default_category=settings.default_category)
            if si.date is not None:
                dates[i] = parse_date(si.date)
        except ZoningError as exc:
            errors[i] = str(exc)
    batch = normalise_batch([si if e is None else _as_error(si, e) for si, e in zip(sites, errors)],
                            crs_option=settings.crs, radius_m=settings.radius_m, width_m=settings.width_m,
                            tolerance_m=ctx.tolerance_m)
    outcomes = [None] * n
    for d in sorted(set(dates)):
        rows = [i for i in range(n) if dates[i] == d and batch.errors[i] is None]
        if not rows:
            continue
        sub_ctx = ctx.on_date(d)
        sub = batch.subset(rows)
        for i, o in zip(rows, run(sub, [cats[i].code for i in rows], [majors[i] for i in rows], sub_ctx)):
            outcomes[i] = (o, sub_ctx)
    out_rows, out_findings, geometry, reports = [], [], [], []
    for i, si in enumerate(sites):
        row = si.row if si.row is not None else i + 1
        if outcomes[i] is None:
            message = errors[i] or str(batch.errors[i])
            out_rows.append(error_row(row, si, message, layer_ids))
            geometry.append(None)
            continue
        outcome, sub_ctx = outcomes[i]
        result = build_result(sub_ctx, batch, i, cats[i], majors[i], outcome)
        out_rows.append(summary_row(result, row, layer_ids))
        out_findings.extend(finding_dicts(result, row))
        geometry.append(shapely.to_wkb(batch.lonlat[i]))
        if report_levels is not None and result.verdict in report_levels:
            reports.append((out_rows[-1], result))
    return ChunkResult(index, out_rows, out_findings, geometry, reports)


def _as_error(si, message):
    from ..errors import InputError
    from ..inputs.sites import SiteInput
    return SiteInput(geometry=None, crs=None, source=si.source, id=si.id, row=si.row, error=InputError(message))
