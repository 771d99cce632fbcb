"""The raster cells that count for a raster rule around a site (steeper than its threshold, or of its land-cover
classes), as polygons to draw: the same window values (Horn slope, raw classes) the statistics are computed from."""
from __future__ import annotations

import numpy as np
import rasterio.features
import rasterio.windows
import shapely

from ..geometry.project import reproject
from .raster_stats import window_values

MAX_DRAWN_CELLS = 4_000_000      # a window wider than this is not drawn (the finding still says what counts)


def counting_mask(layer, rule, data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per cell: does it count for `rule`."""
    if layer.rule_set.measure == "slope":
        return valid & (data > float(rule.threshold))
    codes = [int(k) for k, name in layer.classes.items() if name in rule.classes]
    return valid & np.isin(data, codes)


def cells_over(layer, rule, area, area_epsg: int):
    """The counting cells inside `area` (a polygon in EPSG:`area_epsg`), dissolved, in the same CRS; None when the
    area is off the raster or too large to draw."""
    with layer.open() as ds:
        box = reproject(area, f"EPSG:{area_epsg}", layer.crs)
        left, bottom, right, top = box.bounds
        win = rasterio.windows.from_bounds(left, bottom, right, top, transform=ds.transform)
        win = win.round_offsets(op="floor").round_lengths(op="ceil").intersection(
            rasterio.windows.Window(0, 0, ds.width, ds.height))
        if win.width <= 0 or win.height <= 0 or win.width * win.height > MAX_DRAWN_CELLS:
            return None
        r0, c0 = int(win.row_off), int(win.col_off)
        data, valid = window_values(layer, ds, r0, c0, r0 + int(win.height), c0 + int(win.width))
        mask = counting_mask(layer, rule, data, valid)
        if not mask.any():
            return shapely.Polygon()
        transform = rasterio.windows.transform(win, ds.transform)
        parts = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
            mask.astype(np.uint8), mask=mask, transform=transform) if v]
    cells = shapely.union_all(parts)
    return shapely.intersection(reproject(cells, layer.crs, f"EPSG:{area_epsg}"), area)
