"""Corridor geometry: severance, residual width beside the site, by erosion of the corridor."""
from __future__ import annotations

from dataclasses import dataclass

import shapely

QUAD_SEGS = 4  # erosion only counts parts; coarse arcs keep it fast without changing the count


@dataclass
class CorridorEffect:
    feature: str
    min_width_m: float
    parts_before: int
    parts_after: int
    severs: bool
    narrows: bool                   # leaves a neck narrower than the minimum width
    residual_width_m: float | None  # estimated narrowest width left beside the site (0 when severed)

    def to_dict(self) -> dict:
        return {"feature": self.feature, "min_width_m": self.min_width_m, "severs": self.severs,
                "narrows_below_min_width": self.narrows, "parts_before": self.parts_before,
                "parts_after": self.parts_after,
                "residual_width_m": None if self.residual_width_m is None else round(self.residual_width_m, 1)}


def _parts(geom) -> int:
    return 0 if geom.is_empty else int(shapely.get_num_geometries(geom)) if geom.geom_type.startswith("Multi") \
        or geom.geom_type == "GeometryCollection" else 1


def _eroded_parts(geom, width: float) -> int:
    return _parts(shapely.buffer(geom, -width / 2, quad_segs=QUAD_SEGS))


def assess(feature_geom, site, min_width: float, name: str = "") -> CorridorEffect:
    """Does removing `site` split the corridor, or leave it narrower than `min_width` beside the site?"""
    remaining = shapely.difference(feature_geom, site)
    before, after = _parts(feature_geom), _parts(remaining)
    severs = after > before
    # Erode only a window around the site: the test is local and buffering the whole corridor is slow.
    window = shapely.box(*site.bounds).buffer(max(3 * min_width, 500.0), join_style="mitre")
    local, local_left = shapely.intersection(feature_geom, window), shapely.intersection(remaining, window)
    narrows = severs or _eroded_parts(local_left, min_width) > _eroded_parts(local, min_width)
    residual = None
    if severs:
        residual = 0.0
    elif narrows:
        residual = _residual_width(local, local_left, min_width)
    return CorridorEffect(name, float(min_width), before, after, severs, narrows, residual)


def _residual_width(local, local_left, min_width: float, steps: int = 7) -> float:
    """The widest erosion width that does not split what is left, by bisection below `min_width`."""
    lo, hi = 0.0, min_width
    for _ in range(steps):
        mid = (lo + hi) / 2
        if _eroded_parts(local_left, mid) > _eroded_parts(local, mid):
            hi = mid
        else:
            lo = mid
    return lo
