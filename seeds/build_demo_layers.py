#!/usr/bin/env python
"""Build the ILLUSTRATIVE demo layers of the Chang-Zhu-Tan Ecological Green Heart.

演示数据，仅供示意，不得用于审批。

No official boundary of the green heart, its zones, the ecological protection
red line or the ecological corridors is public.  This recipe invents plausible
shapes *at the real place*, named after real places, so that the screening
tool can be demonstrated and tested.  The shapes are not official and must
never be used for an approval decision.

What it writes (all GeoPackages in CGCS2000 geographic, EPSG:4490, lon/lat):

    green_heart_2013.gpkg  table green_heart_2013  分区 / 名称 / 编号
    green_heart_2024.gpkg  table green_heart_2024  分区 / 名称 / 编号
    red_line.gpkg          table red_line          红线类型 / 名称 / 编号
    corridors.gpkg         table corridors         名称 / 最小宽度 / 编号
    coverage_demo.gpkg     table coverage          名称
    layers.toml            the manifest

All area work is done in EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E);
the result is converted to EPSG:4490 at the end.

The recipe is deterministic: fixed seeds (numpy default_rng), no time-dependent
input, the GeoPackage timestamps pinned through GDAL's OGR_CURRENT_DATE.

Run:  python seeds/build_demo_layers.py [--out DIR] [--quiet]
"""
from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

# Pin the GeoPackage "last_change" timestamps so that the files are
# byte-for-byte reproducible.  Must be set before GDAL writes anything.
os.environ.setdefault("OGR_CURRENT_DATE", "2026-11-01T00:00:00.000Z")

import geopandas as gpd  # noqa: E402
import pyproj  # noqa: E402
import rasterio.features  # noqa: E402
import rasterio.transform  # noqa: E402
import shapely  # noqa: E402
import shapely.affinity  # noqa: E402
from shapely.geometry import LineString, MultiPolygon, Polygon, box  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "layers"

SEED = 20261121
CRS_GEO = "EPSG:4490"   # CGCS2000 geographic
CRS_WORK = "EPSG:4547"  # CGCS2000 / 3-degree GK CM 114E (metres)
VERSION = "demo-2026.11"

# ---------------------------------------------------------------- targets
KM2 = 1e6
TARGET_OUTLINE_2018 = 528.32 * KM2      # 2018 revised master plan
TARGET_OUTLINE_2024 = 529.79 * KM2      # 2024-2035 plan
TARGET_CORE_2024 = 301.35 * KM2         # 核心保护区, 2024-2035 plan
SHARE_PROHIBITED = 0.50                 # invented: the plan's shares are not public
SHARE_CONTROLLED = 0.10                 # restricted = the rest (~0.40)

COVERAGE_BBOX = (112.40, 27.50, 113.60, 28.40)  # lon/lat

CELL = 50.0        # raster cell (m) for the smooth fields
MIN_PART = 5e4     # parts of a tiling smaller than this (m2) are merged into a neighbour
THIN = 15.0        # parts with no point farther than this (m) from their edge are merged
GRID = 0.001       # precision grid (m) of every overlay in EPSG:4547: snap-rounding keeps
                   # the results robustly valid through the conversion to EPSG:4490

TO_WORK = pyproj.Transformer.from_crs(CRS_GEO, CRS_WORK, always_xy=True)
TO_GEO = pyproj.Transformer.from_crs(CRS_WORK, CRS_GEO, always_xy=True)

# ---------------------------------------------------------------- real places (approximate)
# Ecological "value" centres: forested hills and lakes of the green heart.
ECO_SITES = [
    # name, lon, lat, weight, sigma_km
    ("昭山", 112.960, 27.970, 1.00, 3.2),
    ("石燕湖", 113.070, 28.030, 1.00, 3.6),
    ("九郎山", 113.050, 27.920, 1.00, 3.4),
    ("法华山", 113.110, 27.880, 0.95, 3.0),
    ("云峰湖", 113.150, 27.970, 0.80, 3.0),
    ("仙庾岭", 113.200, 27.930, 0.70, 2.6),
    ("柏加", 113.200, 28.020, 0.55, 3.0),
    ("九华", 112.895, 27.950, 0.45, 2.8),
    ("坪塘", 112.900, 28.035, 0.45, 2.5),
]
# Built-up edges (lower ecological value): the three cities' fringes and towns.
URBAN_SITES = [
    ("暮云", 113.000, 28.070, 0.75, 3.0),
    ("同升", 113.045, 28.095, 0.45, 2.0),
    ("易俗河", 112.950, 27.800, 0.70, 2.6),
    ("岳塘", 112.950, 27.870, 0.55, 2.5),
    ("天元", 113.090, 27.835, 0.70, 3.0),
    ("荷塘", 113.180, 27.870, 0.50, 2.5),
    ("镇头", 113.245, 28.000, 0.35, 2.0),
]
# The 14 management districts of the 2018 plan (approximate seats).
DISTRICTS = [
    ("坪塘", 112.890, 28.050),
    ("暮云", 112.990, 28.055),
    ("同升", 113.050, 28.080),
    ("跳马", 113.095, 28.020),
    ("柏加-镇头", 113.200, 28.020),
    ("九华", 112.885, 27.935),
    ("昭山", 112.970, 27.975),
    ("岳塘", 112.970, 27.885),
    ("湘潭高新区", 113.005, 27.850),
    ("易俗河", 112.940, 27.810),
    ("天元", 113.060, 27.860),
    ("白马垄", 113.110, 27.915),
    ("云龙", 113.150, 27.965),
    ("荷塘", 113.185, 27.895),
]
# Rough outline of the green heart (2018 plan), clockwise from Pingtang.
# Invented from the boundary towns named in the plan summaries; the real
# boundary is not public.
OUTLINE_ANCHORS = [
    (112.868, 28.062), (112.893, 28.072), (112.922, 28.064), (112.942, 28.046), (112.960, 28.018),
    (112.985, 27.998), (113.010, 28.012), (113.030, 28.050), (113.058, 28.080), (113.100, 28.092),
    (113.145, 28.084), (113.185, 28.066), (113.222, 28.044), (113.244, 28.012), (113.234, 27.988),
    (113.200, 27.992), (113.178, 27.982), (113.185, 27.962), (113.210, 27.950), (113.206, 27.925),
    (113.194, 27.905), (113.176, 27.902), (113.162, 27.922), (113.148, 27.928), (113.138, 27.905),
    (113.128, 27.872), (113.105, 27.864), (113.082, 27.882), (113.055, 27.890), (113.025, 27.876),
    (112.998, 27.850), (112.968, 27.810), (112.944, 27.802), (112.930, 27.815), (112.946, 27.845),
    (112.970, 27.872), (112.972, 27.900), (112.952, 27.915), (112.928, 27.918), (112.908, 27.932),
    (112.896, 27.958), (112.894, 27.995), (112.884, 28.035),
]
OUTLINE_CENTRE = (113.040, 27.960)  # scaling origin
# 2024 extension: the north bank of the Liuyang River (a small lobe).
LOBE_2024 = (113.105, 28.106)

# Red-line patches (invented shapes around real places).  name, lon, lat, area_km2, elongation, angle_deg
RED_LINE_PATCHES = [
    ("昭山北", 112.962, 27.982, 9.5, 1.6, 20),
    ("昭山南", 112.975, 27.945, 4.0, 1.5, 120),
    ("石燕湖", 113.072, 28.030, 17.0, 1.4, 60),
    ("石燕湖东", 113.115, 28.045, 5.0, 1.7, 150),
    ("九郎山", 113.045, 27.918, 14.0, 1.5, 100),
    ("九郎山西", 113.005, 27.905, 3.5, 1.6, 30),
    ("法华山", 113.112, 27.878, 11.0, 1.4, 45),
    ("云峰湖", 113.155, 27.970, 6.5, 1.5, 160),
    ("仙庾岭", 113.188, 27.936, 4.5, 1.4, 80),
    # outside the green heart
    ("岳麓山", 112.935, 28.190, 6.0, 1.8, 95),
    ("韶山", 112.505, 27.930, 18.0, 1.4, 30),
    ("浏阳东部山地（大围山方向）", 113.500, 28.200, 24.0, 1.5, 70),
    ("隐山", 112.620, 27.720, 8.0, 1.5, 140),
]
RESERVE_CORE = ("石燕湖", 2.4)  # 自然保护地核心保护区 inside this patch, area km2

# Corridors: name, min width (m), waypoints (lon, lat), meander amplitude (m)
CORRIDORS = [
    ("湘江生态廊道", 1000, [
        (113.175, 27.845), (113.130, 27.828), (113.085, 27.818), (113.035, 27.832),
        (112.985, 27.842), (112.935, 27.858), (112.918, 27.895), (112.935, 27.935),
        (112.948, 27.970), (112.953, 28.015), (112.958, 28.060), (112.962, 28.105),
        (112.966, 28.135)], 250.0),
    ("浏阳河生态廊道", 500, [
        (113.265, 28.075), (113.215, 28.095), (113.160, 28.093), (113.110, 28.101),
        (113.060, 28.099), (113.020, 28.110), (112.990, 28.125)], 200.0),
    ("坪塘-昭山-石燕湖-云峰湖 东西向森林带", 800, [
        (112.885, 28.055), (112.915, 28.035), (112.945, 28.000), (112.965, 27.975),
        (113.005, 27.990), (113.045, 28.020), (113.075, 28.028), (113.110, 28.005),
        (113.140, 27.980), (113.160, 27.965)], 220.0),
    ("易俗河-法华山-石燕湖-跳马 南北向森林带", 800, [
        (112.935, 27.800), (112.955, 27.835), (112.990, 27.862), (113.040, 27.878),
        (113.098, 27.884), (113.110, 27.925), (113.090, 27.968), (113.073, 28.005),
        (113.075, 28.035), (113.082, 28.062)], 220.0),
]

ZONES_2013 = ["禁止开发区", "限制开发区", "控制建设区"]
ZONES_2024 = ["核心保护区", "融合发展区"]
CODE_2013 = {"禁止开发区": "P", "限制开发区": "R", "控制建设区": "C"}
CODE_2024 = {"核心保护区": "C", "融合发展区": "I"}

LAYERS_TOML = """title = "长株潭生态绿心 演示图层 (Chang-Zhu-Tan Green Heart demo layers)"
demo = true
notice = "演示数据，仅供示意，不得用于审批 — ILLUSTRATIVE DEMO DATA: boundaries are invented near the real places; not official, not for approval decisions."

[[layers]]
id = "red_line"
kind = "red_line"
rule_set = "red_line_2022"
path = "red_line.gpkg"
table = "red_line"
zone_field = "红线类型"
zone_values = { "生态保护红线" = "red_line", "自然保护地核心保护区" = "nature_reserve_core" }
name_field = "名称"
version = "demo-2026.11"
coverage = "coverage_demo.gpkg"

[[layers]]
id = "green_heart_2013"
kind = "green_heart"
rule_set = "green_heart_2013"
path = "green_heart_2013.gpkg"
table = "green_heart_2013"
zone_field = "分区"
zone_values = { "禁止开发区" = "prohibited", "限制开发区" = "restricted", "控制建设区" = "controlled" }
name_field = "名称"
version = "demo-2026.11"
coverage = "unbounded"

[[layers]]
id = "green_heart_2024"
kind = "green_heart"
rule_set = "green_heart_2024"
path = "green_heart_2024.gpkg"
table = "green_heart_2024"
zone_field = "分区"
zone_values = { "核心保护区" = "core", "融合发展区" = "integrated" }
name_field = "名称"
version = "demo-2026.11"
coverage = "unbounded"

[[layers]]
id = "corridors"
kind = "corridor"
rule_set = "corridor_2018"
path = "corridors.gpkg"
table = "corridors"
name_field = "名称"
width_field = "最小宽度"
version = "demo-2026.11"
coverage = "coverage_demo.gpkg"

[[layers]]
id = "slope"
kind = "raster_constraint"
rule_set = "terrain_slope"
path = "dem_demo.tif"
version = "demo-2026.11"

[[layers]]
id = "landcover"
kind = "raster_constraint"
rule_set = "landcover"
path = "landcover_demo.tif"
version = "demo-2026.11"
"""  # noqa: E501 - the manifest as written, its notice on one line


# ====================================================================== helpers
def to_work(lon, lat):
    x, y = TO_WORK.transform(lon, lat)
    return float(x), float(y)


def geom_to_geo(geom):
    """EPSG:4547 -> EPSG:4490, vertex by vertex (shared vertices stay shared)."""
    return shapely.transform(geom, lambda c: np.column_stack(TO_GEO.transform(c[:, 0], c[:, 1])))


def geom_to_work(geom):
    return shapely.transform(geom, lambda c: np.column_stack(TO_WORK.transform(c[:, 0], c[:, 1])))


def polygons_of(geom):
    """The Polygon parts of any geometry."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        out = []
        for g in geom.geoms:
            out.extend(polygons_of(g))
        return out
    return []


def clean(geom):
    """Valid, polygonal only."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = polygons_of(geom)
    if not parts:
        return Polygon()
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def inter(a, b):
    return clean(shapely.intersection(a, b, grid_size=GRID))


def diff(a, b):
    return clean(shapely.difference(a, b, grid_size=GRID))


def union(*geoms):
    return clean(shapely.union_all(list(geoms), grid_size=GRID))


def chaikin_ring(coords: np.ndarray, iterations: int) -> np.ndarray:
    """Chaikin corner cutting of a closed ring (coords without the closing point)."""
    p = coords
    for _ in range(iterations):
        q = np.roll(p, -1, axis=0)
        new = np.empty((2 * len(p), 2))
        new[0::2] = 0.75 * p + 0.25 * q
        new[1::2] = 0.25 * p + 0.75 * q
        p = new
    return p


def smooth_polygon(poly: Polygon, simplify: float, iterations: int) -> Polygon:
    poly = shapely.simplify(poly, simplify, preserve_topology=True)

    def sm(ring):
        c = np.asarray(ring.coords)[:-1, :2]
        if len(c) < 4:
            return None
        c = chaikin_ring(c, iterations)
        return np.vstack([c, c[:1]])

    ext = sm(poly.exterior)
    if ext is None:
        return Polygon()
    holes = [h for h in (sm(r) for r in poly.interiors) if h is not None]
    return Polygon(ext, holes)


def star_polygon(cx, cy, radius_fn, n: int) -> Polygon:
    """Polygon r(theta) around (cx, cy); valid by construction when r > 0."""
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    r = radius_fn(theta)
    assert np.all(r > 0)
    xs = cx + r * np.cos(theta)
    ys = cy + r * np.sin(theta)
    return Polygon(np.column_stack([xs, ys]))


def scale_to_area(poly, target, origin):
    s = math.sqrt(target / poly.area)
    return shapely.affinity.scale(poly, s, s, origin=origin)


def periodic_noise(rng, kmin, kmax, slope, rms):
    """1-D multi-octave noise on the circle, returned as a function of theta."""
    k = np.arange(kmin, kmax + 1)
    amp = k.astype(float) ** (-slope)
    amp *= rms / math.sqrt(np.sum(amp ** 2) / 2.0)
    phase = rng.uniform(0, 2 * np.pi, len(k))

    def f(theta):
        return np.sum(amp[:, None] * np.cos(k[:, None] * theta[None, :] + phase[:, None]), axis=0)

    return f


class WaveField:
    """A smooth isotropic random field: a sum of plane cosine waves, ~unit std."""

    def __init__(self, rng, n, wl_min, wl_max, slope=1.0):
        self.theta = rng.uniform(0, 2 * np.pi, n)
        self.wl = np.exp(rng.uniform(math.log(wl_min), math.log(wl_max), n))
        self.phase = rng.uniform(0, 2 * np.pi, n)
        amp = self.wl ** slope
        self.amp = amp / math.sqrt(np.sum(amp ** 2) / 2.0)
        self.kx = 2 * np.pi * np.cos(self.theta) / self.wl
        self.ky = 2 * np.pi * np.sin(self.theta) / self.wl

    def __call__(self, x, y):
        out = np.zeros(np.broadcast(x, y).shape)
        for a, kx, ky, ph in zip(self.amp, self.kx, self.ky, self.phase, strict=False):
            out += a * np.cos(kx * x + ky * y + ph)
        return out


class Grid:
    def __init__(self, bounds, cell):
        xmin, ymin, xmax, ymax = bounds
        xmin = math.floor(xmin / cell) * cell
        ymin = math.floor(ymin / cell) * cell
        xmax = math.ceil(xmax / cell) * cell
        ymax = math.ceil(ymax / cell) * cell
        self.cell = cell
        self.width = int(round((xmax - xmin) / cell))
        self.height = int(round((ymax - ymin) / cell))
        self.transform = rasterio.transform.from_origin(xmin, ymax, cell, cell)
        xs = xmin + (np.arange(self.width) + 0.5) * cell
        ys = ymax - (np.arange(self.height) + 0.5) * cell
        self.X, self.Y = np.meshgrid(xs, ys)
        self.origin = ((xmin + xmax) / 2, (ymin + ymax) / 2)

    def rasterize(self, geom):
        return rasterio.features.rasterize(
            [(geom, 1)], out_shape=(self.height, self.width), transform=self.transform,
            fill=0, dtype="uint8").astype(bool)

    def polygonize(self, mask, min_area, simplify=None, iterations=3):
        """Smooth polygons of a boolean mask (components and holes < min_area dropped)."""
        simplify = 0.8 * self.cell if simplify is None else simplify
        polys = []
        for geo, _ in rasterio.features.shapes(mask.astype("uint8"), mask=mask,
                                               transform=self.transform, connectivity=4):
            coords = geo["coordinates"]
            shell = coords[0]
            holes = [h for h in coords[1:] if Polygon(h).area >= min_area]
            p = Polygon(shell, holes)
            if p.area < min_area:
                continue
            polys.extend(polygons_of(clean(smooth_polygon(p, simplify, iterations))))
        if not polys:
            return Polygon()
        return clean(shapely.union_all(polys))


def thin_or_small(part: Polygon) -> bool:
    return part.area < MIN_PART or shapely.buffer(part, -THIN).is_empty


def absorb_slivers(features):
    """features: list of [key, geom] tiling an area.  Small or thin parts are
    merged into the neighbouring feature that shares the longest edge with them,
    so that the tiling stays exact."""
    changed = True
    rounds = 0
    while changed and rounds < 10:
        changed = False
        rounds += 1
        for i, (_key, geom) in enumerate(features):
            parts = polygons_of(geom)
            if len(parts) == 0:
                continue
            keep, move = [], []
            for p in parts:
                (move if thin_or_small(p) else keep).append(p)
            if not move:
                continue
            if not keep:  # the whole feature is a sliver: dissolve it all
                move = parts
            for p in move:
                best, best_len = None, 0.0
                for j, (_, other) in enumerate(features):
                    if j == i or other.is_empty:
                        continue
                    if not p.intersects(other):
                        continue
                    shared = shapely.intersection(p.boundary, other.boundary).length
                    if shared > best_len:
                        best, best_len = j, shared
                if best is None:
                    keep.append(p)
                    continue
                features[best][1] = union(features[best][1], p)
                changed = True
            features[i][1] = union(*keep) if keep else Polygon()
    return [f for f in features if not f[1].is_empty]


def solve_threshold(area_of, target, lo, hi, tol, max_iter=30):
    """Find t with area_of(t) ~= target; area_of decreasing in t.  Bisection on a
    bracket, with secant steps."""
    a_lo, a_hi = area_of(lo), area_of(hi)
    assert a_lo >= target >= a_hi, (a_lo, target, a_hi)
    best = (abs(a_lo - target), lo)
    for _ in range(max_iter):
        # secant guess inside the bracket, falling back to bisection
        t = lo + (hi - lo) * (a_lo - target) / (a_lo - a_hi) if a_lo != a_hi else (lo + hi) / 2
        if not (lo < t < hi):
            t = (lo + hi) / 2
        # keep the bracket shrinking
        t = min(max(t, lo + 0.05 * (hi - lo)), hi - 0.05 * (hi - lo))
        a = area_of(t)
        best = min(best, (abs(a - target), t))
        if abs(a - target) <= tol:
            return t
        if a > target:
            lo, a_lo = t, a
        else:
            hi, a_hi = t, a
    return best[1]


# ====================================================================== builders
def catmull_rom_closed(points: np.ndarray, per_seg: int) -> np.ndarray:
    out = []
    t = np.linspace(0, 1, per_seg, endpoint=False)[:, None]
    m = len(points)
    for i in range(m):
        p0, p1, p2, p3 = points[i - 1], points[i], points[(i + 1) % m], points[(i + 2) % m]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    return np.vstack(out)


def resample_ring(ring: np.ndarray, n: int):
    """n points evenly spaced by arc length on a closed ring (no closing point)."""
    closed = np.vstack([ring, ring[:1]])
    seg = np.hypot(*np.diff(closed, axis=0).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    si = np.linspace(0, s[-1], n, endpoint=False)
    return np.column_stack([np.interp(si, s, closed[:, 0]), np.interp(si, s, closed[:, 1])]), s[-1]


def build_outline(rng, n=4000):
    """The 2018 outline: a smooth closed spline through the anchors, displaced
    along its normal by multi-octave noise, scaled to exactly 528.32 km2."""
    anchors = np.array([to_work(lon, lat) for lon, lat in OUTLINE_ANCHORS])
    if Polygon(anchors).exterior.is_ccw:
        anchors = anchors[::-1]
    ring, length = resample_ring(catmull_rom_closed(anchors, 40), n)
    nxt, prv = np.roll(ring, -1, axis=0), np.roll(ring, 1, axis=0)
    tang = nxt - prv
    tang /= np.hypot(tang[:, 0], tang[:, 1])[:, None]
    normal = np.column_stack([-tang[:, 1], tang[:, 0]])
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    low = periodic_noise(rng, 3, 60, 1.0, 380.0)      # bays and lobes (m)
    high = periodic_noise(rng, 61, 1300, 0.9, 70.0)   # ragged edge (m)
    ring = ring + (low(theta) + high(theta))[:, None] * normal
    poly = Polygon(ring)
    if not poly.is_valid:
        poly = max(polygons_of(shapely.make_valid(poly)), key=lambda p: p.area)
        poly = Polygon(poly.exterior)
    poly = scale_to_area(poly, TARGET_OUTLINE_2018, to_work(*OUTLINE_CENTRE))
    poly = shapely.set_precision(poly, GRID)
    assert poly.is_valid and poly.geom_type == "Polygon"
    return poly


def build_blob(rng, cx, cy, area, elong, angle_deg, n=700, rough=0.10):
    """A natural-looking blob (star-shaped, hence valid) of the given area."""
    low = periodic_noise(rng, 2, 12, 1.2, rough)
    high = periodic_noise(rng, 13, 160, 1.0, rough * 0.25)
    a = math.radians(angle_deg)

    def radius(theta):
        # ellipse radius in direction theta
        t = theta - a
        r_e = 1.0 / np.sqrt((np.cos(t) / elong) ** 2 + np.sin(t) ** 2)  # ellipse, axes elong : 1
        r = r_e * (1.0 + low(theta) + high(theta))
        return np.maximum(r, 0.25 * r_e)

    poly = star_polygon(cx, cy, radius, n)
    return scale_to_area(poly, area, (cx, cy))


def build_lobe_2024(rng, outline18):
    """The 2024 outline = 2018 outline + a small lobe north of the Liuyang River,
    sized so that the total is 529.79 km2."""
    anchor = shapely.Point(to_work(*LOBE_2024))
    on_edge = shapely.line_interpolate_point(outline18.exterior, outline18.exterior.project(anchor))
    cx, cy = on_edge.x, on_edge.y + 300.0
    shape = build_blob(rng, cx, cy, 1.0 * KM2, 1.8, 5, n=600, rough=0.08)

    def total(scale):
        lobe = shapely.affinity.scale(shape, scale, scale, origin=(cx, cy))
        return shapely.union(outline18, lobe).area

    lo, hi = 0.2, 4.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if total(mid) < TARGET_OUTLINE_2024:
            lo = mid
        else:
            hi = mid
    lobe = shapely.affinity.scale(shape, (lo + hi) / 2, (lo + hi) / 2, origin=(cx, cy))
    out = union(outline18, lobe)
    assert out.geom_type == "Polygon"
    return out


def eco_field(rng, grid):
    X, Y = grid.X, grid.Y
    f = np.zeros_like(X)
    for _, lon, lat, w, s in ECO_SITES:
        x, y = to_work(lon, lat)
        f += w * np.exp(-((X - x) ** 2 + (Y - y) ** 2) / (2 * (s * 1000) ** 2))
    for _, lon, lat, w, s in URBAN_SITES:
        x, y = to_work(lon, lat)
        f -= w * np.exp(-((X - x) ** 2 + (Y - y) ** 2) / (2 * (s * 1000) ** 2))
    ox, oy = grid.origin
    coarse = WaveField(rng, 48, 2500, 14000, slope=1.0)
    fine = WaveField(rng, 48, 500, 2500, slope=1.0)
    f += 0.22 * coarse(X - ox, Y - oy) + 0.06 * fine(X - ox, Y - oy)
    return f


def district_partition(rng, grid, outline):
    """14 management districts tiling the outline; boundaries are a domain-warped
    Voronoi diagram of the district seats (smooth, wiggly)."""
    ox, oy = grid.origin
    wx = WaveField(rng, 24, 2000, 9000)
    wy = WaveField(rng, 24, 2000, 9000)
    Xw = grid.X + 1200.0 * wx(grid.X - ox, grid.Y - oy)
    Yw = grid.Y + 1200.0 * wy(grid.X - ox, grid.Y - oy)
    seeds = np.array([to_work(lon, lat) for _, lon, lat in DISTRICTS])
    d2 = np.stack([(Xw - sx) ** 2 + (Yw - sy) ** 2 for sx, sy in seeds])
    label = np.argmin(d2, axis=0)
    inside = grid.rasterize(outline.buffer(500))
    feats = []
    taken = Polygon()
    for k, (name, _, _) in enumerate(DISTRICTS):
        region = grid.polygonize((label == k) & inside, min_area=0.2 * KM2)
        region = inter(region.buffer(150, quad_segs=4), outline)
        region = diff(region, taken)
        taken = union(taken, region)
        feats.append([name, region])
    rest = diff(outline, taken)
    for p in polygons_of(rest):  # gaps left by the smoothing: give to a neighbour
        feats.append(["__gap__", p])
    feats = absorb_slivers(feats)
    # any gap piece that survived as its own feature goes to its longest neighbour
    gaps = [f for f in feats if f[0] == "__gap__"]
    feats = [f for f in feats if f[0] != "__gap__"]
    for _, g in gaps:
        best = max(feats, key=lambda f: shapely.intersection(g.boundary, f[1].boundary).length)
        best[1] = union(best[1], g)
    return feats


def zone_table(feats, zone_order, code, prefix, district_order):
    rows = []
    for zone in zone_order:
        mine = [f for f in feats if f[0][0] == zone]
        mine.sort(key=lambda f: district_order.index(f[0][1]))
        for i, ((z, dname), g) in enumerate(mine, 1):
            rows.append({"分区": z, "名称": f"{dname}{z}", "编号": f"{prefix}-{code[z]}{i:02d}",
                         "geometry": MultiPolygon(polygons_of(g))})
    return rows


def build_green_heart(rng, outline18, outline24, log):
    bounds = outline24.buffer(3000).bounds
    grid = Grid(bounds, CELL)
    field = eco_field(rng, grid)
    field24 = field + 0.05 * WaveField(rng, 32, 1500, 8000)(grid.X - grid.origin[0], grid.Y - grid.origin[1])
    inside = grid.rasterize(outline18)
    vals = field[inside]
    region_cache = {}

    def region(fld_name, t):
        key = (fld_name, round(t, 12))
        if key not in region_cache:
            fld = field if fld_name == "13" else field24
            region_cache[key] = grid.polygonize(fld > t, min_area=0.25 * KM2)
        return region_cache[key]

    a18 = outline18.area
    # B1: prohibited = outline ∩ B1 at 50 %
    t1 = solve_threshold(lambda t: shapely.intersection(outline18, region("13", t)).area,
                         SHARE_PROHIBITED * a18, float(np.quantile(vals, 0.35)),
                         float(np.quantile(vals, 0.65)), tol=0.002 * a18)
    B1 = region("13", t1)
    # B2: outline − (B1 ∪ B2) = controlled at 10 %
    t2 = solve_threshold(lambda t: shapely.intersection(outline18, shapely.union(B1, region("13", t))).area,
                         (1 - SHARE_CONTROLLED) * a18, float(np.quantile(vals, 0.02)),
                         float(np.quantile(vals, 0.25)), tol=0.002 * a18)
    B12 = union(B1, region("13", t2))
    log(f"  thresholds 2013: t1={t1:.4f} t2={t2:.4f}")

    # 2024 core
    tc = solve_threshold(lambda t: shapely.intersection(outline24, region("24", t)).area,
                         TARGET_CORE_2024, float(np.quantile(vals, 0.25)),
                         float(np.quantile(vals, 0.60)), tol=0.001 * TARGET_CORE_2024)
    BC = region("24", tc)
    log(f"  threshold 2024: tc={tc:.4f}")

    districts = district_partition(rng, grid, outline24)

    # One arrangement of every boundary, noded once: each face lies wholly inside
    # or outside each region, so both tilings are exact and share their edges
    # (the 2018 outline is exactly a union of 2024 faces).
    faces = arrangement([outline18, outline24, B1, B12, BC] + [g for _, g in districts])
    px, py = shapely.get_coordinates(shapely.point_on_surface(faces)).T

    def within(region_geom):
        shapely.prepare(region_geom)
        return shapely.contains_xy(region_geom, px, py)

    in18, in24, b1, b12, bc = (within(g) for g in (outline18, outline24, B1, B12, BC))
    dist_idx = np.full(len(faces), -1)
    for k, (_, g) in enumerate(districts):
        dist_idx[(dist_idx < 0) & within(g)] = k
    if (dist_idx < 0).any():  # slivers between smoothed districts: nearest district
        tree = shapely.STRtree([g for _, g in districts])
        miss = np.flatnonzero(dist_idx < 0)
        dist_idx[miss] = tree.nearest(shapely.points(px[miss], py[miss]))
    zone13 = np.where(b1, 0, np.where(b12, 1, 2))
    zone24 = np.where(bc, 0, 1)

    def assemble(mask, zone, names):
        feats = []
        for z, zname in enumerate(names):
            for k, (dname, _) in enumerate(districts):
                sel = mask & (zone == z) & (dist_idx == k)
                if sel.any():
                    feats.append([(zname, dname), clean(shapely.coverage_union_all(faces[sel]))])
        return absorb_slivers(feats)

    f13 = assemble(in18, zone13, ZONES_2013)
    f24 = assemble(in24, zone24, ZONES_2024)
    dorder = [d[0] for d in DISTRICTS]
    rows13 = zone_table(f13, ZONES_2013, CODE_2013, "GH13", dorder)
    rows24 = zone_table(f24, ZONES_2024, CODE_2024, "GH24", dorder)
    return rows13, rows24, districts


def arrangement(regions):
    """The faces of the planar arrangement of the regions' boundaries."""
    lines = shapely.union_all([shapely.boundary(g) for g in regions], grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    return faces[shapely.area(faces) > 0]


def build_red_line(rng):
    rows = []
    placed = []
    for i, (name, lon, lat, area, elong, ang) in enumerate(RED_LINE_PATCHES, 1):
        cx, cy = to_work(lon, lat)
        blob = build_blob(rng, cx, cy, area * KM2, elong, ang, n=900, rough=0.11)
        for other in placed:  # red-line patches do not overlap each other
            if blob.intersects(other):
                blob = diff(blob, other.buffer(60))
        blob = max(polygons_of(blob), key=lambda p: p.area)
        placed.append(blob)
        rows.append({"红线类型": "生态保护红线", "名称": f"{name}生态保护红线",
                     "编号": f"RL-{i:02d}", "geometry": blob})
    # nature reserve core strictly inside one patch
    host_name, core_area = RESERVE_CORE
    host = next(r for r in rows if r["名称"] == f"{host_name}生态保护红线")["geometry"]
    inner = host.buffer(-400)
    pt = shapely.get_coordinates(inner.representative_point())[0]
    # move towards the pole of inaccessibility-ish: the centroid if it is deep inside
    if inner.contains(host.centroid):
        pt = np.array(host.centroid.coords[0])
    core = build_blob(rng, pt[0], pt[1], core_area * KM2, 1.3, 40, n=500, rough=0.08)
    while not inner.contains(core):  # shrink until it sits >= 400 m inside the patch
        core = shapely.affinity.scale(core, 0.97, 0.97, origin=tuple(pt))
    rows.append({"红线类型": "自然保护地核心保护区", "名称": f"{host_name}自然保护地核心保护区",
                 "编号": "NR-01", "geometry": core})
    return rows


def catmull_rom(points: np.ndarray, per_seg: int) -> np.ndarray:
    p = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    out = []
    t = np.linspace(0, 1, per_seg, endpoint=False)[:, None]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    out.append(points[-1:])
    return np.vstack(out)


def resample(line: np.ndarray, step: float) -> np.ndarray:
    seg = np.hypot(*np.diff(line, axis=0).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    n = max(int(s[-1] / step), 2)
    si = np.linspace(0, s[-1], n + 1)
    return np.column_stack([np.interp(si, s, line[:, 0]), np.interp(si, s, line[:, 1])]), si


def smooth1d(v, window):
    k = np.ones(window) / window
    pad = np.concatenate([np.full(window, v[0]), v, np.full(window, v[-1])])
    return np.convolve(pad, k, mode="same")[window:-window]


def build_corridor(rng, waypoints, min_width, meander):
    pts = np.array([to_work(lon, lat) for lon, lat in waypoints])
    line = catmull_rom(pts, 40)
    line, s = resample(line, 40.0)
    L = s[-1]
    # tangent / normal
    d = np.gradient(line, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    nrm = np.column_stack([-d[:, 1], d[:, 0]])
    # meander: multi-octave noise along the arc length, tapered at the ends
    u = s / L
    mea = np.zeros_like(s)
    for k in range(1, 25):
        mea += k ** -1.2 * math.sqrt(2) * np.sin(2 * np.pi * (k * L / 12000.0) * u + rng.uniform(0, 2 * np.pi))
    mea *= meander / np.std(mea)
    taper = np.clip(np.minimum(s, L - s) / 1500.0, 0, 1)
    centre = line + (mea * taper)[:, None] * nrm
    centre = np.column_stack([smooth1d(centre[:, 0], 9), smooth1d(centre[:, 1], 9)])
    centre[0], centre[-1] = line[0], line[-1]
    # recompute normals on the meandered line
    d = np.gradient(centre, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    nrm = np.column_stack([-d[:, 1], d[:, 0]])
    # half-widths left / right: between 0.68 and 1.0 x min width each (width 1.36-2.0 x min)
    def half():
        h = np.zeros_like(s)
        for k in range(1, 16):
            h += k ** -1.0 * np.sin(2 * np.pi * (k * L / 9000.0) * u + rng.uniform(0, 2 * np.pi))
        h = (h - h.min()) / (h.max() - h.min())
        return min_width * (0.68 + 0.32 * h)
    hl, hr = half(), half()
    left = centre + hl[:, None] * nrm
    right = centre - hr[:, None] * nrm
    ring = np.vstack([left, right[::-1]])
    body = clean(Polygon(ring))
    core = LineString(centre).buffer(0.68 * min_width, quad_segs=16)
    poly = clean(shapely.union(body, core))
    parts = polygons_of(poly)
    poly = max(parts, key=lambda p: p.area)
    poly = Polygon(poly.exterior)  # no holes
    poly = shapely.simplify(poly, 2.0)
    assert poly.is_valid and poly.geom_type == "Polygon"
    return poly, LineString(centre)


def build_corridors(rng):
    rows = []
    centres = {}
    for i, (name, width, wps, meander) in enumerate(CORRIDORS, 1):
        poly, centre = build_corridor(rng, wps, width, meander)
        rows.append({"名称": name, "最小宽度": int(width), "编号": f"CO-{i:02d}", "geometry": poly})
        centres[name] = centre
    return rows, centres


def coverage_polygon():
    g = shapely.segmentize(box(*COVERAGE_BBOX), 0.01)  # densified so it reprojects well
    return shapely.orient_polygons(g)


# ====================================================================== output
def to_gdf(rows, crs_work=True):
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WORK if crs_work else CRS_GEO)
    if crs_work:
        geoms = []
        for g in gdf.geometry:
            kind = g.geom_type
            g = shapely.set_precision(g, GRID)
            if kind == "MultiPolygon" and g.geom_type == "Polygon":
                g = MultiPolygon([g])
            assert g.geom_type == kind, (kind, g.geom_type)
            geo = shapely.orient_polygons(geom_to_geo(g))
            assert geo.is_valid, shapely.is_valid_reason(geo)
            assert geom_to_work(geo).is_valid
            geoms.append(geo)
        gdf = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=geoms, crs=CRS_GEO)
    return gdf


def write_gpkg(gdf, path, table):
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer=table, driver="GPKG", engine="pyogrio")


def geometry_hash(gdf) -> str:
    h = hashlib.sha256()
    for g in gdf.geometry:
        h.update(shapely.to_wkb(g, byte_order=1))
    return h.hexdigest()


def nverts(g) -> int:
    return int(shapely.get_num_coordinates(g))


def build(out: Path, quiet=False):
    t0 = time.perf_counter()

    def log(*a):
        if not quiet:
            print(*a, flush=True)

    out.mkdir(parents=True, exist_ok=True)
    rng_outline = np.random.default_rng([SEED, 1])
    rng_field = np.random.default_rng([SEED, 2])
    rng_red = np.random.default_rng([SEED, 3])
    rng_corr = np.random.default_rng([SEED, 4])

    outline18 = build_outline(rng_outline)
    outline24 = build_lobe_2024(rng_outline, outline18)
    log(f"outline 2018: {outline18.area / KM2:.3f} km2, {nverts(outline18)} vertices; "
        f"2024: {outline24.area / KM2:.3f} km2, {nverts(outline24)} vertices")

    rows13, rows24, _ = build_green_heart(rng_field, outline18, outline24, log)
    red = build_red_line(rng_red)
    corr, _ = build_corridors(rng_corr)
    cov = [{"名称": "演示数据覆盖范围 (demo data extent, red line and corridors)",
            "geometry": coverage_polygon()}]

    outputs = [
        ("green_heart_2013", to_gdf(rows13)),
        ("green_heart_2024", to_gdf(rows24)),
        ("red_line", to_gdf(red)),
        ("corridors", to_gdf(corr)),
        ("coverage", to_gdf(cov, crs_work=False)),
    ]
    files = {"coverage": "coverage_demo.gpkg"}
    for table, gdf in outputs:
        write_gpkg(gdf, out / files.get(table, f"{table}.gpkg"), table)
    (out / "layers.toml").write_text(LAYERS_TOML, encoding="utf-8")
    log(f"written to {out} in {time.perf_counter() - t0:.1f} s")
    return {table: gdf for table, gdf in outputs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the repo's layers/)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    build(args.out, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
