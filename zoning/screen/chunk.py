"""One chunk of a project list through the engine: a row per input row, and the findings of every row."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from ..engine import Context, run
from ..errors import ZoningError
from ..geometry.normalise import normalise_batch
from ..rules.categories import resolve_category
from ..rules.ruleset import VERDICTS, verdict_rank
from ..values import application_date
from ..verdict.build import build_result, rule_sets_dict
from ..verdict.result import FINDING_JSON
from ..units import areas, rnd

BASE_COLUMNS = ["row", "id", "name", "category", "category_name", "national_major", "date", "verdict", "complete",
                "site_area_m2", "site_area_mu", "rules", "incomplete_reasons", "warnings", "error",
                "geometry_sha256", "layer_versions", "rule_versions"]
LAYER_COLUMNS = ["status", "zone", "zone_name", "overlap_m2", "overlap_mu", "share"]
FINDING_COLUMNS = ["row", "id", *FINDING_JSON]      # the JSON findings of `check`, with the row


def columns(layer_ids) -> list[str]:
    return BASE_COLUMNS + [f"{lid}_{c}" for lid in layer_ids for c in LAYER_COLUMNS]


_FLOAT = ("site_area_m2", "site_area_mu", "overlap_m2", "overlap_mu", "share", "overlap_ha", "overlap_share",
          "distance_m")
_BOOL = ("national_major", "complete", "drives_verdict")


def _type(name: str):
    if name == "row":
        return pa.int64()
    if name in _BOOL:
        return pa.bool_()
    if name.endswith(_FLOAT):
        return pa.float64()
    return pa.string()


def row_schema(layer_ids):
    return pa.schema([pa.field(c, _type(c)) for c in columns(layer_ids)])


def finding_schema():
    return pa.schema([pa.field(c, _type(c)) for c in FINDING_COLUMNS])


@dataclass(frozen=True)
class ChunkSettings:
    crs: str | None = None
    radius_m: float | None = None
    width_m: float | None = None
    default_category: str | None = None
    national_major: bool | None = None
    findings: bool = True       # False: rows only, and the engine skips what only findings would show


@dataclass
class ChunkResult:
    index: int
    rows: object                # pyarrow Table: one row per input row, in input order, with geometry_wkb
    findings: object            # pyarrow Table: the JSON findings of `check`, with the row number
    reports: list               # (row dict, CheckResult) of rows whose report was asked for
    n: int = 0                  # input rows in the chunk

    def __post_init__(self):
        if self.rows is not None:
            self.n = len(self.rows)


def _resolver(ctx, settings):
    """Category and flag per site, resolved once per distinct raw value (errors name their row)."""
    memo = {}

    def resolve(si):
        key = (si.category, si.national_major)
        if key not in memo:
            try:
                memo[key] = resolve_category(ctx.catalogue, si, None, settings.national_major,
                                             default_category=settings.default_category)
            except ZoningError:
                return resolve_category(ctx.catalogue, si, None, settings.national_major,
                                        default_category=settings.default_category)   # raises with the row
        return memo[key]
    return resolve


def process_chunk(index: int, sites, ctx: Context, settings: ChunkSettings, *, report_levels=None) -> ChunkResult:
    """Run the engine on one chunk of SiteInputs; a bad row gets its error, the others their verdicts."""
    layer_ids = [s.id for s in ctx.manifest.layers]
    n = len(sites)
    cats: list = [None] * n
    majors = [False] * n
    dates = [ctx.date] * n
    errors: list[str | None] = [None] * n
    resolve, parsed = _resolver(ctx, settings), {}
    for i, si in enumerate(sites):
        if si.error is not None:
            errors[i] = str(si.error)
            continue
        try:
            cats[i], majors[i] = resolve(si)
            if si.date is not None:
                if si.date not in parsed:
                    parsed[si.date] = application_date(si.date)
                dates[i] = parsed[si.date]
        except ZoningError as exc:
            errors[i] = str(exc)
    batch = normalise_batch([si if e is None else _as_error(si, e) for si, e in zip(sites, errors, strict=False)],
                            crs_option=settings.crs, radius_m=settings.radius_m, width_m=settings.width_m,
                            tolerance_m=ctx.tolerance_m)
    row_no = np.array([si.row if si.row is not None else i + 1 for i, si in enumerate(sites)], dtype=np.int64)
    ids = np.array([si.id or "" for si in sites], dtype=object)
    messages = [errors[i] or (str(batch.errors[i]) if batch.errors[i] is not None else "") for i in range(n)]
    cols = _error_columns(sites, row_no, ids, messages, layer_ids)
    finding_tables, reports = [], []
    for d in sorted(set(dates)):
        rows = np.array([i for i in range(n) if dates[i] == d and batch.errors[i] is None], dtype=np.int64)
        if not len(rows):
            continue
        sub_ctx = ctx.on_date(d)
        sub = batch.subset(rows)
        outcome = run(sub, [cats[i].code for i in rows], [majors[i] for i in rows], sub_ctx,
                      informational=settings.findings or report_levels is not None)
        _fill_rows(cols, rows, sub, outcome, sub_ctx, [cats[i] for i in rows], [majors[i] for i in rows], layer_ids)
        if settings.findings:
            finding_tables.append(_finding_table(outcome.findings, rows, row_no, ids))
        if report_levels is not None:
            for j in np.flatnonzero(np.isin(outcome.verdict, list(report_levels))):
                i = rows[j]
                result = build_result(sub_ctx, sub, int(j), cats[i], majors[i], outcome.site(int(j)))
                reports.append(({"row": int(row_no[i]), "id": ids[i]}, result))
    geometry = np.empty(n, dtype=object)
    good = np.flatnonzero([e is None for e in batch.errors])
    geometry[good] = shapely.to_wkb(batch.lonlat[good])
    table = _table(cols, row_schema(layer_ids)).append_column("geometry_wkb", pa.array(geometry, pa.binary()))
    if finding_tables:
        findings = pa.concat_tables(finding_tables)
        findings = findings.take(pc.sort_indices(findings.column("_pos")))
        findings = findings.drop_columns(["_pos"])
    else:
        findings = finding_schema().empty_table()
    return ChunkResult(index, table, findings, reports)


def _error_columns(sites, row_no, ids, errors, layer_ids) -> dict:
    """Every row as if in error: the rows that get verdicts are filled in afterwards."""
    n = len(sites)
    cols = {c: np.full(n, None, dtype=object) for c in columns(layer_ids)}
    cols.update({"row": row_no, "id": ids, "name": np.array([si.name or "" for si in sites], dtype=object),
                 "category": np.array([si.category or "" for si in sites], dtype=object),
                 "error": np.array(errors, dtype=object), "complete": np.zeros(n, dtype=bool),
                 "national_major": np.zeros(n, dtype=bool), "site_area_m2": np.zeros(n), "site_area_mu": np.zeros(n)})
    for lid in layer_ids:
        for c in ("overlap_m2", "overlap_mu", "share"):
            cols[f"{lid}_{c}"] = np.zeros(n)
    return cols


def _fill_rows(cols, rows, sub, outcome, ctx, cats, majors, layer_ids):
    """The output row of each site that `run` judged: what `check` would report for it."""
    a = areas(sub.area)
    f = outcome.findings
    site_of = f["site"]
    drive = f["drives_verdict"] & np.array([r is not None for r in f["rule"]], dtype=bool)
    rules = [[] for _ in rows]
    for s, rule in zip(site_of[drive].tolist(), f["rule"][drive].tolist(), strict=False):
        if rule not in rules[s]:
            rules[s].append(rule)
    versions = json.dumps({lr.id: lr.version for lr in outcome.layers}, ensure_ascii=False)
    rule_versions = json.dumps({r["id"]: r["version"] for r in rule_sets_dict(ctx)}, ensure_ascii=False)
    values = {
        "name": [sub.inputs[j].name or "" for j in range(len(rows))], "category": [c.code for c in cats],
        "category_name": [c.name for c in cats], "national_major": majors, "date": ctx.date.isoformat(),
        "verdict": outcome.verdict, "complete": outcome.complete, "site_area_m2": a["m2"], "site_area_mu": a["mu"],
        "rules": [";".join(r) for r in rules], "incomplete_reasons": ["; ".join(r) for r in outcome.reasons],
        "warnings": ["; ".join(w) for w in outcome.warnings], "error": "", "geometry_sha256": sub.sha256,
        "layer_versions": versions, "rule_versions": rule_versions}
    for name, v in values.items():
        cols[name][rows] = v
    hit_type = np.isin(f["type"], ["overlap", "boundary_contact"])
    rank = verdict_rank(f["verdict"], len(VERDICTS))
    for k, lid in enumerate(layer_ids):
        cols[f"{lid}_status"][rows] = outcome.status[:, k]
        sel = np.flatnonzero(hit_type & (f["layer_index"] == k))
        zone = np.full(len(rows), "", dtype=object)
        zone_name = np.full(len(rows), "", dtype=object)
        overlap, share = np.zeros(len(rows)), np.zeros(len(rows))
        if len(sel):
            # the layer's worst zone: worst verdict among driving overlaps, else the largest overlap or contact
            order = np.lexsort((-f["overlap_m2"][sel], rank[sel], ~f["drives_verdict"][sel], site_of[sel]))
            sel = sel[order]
            first = sel[np.r_[True, site_of[sel][1:] != site_of[sel][:-1]]]
            s = site_of[first]
            zone[s], zone_name[s] = f["zone"][first], f["zone_name"][first]
            overlap[s], share[s] = f["overlap_m2"][first], f["overlap_share"][first]
        oa = areas(overlap)
        cols[f"{lid}_zone"][rows], cols[f"{lid}_zone_name"][rows] = zone, zone_name
        cols[f"{lid}_overlap_m2"][rows], cols[f"{lid}_overlap_mu"][rows] = oa["m2"], oa["mu"]
        cols[f"{lid}_share"][rows] = rnd(share, 6)


def _finding_table(f, rows, row_no, ids):
    """The findings of a batch as the findings table: exactly the JSON findings of `check`, with the row."""
    pos = rows[f["site"]]
    a = areas(f["overlap_m2"])
    dist = f["distance_m"]
    data = {"row": row_no[pos], "id": ids[pos]}
    for name in FINDING_COLUMNS[2:]:
        if name == "overlap_m2":
            data[name] = a["m2"]
        elif name == "overlap_ha":
            data[name] = a["ha"]
        elif name == "overlap_mu":
            data[name] = a["mu"]
        elif name == "overlap_share":
            data[name] = rnd(f["overlap_share"], 6)
        elif name == "distance_m":
            data[name] = pa.array(rnd(np.nan_to_num(dist), 2), pa.float64(), mask=np.isnan(dist))
        else:
            data[name] = f[name]
    table = _table(data, finding_schema())
    return table.append_column("_pos", pa.array(pos, pa.int64()))


def _table(cols: dict, schema):
    arrays = []
    for fld in schema:
        v = cols[fld.name]
        arrays.append(v if isinstance(v, pa.Array) else pa.array(v, fld.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _as_error(si, message):
    from ..errors import InputError
    from ..inputs.sites import SiteInput
    return SiteInput(geometry=None, crs=None, source=si.source, id=si.id, row=si.row, error=InputError(message))
