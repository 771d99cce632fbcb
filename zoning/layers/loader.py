"""Reading one layer whole from any GDAL vector source or PostGIS table into arrays of geometries, zone codes and
names: what a prepared store is built from (`prepared.py`)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import LayerError
from ..geometry.crs import crs_key, screening_crs
from ..geometry.project import reproject
from ..geometry.repair import POLYGONAL, repair
from ..inputs.dbf import dbf_encoding
from ..rules import RuleSet
from .manifest import LayerSpec
from .plausible import check_plausible
from ..messages import warning
from .. import messages


@dataclass
class SourceLayer:
    """One layer read whole, validated and hashed, in its own CRS (overlay.index builds its analysis copy)."""
    spec: LayerSpec
    rule_set: RuleSet
    crs: str
    geoms: np.ndarray            # shapely polygons, repaired
    zones: np.ndarray            # zone code per feature
    names: np.ndarray            # feature name per feature
    widths: np.ndarray | None    # corridor minimum width (m) per feature
    fids: np.ndarray
    sha256: str
    coverage: object             # shapely polygon in layer CRS, or None = unbounded
    coverage_label: str
    invalid: list = field(default_factory=list)   # (fid, reason) of repaired features
    warnings: list = field(default_factory=list)
    fetched_version: str | None = None   # from the database when the manifest says how to read it

    @property
    def version(self) -> str:
        return self.fetched_version or self.spec.version or "unversioned"


def _fetch_file(spec: LayerSpec, wanted: list[str], where: str):
    """(CRS text or None, fids, WKB list, {field: values}, version) of a layer file GDAL reads."""
    encoding = spec.encoding or dbf_encoding(spec.source)
    try:
        info = pyogrio.read_info(spec.source, layer=spec.table, encoding=encoding)
    except (DataSourceError, DataLayerError) as exc:
        raise LayerError(messages.error("layer_unreadable", why=exc), source=where,
                         expected="a vector file GDAL reads" + (f" with table '{spec.table}'" if spec.table else "")) \
            from None
    fields = list(info["fields"])
    missing = [f for f in wanted if f not in fields]
    if missing:
        raise LayerError(messages.error("layer_fields", fields=missing), source=where,
                         expected="one of " + ", ".join(fields))
    meta, fids, wkb, columns = pyogrio.raw.read(spec.source, layer=spec.table, encoding=encoding,
                                                columns=wanted, return_fids=True)
    return meta.get("crs"), fids, wkb, dict(zip(meta["fields"], columns, strict=False)), spec.version


def wanted_fields(spec: LayerSpec) -> list[str]:
    return list(dict.fromkeys(f for f in (spec.zone_field, spec.name_field, spec.width_field) if f))


def read_source(spec: LayerSpec, rule_set: RuleSet, *, fetched=None, coverage=None) -> SourceLayer:
    """The whole layer, read, repaired and hashed; raises LayerError with what to fix. `fetched` (rows a window
    read returned) and `coverage` (the whole layer's (polygon, label)) make it a part of the layer instead."""
    where = f"layer '{spec.id}' ({spec.source})"
    wanted = wanted_fields(spec)
    if fetched is not None:
        crs_text, fids, wkb, col, version = fetched
    elif spec.is_database:
        from .postgis import fetch_table
        crs_text, fids, wkb, col, version = fetch_table(spec, wanted, where)
    else:
        crs_text, fids, wkb, col, version = _fetch_file(spec, wanted, where)
    crs_text = spec.crs or crs_text
    if not crs_text:
        raise LayerError(messages.error("layer_no_crs"), source=where,
                         expected='declare it in the manifest: crs = "EPSG:4490"')
    try:
        crs = screening_crs(crs_key(CRS.from_user_input(crs_text)))
    except CRSError:
        raise LayerError(messages.error("layer_unknown_crs", crs=crs_text), source=where,
                         expected="an EPSG code or WKT") from None
    n = len(wkb)
    geoms = shapely.from_wkb(wkb)
    digest = hashlib.sha256(crs.encode())
    for i in range(n):
        digest.update(bytes(wkb[i] or b""))
        for f in wanted:
            digest.update(b"\x1f" + str(col[f][i]).encode("utf-8"))
    layer_warnings, invalid = [], []
    keep = np.ones(n, dtype=bool)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            keep[i] = False
            layer_warnings.append(warning("feature_empty", fid=fids[i]))
            continue
        if g.geom_type not in POLYGONAL:
            keep[i] = False
            layer_warnings.append(warning("feature_not_polygon", fid=fids[i], kind=g.geom_type))
            continue
        fixed, reason = repair(g)
        if reason:
            invalid.append((int(fids[i]), reason))
            geoms[i] = fixed
    zones = _zones(spec, rule_set, col, n, where)
    names = (np.array([("" if v is None else str(v)) for v in col[spec.name_field]], dtype=object)
             if spec.name_field else np.array([f"{spec.id}#{f}" for f in fids], dtype=object))
    widths = _widths(spec, rule_set, col, n, layer_warnings, fids)
    coverage, label = coverage if coverage is not None else _coverage(spec, crs, geoms[keep], where)
    check_plausible(crs, geoms[keep], where, coverage if fetched is None else None)
    sel = keep
    return SourceLayer(spec=spec, rule_set=rule_set, crs=crs, geoms=geoms[sel], zones=zones[sel], names=names[sel],
                       widths=None if widths is None else widths[sel], fids=np.asarray(fids)[sel],
                       sha256=digest.hexdigest(), coverage=coverage, coverage_label=label,
                       invalid=invalid, warnings=layer_warnings, fetched_version=version)


def _zones(spec, rule_set, col, n, where) -> np.ndarray:
    if not spec.zone_field:
        top = [z for z in rule_set.zones.values() if not z.within]
        return np.array([top[0].code] * n, dtype=object)
    out, unknown = np.empty(n, dtype=object), dict[str, int]()
    for i, raw in enumerate(col[spec.zone_field]):
        text = "" if raw is None else str(raw).strip()
        code = spec.zone_values.get(text) or rule_set.zone_for_value(text)
        if code not in rule_set.zones:
            unknown[text] = unknown.get(text, 0) + 1
        out[i] = code
    if unknown:
        listed = ", ".join(f"'{k}' ({v} features)" for k, v in unknown.items())
        raise LayerError(messages.error("layer_zone_values", values=listed, rule_set=rule_set.id), source=where,
                         field=spec.zone_field,
                         expected="map them in the manifest, e.g. zone_values = { \"禁止开发区\" = \"prohibited\" }; "
                                  "zones: " + ", ".join(f"{z.code} ({z.name})" for z in rule_set.zones.values()))
    return out


def _widths(spec, rule_set, col, n, layer_warnings, fids):
    default = rule_set.default_min_width_m
    if spec.kind != "corridor":
        return None
    if not spec.width_field:
        return np.full(n, float(default or 100.0))
    out = np.empty(n)
    for i, raw in enumerate(col[spec.width_field]):
        try:
            out[i] = float(raw)
            if not out[i] > 0:
                raise ValueError
        except (TypeError, ValueError):
            out[i] = float(default or 100.0)
            layer_warnings.append(warning("feature_width", fid=fids[i], raw=raw, default=out[i]))
    return out


def _coverage(spec: LayerSpec, crs: str, geoms, where):
    cov = spec.coverage
    if cov == "unbounded":
        return None, "unbounded"
    if cov is None:
        if len(geoms) == 0:
            return shapely.Polygon(), "empty layer"
        return shapely.box(*shapely.total_bounds(geoms)), "layer bounding box"
    if isinstance(cov, list):
        return shapely.box(*cov), f"bbox {cov}"
    path = (spec.base / str(cov)).resolve()
    try:
        meta, _, wkb, _ = pyogrio.raw.read(path, read_geometry=True, columns=[])
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise LayerError(messages.error("coverage_unreadable", path=path, why=exc), source=where,
                         expected='coverage = "unbounded", a polygon file, or [minx, miny, maxx, maxy]') from None
    area = shapely.union_all(shapely.from_wkb(wkb))
    if meta.get("crs") and screening_crs(crs_key(meta["crs"])) != crs:
        area = reproject(area, screening_crs(crs_key(meta["crs"])), crs)
    return area, f"polygon file {cov}"

