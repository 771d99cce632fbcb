"""Whether a layer's features can be where its CRS says: a lon/lat layer declared as Gauss-Kruger metres lands
near the equator, and every site would be judged clear of it. Such a layer fails, naming the CRS that fits."""
from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from ..errors import LayerError
from ..geometry.crs import CGCS2000, CHINA_LONLAT, ZONES, gk_epsg, transformer
from .. import messages

# a GK zone's official area of use is its 3- or 6-degree strip, but a province is often drawn in one zone
# that it overhangs by a few degrees; beyond this margin the numbers cannot be that CRS's
MARGIN_DEG = 6.0


def check_plausible(crs: str, geoms, where: str, coverage=None) -> None:
    """Raise LayerError when the features (in `crs`) fall outside China, far outside the CRS's area of use,
    or entirely outside the layer's own coverage (a polygon in `crs`, or None)."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return
    b = shapely.total_bounds(geoms)
    if not np.isfinite(b).all():
        raise LayerError(messages.error("layer_not_finite"), source=where,
                         expected="finite coordinates in the declared CRS")
    lonlat = _lonlat_bounds(crs, b)
    w, s, e, n = CHINA_LONLAT
    problem = None
    if lonlat is None:
        problem = "cannot be converted to longitude/latitude"
    elif lonlat[0] < w or lonlat[2] > e or lonlat[1] < s or lonlat[3] > n:
        problem = (f"lie at {lonlat[0]:.2f}..{lonlat[2]:.2f}°E, {lonlat[1]:.2f}..{lonlat[3]:.2f}°N, outside China")
    else:
        use = CRS.from_user_input(crs).area_of_use
        if use is not None and (lonlat[0] < use.west - MARGIN_DEG or lonlat[2] > use.east + MARGIN_DEG
                                or lonlat[1] < use.south - MARGIN_DEG or lonlat[3] > use.north + MARGIN_DEG):
            problem = (f"lie at {lonlat[0]:.2f}..{lonlat[2]:.2f}°E, far outside the area of use of {crs} "
                       f"({use.west:.1f}..{use.east:.1f}°E)")
    if problem is None and coverage is not None and not coverage.is_empty and not _meets(coverage, geoms, b):
        problem = "lie entirely outside the layer's own coverage"
    if problem is None:
        return
    raise LayerError(messages.error("layer_crs_wrong", crs=crs, problem=problem, problem_zh="不在应在的位置"),
                     source=where,
                     field="crs", expected=f"the CRS the coordinates are in; {suggest_layer_crs(b)}")


def _meets(coverage, geoms, b) -> bool:
    if not coverage.intersects(shapely.box(*b)):
        return False
    shapely.prepare(coverage)
    return bool(shapely.intersects(coverage, geoms).any())


def _lonlat_bounds(crs: str, b) -> tuple | None:
    try:
        out = transformer(crs, CGCS2000).transform_bounds(b[0], b[1], b[2], b[3], densify_pts=21)
    except Exception:      # PROJ refuses points outside its domain in several ways
        return None
    return tuple(out) if np.isfinite(out).all() else None


def suggest_layer_crs(b) -> str:
    """The CRS the numbers of bounds `b` (minx, miny, maxx, maxy) look like."""
    minx, miny, maxx, maxy = b
    w, s, e, n = CHINA_LONLAT
    if w <= minx and maxx <= e and s <= miny and maxy <= n:
        return 'they look like longitude/latitude: crs = "EPSG:4490" (CGCS2000)'
    if minx > 1e4 and maxx < 1e6 and miny >= 1e6 and maxy < 1e7:
        return ('they look like Gauss-Kruger metres without a zone prefix: the CRS of their central meridian, '
                'e.g. crs = "EPSG:4546" (CGCS2000 CM 111°E) or "EPSG:4547" (CM 114°E) for Hunan')
    zone = int(minx // 1e6)
    if zone == int(maxx // 1e6) and miny >= 1e6 and maxy < 1e7:
        for width in (3, 6):
            lo, hi = ZONES[width]
            if lo <= zone <= hi:
                return (f'the eastings carry zone prefix {zone}: crs = "EPSG:{gk_epsg("cgcs2000", width, zone, True)}" '
                        f"(CGCS2000 {width}-degree zone {zone})")
    if s <= minx and maxx <= n and w <= miny and maxy <= e:
        return "they look like latitude/longitude in swapped order; write them as longitude, latitude"
    return "an EPSG code such as 4490 (lon/lat) or 4547 (Gauss-Kruger CM 114°E)"
