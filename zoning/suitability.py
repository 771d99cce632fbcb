"""Where could a category go: the verdict level per cell for one category, from every layer in force.

Each cell is judged as a tiny site at its centre with the same rule files as `check`: the zone of every vector
layer at the centre, and the slope and land-cover class of the raster cell under it. Footprint-dependent tests
(corridor severance and residual width, coverage shares) cannot be judged per cell and are left out; the README
says so. Output: a GeoTIFF in CGCS2000 Gauss-Kruger (uint8: 0 nodata, 1 permitted, 2 conditional, 3 prohibited;
compressed, tiled, with overviews and a colour table) and a PNG overlay in lon/lat with its bounds beside it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
import rasterio.errors
import rasterio.windows
import shapely
from rasterio.enums import Resampling
from rasterio.transform import from_origin

from .progress import Progress
from .atomic import replacing
from .errors import InputError
from .geometry.project import reproject
from .overlay.raster_stats import horn_slope
from .rules.ruleset import VERDICTS

LEVEL = {"permitted": 1, "conditional": 2, "prohibited": 3}
COLOURS = {1: (26, 150, 65, 150), 2: (253, 174, 97, 170), 3: (215, 25, 28, 180)}
EPSG = 4547


def default_extent(ctx, margin_m: float = 3000.0):
    """The green-heart layers' extent (EPSG:4547) plus a margin: the demo area."""
    boxes = []
    for spec in ctx.manifest.layers:
        if spec.is_raster or spec.kind != "green_heart":
            continue
        layer, _, _ = ctx.layer(spec)
        if layer is not None and layer.bounds is not None:
            boxes.append(shapely.box(*shapely.total_bounds(layer.indexed(EPSG).features)))
    if not boxes:
        raise InputError("no green-heart layer to take the extent from", source=str(ctx.manifest.path),
                         expected="a manifest with a green_heart layer, or --extent minx,miny,maxx,maxy")
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(boxes))
    return minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m


def levels(ctx, category: str, xs: np.ndarray, ys: np.ndarray, national_major: bool = False) -> np.ndarray:
    """Verdict level (1-3; 1 where nothing applies) of a tiny site at each point (EPSG:4547 coordinates)."""
    out = np.ones(xs.shape, dtype=np.uint8)
    for spec in ctx.manifest.layers:
        layer, rs, _ = ctx.layer(spec)
        if layer is None or rs.status_on(ctx.date) != "in_force":
            continue
        if spec.is_raster:
            out = np.maximum(out, _raster_levels(layer, rs, category, xs, ys))
            continue
        indexed = layer.indexed(EPSG)
        for zone in rs.zones:
            sel = indexed.part_zone == zone
            if not sel.any():
                continue
            rule = rs.rule_for(zone, category, national_major)
            level = LEVEL[rule.verdict]
            if level <= 1:
                continue
            union = shapely.union_all(indexed.parts[sel])
            shapely.prepare(union)
            candidate = out < level
            if candidate.any():
                inside = shapely.contains_xy(union, xs[candidate], ys[candidate])
                idx = np.flatnonzero(candidate)[inside]
                out.flat[idx] = level
    return out


def _raster_levels(layer, rs, category, xs, ys) -> np.ndarray:
    out = np.ones(xs.shape, dtype=np.uint8)
    rules = rs.rules_for(category)
    if not rules:
        return out
    pts = reproject(shapely.points(xs.ravel(), ys.ravel()), f"EPSG:{EPSG}", layer.crs)
    px, py = shapely.get_x(pts), shapely.get_y(pts)
    with layer.open() as ds:
        rows, cols = rasterio.transform.rowcol(ds.transform, px, py)
        rows, cols = np.asarray(rows), np.asarray(cols)
        inside = (rows >= 0) & (rows < ds.height) & (cols >= 0) & (cols < ds.width)
        value = np.full(px.shape, np.nan)
        if not inside.any():
            return out
        # only the window under these points (plus a one-cell margin for slope): never the whole raster
        r0, r1 = max(int(rows[inside].min()) - 1, 0), min(int(rows[inside].max()) + 2, ds.height)
        c0, c1 = max(int(cols[inside].min()) - 1, 0), min(int(cols[inside].max()) + 2, ds.width)
        data = ds.read(layer.spec.band, window=rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0)).astype("float64")
        if layer.nodata is not None:
            data[data == layer.nodata] = np.nan
        if rs.measure == "slope":
            # the window has a one-cell margin, so every point's cell has its true neighbours
            grid = horn_slope(np.pad(data, 1, constant_values=np.nan), abs(ds.res[0]), abs(ds.res[1]))
        else:
            grid = data
    value[inside] = grid[rows[inside] - r0, cols[inside] - c0]
    flat = out.ravel()
    for rule in rules:
        if rs.measure == "slope":
            hit = value > rule.threshold              # a tiny site is wholly in one cell: share 0 or 1
        else:
            codes = [k for k, v in layer.classes.items() if v in rule.classes]
            hit = np.isin(value, codes)
        if rule.min_share <= 1.0:
            flat[hit] = np.maximum(flat[hit], LEVEL[rule.verdict])
    return flat.reshape(xs.shape)


def build(ctx, category: str, out: Path, *, cell: float = 20.0, extent=None, national_major=False,
          show_progress: bool | None = False) -> dict:
    """The levels grid as a GeoTIFF and a PNG overlay; `show_progress` None: a bar when stderr is a terminal."""
    minx, miny, maxx, maxy = extent or default_extent(ctx)
    minx, miny = np.floor(minx / cell) * cell, np.floor(miny / cell) * cell
    width, height = int(np.ceil((maxx - minx) / cell)), int(np.ceil((maxy - miny) / cell))
    transform = from_origin(minx, miny + height * cell, cell, cell)
    grid = np.zeros((height, width), dtype=np.uint8)
    with Progress(width * height, "cells", "适宜性 suitability", show=show_progress) as bar:
        strip = max(16, min(256, 262_144 // max(width, 1)))    # memory stays small, the bar moves every second
        for r0 in range(0, height, strip):
            rows = np.arange(r0, min(r0 + strip, height))
            ys = (miny + height * cell) - (rows + 0.5) * cell
            xs = minx + (np.arange(width) + 0.5) * cell
            gx, gy = np.meshgrid(xs, ys)
            grid[rows[0]:rows[-1] + 1] = levels(ctx, category, gx, gy, national_major)
            bar.update(len(rows) * width)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs=f"EPSG:{EPSG}",
                   transform=transform, nodata=0, tiled=True, blockxsize=256, blockysize=256, compress="deflate",
                   predictor=2)
    with replacing(out, suffix=True) as tmp:
        with rasterio.open(tmp, "w", **profile) as ds:
            ds.write(grid, 1)              # interrupted or the disk full: no half-written raster is left
            ds.write_colormap(1, {0: (0, 0, 0, 0), **COLOURS})
            ds.update_tags(CATEGORY=category, DATE=ctx.date.isoformat(),
                           LEVELS="1=permitted 2=conditional 3=prohibited",
                           NOTE="per-cell tiny-site verdict; corridor severance/width not judged per cell")
        with rasterio.open(tmp, "r+") as ds:      # reopened: the overviews see the colour table just written
            ds.build_overviews([2, 4, 8, 16], Resampling.mode)
            ds.update_tags(ns="rio_overview", resampling="mode")
    png = _png_overlay(out)
    counts = {VERDICTS[3 - k]: int((grid == k).sum()) for k in (3, 2, 1)}
    return {"tif": str(out), "png": str(png), "width": width, "height": height, "cell_m": cell, "counts": counts}


def _png_overlay(tif: Path) -> Path:
    """The levels warped to lon/lat as an RGBA PNG, with its bounds in a .json beside it (for web maps)."""
    from rasterio.warp import calculate_default_transform, reproject as warp
    with rasterio.open(tif) as src:
        t, w, h = calculate_default_transform(src.crs, "EPSG:4326", src.width, src.height, *src.bounds)
        dst = np.zeros((h, w), dtype=np.uint8)
        warp(rasterio.band(src, 1), dst, src_transform=src.transform, src_crs=src.crs, dst_transform=t,
             dst_crs="EPSG:4326", resampling=Resampling.nearest)
    rgba = np.zeros((4, h, w), dtype=np.uint8)
    for k, colour in COLOURS.items():
        m = dst == k
        for b in range(4):
            rgba[b][m] = colour[b]
    png = tif.with_suffix(".png")
    import warnings
    with warnings.catch_warnings():   # a PNG holds no georeferencing by design: its bounds go in the .json
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(png, "w", driver="PNG", width=w, height=h, count=4, dtype="uint8") as ds:
            ds.write(rgba)
    west, north = t.c, t.f
    east, south = west + t.a * w, north + t.e * h
    png.with_suffix(".json").write_text(json.dumps({"bounds": [[south, west], [north, east]]}), encoding="utf-8")
    return png
