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


def _clip(geom, box):
    """`geom` within the rectangle `box`: the fast clip, or an exact intersection where the fast one is not valid."""
    clipped = shapely.clip_by_rect(geom, *box)
    return clipped if shapely.is_valid(clipped) else shapely.intersection(geom, shapely.box(*box))


def _unchanged(area, hole) -> bool:
    """True when taking `hole` out of `area` certainly leaves as many parts: decided near the hole alone.

    Clip `area` to a box a little wider than `hole`. If every clipped part reaches the box's edge and taking the
    hole out leaves as many of them, each stays one part with all its crossings of the edge (the hole does not
    reach it), so the parts of `area` stay connected as before. False means undecided, not split."""
    x0, y0, x1, y1 = hole.bounds
    pad = max(x1 - x0, y1 - y0) / 4 + 1.0
    box = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    near = _clip(area, box)
    if near.is_empty:
        return True
    pieces = shapely.get_parts(near)
    b = shapely.bounds(pieces)
    edge = (b[:, 0] <= box[0]) | (b[:, 1] <= box[1]) | (b[:, 2] >= box[2]) | (b[:, 3] >= box[3])
    return bool(edge.all()) and _parts(shapely.difference(near, hole)) == len(pieces)


class Erosions:
    """A corridor eroded by each distance asked for, computed once: the erosion of the whole corridor serves every
    site beside it (a batch keeps one per feature)."""

    def __init__(self, geom):
        self.geom, self.done = geom, {}

    def __call__(self, r: float):
        if r not in self.done:
            self.done[r] = shapely.buffer(self.geom, -r, quad_segs=QUAD_SEGS)
        return self.done[r]


def _splits(erosions, window, site, width: float) -> bool:
    """Does taking `site` out of the corridor within `window` leave more parts once both are eroded by half
    `width`?

    Erosion of (corridor ∩ window − site) is the corridor's erosion, clipped to the window shrunk by the same
    distance, minus the site dilated by it: the corridor is eroded once per distance for all sites, not per test."""
    r = width / 2
    x0, y0, x1, y1 = window
    eroded = _clip(erosions(r), (x0 + r, y0 + r, x1 - r, y1 - r))
    left = shapely.difference(eroded, shapely.buffer(site, r, quad_segs=QUAD_SEGS))
    return _parts(left) > _parts(eroded)


def assess(feature_geom, site, min_width: float, name: str = "", residual: bool = True,
           erosions: Erosions | None = None) -> CorridorEffect:
    """Does removing `site` split the corridor, or leave it narrower than `min_width` beside the site?

    `residual=False` leaves the residual width unmeasured (None): the verdict does not depend on it. `erosions`
    of `feature_geom` may be shared by the sites of a batch."""
    before = _parts(feature_geom)
    after = before if _unchanged(feature_geom, site) else _parts(shapely.difference(feature_geom, site))
    severs = after > before
    # the narrowing test is local: only a window around the site counts
    x0, y0, x1, y1 = site.bounds
    margin = max(3 * min_width, 500.0)
    window = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    erosions = erosions or Erosions(feature_geom)
    narrows = severs or _splits(erosions, window, site, min_width)
    width = None
    if severs:
        width = 0.0
    elif narrows and residual:
        width = _residual_width(erosions, window, site, min_width)
    return CorridorEffect(name, float(min_width), before, after, severs, narrows, width)


RESIDUAL_BRACKET_M = 0.05   # the width is printed to 0.1 m: the bracket's midpoint is within 0.025 m


def _residual_width(erosions, window, site, min_width: float) -> float:
    """The widest erosion width that does not split what is left: bisection below `min_width` until the bracket
    is under RESIDUAL_BRACKET_M, its midpoint returned.

    Each step erodes only the corridor inside the window (erosion is local: within the window shrunk by r it
    equals the whole corridor's erosion), so a long corridor costs what the window holds."""
    local = Erosions(_clip(erosions.geom, window))
    lo, hi = 0.0, min_width
    while hi - lo >= RESIDUAL_BRACKET_M:
        mid = (lo + hi) / 2
        if _splits(local, window, site, mid):
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2
