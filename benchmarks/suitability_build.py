"""Time to build the suitability raster for the demo area at 20 m cells, beside a baseline from the same run.

Baseline: one point-in-polygon pass (shapely.contains_xy) of every cell centre against one zone union, the
innermost operation the build repeats per zone; the ratio says how many such passes the whole build costs.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--category", default="commercial")
    ap.add_argument("--cell", type=float, default=20.0)
    args = ap.parse_args()
    from zoning.api import make_context
    from zoning.suitability import EPSG, build, default_extent
    ctx = make_context(date="2026-11-21")
    for spec in ctx.manifest.layers:
        layer, _, _ = ctx.layer(spec)
        if layer is not None and not spec.is_raster:
            layer.indexed(EPSG)
    minx, miny, maxx, maxy = default_extent(ctx)
    xs = np.arange(minx, maxx, args.cell) + args.cell / 2
    ys = np.arange(miny, maxy, args.cell) + args.cell / 2
    gx, gy = np.meshgrid(xs, ys)
    spec = next(s for s in ctx.manifest.layers if s.id == "green_heart_2024")
    ix = ctx.layer(spec)[0].indexed(EPSG)
    union = shapely.union_all(ix.parts[ix.part_zone == "core"])
    shapely.prepare(union)
    t = time.perf_counter()
    shapely.contains_xy(union, gx, gy)
    base = time.perf_counter() - t
    out = Path(tempfile.mkdtemp()) / f"suitability_{args.category}.tif"
    t = time.perf_counter()
    info = build(ctx, args.category, out, cell=args.cell)
    dt = time.perf_counter() - t
    cells = info["width"] * info["height"]
    print(f"suitability {args.category} at {args.cell:g} m: {info['width']} x {info['height']} = {cells:,} cells "
          f"in {dt:.1f} s ({cells / dt / 1e6:.2f} M cells/s), GeoTIFF {out.stat().st_size / 1e6:.1f} MB")
    print(f"baseline: one point-in-polygon pass over all cells {base:.2f} s; the build = {dt / base:.1f} passes")


if __name__ == "__main__":
    main()
