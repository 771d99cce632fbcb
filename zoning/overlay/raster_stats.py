"""Zonal statistics of a raster under many sites at once: one windowed read per batch, exact cell fractions.

Cells are weighted by the exact fraction of their area that each site covers (see `coverage`), so a cell counts
neither by its centre nor by touch. Nodata cells are left out of every share and reported. Slope is Horn's
method on the DEM window read with a one-cell margin. Only the window around the batch's sites is read.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from rasterio.windows import Window

from ..geometry.project import reproject
from .coverage import Coverage, coverage

MAX_WINDOW_CELLS = 16_000_000   # a batch spread wider than this is read in spatial groups
MAX_SITE_CELLS = 4_000_000      # cells of one raster under one site; beyond, that raster is not checked for it
SNAP = 512                      # wide windows are snapped to this many cells


@dataclass
class RasterStats:
    """Per-site statistics of one raster layer for a batch (arrays indexed by site)."""
    measure: str
    covered_share: np.ndarray            # share of the site over valid (not nodata) cells of the raster
    site_area: np.ndarray                # m², in the raster's CRS
    valid_area: np.ndarray
    nodata_area: np.ndarray
    mean_slope: np.ndarray | None = None
    max_slope: np.ndarray | None = None
    over: dict = field(default_factory=dict)           # slope threshold -> area steeper, m²
    class_names: list = field(default_factory=list)    # land cover: class names, columns of class_area
    class_area: np.ndarray | None = None               # (sites, classes) m²
    oversized: np.ndarray | None = None                # per site: more than MAX_SITE_CELLS cells, not computed


def horn_slope(z: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Slope in degrees of the inner cells of a (rows+2, cols+2) elevation block (Horn 1981)."""
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * dy)
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


_LOCAL = threading.local()


def window_values(layer, ds, r0, c0, r1, c1):
    """(values, valid) of rows r0..r1-1 and columns c0..c1-1: slope in degrees or raw classes.

    The last window of each layer is kept per thread: successive batches spread over one raster reuse it."""
    key = (layer.path, layer.spec.band, layer.rule_set.measure, r0, c0, r1, c1)
    kept = getattr(_LOCAL, "kept", None)
    if kept is None:
        kept = _LOCAL.kept = {}
    hit = kept.get(layer.path)
    if hit is not None and hit[0] == key:
        return hit[1]
    band = layer.spec.band
    rows, cols = r1 - r0, c1 - c0
    if layer.rule_set.measure == "slope":
        # the window plus a one-cell margin, NaN beyond the raster's edge (no boundless VRT: it is slow)
        z = np.full((rows + 2, cols + 2), np.nan)
        rr0, cc0 = max(r0 - 1, 0), max(c0 - 1, 0)
        rr1, cc1 = min(r1 + 1, ds.height), min(c1 + 1, ds.width)
        z[rr0 - r0 + 1:rr1 - r0 + 1, cc0 - c0 + 1:cc1 - c0 + 1] = ds.read(
            band, window=Window(cc0, rr0, cc1 - cc0, rr1 - rr0)).astype("float64")
        if layer.nodata is not None:
            z[z == layer.nodata] = np.nan
        data = horn_slope(z, abs(ds.transform.a), abs(ds.transform.e))
        valid = ~np.isnan(data)
        data = np.where(valid, data, 0.0)
    else:
        data = ds.read(band, window=Window(c0, r0, cols, rows))
        valid = data != layer.nodata if layer.nodata is not None else np.ones(data.shape, dtype=bool)
    kept[layer.path] = (key, (data, valid))
    return data, valid


@dataclass
class _Cells:
    """The cells under a batch of sites on one grid, and the windows to read them: shared by rasters on it."""
    area: np.ndarray        # per site: area in the grid's CRS
    cell_area: np.ndarray   # per site: area of its cells inside the raster (m²)
    site: np.ndarray        # per cell inside the raster: its site
    weight: np.ndarray      # per cell: the area the site covers (m²)
    windows: list           # (cells, r0, c0, r1, c1, flat index of each cell in the window)
    oversized: np.ndarray   # per site: too many cells, left out (covered share 0)


def oversized(sites, ds) -> np.ndarray:
    """Per site (in the raster's CRS): it covers more than MAX_SITE_CELLS cells of the raster."""
    cell = abs(ds.transform.a * ds.transform.e)
    out = shapely.area(sites) / cell > MAX_SITE_CELLS
    if out.any():        # only the part over the raster counts
        out[out] = shapely.area(shapely.intersection(sites[out], shapely.box(*ds.bounds))) / cell > MAX_SITE_CELLS
    return out


def _cells(sites_projected, site_epsg: int, crs, ds) -> _Cells:
    sites = reproject(np.asarray(sites_projected, dtype=object), f"EPSG:{site_epsg}", crs)
    big = oversized(sites, ds)
    if big.any():                  # their cells are not laid out at all: memory stays bounded per site
        sites = sites.copy()
        sites[big] = shapely.Polygon()
    cov = _coverage_within(sites, ds)
    site, row, col, frac = cov.site, cov.row, cov.col, cov.frac
    windows = []
    for sel in _groups(site, row, col):
        r, c = row[sel], col[sel]
        r0, c0, r1, c1 = int(r.min()), int(c.min()), int(r.max()) + 1, int(c.max()) + 1
        if (r1 - r0) * (c1 - c0) > SNAP * SNAP:     # a wide batch: snap, so that the next batch reuses it
            r0, c0 = r0 // SNAP * SNAP, c0 // SNAP * SNAP
            r1, c1 = min(-(-r1 // SNAP) * SNAP, ds.height), min(-(-c1 // SNAP) * SNAP, ds.width)
        windows.append((sel, r0, c0, r1, c1, (r - r0) * (c1 - c0) + (c - c0)))
    weight = frac * abs(ds.transform.a * ds.transform.e)
    area = shapely.area(sites)
    area[big] = shapely.area(reproject(np.asarray(sites_projected, dtype=object)[big], f"EPSG:{site_epsg}", crs))
    return _Cells(area, np.bincount(site, weights=weight, minlength=len(sites)), site, weight, windows, big)


TILE = 1024                      # a site wider than this many cells is cut into cell-aligned tiles
CHUNK_CELLS = 4_000_000          # cells of the bounding boxes that one coverage pass may lay out


def _coverage_within(sites, ds) -> Coverage:
    """Cell fractions of the sites inside the raster only: each site clipped to the raster's extent first (cells
    beyond it are never read), large ones cut into tiles on cell lines, and the passes chunked, so that memory
    follows the cells a site covers on the raster, not its bounding box."""
    t = ds.transform
    extent = shapely.box(*ds.bounds)
    shapely.prepare(extent)
    geoms = np.array(sites, dtype=object)
    beyond = ~shapely.contains_properly(extent, geoms)
    if beyond.any():
        geoms[beyond] = shapely.intersection(geoms[beyond], extent)    # exact: a clip's cells keep their fractions
    b = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        wide = (np.abs(b[:, 2] - b[:, 0]) / abs(t.a) > TILE) | (np.abs(b[:, 3] - b[:, 1]) / abs(t.e) > TILE)
    small = np.flatnonzero(~wide & ~shapely.is_empty(geoms))
    pieces, owner = list(geoms[small]), list(small)
    for i in np.flatnonzero(wide):            # a site wider than a tile: cut on cell lines (few sites are)
        g = geoms[i]
        (c0, c1), (r0, r1) = sorted(((b[i, 0] - t.c) / t.a, (b[i, 2] - t.c) / t.a)), \
            sorted(((b[i, 1] - t.f) / t.e, (b[i, 3] - t.f) / t.e))
        for tr in range(int(np.floor(r0)) // TILE * TILE, int(np.ceil(r1)), TILE):
            for tc in range(int(np.floor(c0)) // TILE * TILE, int(np.ceil(c1)), TILE):
                xa, xb = t.c + t.a * tc, t.c + t.a * (tc + TILE)
                ya, yb = t.f + t.e * tr, t.f + t.e * (tr + TILE)
                piece = shapely.intersection(g, shapely.box(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
                if not piece.is_empty and piece.area > 0:
                    pieces.append(piece)
                    owner.append(i)
    owners = np.array(owner, dtype=np.int64)
    cut = np.array(pieces, dtype=object)
    pb = shapely.bounds(cut) if len(cut) else np.zeros((0, 4))
    span = (np.abs((pb[:, 2] - pb[:, 0]) / t.a) + 2) * (np.abs((pb[:, 3] - pb[:, 1]) / t.e) + 2)
    parts = []
    start = 0
    while start < len(cut):
        stop = start + max(1, int(np.searchsorted(np.cumsum(span[start:]), CHUNK_CELLS)))
        cov = coverage(cut[start:stop], t)
        parts.append((owners[start:stop][cov.site], cov.row, cov.col, cov.frac))
        start = stop
    if not parts:
        e = np.array([], dtype=np.int64)
        return Coverage(e, e, e, np.array([]))
    site, row, col, frac = (np.concatenate(x) for x in zip(*parts, strict=False))
    inside = (row >= 0) & (row < ds.height) & (col >= 0) & (col < ds.width)
    if not inside.all():
        site, row, col, frac = site[inside], row[inside], col[inside], frac[inside]
    if len(site) > 1 and np.any(site[1:] < site[:-1]):          # in site order, as one pass over sites gives
        order = np.argsort(site, kind="stable")
        site, row, col, frac = site[order], row[order], col[order], frac[order]
    return Coverage(site, row, col, frac)


def zonal_batch(layer, sites_projected, site_epsg: int, shared: dict | None = None) -> RasterStats:
    """Fractions, slope or class areas of `layer` under each site of a batch.

    Rasters on one grid share their cells and windows through `shared` (one dict per batch)."""
    with layer.open() as ds:
        key = (site_epsg, layer.crs, tuple(ds.transform)[:6], ds.height, ds.width)
        cells = shared.get(key) if shared is not None else None
        if cells is None:
            cells = _cells(sites_projected, site_epsg, layer.crs, ds)
            if shared is not None:
                shared[key] = cells
        area, site, w_all = cells.area, cells.site, cells.weight
        n = len(area)
        value = np.zeros(len(site), dtype=np.float64)
        valid = np.zeros(len(site), dtype=bool)
        for sel, r0, c0, r1, c1, flat in cells.windows:
            data, ok = window_values(layer, ds, r0, c0, r1, c1)
            value[sel] = data.ravel()[flat]
            valid[sel] = ok.ravel()[flat]
    w = np.where(valid, w_all, 0.0)
    valid_area = np.bincount(site, weights=w, minlength=n)
    nodata_area = cells.cell_area - valid_area
    share = np.where(area > 0, valid_area / np.where(area > 0, area, 1.0), 0.0)
    share[np.abs(area - valid_area) <= np.maximum(1e-6 * area, 1e-3)] = 1.0   # summed cells vs. polygon: float noise
    share[valid_area <= 0] = 0.0
    st = RasterStats(layer.rule_set.measure, share, area, valid_area, nodata_area, oversized=cells.oversized)
    if st.measure == "slope":
        st.mean_slope = np.bincount(site, weights=w * value, minlength=n) / np.where(valid_area > 0, valid_area, 1)
        st.max_slope = np.full(n, -np.inf)
        np.maximum.at(st.max_slope, site[valid], value[valid])
        st.over = {t: np.bincount(site, weights=w * (value > t), minlength=n)
                   for t in sorted({r.threshold for r in layer.rule_set.rules})}
    else:
        vals = value[valid].astype(np.int64)
        lo = int(vals.min()) if len(vals) else 0
        present = np.bincount(vals - lo) > 0 if len(vals) else np.zeros(0, dtype=bool)
        codes = np.flatnonzero(present) + lo
        index_of = np.cumsum(present) - 1
        inv = index_of[vals - lo]
        names = [layer.classes.get(int(v), f"class {int(v)}") for v in codes]
        st.class_names = list(dict.fromkeys(names))
        class_col = np.array([st.class_names.index(nm) for nm in names], dtype=np.int64)
        k = len(st.class_names)
        st.class_area = np.bincount(site[valid] * k + class_col[inv], weights=w[valid], minlength=n * k).reshape(n, k) \
            if k else np.zeros((n, 0))
    return st


def _groups(site, row, col):
    """Cells to read together (index arrays, or all of them): one window unless the batch spans more than
    MAX_WINDOW_CELLS; then one window per tile of cells (a large site's cells may fall in several)."""
    if len(site) == 0:
        return []
    span = (int(row.max()) - int(row.min()) + 1) * (int(col.max()) - int(col.min()) + 1)
    if span <= MAX_WINDOW_CELLS:
        return [slice(None)]
    tile = int(np.sqrt(MAX_WINDOW_CELLS)) // 2
    keys = (row // tile) * 1_000_003 + col // tile
    return [np.flatnonzero(keys == k) for k in np.unique(keys)]


def oversized_note(layer_id: str, layer) -> str:
    with layer.open() as ds:
        res = abs(ds.transform.a)
        km2 = MAX_SITE_CELLS * abs(ds.transform.a * ds.transform.e) / 1e6
    return (f"raster layer '{layer_id}' not checked: the site covers more than {MAX_SITE_CELLS:,} of its "
            f"{res:g} m cells (about {km2:,.0f} km²), the limit per site; split the site to check it")
