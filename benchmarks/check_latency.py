"""Latency of `zoning check` on the demo layers, with baselines measured in the same run.

Warm: the median of repeated checks of a typical site in one process (layers loaded once), against a
baseline of the bare overlay arithmetic (the site intersected with every candidate feature, no rules).
Cold: a whole `zoning check` process, against a baseline process that only imports the geometry stack.
Targets (issue #2): warm median < 50 ms, cold process < 2 s on the 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import shapely

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"
CATEGORY = "commercial"


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default=str(SITE))
    ap.add_argument("--category", default=CATEGORY)
    ap.add_argument("-n", type=int, default=50, help="warm repetitions")
    ap.add_argument("--cold", type=int, default=5, help="cold process repetitions")
    args = ap.parse_args()

    import zoning
    from zoning.layers import load_manifest
    from zoning.overlay.prepared import load_layer
    from zoning.rules import load_catalogue

    t0 = time.perf_counter()
    first = zoning.check(args.site, category=args.category)
    load_s = time.perf_counter() - t0
    warm = timed(lambda: zoning.check(args.site, category=args.category), args.n)

    # baseline: the same site intersected with each layer's candidate features, areas summed; no rules, no I/O
    cat, manifest = load_catalogue(), load_manifest()
    from zoning.geometry.normalise import normalise_batch
    from zoning.inputs import read_site
    site = normalise_batch([read_site(args.site)]).projected[0]
    indexed = [load_layer(s, cat.rule_set(s.rule_set)).indexed(first_epsg(first)) for s in manifest.layers
               if not s.is_raster]

    def bare():
        for ix in indexed:
            cand = ix.tree.query(site, predicate="intersects")
            shapely.area(shapely.intersection(site, ix.parts[cand])).sum()

    base = timed(bare, args.n)
    wm, bm = statistics.median(warm), statistics.median(base)
    print(f"site {Path(args.site).name} ({first.site['area_m2']:,.0f} m², {args.category}) -> {first.verdict}")
    print(f"first check incl. layer loading: {load_s * 1000:.0f} ms")
    print(f"warm check   median {wm * 1000:6.2f} ms  p95 {sorted(warm)[int(0.95 * len(warm)) - 1] * 1000:6.2f} ms"
          f"   (target < 50 ms: {'OK' if wm < 0.05 else 'MISSED'})")
    print(f"baseline     median {bm * 1000:6.2f} ms  (bare intersections, no rules)   ratio {wm / bm:5.1f}x")

    env = dict(os.environ)
    cmd = [sys.executable, "-m", "zoning", "check", args.site, "--category", args.category]
    cold = timed(lambda: subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, check=True), args.cold)
    imp = [sys.executable, "-c", "import shapely, pyproj, pyogrio, numpy, click"]
    cold_base = timed(lambda: subprocess.run(imp, cwd=REPO, env=env, capture_output=True, check=True), args.cold)
    cm, cbm = statistics.median(cold), statistics.median(cold_base)
    print(f"cold process median {cm:6.2f} s   (target < 2 s: {'OK' if cm < 2 else 'MISSED'})")
    print(f"baseline     median {cbm:6.2f} s   (python importing the geometry stack)   ratio {cm / cbm:5.1f}x")


def first_epsg(result) -> str:
    return int(result.analysis_crs.split()[0].split(":")[1])


if __name__ == "__main__":
    main()
