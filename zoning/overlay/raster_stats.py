"""Zonal statistics of a raster under a site: windowed reads, masked by the site polygon.

Cells are weighted by the exact fraction of their area that the site covers (each cell's square clipped by the
polygon), so a cell counts neither by its centre nor by touch. Nodata cells are left out of every share and
reported. Slope is Horn's method on the DEM window read with a one-cell margin. Only the window around the site
is ever read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from rasterio.windows import Window, from_bounds

from ..geometry.project import reproject


@dataclass
class RasterStats:
    covered_share: float                 # share of the site over valid (not nodata) cells of the raster
    site_area_m2: float                  # in the raster's CRS
    valid_area_m2: float
    nodata_area_m2: float
    values: dict = field(default_factory=dict)


def _cells(window_transform, rows, cols):
    a, b, c, d, e, f = window_transform[:6]
    r, q = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    x0, y0 = c + q * a, f + r * e
    return shapely.box(np.minimum(x0, x0 + a), np.minimum(y0, y0 + e), np.maximum(x0, x0 + a),
                       np.maximum(y0, y0 + e))


def horn_slope(z: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Slope in degrees of the inner cells of a (rows+2, cols+2) elevation block (Horn 1981)."""
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * dy)
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


def zonal(layer, site_projected, site_epsg: int) -> RasterStats:
    """Fractions, slope or class areas of `layer` under the site."""
    site = reproject(site_projected, f"EPSG:{site_epsg}", layer.crs)
    area = float(site.area)
    with layer.open() as ds:
        full = Window(0, 0, ds.width, ds.height)
        exact = from_bounds(*site.bounds, transform=ds.transform)
        c0, r0 = int(np.floor(exact.col_off)), int(np.floor(exact.row_off))
        c1, r1 = int(np.ceil(exact.col_off + exact.width)), int(np.ceil(exact.row_off + exact.height))
        try:   # every cell the site's bounds touch, clipped to the raster
            win = Window(c0, r0, max(c1 - c0, 1), max(r1 - r0, 1)).intersection(full)
        except Exception:   # rasterio raises WindowError when the site lies outside the raster
            return RasterStats(0.0, area, 0.0, 0.0)
        rows, cols = int(win.height), int(win.width)
        if rows <= 0 or cols <= 0:
            return RasterStats(0.0, area, 0.0, 0.0)
        wt = ds.window_transform(win)
        boxes = _cells(wt, rows, cols)
        shapely.prepare(site)
        frac_area = np.zeros(rows * cols)
        flat = boxes.ravel()
        hit = np.flatnonzero(shapely.intersects(site, flat))
        inside = shapely.contains_properly(site, flat[hit])
        cell_area = abs(wt.a * wt.e)
        frac_area[hit[inside]] = cell_area
        edge = hit[~inside]
        if len(edge):
            frac_area[edge] = shapely.area(shapely.intersection(flat[edge], site))
        frac_area = frac_area.reshape(rows, cols)
        band = layer.spec.band
        if layer.rule_set.measure == "slope":
            # the window plus a one-cell margin, NaN beyond the raster's edge (no boundless VRT: it is slow)
            z = np.full((rows + 2, cols + 2), np.nan)
            r0, c0 = int(win.row_off) - 1, int(win.col_off) - 1
            rr0, cc0 = max(r0, 0), max(c0, 0)
            rr1, cc1 = min(r0 + rows + 2, ds.height), min(c0 + cols + 2, ds.width)
            z[rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = ds.read(
                band, window=Window(cc0, rr0, cc1 - cc0, rr1 - rr0)).astype("float64")
            if layer.nodata is not None:
                z[z == layer.nodata] = np.nan
            slope = horn_slope(z, abs(wt.a), abs(wt.e))
            valid = ~np.isnan(slope)
            data = slope
        else:
            data = ds.read(band, window=win)
            valid = data != layer.nodata if layer.nodata is not None else np.ones(data.shape, dtype=bool)
    w = np.where(valid, frac_area, 0.0)
    valid_area = float(w.sum())
    nodata_area = float(frac_area.sum() - valid_area)
    share = valid_area / area if area > 0 else 0.0
    if abs(area - valid_area) <= max(1e-6 * area, 1e-3):   # summed clipped cells vs. the polygon: float noise
        share = 1.0
    stats = RasterStats(share, area, valid_area, nodata_area)
    if valid_area <= 0:
        return stats
    if layer.rule_set.measure == "slope":
        vals = np.where(valid, data, 0.0)
        stats.values = {"mean_slope_deg": float((vals * w).sum() / valid_area),
                        "max_slope_deg": float(vals[w > 0].max()),
                        "slope_cells": vals, "weights": w}
    else:
        per_class = {}
        for value in np.unique(data[w > 0]):
            name = layer.classes.get(int(value), f"class {int(value)}")
            per_class[name] = per_class.get(name, 0.0) + float(w[data == value].sum())
        stats.values = {"class_area_m2": per_class}
    return stats
