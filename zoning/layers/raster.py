"""Raster constraint layers (a DEM, a land-cover map): opened per read, never loaded whole."""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field

import rasterio
from rasterio.errors import RasterioIOError

from ..errors import LayerError
from ..geometry.crs import crs_key, crs_label
from ..lru import LRU
from ..rules.raster_rules import RasterRuleSet
from .manifest import LayerSpec
from ..messages import warning
from .. import messages


@dataclass
class RasterLayer:
    spec: LayerSpec
    rule_set: RasterRuleSet
    path: str
    crs: str
    bounds: tuple
    res: tuple
    nodata: float | None
    classes: dict                  # raster value -> class name (landcover)
    sha256: str
    warnings: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    coverage_label: str = "raster extent"

    @property
    def version(self) -> str:
        return self.spec.version or "unversioned"

    @property
    def geoms(self):                 # no vector features
        return []

    def open(self):
        """A dataset handle for this thread, kept open (rasterio datasets must not be shared across threads)."""
        handles = getattr(_LOCAL, "handles", None)
        if handles is None:
            handles = _LOCAL.handles = {}
        ds = handles.get(self.path)
        if ds is None or ds.closed:
            ds = handles[self.path] = rasterio.open(self.path)
        return _Keep(ds)


class _Keep:
    """`with layer.open() as ds:` without closing the thread's shared handle."""

    def __init__(self, ds):
        self.ds = ds

    def __enter__(self):
        return self.ds

    def __exit__(self, *exc):
        return False


_CACHE: LRU = LRU(32)
_LOCAL = threading.local()


def _file_hash(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_raster(spec, rule_set) -> RasterLayer:
    where = f"layer '{spec.id}' ({spec.source})"
    try:
        st = os.stat(spec.source)
    except OSError:
        raise LayerError(messages.error("raster_not_found"), source=where,
                         expected="an existing raster GDAL reads") from None
    key = (spec, st.st_mtime_ns, st.st_size, rule_set.id)
    if key in _CACHE:
        return _CACHE[key]
    try:
        with rasterio.open(spec.source) as ds:
            if not 1 <= spec.band <= ds.count:
                raise LayerError(messages.error("raster_band", band=spec.band), source=where,
                                 expected=f"a band 1-{ds.count}")
            crs_text = spec.crs or (ds.crs.to_wkt() if ds.crs else None)
            if not crs_text:
                raise LayerError(messages.error("raster_no_crs"), source=where,
                                 expected='crs = "EPSG:4547" in the manifest')
            nodata = spec.nodata if spec.nodata is not None else ds.nodatavals[spec.band - 1]
            layer = RasterLayer(spec=spec, rule_set=rule_set, path=str(spec.source), crs=crs_key(crs_text),
                                bounds=tuple(ds.bounds), res=ds.res, nodata=nodata,
                                classes=spec.class_values or dict(rule_set.classes), sha256=_file_hash(spec.source))
    except RasterioIOError as exc:
        raise LayerError(messages.error("raster_unreadable", why=exc), source=where,
                         expected="a GeoTIFF or another raster") \
            from None
    if rule_set.measure == "slope" and abs(layer.res[0] - layer.res[1]) > 1e-6 * layer.res[0]:
        layer.warnings.append(warning("raster_non_square"))
    _CACHE[key] = layer
    return layer


def describe(layer: RasterLayer) -> dict:
    with layer.open() as ds:
        return {"id": layer.spec.id, "kind": layer.spec.kind, "rule_set": layer.rule_set.id, "version": layer.version,
                "features": 0, "crs": crs_label(layer.crs), "sha256": layer.sha256, "source": layer.path,
                "table": None, "coverage": layer.coverage_label,
                "zones": {}, "raster": {"width": ds.width, "height": ds.height, "cell": list(ds.res),
                                        "band": layer.spec.band, "nodata": layer.nodata,
                                        "dtype": ds.dtypes[layer.spec.band - 1],
                                        "overviews": ds.overviews(layer.spec.band)},
                "invalid_geometries": [], "overlaps": [], "warnings": layer.warnings}
