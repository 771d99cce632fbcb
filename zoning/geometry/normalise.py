"""From a site as given to the site as analysed: CRS resolved, repaired, projected, footprint, hash."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS

from ..errors import InputError, ZoningError
from . import offsets
from .axis import fix_lonlat, resolve_gk, suggest_crs
from .crs import (CGCS2000, OFFSETS, GKSpec, analysis_epsg, crs_key, crs_label, datum_of, gk_info,
                  is_geographic, lat_in_china, lon_in_china, parse_crs, screening_crs)
from .project import reproject
from .repair import POLYGONAL, polygonal, repair, shell_area
from ..messages import error, warning


MAX_SITE_AREA_M2 = 2e9     # 2,000 km²: four times the green heart; a larger "site" is refused as its row's error
MAX_SITE_PARTS = 50_000    # polygons of one multi-part site (20,000 take about 5 s here)
MAX_SITE_VERTICES = 2_000_000


@dataclass
class SiteBatch:
    """Sites ready for overlay, as arrays; a row with `errors[i]` set is skipped by the overlay."""
    inputs: list
    lonlat: np.ndarray           # CGCS2000 lon/lat polygons
    projected: np.ndarray        # polygons in the analysis CRS of each row
    epsg: np.ndarray             # analysis EPSG per row (0 for rows in error)
    area: np.ndarray             # m²
    perimeter: np.ndarray        # m
    sha256: list
    source_crs: list
    footprint: list
    warnings: list               # per row
    errors: list                 # per row: a ZoningError or None
    tolerance: float
    _inner: dict | None = None   # sites shrunk by the tolerance, made when first asked for

    def __len__(self):
        return len(self.inputs)

    def subset(self, rows) -> SiteBatch:
        rows = np.asarray(rows, dtype=np.int64)
        pick = lambda seq: [seq[i] for i in rows]   # noqa: E731
        return SiteBatch(inputs=pick(self.inputs), lonlat=self.lonlat[rows], projected=self.projected[rows],
                         epsg=self.epsg[rows], area=self.area[rows], perimeter=self.perimeter[rows],
                         sha256=pick(self.sha256), source_crs=pick(self.source_crs), footprint=pick(self.footprint),
                         warnings=pick(self.warnings), errors=pick(self.errors), tolerance=self.tolerance)

    def inner(self, i):
        """Site i shrunk by the tolerance (the site itself when it is too thin to shrink); kept per site.

        A multi-part site shrinks part by part (its parts are disjoint, and stay so when shrunk): one buffer of
        the whole would union thousands of parts again."""
        if self.tolerance <= 0:
            return self.projected[i]
        if self._inner is None:
            self._inner = {}
        if i in self._inner:
            return self._inner[i]
        site = self.projected[i]
        if site.geom_type == "MultiPolygon":
            pieces = shapely.buffer(shapely.get_parts(site), -self.tolerance)
            pieces = shapely.get_parts(pieces[~shapely.is_empty(pieces)])
            shrunk = shapely.multipolygons(pieces) if len(pieces) else shapely.Polygon()
        else:
            shrunk = shapely.buffer(site, -self.tolerance)
        if shrunk.is_empty:
            note = (f"the site is narrower than twice the tolerance ({self.tolerance:g} m); "
                    "no boundary tolerance applied")
            if note not in self.warnings[i]:
                self.warnings[i].append(note)
            shrunk = self.projected[i]
        self._inner[i] = shrunk
        return shrunk


def resolve_crs(site_input, crs_option=None) -> tuple[object, list]:
    """The site's CRS: --crs, then the file's, then plausible lon/lat taken as CGCS2000 with a warning."""
    warnings = []
    if crs_option:
        crs = parse_crs(crs_option)
        if site_input.crs and site_input.crs != crs:
            warnings.append(warning("crs_override", crs=crs_option, file_crs=crs_label(site_input.crs)))
        return crs, warnings
    if site_input.crs:
        return site_input.crs if isinstance(site_input.crs, GKSpec) or site_input.crs in OFFSETS \
            else crs_key(site_input.crs), warnings
    xy = shapely.get_coordinates(site_input.geometry)
    x, y = xy[:, 0], xy[:, 1]
    lonlat = (lon_in_china(x) & lat_in_china(y)).all()
    latlon = (lon_in_china(y) & lat_in_china(x)).all()
    if lonlat or latlon:
        warnings.append(warning("crs_assumed"))
        return CGCS2000, warnings
    raise InputError(error("no_crs", x=x.min(), y=y.min()),
                     source=site_input.source, row=site_input.row,
                     expected=suggest_crs(site_input.geometry))


def to_computable(geom, declared, source) -> tuple[object, str, list]:
    """(geometry, PROJ-usable CRS key, warnings): offsets undone, GK zones and axis order settled."""
    warnings = []
    if declared in OFFSETS:
        geom = offsets.to_wgs84(geom, declared)
        warnings.append(warning("offset_undone", source=source, crs=crs_label(declared)))
        return geom, CGCS2000, warnings
    if isinstance(declared, GKSpec) or gk_info(declared):
        geom, key, w = resolve_gk(geom, declared, source)
        warnings += w
        if isinstance(declared, GKSpec) and declared.towgs84:
            key = crs_key(CRS.from_proj4(CRS.from_user_input(key).to_proj4() + " +towgs84="
                                         + ",".join(f"{v:g}" for v in declared.towgs84)))
            warnings.append(warning("towgs84", source=source))
            return geom, key, warnings
    else:
        key = declared
        if is_geographic(key):
            geom, w = fix_lonlat(geom, source)
            warnings += w
    if datum_of(key) in ("xian80", "beijing54"):
        warnings.append(warning("no_datum_shift", source=source, crs=crs_label(key)))
    return geom, key, warnings


def normalise_batch(site_inputs, *, crs_option=None, radius_m=None, width_m=None, tolerance_m=0.5) -> SiteBatch:
    """Normalise many sites at once; a site that cannot be normalised gets its error, the others go on."""
    n = len(site_inputs)
    warnings = [list(si.warnings) for si in site_inputs]
    errors = [si.error for si in site_inputs]
    if crs_option:
        parse_crs(crs_option)        # a bad --crs is the user's error for the whole run, not one row's
    for i in _non_finite([si.geometry for si in site_inputs], errors):
        si = site_inputs[i]
        errors[i] = InputError(error("not_finite_coordinate"), source=si.source, row=si.row,
                               expected="numeric coordinates")
    geoms, src, declared_of = _resolve_crs_all(site_inputs, crs_option, errors, warnings)
    _refuse_unworkable(site_inputs, geoms, errors)
    rows = np.flatnonzero(np.array([e is None for e in errors], dtype=bool))
    lonlat, epsg, projected = _project(geoms, src, rows, n, warnings)
    area, simple, footprint = _footprints(site_inputs, projected, rows, radius_m, width_m, errors, warnings)
    ok = np.array([e is None for e in errors], dtype=bool)
    rows = np.flatnonzero(ok)
    perimeter = np.zeros(n)
    sha: list[str | None] = [None] * n
    area[~ok] = 0.0
    if len(rows):
        perimeter[rows] = shapely.length(projected[rows])
        changed = rows[~simple[rows]]      # repaired or buffered: lon/lat from the analysed polygon
        for key in {epsg[i] for i in changed}:
            sel = np.array([i for i in changed if epsg[i] == key])
            lonlat[sel] = reproject(projected[sel], f"EPSG:{key}", CGCS2000)
        for r, digest in zip(rows.tolist(), geometry_sha256(lonlat[rows]), strict=True):
            sha[r] = digest
    epsg[~ok] = 0
    for r in rows.tolist():
        note = _declared_area_note(site_inputs[r], area[r])
        if note:
            warnings[r].append(note)
    return SiteBatch(inputs=list(site_inputs), lonlat=lonlat, projected=projected, epsg=epsg, area=area,
                     perimeter=perimeter, sha256=sha, source_crs=declared_of, footprint=footprint,
                     warnings=warnings, errors=errors, tolerance=tolerance_m)


def _resolve_crs_all(site_inputs, crs_option, errors, warnings):
    """(geometries as computable, the CRS each is computed in, the CRS each was declared in) of every row; a row
    whose CRS cannot be settled gets its error."""
    n = len(site_inputs)
    geoms = np.empty(n, dtype=object)
    src: list = [None] * n
    declared_of: list = [None] * n
    plausible = _plausible_lonlat([si.geometry if e is None else None
                                   for si, e in zip(site_inputs, errors, strict=True)])
    resolved: dict = {}      # a declared CRS resolves the same for every row that declares it
    for i, si in enumerate(site_inputs):
        if errors[i] is not None:
            continue
        try:
            if si.crs and _hashable(si.crs):
                if si.crs not in resolved:
                    resolved[si.crs] = resolve_crs(si, crs_option)
                declared, w = resolved[si.crs]
                w = list(w)
            else:
                declared, w = resolve_crs(si, crs_option)
            if plausible[i] and _plain_geographic(declared):     # the common case, settled for the batch at once
                geom, computable, more = si.geometry, declared, []
            else:
                geom, computable, more = to_computable(si.geometry, declared, si.source)
        except ZoningError as exc:
            errors[i] = exc.on_row(si.row)
            continue
        warnings[i] += w + more
        geoms[i] = geom
        declared_of[i] = declared if declared in OFFSETS else computable
        src[i] = screening_crs(computable)
    return geoms, src, declared_of


def _refuse_unworkable(site_inputs, geoms, errors) -> None:
    """Rows too large to work on, or whose polygon encloses no area, get their error before any costly step."""
    for i, what in _oversized(geoms, errors):
        si = site_inputs[i]
        errors[i] = InputError(error("too_complex", what=what), source=si.source, row=si.row,
                               expected=f"at most {MAX_SITE_PARTS:,} polygons and {MAX_SITE_VERTICES:,} vertices "
                                        "per site; split it into several sites")
    for i in _degenerate(geoms, errors):
        si = site_inputs[i]
        errors[i] = InputError(error("collinear"),
                               source=si.source, row=si.row, expected="a polygon with at least three distinct "
                                                                      "vertices that enclose an area")


def _project(geoms, src, rows, n, warnings):
    """(CGCS2000 lon/lat, analysis EPSG, projected geometry) of `rows`, by batches of one CRS pair each."""
    lonlat = np.empty(n, dtype=object)
    for key in {src[i] for i in rows}:
        sel = np.array([i for i in rows if src[i] == key])
        lonlat[sel] = reproject(geoms[sel], key, CGCS2000)
    epsg = np.zeros(n, dtype=np.int64)
    projected = np.empty(n, dtype=object)
    if not len(rows):
        return lonlat, epsg, projected
    b = shapely.bounds(lonlat[rows])
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    epsg[rows] = analysis_epsg(np.round(cx, 6), np.round(cy, 6))
    china = lon_in_china(b[:, 0]) & lon_in_china(b[:, 2]) & lat_in_china(b[:, 1]) & lat_in_china(b[:, 3])
    for i, inside, x, y in zip(rows, china, b[:, 0], b[:, 1], strict=True):
        if not inside:
            warnings[i].append(f"the site ({x:.4f}, {y:.4f}) lies outside China; check the CRS")
    for key in {(src[i], epsg[i]) for i in rows}:
        sel = np.array([i for i in rows if (src[i], epsg[i]) == key])
        projected[sel] = reproject(geoms[sel], key[0], f"EPSG:{key[1]}")
    return lonlat, epsg, projected


def _footprints(site_inputs, projected, rows, radius_m, width_m, errors, warnings):
    """(area, whether each row was a valid polygon as given, footprint note): points and lines buffered, invalid
    polygons repaired, a site over the size limit refused."""
    n = len(site_inputs)
    footprint: list = [None] * n
    # valid polygons with an area need nothing more: only the others go through _polygon one by one
    simple = np.zeros(n, dtype=bool)
    area = np.zeros(n)
    if len(rows):
        area[rows] = shapely.area(projected[rows])
        simple[rows] = (np.isin(shapely.get_type_id(projected[rows]), (3, 6)) & shapely.is_valid(projected[rows])
                        & (area[rows] > 0))
    for i in rows[~simple[rows]]:
        projected[i], footprint[i], err, w = _polygon(projected[i], site_inputs[i], radius_m, width_m)
        if err is not None:
            errors[i] = err
        else:
            area[i] = projected[i].area
        warnings[i] += w
    for i in np.flatnonzero(area > MAX_SITE_AREA_M2):
        if errors[i] is None:
            si = site_inputs[i]
            errors[i] = InputError(error("too_large", km2=area[i] / 1e6, limit=MAX_SITE_AREA_M2 / 1e6),
                                   source=si.source, row=si.row,
                                   expected="a project site; split a larger area into sites of at most "
                                            f"{MAX_SITE_AREA_M2 / 1e6:,.0f} km²")
    return area, simple, footprint


def _declared_area_note(si, measured: float) -> str | None:
    """A warning when the area a file states (界址点 TXT) differs from the geometry's by more than 1 %."""
    stated = si.declared_area_m2
    if not stated or abs(measured - stated) <= 0.01 * stated:
        return None
    how = f" ({si.declared_area_text})" if si.declared_area_text else ""
    units = abs(stated / 1e4 - measured) <= 0.01 * measured
    hint_zh, hint = warning("declared_area_hint_units" if units else "declared_area_hint").split(" ", 1)
    return warning("declared_area", source=si.source, stated=stated, how=how, measured=measured, hint_zh=hint_zh,
                   hint=hint)


def _oversized(geoms, errors) -> list[tuple[int, str]]:
    """Rows over the per-site limits of parts and vertices: refused before any costly work on them."""
    rows = np.flatnonzero(np.array([e is None for e in errors], dtype=bool) & ~shapely.is_missing(geoms))
    if not len(rows):
        return []
    g = geoms[rows]
    parts, verts = shapely.get_num_geometries(g), shapely.get_num_coordinates(g)
    out = []
    for k in np.flatnonzero((parts > MAX_SITE_PARTS) | (verts > MAX_SITE_VERTICES)):
        what = (f"{parts[k]:,} polygons (limit {MAX_SITE_PARTS:,})" if parts[k] > MAX_SITE_PARTS
                else f"{verts[k]:,} vertices (limit {MAX_SITE_VERTICES:,})")
        out.append((int(rows[k]), what))
    return out


DEGENERATE = 1e-10      # area / (bounding-box diagonal)² below this is a line or a point, not a polygon


def _degenerate(geoms, errors) -> list[int]:
    """Rows whose polygon encloses no area in the coordinates as given: judged there, before a projection bends
    a straight row of lon/lat points into a sliver with an area (a polygon is refused, never made into another
    site). A bow-tie encloses area once made valid: it is repaired later, with a warning, not refused."""
    ok = np.array([e is None for e in errors], dtype=bool) & ~shapely.is_missing(geoms)
    rows = np.flatnonzero(ok & np.isin(shapely.get_type_id(geoms), (3, 6)))     # Polygon, MultiPolygon
    if not len(rows):
        return []
    g = geoms[rows]
    b = shapely.bounds(g)
    scale = (b[:, 2] - b[:, 0]) ** 2 + (b[:, 3] - b[:, 1]) ** 2
    with np.errstate(all="ignore"):
        small = ~(np.abs(shapely.area(g)) > DEGENERATE * scale)
        if small.any():
            fixed = shapely.area(shapely.make_valid(g[small]))
            small[small] = ~(fixed > DEGENERATE * scale[small])
    return [int(rows[k]) for k in np.flatnonzero(small)]


def _non_finite(geoms, errors) -> list[int]:
    """Rows with a NaN or infinite coordinate: every later step would turn them into nonsense, not an error."""
    ok = np.array([e is None and g is not None for g, e in zip(geoms, errors, strict=False)], dtype=bool)
    if not ok.any():
        return []
    rows = np.flatnonzero(ok)
    xy, idx = shapely.get_coordinates(np.array(geoms, dtype=object)[rows], return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    return [int(r) for r in np.unique(rows[idx[bad]])] if bad.any() else []


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _plausible_lonlat(geoms) -> np.ndarray:
    """Per geometry: every coordinate is a longitude, latitude in China (None counts as not)."""
    out = np.zeros(len(geoms), dtype=bool)
    have = np.array([g is not None for g in geoms], dtype=bool)
    if not have.any():
        return out
    idx_have = np.flatnonzero(have)
    xy, idx = shapely.get_coordinates(np.array(geoms, dtype=object)[idx_have], return_index=True)
    bad = ~(lon_in_china(xy[:, 0]) & lat_in_china(xy[:, 1]))
    counts = np.bincount(idx, minlength=len(idx_have))
    out[idx_have] = (np.bincount(idx, weights=bad, minlength=len(idx_have)) == 0) & (counts > 0)
    return out


@lru_cache(maxsize=64)
def _plain_geographic(declared) -> bool:
    """A lon/lat CRS that needs no offset, zone or datum handling (CGCS2000, WGS84)."""
    return (isinstance(declared, str) and declared not in OFFSETS and not gk_info(declared)
            and is_geographic(declared) and datum_of(declared) not in ("xian80", "beijing54"))


def _polygon(projected, si, radius_m, width_m):
    """(polygon, footprint note, error, warnings) for one projected site geometry."""
    kind = projected.geom_type
    footprint, warnings = None, []
    if kind in ("Point", "MultiPoint"):
        if not radius_m:
            return None, None, InputError(error("is_point"), source=si.source, row=si.row,
                                          expected=error("is_point_expected")), []
        projected = shapely.buffer(projected, radius_m, quad_segs=16)
        footprint = f"point buffered by {radius_m:g} m"
    elif kind in ("LineString", "MultiLineString", "LinearRing"):
        if not width_m:
            return None, None, InputError(error("is_line"), source=si.source, row=si.row,
                                          expected=error("is_line_expected")), []
        projected = shapely.buffer(projected, width_m / 2, cap_style="flat")
        footprint = f"line buffered to a {width_m:g} m wide corridor"
    elif kind not in POLYGONAL:
        return None, None, InputError(error("not_a_site", kind=kind), source=si.source, row=si.row,
                                      expected="a Polygon or MultiPolygon (or a point with --radius, a line with "
                                               "--width)"), []
    else:
        fixed, reason = repair(projected)
        if reason:
            before, after = shell_area(projected), float(fixed.area)
            change = f" ({(after - before) / before * 100:+.2f} %)" if before > 0 else ""
            warnings.append(warning("repaired", reason=reason, before=before, after=after, change=change))
            projected = fixed
    projected = polygonal(projected)
    if projected is None or projected.is_empty or projected.area <= 0:
        return None, None, InputError(error("no_area"), source=si.source, row=si.row,
                                      expected="a polygon with a non-zero area"), warnings
    return projected, footprint, None, warnings


def geometry_sha256(geoms) -> list[str]:
    """Hash of each site in CGCS2000 lon/lat, normalised and rounded to 1e-9 degree (about 0.1 mm)."""
    geoms = np.array(geoms, dtype=object)          # a copy: set_coordinates replaces its elements
    has_z = shapely.has_z(geoms)
    if has_z.any():
        geoms[has_z] = shapely.force_2d(geoms[has_z])
    # snapping to the 1e-9 grid (half up, as GEOS's set_precision does) at a fraction of set_precision's cost
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    xy = np.floor(xy * 1e9 + 0.5) / 1e9
    snapped = shapely.set_coordinates(geoms, xy)
    # only geometries with a repeated coordinate (after snapping) need them removed
    repeated = np.zeros(len(geoms), dtype=bool)
    repeated[owner[1:][(owner[1:] == owner[:-1]) & (xy[1:] == xy[:-1]).all(axis=1)]] = True
    if repeated.any():
        snapped[repeated] = shapely.remove_repeated_points(snapped[repeated])
    canon = shapely.normalize(snapped)
    return [hashlib.sha256(w).hexdigest() for w in shapely.to_wkb(canon, output_dimension=2, byte_order=1)]
