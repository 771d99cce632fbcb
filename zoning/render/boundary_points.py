"""The 界址点成果表 of a site: every vertex of every ring as J1, J2 ... with X (northing) and Y (easting, with
the zone prefix) in the site's CGCS2000 3-degree Gauss-Kruger zone, to the millimetre, with edge lengths and
areas. The reports list it; `check --coords-out` writes it as a 界址点 TXT."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import shapely

from ..geometry.crs import gk_epsg
from ..geometry.project import reproject

MAX_LISTED = 2_000       # points listed in a report; a larger site's full list is the --coords-out TXT


@dataclass
class Ring:
    part: int                  # 1-based polygon of the site
    number: int                # ring number across the site (1-based), as the TXT numbers them
    hole: bool
    points: list               # [(label, x_north, y_east)], closed: the last repeats the first
    edges: list                # edge length (m) from each point to the next
    area_m2: float             # the ring's own area (positive)


@dataclass
class BoundaryPoints:
    zone: int
    central_meridian: int
    epsg: int                  # the zone's EPSG code (eastings with the zone prefix)
    area_m2: float
    rings: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(r.points) - 1 for r in self.rings)

    @property
    def label(self) -> str:
        return (f"2000国家大地坐标系 CGCS2000 · 3度带 第{self.zone}带 zone {self.zone} (中央经线 CM "
                f"{self.central_meridian}°E, EPSG:{self.epsg}) · X 北坐标 northing, Y 东坐标含带号 easting with zone "
                "prefix")


def boundary_points(site_lonlat) -> BoundaryPoints:
    """The table of a site given as CGCS2000 lon/lat polygons."""
    c = site_lonlat.centroid
    zone = int(round(c.x / 3))
    epsg = gk_epsg("cgcs2000", 3, zone, True)
    gk = reproject(site_lonlat, "EPSG:4490", f"EPSG:{epsg}")
    out = BoundaryPoints(zone=zone, central_meridian=zone * 3, epsg=epsg, area_m2=float(gk.area))
    number, label = 0, 0
    for part_no, poly in enumerate(shapely.get_parts(gk), start=1):
        for hole, ring in [(False, poly.exterior)] + [(True, r) for r in poly.interiors]:
            number += 1
            coords = [(round(x, 3), round(y, 3)) for x, y in ring.coords]
            labels = []
            for _ in coords[:-1]:
                label += 1
                labels.append(f"J{label}")
            labels.append(labels[0])
            points = [(lab, y, x) for lab, (x, y) in zip(labels, coords, strict=False)]     # X = northing, Y = easting
            edges = [math.dist(coords[k], coords[k + 1]) for k in range(len(coords) - 1)]
            out.rings.append(Ring(part_no, number, hole, points, edges, abs(shapely.Polygon(ring).area)))
    return out


def listed_points(result):
    """(BoundaryPoints or None, the rings a report lists, whether the list was cut at MAX_LISTED points)."""
    if result.site_geometry is None or result.site_geometry.is_empty:
        return None, [], False
    coords = boundary_points(result.site_geometry)
    rings, total = [], 0
    for ring in coords.rings:
        if total + len(ring.points) > MAX_LISTED:
            return coords, rings, True
        rings.append(ring)
        total += len(ring.points)
    return coords, rings, False
