"""Making geometries valid and polygonal, and saying what the repair changed."""
from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon

POLYGONAL = ("Polygon", "MultiPolygon")


def polygonal(geom):
    """The polygonal part of a geometry (make_valid may return a collection with stray lines)."""
    if geom is None or geom.is_empty:
        return geom
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in POLYGONAL]
    polys = [q for p in parts for q in (p.geoms if isinstance(p, MultiPolygon) else [p])]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def shell_area(geom) -> float:
    """Area enclosed by the rings as drawn, by the shoelace formula (meaningful even for a bowtie)."""
    total = 0.0
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        total += abs(_signed(poly.exterior.coords)) - sum(abs(_signed(r.coords)) for r in poly.interiors)
    return total


def _signed(coords) -> float:
    xy = list(coords)
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(xy, xy[1:], strict=False))


def repair(geom):
    """(valid polygonal geometry, reason or None) for one geometry."""
    if geom.is_valid:
        return geom, None
    reason = shapely.is_valid_reason(geom)
    return polygonal(shapely.make_valid(geom)), reason
