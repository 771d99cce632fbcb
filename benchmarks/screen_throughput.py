"""Throughput of `zoning screen` against naive geopandas baselines measured in the same run.

Generates N random polygon sites (about 30 vertices, 1-20 ha) over the demo area, then times:
  - baseline A: geopandas sjoin + intersection of whole zone polygons (areas per site x zone);
  - baseline B: geopandas.overlay(sites, zones, how="intersection");
  - zoning's overlay step alone (the same measurements as baseline A), in 1 and in all processes;
  - zoning screen with 1 worker and with all cores (local engine), with findings and with --no-findings (rows only),
    and the dask engine on a 2-worker LocalCluster.
Prints a machine probe (µs per fixed GEOS intersection) before and after, sites per second and the ratio to baseline
A. `--end-to-end N` also runs `zoning screen LIST --out OUT.gpkg` on N sites as a separate process, with and without
findings, and reports wall time, peak memory and output size.
Targets (issue #4): >= 20,000 sites/s with all cores; 1,000,000 sites end to end < 2 min and < 4 GB.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "seeds"))
from random_sites import write_list  # noqa: E402


def zones_gdf():
    from zoning.api import make_context
    ctx = make_context()
    frames = []
    for spec in ctx.manifest.layers:
        if spec.is_raster:
            continue          # the naive baseline overlays vector zones only
        layer, _, _ = ctx.layer(spec)
        frames.append(
            gpd.GeoDataFrame(
                {"layer": spec.id, "zone": layer.zones}, geometry=list(layer.indexed(4547).features), crs=4547
            )
        )
    return pd.concat(frames, ignore_index=True).to_crs(4547)


def vector_indexes(epsg: int = 4547) -> list:
    """The demo's vector layers, loaded and indexed in `epsg` as the engine uses them."""
    from zoning.api import make_context
    ctx = make_context()
    return [ctx.layer(spec)[0].indexed(epsg) for spec in ctx.manifest.layers if not spec.is_raster]


def probe() -> str:
    """The machine's speed right now: µs per GEOS intersection of two fixed circles (best of 5 x 2,000)."""
    import numpy as np
    import shapely
    a, b = shapely.Point(0, 0).buffer(100, quad_segs=8), shapely.Point(150, 0).buffer(100, quad_segs=20)
    left, right = np.array([a] * 2000), np.array([b] * 2000)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        shapely.intersection(left, right)
        best = min(best, time.perf_counter() - t)
    return f"machine probe: {best / 2000 * 1e6:.1f} µs per GEOS intersection (lower is faster; it varies up to 2x)"


def timed(label, fn, n, base=None):
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    ratio = f"   {(n / dt) / base:6.2f}x baseline A" if base else ""
    print(f"{label:48s} {dt:8.2f} s  {n / dt:10,.0f} sites/s{ratio}", flush=True)
    return n / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--end-to-end", type=int, default=0, metavar="N", help="also run N sites end to end")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="zoning-bench-"))
    lst = write_list(work / "sites.gpkg", args.n, seed=42)
    print(f"{args.n:,} random sites, {cores} cores, list {lst}")
    print(probe(), flush=True)
    sites = gpd.read_file(lst).to_crs(4547)
    zones = zones_gdf()

    def sjoin_baseline():
        import shapely
        j = gpd.sjoin(sites, zones, predicate="intersects")
        area = shapely.area(shapely.intersection(j.geometry.values, zones.geometry.values[j["index_right"].to_numpy()]))
        pd.Series(area, index=j.index).groupby([j.index, j["layer"], j["zone"]]).sum()

    base = timed("baseline A: geopandas sjoin + intersection", sjoin_baseline, args.n)
    timed("baseline B: geopandas.overlay", lambda: gpd.overlay(sites, zones, how="intersection", keep_geom_type=True),
          args.n, base)

    _overlay_step(sites, args.n, base, cores)

    from zoning.screen import ScreenOptions, screen
    for findings in (True, False):
        for workers in sorted({1, cores}):
            timed(f"zoning screen, {workers} worker(s), " + ("with findings" if findings else "--no-findings"),
                  lambda: screen(lst, work / f"out{workers}{findings}.gpkg",
                                 ScreenOptions(quiet=True, workers=workers, findings=findings)),
                  args.n, base)
    if not args.no_dask:
        timed("zoning screen, dask engine, 2-worker LocalCluster",
              lambda: screen(lst, work / "out_dask.gpkg", ScreenOptions(quiet=True, engine="dask", workers=2)),
              args.n, base)
    _floor(lst, work / f"out{cores}True.gpkg", args.n, cores)
    print(probe(), flush=True)
    if args.end_to_end:
        big = write_list(work / "big.gpkg", args.end_to_end, seed=7)
        for flag in ("", "--no-findings"):
            _end_to_end(big, work, args.end_to_end, flag)
            print(probe(), flush=True)


def _floor(lst, screened, n, cores):
    """The library calls every site passes through whatever zoning does, timed alone in one process: reading the
    list, parsing, validity, reprojection, area, hashing, one index query and containment test per vector layer,
    and writing the rows and findings that the screen wrote. What is left of the per-site budget is for the exact
    overlay of boundary sites, raster statistics, nearest zones, corridor tests, rules and texts."""
    import hashlib

    import numpy as np
    import pyogrio
    import shapely
    from pyproj import Transformer

    from zoning.screen.out import FAST_SQLITE
    indexed = vector_indexes()
    rows = pyogrio.read_arrow(screened, layer="screen")[1]
    findings = pyogrio.read_arrow(screened, layer="findings")[1]
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    out = Path(tempfile.mkdtemp(prefix="zoning-floor-")) / "floor.gpkg"
    took = {}

    def step(label, fn):
        t = time.perf_counter()
        value = fn()
        took[label] = time.perf_counter() - t
        return value

    def inside():
        for ix in indexed:
            s, p = ix.tree.query(proj)
            shapely.contains_properly(ix.parts[p], proj[s])

    def write(table, layer, geometry):
        pyogrio.set_gdal_config_options(FAST_SQLITE)
        pyogrio.write_arrow(table, out, layer=layer, driver="GPKG", geometry_name=geometry,
                            geometry_type="Unknown" if geometry else None, crs="EPSG:4490" if geometry else None,
                            append=out.exists())

    meta, table = step("read the list", lambda: pyogrio.read_arrow(lst))
    geoms = step("parse WKB", lambda: shapely.from_wkb(table.column(meta["geometry_name"] or "wkb_geometry")))
    step("validity", lambda: shapely.is_valid(geoms))
    proj = step("reproject to the Gauss-Kruger zone",
                lambda: shapely.transform(geoms, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1]))))
    step("area and perimeter", lambda: (shapely.area(proj), shapely.length(proj)))
    step("hash", lambda: [hashlib.sha256(w).hexdigest() for w in shapely.to_wkb(geoms)])
    step("index query + containment, 4 vector layers", inside)
    step("write the rows to GPKG", lambda: write(rows, "screen", "geometry_wkb"))
    rows_only = sum(took.values())
    step(f"write the findings to GPKG ({findings.num_rows / n:.1f} per site)",
         lambda: write(findings, "findings", None))
    print("library floor, 1 process (calls every site passes through, with none of zoning's own work):")
    for label, dt in took.items():
        print(f"  {label:52s} {dt / n * 1e6:7.1f} µs per site")
    for name, t in (("with findings", sum(took.values())), ("--no-findings", rows_only)):
        print(f"  floor {name:14s} {t / n * 1e6:7.1f} µs per site: at most {cores * n / t:,.0f} sites/s on "
              f"{cores} cores even if everything else were free and scaling perfect", flush=True)


_STEP: dict = {}


def _measure_all(rows):
    import shapely

    from zoning.overlay.measure import measure
    geoms = _STEP["geoms"][rows]
    for indexed in _STEP["indexed"]:
        measure(geoms, shapely.area(geoms), shapely.length(geoms), indexed, tolerance=0.5, nearest=False)
    return len(rows)


def _overlay_step(sites, n, base, cores):
    """zoning's overlay step alone: the measurements baseline A makes (overlap areas per site x feature of the
    four vector layers), without nearest zones, rules, rasters, findings or I/O; layer indexes built beforehand."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    import numpy as np

    _STEP["geoms"] = np.asarray(sites.geometry.values, dtype=object)
    _STEP["indexed"] = vector_indexes()
    _measure_all(np.arange(min(n, 50)))
    timed("zoning overlay step alone, 1 process", lambda: _measure_all(np.arange(n)), n, base)
    if cores > 1:
        with ProcessPoolExecutor(cores, mp_context=mp.get_context("fork")) as pool:
            list(pool.map(_measure_all, [np.arange(k, min(n, k + 10)) for k in range(0, 10 * cores, 10)]))
            timed(f"zoning overlay step alone, {cores} processes",
                  lambda: sum(pool.map(_measure_all, np.array_split(np.arange(n), 8 * cores))), n, base)


def _end_to_end(big, work, n, flag):
    """`zoning screen BIG --out OUT.gpkg [flag]` as a separate process: wall time and peak memory."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "zoning", "screen", str(big), "--out", str(work / "big_out.gpkg"),
                             "--quiet"] + ([flag] if flag else []))
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_pss(proc.pid))
        time.sleep(0.5)
    dt = time.perf_counter() - t
    size = (work / "big_out.gpkg").stat().st_size if (work / "big_out.gpkg").exists() else 0
    print(f"end to end {flag or '(with findings)'}: {n:,} sites read, screened and written to GPKG in {dt:.1f} s "
          f"({n / dt:,.0f} sites/s), exit {proc.returncode}, peak memory of the process tree "
          f"{peak / 2**20:,.0f} MB (PSS, sampled every 0.5 s), output {size / 2**30:.2f} GB")


def _tree_pss(pid: int) -> int:
    """Proportional set size in bytes of a process and its descendants (shared pages counted once)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration):
            continue
    return total


if __name__ == "__main__":
    main()
