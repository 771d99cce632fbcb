"""From a site as given to the site as analysed: CRS resolved, repaired, projected, footprint, hash."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import shapely
from pyproj import CRS

from ..errors import InputError
from . import offsets
from .axis import fix_lonlat, resolve_gk, suggest_crs
from .crs import (CGCS2000, OFFSETS, GKSpec, analysis_epsg, crs_key, crs_label, datum_of, gk_info, in_china_lonlat,
                  is_geographic, parse_crs, screening_crs)
from .project import reproject
from .repair import POLYGONAL, polygonal, repair, shell_area


@dataclass
class Site:
    """A site ready for overlay: lon/lat (CGCS2000) and projected geometry, both polygonal."""
    lonlat: object
    projected: object
    inner: object            # projected, shrunk by the tolerance (boundary contacts vanish from it)
    epsg: int
    area_m2: float
    sha256: str
    source_crs: str
    warnings: list = field(default_factory=list)
    footprint: str | None = None   # how a point or line became the checked polygon


def resolve_crs(site_input, crs_option=None) -> tuple[object, list]:
    """The site's CRS: --crs, then the file's, then plausible lon/lat taken as CGCS2000 with a warning."""
    warnings = []
    if crs_option:
        crs = parse_crs(crs_option)
        if site_input.crs and site_input.crs != crs:
            warnings.append(f"--crs {crs_option} overrides the file's CRS ({crs_label(site_input.crs)})")
        return crs, warnings
    if site_input.crs:
        return site_input.crs if isinstance(site_input.crs, GKSpec) or site_input.crs in OFFSETS \
            else crs_key(site_input.crs), warnings
    xy = shapely.get_coordinates(site_input.geometry)
    x, y = xy[:, 0], xy[:, 1]
    lonlat = ((x >= 73) & (x <= 135.5) & (y >= 3) & (y <= 54)).all()
    latlon = ((y >= 73) & (y <= 135.5) & (x >= 3) & (x <= 54)).all()
    if lonlat or latlon:
        warnings.append("no CRS given; coordinates look like longitude/latitude in China and are taken as "
                        "CGCS2000 (EPSG:4490)")
        return CGCS2000, warnings
    raise InputError(f"no CRS, and coordinates ({x.min():.3f}, {y.min():.3f}) are not longitude/latitude in China",
                     source=site_input.source, row=site_input.row,
                     expected=suggest_crs(site_input.geometry))


def to_computable(geom, declared, source) -> tuple[object, str, list]:
    """(geometry, PROJ-usable CRS key, warnings): offsets undone, GK zones and axis order settled."""
    warnings = []
    if declared in OFFSETS:
        geom = offsets.to_wgs84(geom, declared)
        warnings.append(f"{source}: {crs_label(declared)} coordinates converted to WGS84/CGCS2000 "
                        "(iterative inverse, error < 0.01 m)")
        return geom, CGCS2000, warnings
    if isinstance(declared, GKSpec) or gk_info(declared):
        geom, key, w = resolve_gk(geom, declared, source)
        warnings += w
        if isinstance(declared, GKSpec) and declared.towgs84:
            key = crs_key(CRS.from_proj4(CRS.from_user_input(key).to_proj4() + " +towgs84="
                                         + ",".join(f"{v:g}" for v in declared.towgs84)))
            warnings.append(f"{source}: 7-parameter datum transformation from the file header applied")
            return geom, key, warnings
    else:
        key = declared
        if is_geographic(key):
            geom, w = fix_lonlat(geom, source)
            warnings += w
    if datum_of(key) in ("xian80", "beijing54"):
        warnings.append(f"{source}: {crs_label(key)} has no public transformation to CGCS2000; converted without "
                        "a datum shift, so positions may be off by tens of metres. Give the 7 parameters "
                        "(转换参数) or convert the data to CGCS2000")
    return geom, key, warnings


def normalise(site_input, *, crs_option=None, radius_m=None, width_m=None, tolerance_m=0.5) -> Site:
    declared, warnings = resolve_crs(site_input, crs_option)
    geom, declared, more = to_computable(site_input.geometry, declared, site_input.source)
    warnings += more
    src_crs = screening_crs(declared)
    lonlat = reproject(geom, src_crs, CGCS2000)
    minx, miny, maxx, maxy = lonlat.bounds
    if not (in_china_lonlat(minx, miny) and in_china_lonlat(maxx, maxy)):
        warnings.append(f"the site ({minx:.4f}, {miny:.4f}) lies outside China; check the CRS")
    # the bounds' centre, not the centroid: an invalid ring (a bowtie) has a meaningless centroid
    epsg = analysis_epsg(round((minx + maxx) / 2, 6), round((miny + maxy) / 2, 6))
    projected = reproject(geom, src_crs, f"EPSG:{epsg}")
    footprint = None
    kind = projected.geom_type
    if kind in ("Point", "MultiPoint"):
        if not radius_m:
            raise InputError("the site is a point", source=site_input.source, row=site_input.row,
                             expected="a polygon, or --radius METRES to check a circle around the point")
        projected = shapely.buffer(projected, radius_m, quad_segs=16)
        footprint = f"point buffered by {radius_m:g} m"
    elif kind in ("LineString", "MultiLineString", "LinearRing"):
        if not width_m:
            raise InputError("the site is a line", source=site_input.source, row=site_input.row,
                             expected="a polygon, or --width METRES for a road or pipeline corridor of that width")
        projected = shapely.buffer(projected, width_m / 2, cap_style="flat")
        footprint = f"line buffered to a {width_m:g} m wide corridor"
    elif kind not in POLYGONAL:
        raise InputError(f"a {kind} is not a site", source=site_input.source, row=site_input.row,
                         expected="a Polygon or MultiPolygon (or a point with --radius, a line with --width)")
    else:
        fixed, reason = repair(projected)
        if reason:
            before, after = shell_area(projected), float(fixed.area)
            change = f" ({(after - before) / before * 100:+.2f} %)" if before > 0 else ""
            warnings.append(f"invalid site geometry ({reason}) repaired with make_valid: area of the rings as "
                            f"drawn {before:,.1f} m² -> {after:,.1f} m² after repair{change}")
            projected = fixed
    projected = polygonal(projected)
    if projected.is_empty or projected.area <= 0:
        raise InputError("the site has no area", source=site_input.source, row=site_input.row,
                         expected="a polygon with a non-zero area")
    inner = shapely.buffer(projected, -tolerance_m) if tolerance_m > 0 else projected
    if inner.is_empty:
        warnings.append(f"the site is narrower than twice the tolerance ({tolerance_m:g} m); "
                        "no boundary tolerance applied")
        inner = projected
    lonlat = reproject(projected, f"EPSG:{epsg}", CGCS2000)
    return Site(lonlat=lonlat, projected=projected, inner=inner, epsg=epsg, area_m2=float(projected.area),
                sha256=geometry_sha256(lonlat), source_crs=declared, warnings=warnings, footprint=footprint)


def geometry_sha256(geom) -> str:
    """Hash of the site in CGCS2000 lon/lat, normalised and rounded to 1e-9 degree (about 0.1 mm)."""
    canon = shapely.normalize(shapely.set_precision(geom, 1e-9))
    return hashlib.sha256(shapely.to_wkb(canon, output_dimension=2, byte_order=1)).hexdigest()
