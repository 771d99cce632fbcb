#!/usr/bin/env python
"""Check the demo layers written by build_demo_layers.py against their targets.

Prints areas, shares, feature and vertex counts, file sizes and a geometry hash
per layer; exits 1 if a target is missed.

Run:  python seeds/check_demo_layers.py [--layers DIR]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_demo_layers as b  # noqa: E402

KM2 = 1e6

EXPECTED = {
    "green_heart_2013": ("green_heart_2013.gpkg", ["分区", "名称", "编号"]),
    "green_heart_2024": ("green_heart_2024.gpkg", ["分区", "名称", "编号"]),
    "red_line": ("red_line.gpkg", ["红线类型", "名称", "编号"]),
    "corridors": ("corridors.gpkg", ["名称", "最小宽度", "编号"]),
    "coverage": ("coverage_demo.gpkg", ["名称"]),
}


def load(layers: Path):
    out = {}
    for table, (fname, _) in EXPECTED.items():
        out[table] = gpd.read_file(layers / fname, layer=table, engine="pyogrio")
    return out


def max_pair_overlap(geoms):
    tree = shapely.STRtree(geoms)
    worst = 0.0
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=False):
        if i < j:
            worst = max(worst, shapely.intersection(geoms[i], geoms[j]).area)
    return worst


def check(layers: Path, verbose=True) -> list[str]:
    fails: list[str] = []

    def need(cond, msg):
        if not cond:
            fails.append(msg)

    def say(*a):
        if verbose:
            print(*a)

    data = load(layers)
    work = {k: v.to_crs(b.CRS_WORK) for k, v in data.items()}
    say(f"layers: {layers}")
    for table, (fname, fields) in EXPECTED.items():
        gdf = data[table]
        info = pyogrio.read_info(layers / fname, layer=table)
        need(gdf.crs is not None and gdf.crs.to_epsg() == 4490, f"{table}: CRS is not EPSG:4490")
        need(list(info["fields"]) == fields, f"{table}: fields {list(info['fields'])} != {fields}")
        need(bool(shapely.is_valid(gdf.geometry).all()), f"{table}: invalid geometry")
        need(not gdf.geometry.is_empty.any() and not gdf.geometry.isna().any(), f"{table}: empty rows")
        parts = work[table].geometry.explode(index_parts=False)
        need(parts.area.min() >= 100.0, f"{table}: part < 100 m2 ({parts.area.min():.1f})")
        size = (layers / fname).stat().st_size
        need(size < 3.2e6, f"{table}: file is {size / 1e6:.2f} MB")
        xmin, ymin, xmax, ymax = gdf.total_bounds
        say(f"\n== {fname} [{table}] rows={len(gdf)} vertices={int(shapely.get_num_coordinates(gdf.geometry).sum())} "
            f"size={size / 1e6:.2f} MB bbox=({xmin:.3f},{ymin:.3f})-({xmax:.3f},{ymax:.3f}) "
            f"sha256(wkb)={b.geometry_hash(gdf)[:16]}")

    # -- green heart tilings
    for table, zone_targets, outline_target in [
        (
            "green_heart_2013",
            {"禁止开发区": (0.50, 0.03), "限制开发区": (0.40, 0.03), "控制建设区": (0.10, 0.03)},
            b.TARGET_OUTLINE_2018,
        ),
        (
            "green_heart_2024",
            {"核心保护区": (b.TARGET_CORE_2024 / b.TARGET_OUTLINE_2024, None), "融合发展区": (None, None)},
            b.TARGET_OUTLINE_2024,
        ),
    ]:
        g = work[table]
        geoms = list(g.geometry)
        union = shapely.union_all(geoms)
        total = union.area
        need(abs(total - outline_target) <= 0.005 * outline_target,
             f"{table}: outline {total / KM2:.3f} km2 vs {outline_target / KM2:.2f}")
        gap = sum(x.area for x in geoms) - total
        need(abs(gap) < 0.01 * KM2, f"{table}: sum of areas - union area = {gap:.1f} m2")
        holes = sum(len(p.interiors) for p in b.polygons_of(union))
        need(union.geom_type == "Polygon" and holes == 0, f"{table}: outline is not one polygon without holes")
        ov = max_pair_overlap(geoms)
        need(ov < 1.0, f"{table}: pairwise overlap {ov:.3f} m2")
        say(f"  outline {total / KM2:.3f} km2 (target {outline_target / KM2:.2f}), "
            f"outline vertices {int(shapely.get_num_coordinates(union))}, "
            f"sum-union {gap:.3f} m2, max pairwise overlap {ov:.6f} m2")
        for zone, (share, tol) in zone_targets.items():
            z = g[g["分区"] == zone]
            a = shapely.union_all(list(z.geometry)).area
            nv = int(shapely.get_num_coordinates(z.geometry).sum())
            say(f"  {zone}: {len(z)} features, {a / KM2:.2f} km2, {100 * a / total:.2f} %, {nv} vertices")
            if table == "green_heart_2013":
                need(3 <= len(z) <= 15, f"{table}/{zone}: {len(z)} features")
                need(abs(a / total - share) <= tol, f"{table}/{zone}: share {a / total:.3f}")
            if zone == "核心保护区":
                need(abs(a - b.TARGET_CORE_2024) <= 0.01 * b.TARGET_CORE_2024, f"core {a / KM2:.2f} km2")
        say("  features: " + ", ".join(f"{r['编号']} {r['名称']}" for _, r in g.iterrows()))

    o13 = shapely.union_all(list(work["green_heart_2013"].geometry))
    o24 = shapely.union_all(list(work["green_heart_2024"].geometry))
    extra = shapely.difference(o13, o24).area
    need(extra < 1.0, f"2018 outline not inside 2024 outline ({extra:.1f} m2 outside)")
    p13 = shapely.union_all(list(work["green_heart_2013"].query("分区 == '禁止开发区'").geometry))
    c24 = shapely.union_all(list(work["green_heart_2024"].query("分区 == '核心保护区'").geometry))
    say(f"\n  2018 outline inside 2024 outline: {extra:.3f} m2 outside; "
        f"2013 prohibited inside 2024 core: {100 * shapely.intersection(p13, c24).area / p13.area:.1f} %; "
        f"2024 core inside 2013 prohibited: {100 * shapely.intersection(p13, c24).area / c24.area:.1f} %")

    # -- red line
    r = work["red_line"]
    rl = r[r["红线类型"] == "生态保护红线"]
    nr = r[r["红线类型"] == "自然保护地核心保护区"]
    inside = rl[rl.intersects(o24)]
    outside = rl[~rl.intersects(o24)]
    say(f"\n  red line: {len(inside)} patches touching the green heart, {len(outside)} outside; "
        f"{len(nr)} nature-reserve core")
    need(8 <= len(inside) <= 15, f"red line: {len(inside)} patches in the green heart")
    need(3 <= len(outside) <= 5, f"red line: {len(outside)} patches outside")
    for _, row in r.iterrows():
        c = shapely.get_coordinates(data["red_line"].loc[_, "geometry"])
        say(f"    {row['编号']} {row['名称']}: {row.geometry.area / KM2:.2f} km2, "
            f"{int(shapely.get_num_coordinates(row.geometry))} vertices, "
            f"in green heart {100 * shapely.intersection(row.geometry, o24).area / row.geometry.area:.0f} %")
        need(c[:, 0].min() >= 112.4 and c[:, 0].max() <= 113.6 and c[:, 1].min() >= 27.5 and c[:, 1].max() <= 28.4,
             f"{row['名称']} outside the demo extent")
    for _, row in rl.iterrows():
        need(2 * KM2 <= row.geometry.area <= 25 * KM2, f"{row['名称']}: {row.geometry.area / KM2:.2f} km2")
    need(max_pair_overlap(list(rl.geometry)) < 1.0, "red-line patches overlap each other")
    for _, row in nr.iterrows():
        hosts = rl[rl.contains(row.geometry)]
        need(len(hosts) == 1, "nature reserve core not strictly inside one red-line patch")
        need(1 * KM2 <= row.geometry.area <= 4 * KM2, "nature reserve core area")
        if len(hosts):
            h = hosts.iloc[0]
            say(f"    core inside {h['名称']}, min distance to its edge "
                f"{shapely.distance(row.geometry.boundary, h.geometry.boundary):.0f} m")

    # -- corridors
    c = work["corridors"]
    say("")
    for _, row in c.iterrows():
        g = row.geometry
        w = row["最小宽度"]
        need(g.geom_type == "Polygon", f"{row['名称']} is {g.geom_type}")
        need(len(g.interiors) == 0, f"{row['名称']} has holes")
        er = b.polygons_of(shapely.buffer(g, -0.5 * w))
        need(len(er) == 1, f"{row['名称']}: eroded by half the minimum width gives {len(er)} parts")
        # how far above the minimum: the largest erosion that still leaves one part
        lo, hi = 0.5, 1.2
        for _ in range(12):
            mid = (lo + hi) / 2
            if len(b.polygons_of(shapely.buffer(g, -mid * w))) == 1:
                lo = mid
            else:
                hi = mid
        length = shapely.LineString(g.exterior.coords).length / 2
        say(f"  {row['编号']} {row['名称']}: min width {w} m, area {g.area / KM2:.2f} km2, "
            f"~{length / 1000:.0f} km long, {int(shapely.get_num_coordinates(g))} vertices, "
            f"still one part when eroded by {lo:.2f} x min width (narrowest ~{2 * lo:.2f} x min)")
        need(lo >= 0.62, f"{row['名称']}: narrowest ~{2 * lo:.2f} x min width")

    cov = data["coverage"]
    say(f"\n  coverage: {len(cov)} polygon, bounds {tuple(round(v, 3) for v in cov.total_bounds)}")
    need(len(cov) == 1, "coverage must be one polygon")
    cb = shapely.union_all(list(data["coverage"].geometry))
    for t in ("red_line", "corridors"):
        need(bool(data[t].within(cb).all()), f"{t} not within the coverage polygon")

    say("\nFAIL:\n  " + "\n  ".join(fails) if fails else "\nall checks passed")
    return fails


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=Path, default=b.DEFAULT_OUT)
    args = ap.parse_args(argv)
    return 1 if check(args.layers) else 0


if __name__ == "__main__":
    sys.exit(main())
