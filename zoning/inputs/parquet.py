"""Sites from GeoParquet (read with geopandas and pyarrow: this GDAL build has no Parquet driver)."""
from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator

from ..errors import InputError
from .options import ReadOptions
from .sites import SiteInput, make_site


def iter_parquet(path: Path, opts: ReadOptions) -> Iterator[SiteInput]:
    import geopandas as gpd
    try:
        gdf = gpd.read_parquet(path)
    except Exception as exc:   # pyarrow raises many types for a file that is not GeoParquet
        raise InputError(f"cannot read as GeoParquet: {exc}", source=str(path),
                         expected="a GeoParquet file with a geometry column") from None
    crs = gdf.crs.to_wkt() if gdf.crs is not None else None
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    for i, (geom, rec) in enumerate(zip(gdf.geometry, gdf[cols].to_dict("records"), strict=False), start=1):
        yield make_site(rec, geom, crs, str(path), i, opts)
