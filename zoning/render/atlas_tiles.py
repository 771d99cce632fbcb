"""Vector tiles for the atlas of official-size layers: each layer written by GDAL's MVT driver as a folder of
uncompressed `{z}/{x}/{y}.pbf` tiles (any static web server serves them as they are), plus a small index of
feature names for the search box. Geometry is never inlined into the page."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from ..progress import Progress
from ..geometry.project import reproject
from ..units import areas

MINZOOM, MAXZOOM = 5, 13      # above 13 the viewer over-zooms the z13 tiles (about 0.6 m per tile unit here)
INLINE_MAX_VERTICES = 300_000  # up to this many vertices over all layers the atlas stays one self-contained file


def vertex_count(indexed_layers) -> int:
    return int(sum(shapely.get_num_coordinates(ix.features).sum() for ix in indexed_layers))


def write_layer_tiles(folder: Path, layer_id: str, indexed, layer, rs, shift=None) -> list:
    """Write one layer's tiles to `folder/layer_id` and return its name index rows."""
    from ..geometry.offsets import from_wgs84
    lonlat = reproject(indexed.features, f"EPSG:{indexed.epsg}", "EPSG:4490")
    if shift:
        lonlat = np.array([from_wgs84(g, shift) for g in lonlat], dtype=object)
    merc = reproject(lonlat, "EPSG:4326", "EPSG:3857")
    zones = np.array([str(z) for z in layer.zones], dtype=object)
    area = shapely.area(indexed.features)
    label = np.array([f"{rs.zones[z].name} {rs.zones[z].name_en}" for z in zones], dtype=object)
    area_text = np.array([_area_text(a) for a in area], dtype=object)
    pyogrio.raw.write(str(folder / layer_id), shapely.to_wkb(merc),
                      [np.array([str(n) for n in layer.names], dtype=object), zones, label, area_text,
                       np.arange(len(zones), dtype=np.int64)],
                      ["name", "zone", "label", "area", "feature"], driver="MVT", crs="EPSG:3857",
                      geometry_type="MultiPolygon", layer=layer_id,
                      dataset_options={"MINZOOM": str(MINZOOM), "MAXZOOM": str(MAXZOOM), "COMPRESS": "NO",
                                       "FORMAT": "DIRECTORY"})
    pts = shapely.get_coordinates(shapely.point_on_surface(lonlat))
    return [[str(n), layer_id, str(lab), round(float(y), 6), round(float(x), 6)]
            for n, lab, (x, y) in zip(layer.names, label, pts, strict=False)]


def _area_text(m2: float) -> str:
    a = areas(float(m2))
    return f"{a['m2'] / 1e6:,.3f} km² · {a['ha']:,.1f} 公顷 · {a['mu']:,.0f} 亩"


def write_tiles(out_dir: Path, layers, shift=None) -> Path:
    """Write every (layer_id, indexed, layer, rule set) to a fresh folder, renamed into place when complete."""
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        names: list = []
        # the bar counts vertices, so that its rate and ETA follow the work (one GDAL call per layer, no finer hook)
        sizes = [vertex_count([indexed]) for _, indexed, _, _ in layers]
        with Progress(sum(sizes), "vertices", "矢量切片 tiles") as bar:
            for (layer_id, indexed, layer, rs), size in zip(layers, sizes, strict=True):
                bar.stage(layer_id)
                names += write_layer_tiles(tmp, layer_id, indexed, layer, rs, shift)
                bar.update(size)
        (tmp / "names.json").write_text(json.dumps(names, ensure_ascii=False, separators=(",", ":")),
                                        encoding="utf-8")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
