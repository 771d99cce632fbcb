#!/usr/bin/env python
"""Build the ILLUSTRATIVE demo rasters (terrain and land cover) of the Chang-Zhu-Tan Green Heart.

演示数据，仅供示意，不得用于审批。

The terrain and the land cover are INVENTED.  They are placed at the real
place (the Chang-Zhu-Tan Ecological Green Heart between Changsha, Zhuzhou and
Xiangtan, Hunan), with hills at the real named mountains and lakes, so that
slope and land-cover checks can be demonstrated.  They are not survey data and
must never be used for an approval decision.

What it writes (GeoTIFF, EPSG:4547 = CGCS2000 / 3-degree Gauss-Kruger CM 114E,
30 m cells, north-up, tiled 256x256, DEFLATE, internal overviews 2/4/8/16):

    dem_demo.tif        float32 elevation in metres, nodata -9999
                        (predictor 3, overviews 'average')
    landcover_demo.tif  uint8 classes, nodata 0, colour table
                        1 forest 林地, 2 water 水域, 3 farmland 耕地, 4 built-up 建设用地
                        (predictor 2, overviews 'mode')

It reads (never writes) two vector demo layers from the repo's layers/ (or
--layers DIR): green_heart_2024.gpkg (the core zone: where most hills and the
forest are) and corridors.gpkg (the 湘江 corridor: where the river valley and
the river are).  The terrain: a plain of 30-60 m rising gently away from the
river; the Xiang valley flat at 27.5-35 m; steep ridges at 昭山 (185 m),
九郎山 (300 m) and 法华山 (380 m); lesser hills and reservoirs at 石燕湖 and
云峰湖; generic hills mostly in the core zone; low-amplitude multi-octave
texture.  Slopes above 25 degrees (Horn) cover about 1.7 % of the cells.

Deterministic: numpy default_rng with fixed seeds, no time-dependent input,
the GeoTIFF tags are set explicitly (no TIFFTAG_DATETIME).  Two builds give
byte-identical files; --check-determinism rebuilds into a temporary folder and
compares the bytes.

Run:  python seeds/build_demo_rasters.py [--out DIR] [--layers DIR] [--quiet] [--check-determinism]
"""
from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
import tempfile
import time
from pathlib import Path

# No .aux.xml side-car files, ever.
os.environ["GDAL_PAM_ENABLED"] = "NO"

import numpy as np  # noqa: E402
import geopandas as gpd  # noqa: E402
import pyproj  # noqa: E402
import rasterio  # noqa: E402
import rasterio.features  # noqa: E402
import rasterio.transform  # noqa: E402
import shapely  # noqa: E402
from affine import Affine  # noqa: E402
from rasterio.enums import ColorInterp, Resampling  # noqa: E402
from shapely.geometry import LineString  # noqa: E402

from zoning.overlay.raster_stats import horn_slope  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "layers"

SEED = 20261121
CRS_GEO = "EPSG:4490"   # CGCS2000 geographic
CRS_WORK = "EPSG:4547"  # CGCS2000 / 3-degree GK CM 114E (metres)
CELL = 30.0             # m
BBOX_LL = (112.78, 27.73, 113.32, 28.17)  # lon/lat extent to cover
COARSE = 3              # the distance fields are computed on a 3 x 30 m = 90 m grid, then interpolated

TO_WORK = pyproj.Transformer.from_crs(CRS_GEO, CRS_WORK, always_xy=True)

SOURCE = "illustrative demo terrain, invented; not official"
NOTICE = (
    "演示数据，仅供示意，不得用于审批 - ILLUSTRATIVE DEMO DATA, invented; not survey data, not for approval decisions."
)
SOFTWARE = "zoning seeds/build_demo_rasters.py (demo-2026.11)"
DEM_NODATA = -9999.0
LC_NODATA = 0
DEM_QUANTUM = 1.0 / 64.0  # elevations are rounded to 1/64 m (exact in float32): much better compression

CLASSES = {
    1: ("forest", "林地", (27, 94, 32, 255)),       # dark green
    2: ("water", "水域", (33, 113, 201, 255)),      # blue
    3: ("farmland", "耕地", (240, 220, 110, 255)),  # yellow
    4: ("built-up", "建设用地", (128, 128, 128, 255)),  # grey
}
FOREST, WATER, FARMLAND, BUILT = 1, 2, 3, 4

# ---------------------------------------------------------------- real places (approximate), invented shapes
# Named mountains: name, lon, lat, summit (m), ridge azimuth (deg from north), ridge length (m),
# flank radius (m, Gaussian cross-profile), relative heights of the sub-peaks along the ridge
# (the main summit, 1.0, sits at lon/lat).
MOUNTAINS = [
    ("昭山 Zhaoshan", 112.965, 27.965, 185.0, 20.0, 2400.0, 175.0, (0.72, 0.88, 1.0, 0.86, 0.7)),
    ("九郎山 Jiulang Mountain", 113.045, 27.915, 300.0, 70.0, 4000.0, 340.0, (0.55, 0.8, 1.0, 0.86, 0.68, 0.5)),
    ("法华山 Fahua Mountain", 113.105, 27.875, 380.0, 40.0, 4600.0, 400.0, (0.5, 0.7, 0.88, 1.0, 0.82, 0.62)),
]
# Lesser hills around the two lakes (same fields)
LESSER_HILLS = [
    ("石燕湖 north hill", 113.060, 28.048, 160.0, 100.0, 1800.0, 190.0, (0.7, 1.0, 0.75)),
    ("石燕湖 east hill", 113.091, 28.028, 175.0, 10.0, 2000.0, 200.0, (0.75, 1.0, 0.7)),
    ("石燕湖 south hill", 113.064, 28.011, 150.0, 80.0, 1600.0, 180.0, (0.8, 1.0, 0.65)),
    ("云峰湖 north hill", 113.146, 27.987, 158.0, 70.0, 1800.0, 190.0, (0.7, 1.0, 0.8)),
    ("云峰湖 east hill", 113.169, 27.967, 170.0, 160.0, 2000.0, 200.0, (0.75, 1.0, 0.7)),
    ("云峰湖 south-west hill", 113.133, 27.957, 140.0, 120.0, 1600.0, 180.0, (0.8, 1.0)),
]
# Lakes (reservoirs): name, lon, lat, area (km2), elongation, azimuth (deg)
LAKES = [
    ("石燕湖 Shiyan Lake", 113.070, 28.030, 1.5, 1.6, 60.0),
    ("云峰湖 Yunfeng Lake", 113.150, 27.970, 1.0, 1.5, 150.0),
]
# Built-up areas: name, lon, lat, area (km2, on flat dry land), elongation, azimuth
TOWNS = [
    ("暮云 Muyun", 112.990, 28.050, 4.5, 1.5, 20.0),
    ("易俗河 Yisuhe", 112.930, 27.810, 5.0, 1.6, 70.0),
    ("跳马 Tiaoma", 113.080, 28.060, 2.5, 1.4, 120.0),
    ("长沙 大托 Changsha Datuo", 112.990, 28.152, 5.5, 2.2, 90.0),
    ("长沙 洞井-黎托 Changsha Dongjing", 113.065, 28.155, 5.0, 2.4, 80.0),
]
NORTH_EDGE_LAT = 28.12  # the two Changsha fringe patches lie north of this latitude

KM2 = 1e6


def log(quiet, *a):
    if not quiet:
        print(*a, flush=True)


# ---------------------------------------------------------------- grid
def make_grid():
    """Extent of BBOX_LL in EPSG:4547, snapped outward to multiples of CELL. Returns (transform, width, height)."""
    left, bottom, right, top = TO_WORK.transform_bounds(*BBOX_LL, densify_pts=101)
    left = math.floor(left / CELL) * CELL
    bottom = math.floor(bottom / CELL) * CELL
    right = math.ceil(right / CELL) * CELL
    top = math.ceil(top / CELL) * CELL
    width = int(round((right - left) / CELL))
    height = int(round((top - bottom) / CELL))
    return Affine(CELL, 0.0, left, 0.0, -CELL, top), width, height


def to_work(lon, lat):
    return TO_WORK.transform(lon, lat)


# ---------------------------------------------------------------- numpy helpers (no scipy)
def _catmull_rom_weights(f):
    f2, f3 = f * f, f * f * f
    return (
        -0.5 * f3 + f2 - 0.5 * f,
        1.5 * f3 - 2.5 * f2 + 1.0,
        -1.5 * f3 + 2.0 * f2 + 0.5 * f,
        0.5 * f3 - 0.5 * f2,
    )


def value_noise(rng, shape, wavelength_cells):
    """Smooth random field (bicubic Catmull-Rom interpolation of a random lattice), unit std."""
    ny, nx = shape
    w = float(wavelength_cells)
    ly, lx = int(ny / w) + 5, int(nx / w) + 5
    lattice = rng.standard_normal((ly, lx))
    oy, ox = rng.uniform(1.0, 2.0, size=2)  # random phase

    def axis(n, off):
        u = np.arange(n) / w + off
        i0 = np.floor(u).astype(np.int64)
        return i0, _catmull_rom_weights(u - i0)

    ix, wx = axis(nx, ox)
    tmp = sum(wk[None, :] * lattice[:, ix - 1 + k] for k, wk in enumerate(wx))
    iy, wy = axis(ny, oy)
    out = sum(wk[:, None] * tmp[iy - 1 + k, :] for k, wk in enumerate(wy))
    return out / out.std()


def fbm(rng, shape, wavelengths_cells, gains):
    return sum(g * value_noise(rng, shape, w) for w, g in zip(wavelengths_cells, gains, strict=False))


def _box_1d(a, r, axis):
    """Running mean of width 2r+1 along axis, edges replicated."""
    if r < 1:
        return a
    pad = [(0, 0)] * a.ndim
    pad[axis] = (r + 1, r)
    c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis)
    n = a.shape[axis]
    hi = np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis)
    lo = np.take(c, np.arange(0, n), axis=axis)
    return (hi - lo) / (2 * r + 1)


def blur(a, sigma_cells):
    """Gaussian blur approximated by three box filters."""
    if sigma_cells <= 0.5:
        return a
    r = max(1, int(round((math.sqrt(12.0 * sigma_cells**2 / 3.0 + 1.0) - 1.0) / 2.0)))
    out = a.astype(np.float64)
    for _ in range(3):
        out = _box_1d(_box_1d(out, r, 0), r, 1)
    return out


def smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def horn_slope_deg(dem, cell=CELL):
    """Slope in degrees by the engine's Horn (1981) method, edges replicated."""
    return horn_slope(np.pad(dem.astype(np.float64), 1, mode="edge"), cell, cell)


def upsample(coarse, shape, k=COARSE):
    """Bilinear interpolation of a field computed at the centres of k x k blocks to the fine grid."""
    ny, nx = shape

    def axis(n, nc):
        u = np.clip((np.arange(n) + 0.5) / k - 0.5, 0.0, nc - 1.0)
        i0 = np.minimum(np.floor(u).astype(np.int64), nc - 2)
        return i0, u - i0

    iy, fy = axis(ny, coarse.shape[0])
    ix, fx = axis(nx, coarse.shape[1])
    rows = coarse[iy] * (1 - fy)[:, None] + coarse[iy + 1] * fy[:, None]
    return rows[:, ix] * (1 - fx)[None, :] + rows[:, ix + 1] * fx[None, :]


class Grid:
    def __init__(self):
        self.transform, self.width, self.height = make_grid()
        self.shape = (self.height, self.width)
        t = self.transform
        self.x = t.c + (np.arange(self.width) + 0.5) * CELL      # cell-centre x (1-D)
        self.y = t.f - (np.arange(self.height) + 0.5) * CELL     # cell-centre y (1-D)
        # coarse grid: centres of COARSE x COARSE blocks
        self.cshape = (-(-self.height // COARSE), -(-self.width // COARSE))
        self.cx = t.c + (np.arange(self.cshape[1]) + 0.5) * CELL * COARSE
        self.cy = t.f - (np.arange(self.cshape[0]) + 0.5) * CELL * COARSE

    def window(self, x0, y0, reach):
        """Row and column slices of the cells within `reach` (m) of a point (a square)."""
        t = self.transform
        j0 = int(np.clip((x0 - reach - t.c) // CELL, 0, self.width))
        j1 = int(np.clip((x0 + reach - t.c) // CELL + 1, 0, self.width))
        i0 = int(np.clip((t.f - y0 - reach) // CELL, 0, self.height))
        i1 = int(np.clip((t.f - y0 + reach) // CELL + 1, 0, self.height))
        return slice(i0, i1), slice(j0, j1)

    def offsets(self, x0, y0, win=(slice(None), slice(None))):
        """dx (1, w) and dy (h, 1) of the cell centres (of a window) from a point."""
        return (self.x[win[1]] - x0)[None, :], (self.y[win[0]] - y0)[:, None]

    def rasterize(self, geoms):
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        return rasterio.features.rasterize(
            [(g, 1) for g in geoms], out_shape=self.shape, transform=self.transform, fill=0, dtype="uint8"
        ).astype(bool)


def block_mean(a, k=COARSE):
    """Mean of k x k blocks (edges replicated)."""
    ny, nx = a.shape
    py, px = -ny % k, -nx % k
    a = np.pad(a.astype(np.float64), ((0, py), (0, px)), mode="edge")
    return a.reshape(a.shape[0] // k, k, a.shape[1] // k, k).mean(axis=(1, 3))


def dilate(mask, r=1):
    """Binary dilation with a (2r+1) square."""
    out = mask.copy()
    p = np.pad(mask, r)
    ny, nx = mask.shape
    for di in range(2 * r + 1):
        for dj in range(2 * r + 1):
            out |= p[di:di + ny, dj:dj + nx]
    return out


# ---------------------------------------------------------------- vector inputs
def read_inputs(layers_dir: Path):
    gh = gpd.read_file(layers_dir / "green_heart_2024.gpkg").to_crs(CRS_WORK)
    core = shapely.union_all(gh.loc[gh["分区"] == "核心保护区"].geometry.values)
    integrated = shapely.union_all(gh.loc[gh["分区"] == "融合发展区"].geometry.values)
    co = gpd.read_file(layers_dir / "corridors.gpkg").to_crs(CRS_WORK)
    xiang = co.loc[co["名称"].str.contains("湘江")]
    if len(xiang) != 1:
        sys.exit(f"expected exactly one 湘江 corridor in corridors.gpkg, found {len(xiang)}")
    corridor = xiang.geometry.iloc[0]
    if corridor.geom_type == "MultiPolygon":
        corridor = max(corridor.geoms, key=lambda p: p.area)
    return core, integrated, corridor


def river_centreline(corridor):
    """Approximate medial line of the 湘江 corridor, oriented downstream (east end -> north end).

    The corridor ring runs along one bank from the east cap to the north cap and back along the
    other bank.  The centre line is the mid-point between each point of one bank and its nearest
    point on the other bank, smoothed, and extended by 3 km at both ends (the water band is
    clipped to the corridor anyway)."""
    ring = np.asarray(corridor.exterior.coords)[:-1]
    i_east = int(np.argmax(ring[:, 0]))
    i_north = int(np.argmax(ring[:, 1]))
    n = len(ring)
    if i_north < i_east:
        i_north += n
    ring2 = np.vstack([ring, ring])
    bank_a = LineString(ring2[i_east:i_north + 1])
    bank_b = LineString(ring2[i_north:i_east + n + 1])
    # skip the caps: 4 % of the length at each end
    s = np.linspace(0.04, 0.96, 1200) * bank_a.length
    pa = shapely.line_interpolate_point(bank_a, s)
    pb = shapely.line_interpolate_point(bank_b, shapely.line_locate_point(bank_b, pa))
    mid = (shapely.get_coordinates(pa) + shapely.get_coordinates(pb)) / 2.0
    # smooth (moving average over 41 points, ~2.5 km), ends kept
    k = 20
    padded = np.vstack([np.repeat(mid[:1], k, 0), mid, np.repeat(mid[-1:], k, 0)])
    c = np.cumsum(np.vstack([np.zeros((1, 2)), padded]), axis=0)
    mid = (c[2 * k + 1:] - c[:-2 * k - 1]) / (2 * k + 1)
    pts = np.asarray(LineString(mid).simplify(5.0).coords)
    d0 = pts[0] - pts[min(5, len(pts) - 1)]
    d1 = pts[-1] - pts[max(-6, -len(pts))]
    pts = np.vstack([pts[0] + 3000.0 * d0 / np.hypot(*d0), pts, pts[-1] + 3000.0 * d1 / np.hypot(*d1)])
    return LineString(pts).segmentize(100.0)


def distance_fields(grid, centre, corridor, near=4000.0):
    """On the 90 m grid: distance to the river centre line, arc-length position of the nearest point on
    it, distance to the corridor boundary.  Exact (nearest neighbour) within `near` metres of the
    geometry; interpolated from a 270 m grid farther out, where only smooth trends use them."""
    coords = np.asarray(centre.coords)
    seg_tree = shapely.STRtree(shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1)))
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    ring_xy = np.asarray(shapely.segmentize(corridor.exterior, 15.0).coords)
    ring_tree = shapely.STRtree(shapely.points(ring_xy))

    def query(xs, ys, maxd):
        pts = shapely.points(xs, ys)
        n = len(xs)
        d_line = np.full(n, np.nan)
        pos = np.full(n, np.nan)
        d_edge = np.full(n, np.nan)
        (ip, iseg), dist = seg_tree.query_nearest(pts, max_distance=maxd, return_distance=True, all_matches=False)
        a, ab = coords[iseg], coords[iseg + 1] - coords[iseg]
        L2 = np.maximum((ab * ab).sum(axis=1), 1e-9)
        u = np.clip(((xs[ip] - a[:, 0]) * ab[:, 0] + (ys[ip] - a[:, 1]) * ab[:, 1]) / L2, 0.0, 1.0)
        d_line[ip] = dist
        pos[ip] = cum[iseg] + u * np.sqrt(L2)
        (ip, _), dist = ring_tree.query_nearest(pts, max_distance=maxd, return_distance=True, all_matches=False)
        d_edge[ip] = dist
        return d_line, pos, d_edge

    t = grid.transform
    ncy, ncx = grid.cshape
    # far field: 270 m grid (blocks of 3 x 3 coarse cells), then interpolated to the 90 m grid
    k = 3
    x2 = t.c + (np.arange(-(-ncx // k)) + 0.5) * CELL * COARSE * k
    y2 = t.f - (np.arange(-(-ncy // k)) + 0.5) * CELL * COARSE * k
    xx, yy = np.meshgrid(x2, y2)
    far = [upsample(f.reshape(xx.shape), (ncy, ncx), k) for f in query(xx.ravel(), yy.ravel(), None)]
    # near field: exact on the 90 m grid
    xx, yy = np.meshgrid(grid.cx, grid.cy)
    near_vals = query(xx.ravel(), yy.ravel(), near)
    out = []
    for f_far, f_near in zip(far, near_vals, strict=False):
        f_near = f_near.reshape(xx.shape)
        out.append(np.where(np.isnan(f_near), f_far, f_near))
    return out


# ---------------------------------------------------------------- shapes
def massif(grid, rng, lon, lat, azimuth, length, radius, peaks, gully, warp):
    """Relative height (main summit 1.0) of a mountain through (lon, lat), in a window.

    A crest line winds along `azimuth` through the sub-peaks (saddles between them); side spurs
    branch off the sub-peaks.  The cross-profile is Gaussian with the given flank radius; the
    coordinates are domain-warped (irregular contours); ravines (`gully`) cut the flanks."""
    x0, y0 = to_work(lon, lat)
    az = math.radians(azimuth)
    u = np.array([math.sin(az), math.cos(az)])   # along the ridge
    nrm = np.array([u[1], -u[0]])                # across
    peaks = np.asarray(peaks, dtype=np.float64)
    n = len(peaks)
    main = int(np.argmax(peaks))
    spacing = length / max(n - 1, 1)
    bend = np.clip(rng.normal(0.0, 0.09 * length, n), -0.15 * length, 0.15 * length)
    bend -= bend[main]                           # the main summit stays at lon/lat
    pts = np.array([x0, y0]) + np.outer((np.arange(n) - main) * spacing, u) + np.outer(bend, nrm)
    # segments: (A, B, height at A, height at B, saddle depth, radius)
    segs = [(pts[i], pts[i + 1], peaks[i], peaks[i + 1], 0.18, radius) for i in range(n - 1)]
    for i in range(n):
        for side in (-1.0, 1.0):
            if rng.uniform() < 0.35 + 0.3 * peaks[i]:
                ang = math.radians(rng.uniform(-40.0, 40.0))
                dvec = side * (math.cos(ang) * nrm + math.sin(ang) * u)
                slen = rng.uniform(0.5, 1.0) * max(3.0 * radius, 700.0)
                segs.append((pts[i], pts[i] + slen * dvec, peaks[i], peaks[i] * rng.uniform(0.3, 0.5), 0.0,
                             0.8 * radius))
    ends = np.array([p for s_ in segs for p in s_[:2]])
    margin = 3.0 * radius + 400.0
    t = grid.transform
    j0 = int(np.clip((ends[:, 0].min() - margin - t.c) // CELL, 0, grid.width))
    j1 = int(np.clip((ends[:, 0].max() + margin - t.c) // CELL + 1, 0, grid.width))
    i0 = int(np.clip((t.f - ends[:, 1].max() - margin) // CELL, 0, grid.height))
    i1 = int(np.clip((t.f - ends[:, 1].min() + margin) // CELL + 1, 0, grid.height))
    win = (slice(i0, i1), slice(j0, j1))
    w = 0.6 * radius
    X = grid.x[win[1]][None, :] + w * warp[0][win]
    Y = grid.y[win[0]][:, None] + w * warp[1][win]
    h = np.zeros(X.shape)
    qb = np.zeros(X.shape)
    for A, B, ha, hb, saddle, rad in segs:
        ab = B - A
        tt = np.clip(((X - A[0]) * ab[0] + (Y - A[1]) * ab[1]) / float(ab @ ab), 0.0, 1.0)
        d = np.hypot(X - A[0] - tt * ab[0], Y - A[1] - tt * ab[1])
        crest = ha + (hb - ha) * smoothstep(tt) - saddle * min(ha, hb) * np.sin(math.pi * tt)
        q = np.exp(-((d / rad) ** 2))
        val = crest * q
        upd = val > h
        h = np.where(upd, val, h)
        qb = np.where(upd, q, qb)
    h *= 1.0 - 0.3 * gully[win] * 4.0 * qb * (1.0 - qb)
    return win, h


def blob(grid, rng, lon, lat, elong, azimuth, reach, wobble=0.35, ragged=0.0):
    """Noisy star-shaped blob: a window and a normalised radius field (the blob of scale s is field <= s)."""
    x0, y0 = to_work(lon, lat)
    az = math.radians(azimuth)
    win = grid.window(x0, y0, reach)
    dx, dy = grid.offsets(x0, y0, win)
    along = dx * math.sin(az) + dy * math.cos(az)
    across = -dx * math.cos(az) + dy * math.sin(az)
    theta = np.arctan2(across, along)
    r = np.hypot(along / math.sqrt(elong), across * math.sqrt(elong))
    star = np.ones_like(theta)
    for k in range(2, 9):
        star = star + wobble / k**1.1 * rng.uniform(0.3, 1.0) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    field = r / np.maximum(star, 0.3)
    if ragged:
        field = field * (1.0 + ragged * value_noise(rng, field.shape, 600.0 / CELL))
    return win, field


def blob_for_area(field, target_cells, allowed=None):
    """The `target_cells` cells with the smallest field values (within `allowed`)."""
    vals = field if allowed is None else np.where(allowed, field, np.inf)
    flat = np.sort(vals, axis=None)
    thr = flat[min(int(round(target_cells)), flat.size) - 1]
    return vals <= thr


# ---------------------------------------------------------------- terrain
HILL_AMP = 145.0     # m, relief of the generic hills in the core zone
HILL_WAVELENGTH = 650.0  # m, of the first octave


def build_fields(grid, core, corridor, quiet=True):
    rng = np.random.default_rng([SEED, 1])
    shape = grid.shape
    t0 = time.time()

    # --- distances (90 m grid, interpolated to 30 m) ------------------------------------------
    centre = river_centreline(corridor)
    d_line, pos, d_edge = distance_fields(grid, centre, corridor)
    # water level: 30.5 m at the upstream (east, Zhuzhou) end, 27.5 m at the north (Changsha) end;
    # blurred, so that nothing jumps far from the river where the nearest river point jumps
    level = blur(30.5 - 3.0 * np.clip(pos / centre.length, 0.0, 1.0), 1500.0 / (CELL * COARSE))
    d_line, d_edge, level = (upsample(f, shape) for f in (d_line, d_edge, level))
    inside = grid.rasterize([corridor])
    d_in = np.where(inside, d_edge, 0.0)
    d_out = np.where(inside, 0.0, d_edge)
    log(quiet, f"  distances: {time.time() - t0:.1f} s")

    # --- the river: a band 420-780 m wide along the centre line, inside the corridor ------------
    half_width = np.clip(300.0 + 70.0 * value_noise(rng, shape, 8000.0 / CELL), 210.0, 390.0)
    river = inside & (d_line <= half_width) & (d_in >= 120.0)

    # --- base plain: 30-60 m, rising gently away from the river -------------------------------
    ramp = smoothstep(d_out / 2500.0)
    rise = 22.0 * (1.0 - np.exp(-d_out / 7000.0))
    low = fbm(rng, shape, [20000 / CELL, 9000 / CELL, 4000 / CELL], [1.0, 0.55, 0.3])
    roll = fbm(rng, shape, [1500 / CELL, 700 / CELL], [1.0, 0.5])
    plain = np.clip(level + 4.4 + rise + ramp * (4.0 * low + 1.6 * roll), level + 3.5, 62.0)
    # inside the corridor: floodplain from the water's edge (level + 1.5) to the corridor edge
    # (level + 4.4, at most 34.9 m)
    u = np.clip((d_line - half_width) / np.maximum(d_line - half_width + d_in, 1.0), 0.0, 1.0)
    dem = np.where(inside, level + 1.5 + 2.9 * u**0.7, plain)

    # --- generic hills: mostly in the core zone ----------------------------------------------
    hb = upsample(blur(block_mean(grid.rasterize([core])), 900.0 / (CELL * COARSE)), shape)
    hil = smoothstep((hb * (0.8 + 0.4 * value_noise(rng, shape, 6000.0 / CELL)) - 0.3) / 0.4)
    outer = 0.45 * smoothstep((value_noise(rng, shape, 7000.0 / CELL) - 0.9) / 0.5)  # a few low hill groups
    mask = np.maximum(hil, outer)
    wl = HILL_WAVELENGTH / CELL
    base = fbm(rng, shape, [wl, wl / 2, wl / 4, wl / 8], [1.0, 0.5, 0.28, 0.14]) / 1.2
    x = np.clip(base / 0.85 + 0.2, 0.0, None)
    shape_f = x * x / (1.0 + 0.6 * x * x)  # concave foot, steep flanks, rounded tops (at most 1.67)
    gully = 1.0 - smoothstep(np.abs(value_noise(rng, shape, 500.0 / CELL)) / 0.6)  # narrow ravines
    hills = HILL_AMP * (0.85 + 0.25 * value_noise(rng, shape, 4000.0 / CELL)) * mask * shape_f
    hills *= 1.0 - 0.4 * gully * np.clip(shape_f, 0.0, 1.0)
    # towns sit on flat land: no hills within ~1.5 km of their centres
    for _name, lon, lat, *_ in TOWNS:
        x0, y0 = to_work(lon, lat)
        win = grid.window(x0, y0, 6000.0)
        dx, dy = grid.offsets(x0, y0, win)
        hills[win] *= 1.0 - 0.95 * np.exp(-(dx * dx + dy * dy) / (2 * 1400.0**2))
    # no relief in the river corridor; lakes sit in basins
    keep = smoothstep(d_out / 300.0)
    lakes = []
    for name, lon, lat, area, elong, az in LAKES:
        win, lf = blob(grid, rng, lon, lat, elong, az, reach=4000.0, wobble=0.55)
        lake = blob_for_area(lf, area * KM2 / CELL**2)
        lakes.append((name, win, lake))
        keep[win] *= 1.0 - smoothstep(2.0 * blur(lake.astype(np.float64), 200.0 / CELL))
    hills = np.maximum(hills, 0.0) * keep
    log(quiet, f"  plain and hills: {time.time() - t0:.1f} s")

    # --- named mountains and lesser hills -----------------------------------------------------
    # Each is merged with the generic hills by a smooth maximum (4-norm) and scaled so that its
    # summit has the given height.  The generic hills give way within 0.7-1.5 km of a named summit
    # (within 0.3-1.2 km of a lesser hill's summit).
    warp = (value_noise(rng, shape, 1200.0 / CELL), value_noise(rng, shape, 1200.0 / CELL))
    massifs = []
    for name, lon, lat, top, az, length, radius, peaks in MOUNTAINS + LESSER_HILLS:
        win, m = massif(grid, rng, lon, lat, az, length, radius, peaks, gully, warp)
        massifs.append((name, lon, lat, top, win, m * keep[win]))
        dx, dy = grid.offsets(*to_work(lon, lat), win)
        clear = (700.0, 800.0) if (name, lon, lat) in {m_[:3] for m_ in MOUNTAINS} else (300.0, 900.0)
        hills[win] *= smoothstep((np.hypot(dx, dy) - clear[0]) / clear[1])
    texture = fbm(rng, shape, [480 / CELL, 240 / CELL, 120 / CELL, 60 / CELL], [0.8, 0.4, 0.2, 0.1])

    def texture_amp(relief):
        """Low-amplitude texture, a little stronger on the hills."""
        return 0.4 + 2.0 * np.clip(relief / 60.0, 0.0, 1.0)

    def smax(a, b):
        return (a**4 + b**4) ** 0.25

    relief = hills
    summits = []
    for name, lon, lat, top, win, m in massifs:
        sel = m >= 0.7 * m.max()  # around the main summit (the domain warp may move it by a few 100 m)
        base_, rel_, tex_, keep_ = (f[win][sel] for f in (dem, relief, texture, keep))
        m_ = m[sel]

        def summit(a):
            r = smax(rel_, a * m_)
            return float((base_ + r + tex_ * texture_amp(r) * keep_).max())

        lo, hi = 0.0, 2.0 * top  # the summit height grows monotonically with a: bisection
        for _ in range(50):
            a = 0.5 * (lo + hi)
            lo, hi = (a, hi) if summit(a) < top else (lo, a)
        a = 0.5 * (lo + hi)
        relief[win] = smax(relief[win], a * m)
        summits.append((name, lon, lat, top))
    dem = dem + relief + texture * texture_amp(relief) * keep
    log(quiet, f"  mountains and texture: {time.time() - t0:.1f} s")

    # --- lakes: a flat water surface just below the lowest shore cells --------------------------
    lake_mask = np.zeros(shape, bool)
    for _name, win, lake in lakes:
        sub = dem[win]
        ring = dilate(lake, 1) & ~lake
        lvl = float(np.percentile(sub[ring], 2.0)) - 0.5
        sub[lake] = lvl
        sub[ring] = np.maximum(sub[ring], lvl + 0.5)
        lake_mask[win] |= lake
    dem[river] = level[river]
    dem = np.round(dem / DEM_QUANTUM) * DEM_QUANTUM
    log(quiet, f"  lakes: {time.time() - t0:.1f} s")
    return dict(dem=dem.astype(np.float32), river=river, lakes=lake_mask, inside=inside,
                core=hb > 0.5, summits=summits)


# ---------------------------------------------------------------- land cover
def build_landcover(grid, f, slope):
    rng = np.random.default_rng([SEED, 2])
    shape = grid.shape
    dem = f["dem"].astype(np.float64)
    water = f["river"] | f["lakes"]
    lc = np.full(shape, FARMLAND, np.uint8)

    # forest: hills (elevation above ~75 m or slope above 12 deg) with noisy edges, a little more
    # readily in the core zone
    slope_s = blur(slope, 1.5)
    n1 = fbm(rng, shape, [900 / CELL, 300 / CELL], [1.0, 0.5])
    n2 = fbm(rng, shape, [700 / CELL, 240 / CELL], [1.0, 0.5])
    core = f["core"].astype(np.float64)
    score = np.maximum((dem + 7.0 * n1 + 8.0 * core - 75.0) / 10.0,
                       (slope_s + 2.5 * n2 + 2.0 * core - 12.0) / 3.0)
    forest = blur((score > 0).astype(np.float64), 1.2) > 0.5
    lc[forest] = FOREST

    # built-up: noisy blobs around the towns, on flat, low, dry land
    flat_low = (slope_s < 8.0) & (dem < 80.0) & ~water
    to_geo = pyproj.Transformer.from_crs(CRS_WORK, CRS_GEO, always_xy=True)
    built = np.zeros(shape, bool)
    built_areas = []
    for name, lon, lat, area, elong, az in TOWNS:
        win, bf = blob(grid, rng, lon, lat, elong, az, reach=7000.0, wobble=0.45, ragged=0.18)
        allowed = flat_low[win]
        if lat > NORTH_EDGE_LAT:
            xx, yy = np.meshgrid(grid.x[win[1]], grid.y[win[0]])
            allowed = allowed & (to_geo.transform(xx, yy)[1] > NORTH_EDGE_LAT)
        b = blob_for_area(bf, area * KM2 / CELL**2, allowed)
        built[win] |= b
        built_areas.append((name, int(b.sum()) * CELL**2 / KM2))
    lc[built] = BUILT
    lc[water] = WATER
    return lc, built_areas


# ---------------------------------------------------------------- writing
PROFILE = dict(driver="GTiff", tiled=True, blockxsize=256, blockysize=256, compress="deflate", zlevel=6,
               interleave="band", count=1)


def write_dem(path, grid, dem):
    with rasterio.Env(GDAL_TIFF_OVR_BLOCKSIZE=256, COMPRESS_OVERVIEW="DEFLATE", PREDICTOR_OVERVIEW=3,
                      ZLEVEL_OVERVIEW=6, GDAL_PAM_ENABLED="NO"):
        with rasterio.open(path, "w", width=grid.width, height=grid.height, dtype="float32",
                           crs=CRS_WORK, transform=grid.transform, nodata=DEM_NODATA, predictor=3,
                           **PROFILE) as dst:
            dst.write(dem, 1)
            dst.set_band_description(1, "elevation (metre)")
            dst.set_band_unit(1, "metre")
            dst.update_tags(TIFFTAG_IMAGEDESCRIPTION="illustrative demo DEM, Chang-Zhu-Tan Green Heart (invented)",
                            TIFFTAG_SOFTWARE=SOFTWARE, AREA_OR_POINT="Area",
                            SOURCE=SOURCE, NOTICE=NOTICE, UNITS="metre", VERTICAL_DATUM="none (invented)",
                            SLOPE_METHOD_HINT="Horn 1981 on the 30 m grid")
            dst.update_tags(1, UNITS="metre", SOURCE=SOURCE)
            dst.build_overviews([2, 4, 8, 16], Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")


def write_landcover(path, grid, lc):
    with rasterio.Env(GDAL_TIFF_OVR_BLOCKSIZE=256, COMPRESS_OVERVIEW="DEFLATE", PREDICTOR_OVERVIEW=2,
                      ZLEVEL_OVERVIEW=6, GDAL_PAM_ENABLED="NO"):
        with rasterio.open(path, "w", width=grid.width, height=grid.height, dtype="uint8",
                           crs=CRS_WORK, transform=grid.transform, nodata=LC_NODATA, predictor=2,
                           photometric="palette", **PROFILE) as dst:
            dst.write(lc, 1)
            cmap = {0: (0, 0, 0, 0)}
            cmap.update({k: v[2] for k, v in CLASSES.items()})
            dst.write_colormap(1, cmap)
            dst.colorinterp = [ColorInterp.palette]
            desc = "land cover class: " + ", ".join(f"{k} {v[0]} {v[1]}" for k, v in CLASSES.items())
            dst.set_band_description(1, desc)
            tags = {f"CLASS_{k}": f"{v[0]} {v[1]}" for k, v in CLASSES.items()}
            tags.update(CLASS_0="nodata", TIFFTAG_IMAGEDESCRIPTION="illustrative demo land cover, "
                        "Chang-Zhu-Tan Green Heart (invented)", TIFFTAG_SOFTWARE=SOFTWARE, AREA_OR_POINT="Area",
                        SOURCE="illustrative demo land cover, invented; not official", NOTICE=NOTICE)
            dst.update_tags(**tags)
            dst.update_tags(1, **{f"CLASS_{k}": f"{v[0]} {v[1]}" for k, v in CLASSES.items()})
            dst.build_overviews([2, 4, 8, 16], Resampling.mode)
            dst.update_tags(ns="rio_overview", resampling="mode")


def build(out: Path, layers: Path, quiet=False):
    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    grid = Grid()
    core, integrated, corridor = read_inputs(layers)
    log(quiet, f"grid {grid.width} x {grid.height} cells of {CELL:g} m, origin ({grid.transform.c:.0f}, "
               f"{grid.transform.f:.0f}) in {CRS_WORK}")
    f = build_fields(grid, core, corridor, quiet)
    slope = horn_slope_deg(f["dem"])
    lc, built_areas = build_landcover(grid, f, slope)
    write_dem(out / "dem_demo.tif", grid, f["dem"])
    write_landcover(out / "landcover_demo.tif", grid, lc)
    log(quiet, f"built in {time.time() - t0:.1f} s -> {out}")
    return grid, dict(core=core, integrated=integrated, corridor=corridor, built_areas=built_areas,
                      summits=f["summits"])


# ---------------------------------------------------------------- checks
def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def report(out: Path, grid, info):
    dem_p, lc_p = out / "dem_demo.tif", out / "landcover_demo.tif"
    with rasterio.open(dem_p) as ds:
        dem = ds.read(1)
        dprof = ds.profile
        dovr = ds.overviews(1)
        dtags = ds.tags()
        dunit = ds.units
        dstruct = ds.tags(ns="IMAGE_STRUCTURE")
    with rasterio.open(lc_p) as ds:
        lc = ds.read(1)
        lprof = ds.profile
        lovr = ds.overviews(1)
        ltags = ds.tags()
        ldesc = ds.descriptions
        lstruct = ds.tags(ns="IMAGE_STRUCTURE")
        lcmap = {k: v for k, v in ds.colormap(1).items() if k <= max(CLASSES)}
    sizes = {p.name: p.stat().st_size for p in (dem_p, lc_p)}
    print("\n== files")
    for n, s in sizes.items():
        print(f"  {out / n}: {s / 1e6:.2f} MB ({s} bytes)")
    print(f"  total {sum(sizes.values()) / 1e6:.2f} MB")
    print(f"  dem: {dprof['dtype']} nodata {dprof['nodata']} units {dunit[0]} overviews {dovr} "
          f"blocks {dprof['blockxsize']}x{dprof['blockysize']} {dstruct}; SOURCE={dtags.get('SOURCE')!r}")
    print(f"  landcover: {lprof['dtype']} nodata {lprof['nodata']} overviews {lovr} {lstruct} "
          f"colour table {lcmap}; "
          + ", ".join(f"{k}={ltags[k]}" for k in sorted(ltags) if k.startswith("CLASS_")))
    print(f"  landcover band description: {ldesc[0]}")
    print("\n== grid")
    print(f"  shape (height, width) = {dem.shape}, width {grid.width}, height {grid.height}, cell {CELL:g} m")
    print(f"  transform = {tuple(round(v, 3) for v in grid.transform[:6])}  ({CRS_WORK})")
    b = rasterio.transform.array_bounds(grid.height, grid.width, grid.transform)
    print(f"  bounds (W, S, E, N) = {tuple(round(v, 1) for v in b)}")
    ncell = dem.size
    print("\n== terrain")
    print(f"  elevation {dem.min():.1f} .. {dem.max():.1f} m, median {np.median(dem):.1f} m, "
          f"nodata cells {(dem == DEM_NODATA).sum()}")
    slope = horn_slope_deg(dem)
    print(
        f"  slope > 25 deg: {(slope > 25).mean() * 100:.2f} % of cells ({(slope > 25).sum() * CELL**2 / KM2:.1f} km2);"
        f" slope < 5 deg: {(slope < 5).mean() * 100:.1f} %; > 12 deg: {(slope > 12).mean() * 100:.1f} %"
    )
    print("  within 1 km of each summit point (Horn slope, 30 m; 'top' = highest cell within 1 km,"
          " 'massif' = the summit height the mountain is scaled to):")
    named = {m[0] for m in MOUNTAINS}
    for name, lon, lat, top in info["summits"]:
        x0, y0 = to_work(lon, lat)
        win = grid.window(x0, y0, 1000.0)
        dx, dy = grid.offsets(x0, y0, win)
        disc = (dx * dx + dy * dy) <= 1000.0**2
        s = slope[win][disc]
        peak = dem[win][disc].max()
        steep = s > 25.0
        print(f"    {'*' if name in named else ' '} {name:24s} top {peak:6.1f} m (massif {top:g} m)  slope>25: "
              f"{steep.mean() * 100:5.1f} % of {disc.sum() * CELL**2 / KM2:.2f} km2 = "
              f"{steep.sum() * CELL**2 / KM2:.2f} km2, mean slope {s.mean():4.1f}, max {s.max():.1f} deg")
    print("    (* named mountains: need >= 0.30 km2 with slope > 25 deg)")
    inside = grid.rasterize([info["corridor"]])
    river = inside & (lc == WATER)
    print(
        f"  湘江 corridor: elevation {dem[inside].min():.1f} .. {dem[inside].max():.1f} m, "
        f"mean slope {slope[inside].mean():.2f} deg; "
        f"river water cells {dem[river].min():.1f} .. {dem[river].max():.1f} m"
    )
    print("\n== land cover")
    for k, (en, zh, _) in CLASSES.items():
        n = int((lc == k).sum())
        print(f"  {k} {en:9s} {zh:4s} {n * CELL**2 / KM2:8.2f} km2  {n / ncell * 100:5.1f} %")
    print(f"  nodata cells {(lc == LC_NODATA).sum()}")
    for name, area in info["built_areas"]:
        print(f"    built-up {name:32s} {area:.2f} km2")
    wat_out = ((lc == WATER) & ~inside).sum() * CELL**2 / KM2
    print(f"  water outside the 湘江 corridor (the lakes): {wat_out:.2f} km2; river water inside it: "
          f"{river.sum() * CELL**2 / KM2:.2f} km2")
    for name, lon, lat, area, *_ in LAKES:
        x0, y0 = to_work(lon, lat)
        win = grid.window(x0, y0, 4000.0)
        lake = (lc[win] == WATER) & ~inside[win]
        print(f"    lake {name:22s} {lake.sum() * CELL**2 / KM2:.2f} km2 (target {area:g}), "
              f"water level {float(dem[win][lake].min()):.1f} m")
    hill = (dem > 75.0) | (slope > 12.0)
    forest = lc == FOREST
    print(f"  forest on cells with elevation > 75 m or slope > 12 deg: {forest[hill].mean() * 100:.1f} % of them "
          f"(the rest: water, built-up, noisy edges); forest elsewhere: {forest[~hill].mean() * 100:.1f} %")
    core = grid.rasterize([info["core"]])
    integ = grid.rasterize([info["integrated"]]) & ~core
    outside = ~core & ~integ
    print("\n== placement against the vector layers (green_heart_2024)")
    for label, m in (
        ("core zone 核心保护区", core),
        ("integrated 融合发展区", integ),
        ("outside green heart", outside),
    ):
        print(f"  {label:22s} {m.sum() * CELL**2 / KM2:7.1f} km2: forest {forest[m].mean() * 100:5.1f} %, "
              f"built-up {(lc[m] == BUILT).mean() * 100:4.1f} %, water {(lc[m] == WATER).mean() * 100:4.1f} %, "
              f"slope>25 {(slope[m] > 25).mean() * 100:4.2f} %, mean elevation {dem[m].mean():.0f} m")
    print(f"  share of all forest inside the core zone: {forest[core].sum() / forest.sum() * 100:.1f} %, "
          f"in the integrated zone: {forest[integ].sum() / forest.sum() * 100:.1f} %")
    return sizes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the repo's layers/)")
    ap.add_argument("--layers", type=Path, default=DEFAULT_OUT,
                    help="folder with green_heart_2024.gpkg and corridors.gpkg (default: the repo's layers/)")
    ap.add_argument("--quiet", action="store_true", help="no statistics")
    ap.add_argument("--check-determinism", action="store_true",
                    help="rebuild into a temporary folder and compare the bytes with --out")
    args = ap.parse_args(argv)
    grid, info = build(args.out, args.layers, quiet=args.quiet)
    if not args.quiet:
        report(args.out, grid, info)
    if args.check_determinism:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp), args.layers, quiet=True)
            ok = True
            print("\n== determinism")
            for n in ("dem_demo.tif", "landcover_demo.tif"):
                a, b = sha256(args.out / n), sha256(Path(tmp) / n)
                ok &= a == b
                print(f"  {n}: {'identical' if a == b else 'DIFFERENT'} sha256 {a[:16]}")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
