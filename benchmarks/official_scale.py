"""Official-size layers: every command against a layer set of the size planning departments really have.

Generates, deterministically (seeded), in CGCS2000 GK CM 114E (EPSG:4547) over 300 x 300 km:
- a red line of about 30,000 noisy polygons and 4.6 M vertices (some multi-part, some with holes),
- a 2024 green-heart layer of a few hundred detailed polygons (about 500 k vertices, core and integrated zones),
- a corridor layer of long winding strips,
written as GeoPackages with a manifest, then times, beside the same figures for the demo layers:
`zoning layers prepare` (the prepared stores: time, peak memory, size), the first `zoning check` process after it and
a later cold one with their peak memory, a warm in-process check, `zoning layers`, `zoning screen` of N sites
spread over the extent with 2 workers (sites/s and the peak memory of the process tree), `zoning serve` until
ready and its first check, and
`zoning atlas` (time and size; vector tiles for the official set) and, from a plain static web server in Chromium,
the atlas's `load` event and the bytes of its first view. Targets are those of issue #15; nothing is asserted.

    python benchmarks/official_scale.py [--sites 20000] [--out DIR] [--skip atlas,serve]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[1]
GK = "EPSG:4547"
X0, Y0, SPAN = 250_000.0, 2_950_000.0, 300_000.0       # 300 x 300 km around the green heart


def noisy_ring(rng, cx, cy, r, n):
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * (1 + 0.25 * np.sin(ang * rng.integers(2, 7)) + rng.uniform(-0.08, 0.08, n))
    return np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)]


def polygons(rng, count, vertices, radius, zones=None):
    """`count` noisy polygons of about `vertices` vertices; 10 % with a hole, 10 % with a second part."""
    out = []
    cx, cy = X0 + rng.uniform(0, SPAN, count), Y0 + rng.uniform(0, SPAN, count)
    r = rng.uniform(radius[0], radius[1], count)
    for k in range(count):
        shell = noisy_ring(rng, cx[k], cy[k], r[k], vertices)
        holes = [noisy_ring(rng, cx[k], cy[k], r[k] * 0.3, vertices // 6)] if k % 10 == 3 else []
        g = shapely.Polygon(shell, holes).buffer(0)
        if k % 10 == 7:
            g = shapely.union(g, shapely.Polygon(noisy_ring(rng, cx[k] + 2.6 * r[k], cy[k], r[k] * 0.4,
                                                              vertices // 3)).buffer(0))
        out.append(g)
    return np.array(out, dtype=object)


def corridors(rng, count, vertices):
    out = []
    for _ in range(count):
        x = X0 + rng.uniform(0, SPAN)
        ys = np.linspace(Y0, Y0 + SPAN, vertices)
        xs = x + np.cumsum(rng.normal(0, 150, vertices))
        out.append(shapely.LineString(np.c_[xs, ys]).buffer(rng.uniform(150, 600), quad_segs=2))
    return np.array(out, dtype=object)


def build(folder: Path, seed: int = 15) -> Path:
    import geopandas as gpd
    rng = np.random.default_rng(seed)
    red = polygons(rng, 30_000, 150, (150, 900))
    gpd.GeoDataFrame({"红线类型": np.where(np.arange(len(red)) % 20 == 0, "自然保护地核心保护区", "生态保护红线"),
                      "名称": [f"红线图斑{k:05d}" for k in range(len(red))]}, geometry=red, crs=GK) \
        .to_file(folder / "red_line.gpkg", layer="red_line", engine="pyogrio")
    gh = polygons(rng, 300, 1700, (1500, 6000))
    gpd.GeoDataFrame({"分区": np.where(np.arange(len(gh)) % 3 == 0, "核心保护区", "融合发展区"),
                      "名称": [f"绿心分区{k:03d}" for k in range(len(gh))]}, geometry=gh, crs=GK) \
        .to_file(folder / "green_heart_2024.gpkg", layer="green_heart_2024", engine="pyogrio")
    cor = corridors(rng, 40, 2000)
    gpd.GeoDataFrame({"名称": [f"廊道{k:02d}" for k in range(len(cor))], "最小宽度": 100.0}, geometry=cor, crs=GK) \
        .to_file(folder / "corridors.gpkg", layer="corridors", engine="pyogrio")
    counts = {name: int(shapely.get_num_coordinates(g).sum()) for name, g in
              (("red_line", red), ("green_heart_2024", gh), ("corridors", cor))}
    (folder / "layers.toml").write_text('''title = "official-size benchmark layers (generated)"
demo = true
notice = "generated benchmark data"

[[layers]]
id = "red_line"
kind = "red_line"
rule_set = "red_line_2022"
path = "red_line.gpkg"
zone_field = "红线类型"
name_field = "名称"
coverage = "unbounded"

[[layers]]
id = "green_heart_2024"
kind = "green_heart"
rule_set = "green_heart_2024"
path = "green_heart_2024.gpkg"
zone_field = "分区"
name_field = "名称"
coverage = "unbounded"

[[layers]]
id = "corridors"
kind = "corridor"
rule_set = "corridor_2018"
path = "corridors.gpkg"
name_field = "名称"
width_field = "最小宽度"
coverage = "unbounded"
''', encoding="utf-8")
    return folder / "layers.toml", counts


def _peak_tree_mb(proc: subprocess.Popen, stop: threading.Event, out: list):
    """Peak resident memory of a process and its children (sum of RSS), sampled every 50 ms."""
    peak = 0
    while not stop.is_set() and proc.poll() is None:
        total = 0
        pids = [proc.pid] + _descendants(proc.pid)
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status") as fh:
                    total += sum(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))
            except OSError:
                pass
        peak = max(peak, total)
        time.sleep(0.05)
    out.append(peak / 1024)


def _descendants(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry.name))
            except OSError:
                continue
    return kids + [d for k in kids for d in _descendants(k)]


def run(cmd, env=None, timeout=3600) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak MB of the process tree, result)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    stop, peak = threading.Event(), []
    watcher = threading.Thread(target=_peak_tree_mb, args=(proc, stop, peak), daemon=True)
    watcher.start()
    out, err = proc.communicate(timeout=timeout)
    stop.set()
    watcher.join()
    return time.perf_counter() - t, peak[0] if peak else float("nan"), \
        subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def site_in(manifest_dir: Path) -> str:
    """A 5 ha site near the middle of the extent, in lon/lat, as WKT."""
    from zoning.geometry.project import reproject
    cx, cy = X0 + SPAN / 2 + 1234.5, Y0 + SPAN / 2 + 876.5
    return reproject(shapely.box(cx, cy, cx + 250, cy + 200), GK, "EPSG:4490").wkt


def sites_list(path: Path, n: int, seed: int = 3) -> Path:
    import geopandas as gpd
    from zoning.geometry.project import reproject
    rng = np.random.default_rng(seed)
    cx, cy = X0 + rng.uniform(0, SPAN, n), Y0 + rng.uniform(0, SPAN, n)
    geoms = shapely.buffer(shapely.points(cx, cy), rng.uniform(60, 250, n), quad_segs=4)
    gpd.GeoDataFrame({"编号": [f"S{k:07d}" for k in range(n)], "category": "industrial"},
                     geometry=reproject(geoms, GK, "EPSG:4490"), crs="EPSG:4490").to_file(path, engine="pyogrio")
    return path


def measure_set(name: str, manifest: Path, work: Path, n_sites: int, skip: set, fresh_cache: bool) -> dict:
    env = dict(os.environ, ZONING_CACHE=str(work / f"cache-{name}"))
    z = [sys.executable, "-m", "zoning"]
    site = site_in(manifest.parent) if name == "official" else \
        "POLYGON((113.03 27.99, 113.034 27.99, 113.034 27.994, 113.03 27.994, 113.03 27.99))"
    check = z + ["check", "--wkt", site, "-c", "industrial", "--date", "2026-11-21", "--layers", str(manifest)]
    row = {}
    t, mb, r = run(z + ["layers", "prepare", "--layers", str(manifest)], env)
    row["zoning layers prepare"] = (t, mb, r.returncode)
    stores = list((work / f"cache-{name}" / "stores").glob("*.gpkg"))
    row[f"prepared stores, {len(stores)} files (MB)"] = (sum(p.stat().st_size for p in stores) / 1e6,
                                                          float("nan"), 0)
    t, mb, r = run(check, env)
    row["first check process after prepare"] = (t, mb, r.returncode)
    t, mb, r = run(check, env)
    row["later cold check process"] = (t, mb, r.returncode)
    probe = ("import sys, time, zoning\nfrom zoning.api import make_context\n"
             f"ctx = make_context(layers={str(manifest)!r}, date='2026-11-21')\n"
             f"zoning.check(wkt={site!r}, category='industrial', context=ctx)\n"
             "ts = []\nfor _ in range(20):\n    t = time.perf_counter()\n"
             f"    zoning.check(wkt={site!r}, category='industrial', context=ctx)\n"
             "    ts.append(time.perf_counter() - t)\nprint(sorted(ts)[10] * 1000)\n")
    t, mb, r = run([sys.executable, "-c", probe], env)
    row["warm in-process check (median ms)"] = (float(r.stdout.strip() or "nan"), mb, r.returncode)
    t, mb, r = run(z + ["layers", "--layers", str(manifest)], env)
    row["zoning layers"] = (t, mb, r.returncode)
    lst = sites_list(work / f"sites-{name}.gpkg", n_sites)
    out = work / f"screen-{name}.parquet"
    t, mb, r = run(z + ["screen", str(lst), "--out", str(out), "--layers", str(manifest), "--date", "2026-11-21",
                        "--workers", "2", "--quiet"], env)
    row[f"screen {n_sites:,} sites, 2 workers (sites/s)"] = (n_sites / t, mb, r.returncode)
    if "serve" not in skip:
        row.update(measure_serve(z, manifest, work, env, site))
    if "atlas" not in skip:
        folder = work / f"atlas-{name}"
        atlas = folder / "atlas.html"
        t, mb, r = run(z + ["atlas", "--layers", str(manifest), "--out", str(atlas)], env)
        tiles = folder / "atlas_tiles"
        size = atlas.stat().st_size / 1e6 if atlas.exists() else 0
        kind = f"page {size:.1f} MB + tiles" if tiles.is_dir() else f"one file, {size:.1f} MB"
        row[f"atlas written ({kind})"] = (t, mb, r.returncode)
        if atlas.exists():
            sys.path.insert(0, str(Path(__file__).parent))
            from atlas_load import measure as load
            got = load(folder)
            row["atlas: Chromium load event (s)"] = (got["load_s"], float("nan"), 0 if not got["page_errors"] else 1)
            row["atlas: first view fetched (MB)"] = (got["first_view_mb"], float("nan"), 0)
    return row


def measure_serve(z, manifest, work, env, site) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    proc = subprocess.Popen(z + ["serve", "--no-auth", "--port", str(port), "--workers", "1", "--layers",
                                 str(manifest), "--db", str(work / f"reg-{port}.sqlite")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        ready = None
        while time.perf_counter() - t0 < 600:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                ready = time.perf_counter() - t0
                break
            except OSError:
                time.sleep(0.05)
        body = json.dumps({"site": json.loads(shapely.to_geojson(shapely.from_wkt(site))),
                           "category": "industrial", "date": "2026-11-21"}).encode()
        t = time.perf_counter()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/check", data=body,
                                     headers={"content-type": "application/json"})
        urllib.request.urlopen(req, timeout=600).read()
        first = time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait(30)
    return {"serve ready": (ready, float("nan"), 0), "serve first check": (first, float("nan"), 0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=20_000, help="sites for the screen (issue #15: 100,000)")
    ap.add_argument("--out", type=Path, help="keep the generated layers here (default: a temporary folder)")
    ap.add_argument("--skip", default="", help="comma list: serve, atlas")
    a = ap.parse_args()
    work = a.out or Path(tempfile.mkdtemp(prefix="zoning-official-"))
    work.mkdir(parents=True, exist_ok=True)
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    t = time.perf_counter()
    if (work / "layers.toml").exists():
        manifest, counts = work / "layers.toml", {}
    else:
        manifest, counts = build(work)
    print(f"official-size layers in {work} (generated in {time.perf_counter() - t:.0f} s): "
          + ", ".join(f"{k} {v:,} vertices" for k, v in counts.items()), flush=True)
    sets = {"demo": REPO / "layers" / "layers.toml", "official": manifest}
    results = {name: measure_set(name, m, work, a.sites, skip, True) for name, m in sets.items()}
    targets = {"later cold check process": "< 1.5 s, < 400 MB", "warm in-process check (median ms)": "< 20 ms",
               "zoning layers": "< 5 s", "serve ready": "< 3 s", "serve first check": "< 0.2 s",
               "zoning layers prepare": "< 60 s", "atlas: Chromium load event (s)": "< 3 s",
               "atlas: first view fetched (MB)": "< 20 MB",
               f"screen {a.sites:,} sites, 2 workers (sites/s)": ">= 4,000 sites/s, < 2 GB"}
    print(f"{'measure':48s} {'demo':>22s} {'official size':>22s}   target (issue #15)")
    for key in results["official"]:
        cells = []
        for name in ("demo", "official"):
            v = results[name].get(key) or next((results[name][k] for k in results[name]
                                                if k.split(" (")[0] == key.split(" (")[0]), None)
            if v is None or v[0] is None:
                cells.append("—")
                continue
            value, mb, rc = v
            unit = "" if "(" in key and ("/s" in key or "ms" in key or "(s)" in key or "MB)" in key) else " s"
            cells.append(f"{value:,.2f}{unit}" + (f", {mb:,.0f} MB" if mb == mb else "") + ("" if rc == 0 else
                                                                                          f" (exit {rc})"))
        print(f"{key:48s} {cells[0]:>22s} {cells[1]:>22s}   {targets.get(key, '')}")


if __name__ == "__main__":
    main()
