"""A site as given: a vector file (any format GDAL reads) or WKT text, with its CRS and attributes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.errors import GEOSException

from ..errors import InputError
from . import fields as F


@dataclass
class SiteInput:
    geometry: object                 # shapely geometry in `crs` (None = not declared)
    crs: object                      # CRS text or None
    source: str                      # file path or "--wkt"
    id: str | None = None
    name: str | None = None
    category: str | None = None      # raw text from the file, if any
    national_major: object = None    # raw flag from the file, if any
    row: int | None = None
    warnings: list = field(default_factory=list)


def site_from_wkt(text: str) -> SiteInput:
    try:
        geom = shapely.from_wkt(text)
    except (GEOSException, TypeError, ValueError) as exc:
        raise InputError(f"not valid WKT: {exc}", source="--wkt",
                         expected="e.g. POLYGON((113.0 27.9, 113.01 27.9, 113.01 27.91, 113.0 27.9))") from None
    if geom is None or geom.is_empty:
        raise InputError("empty geometry", source="--wkt", expected="a non-empty polygon, line or point")
    return SiteInput(geometry=geom, crs=None, source="--wkt")


def read_site(path, *, site_id=None, layer=None, encoding=None) -> SiteInput:
    """One site from a vector file; a file with several features needs `site_id` (matched on the id column)."""
    path = Path(path)
    src = str(path)
    if not path.exists():
        raise InputError("file not found", source=src, expected="a path to a site file")
    try:
        meta, fids, wkb, cols = pyogrio.raw.read(path, layer=layer, encoding=encoding, return_fids=True)
    except (DataSourceError, DataLayerError) as exc:
        raise InputError(f"cannot read as a vector file: {exc}", source=src,
                         expected="GeoJSON, GeoPackage, Shapefile, KML, FlatGeobuf or another format GDAL reads")
    names = list(meta["fields"])
    data = dict(zip(names, cols))
    n = len(wkb)
    if n == 0:
        raise InputError("the file has no features", source=src, expected="at least one site polygon")
    id_col = F.find(names, F.ID)
    if n > 1:
        if site_id is None:
            ids = [str(v) for v in data[id_col][:20]] if id_col else [str(f) for f in fids[:20]]
            raise InputError(f"the file holds {n} sites; choose one with --id", source=src,
                             expected="--id one of " + ", ".join(ids) + (" ..." if n > 20 else ""))
        keys = [str(v) for v in data[id_col]] if id_col else [str(f) for f in fids]
        if str(site_id) not in keys:
            raise InputError(f"no site with id '{site_id}'", source=src, field=id_col or "FID",
                             expected="one of " + ", ".join(keys[:20]))
        i = keys.index(str(site_id))
    else:
        i = 0
    row = i + 1
    geom = shapely.from_wkb(wkb[i]) if wkb[i] is not None else None
    if geom is None or geom.is_empty:
        raise InputError("empty or missing geometry", source=src, row=row, expected="a polygon, line or point")

    def attr(candidates):
        col = F.find(names, candidates)
        v = None if col is None else data[col][i]
        return None if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "" else v

    sid = attr(F.ID)
    return SiteInput(geometry=geom, crs=meta.get("crs"), source=src, row=row,
                     id=str(sid) if sid is not None else path.stem, name=_str(attr(F.NAME)) or path.stem,
                     category=_str(attr(F.CATEGORY)), national_major=attr(F.NATIONAL_MAJOR))


def _str(v):
    return None if v is None else str(v).strip()
