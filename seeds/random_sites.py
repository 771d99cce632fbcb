"""Random project sites over the demo area, for benchmarks and property tests (deterministic per seed).

Irregular polygons of about `vertices` vertices and 1-20 ha, centred uniformly in the demo extent
(112.80-113.30 E, 27.75-28.15 N, a little beyond the green heart), written as CGCS2000 lon/lat.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

EXTENT = (112.80, 27.75, 113.30, 28.15)
CATEGORIES = ["eco_restoration", "heritage_landscape", "public_facility", "villager_housing", "land_consolidation",
              "village_town", "tourism_leisure", "linear_infrastructure", "utility_facility", "research_monitoring",
              "agriculture_forestry", "military_defense", "industrial", "polluting_industry", "mining_quarrying",
              "waste_disposal", "real_estate", "commercial", "energy_plant"]


def random_sites(n: int, seed: int = 0, vertices: int = 30, extent=EXTENT):
    """(lon/lat polygons, categories, national_major flags) for n random sites."""
    rng = np.random.default_rng(seed)
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    to_ll = Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True)
    cx, cy = to_gk.transform(rng.uniform(extent[0], extent[2], n), rng.uniform(extent[1], extent[3], n))
    area = rng.uniform(1e4, 2e5, n)                               # 1-20 ha
    r0 = np.sqrt(area / np.pi)
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n, vertices)), axis=1)
    radii = r0[:, None] * rng.uniform(0.75, 1.25, (n, vertices))
    x = cx[:, None] + radii * np.cos(angles)
    y = cy[:, None] + radii * np.sin(angles)
    lon, lat = to_ll.transform(x.ravel(), y.ravel())
    coords = np.stack([lon.reshape(n, vertices), lat.reshape(n, vertices)], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    polys = shapely.polygons(coords)
    cats = rng.choice(CATEGORIES, n)
    major = rng.random(n) < 0.05
    return polys, cats, major


def write_list(path: Path, n: int, seed: int = 0, vertices: int = 30) -> Path:
    """A project list of n random sites: .gpkg, .parquet, .csv (WKT) or .geojson, by extension."""
    import geopandas as gpd
    polys, cats, major = random_sites(n, seed, vertices)
    gdf = gpd.GeoDataFrame({"编号": [f"R{i:07d}" for i in range(n)], "项目名称": [f"随机项目{i}" for i in range(n)],
                            "category": cats, "national_major": major.astype(int)}, geometry=polys, crs="EPSG:4490")
    path = Path(path)
    if path.suffix == ".parquet":
        gdf.to_parquet(path)
    elif path.suffix == ".csv":
        df = gdf.drop(columns="geometry")
        df["wkt"] = shapely.to_wkt(gdf.geometry.values, rounding_precision=7)
        df.to_csv(path, index=False, encoding="utf-8")
    else:
        gdf.to_file(path, engine="pyogrio")
    return path


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(write_list(a.out, a.n, a.seed))
