"""Reprojecting shapely geometries (single or arrays) with pyproj, vectorised."""
from __future__ import annotations

import numpy as np
import shapely

from .crs import crs_key, transformer


def reproject(geoms, src, dst):
    """Geometries (scalar or array) from `src` to `dst`; lon/lat axis order throughout."""
    s, d = crs_key(src), crs_key(dst)
    if s == d:
        return geoms
    t = transformer(s, d)

    def fn(x, y):
        return t.transform(x, y)

    return shapely.transform(geoms, lambda xy: np.column_stack(fn(xy[:, 0], xy[:, 1])))
