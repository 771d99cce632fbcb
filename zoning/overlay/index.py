"""A layer reprojected into one analysis CRS, with a spatial index and prepared geometries."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..geometry.project import reproject


@dataclass
class IndexedLayer:
    layer: object            # LoadedLayer
    epsg: int
    geoms: np.ndarray        # projected features
    tree: shapely.STRtree
    coverage: object         # projected coverage polygon, or None = unbounded

    @classmethod
    def build(cls, layer, epsg: int) -> "IndexedLayer":
        dst = f"EPSG:{epsg}"
        geoms = reproject(layer.geoms, layer.crs, dst)
        shapely.prepare(geoms)
        coverage = None
        if layer.coverage is not None:
            coverage = reproject(shapely.segmentize(layer.coverage, _segment(layer.coverage)), layer.crs, dst)
            shapely.prepare(coverage)
        return cls(layer=layer, epsg=epsg, geoms=geoms, tree=shapely.STRtree(geoms), coverage=coverage)


def _segment(geom) -> float:
    """Densify a coverage box before reprojection so that its edges follow the curved projected lines."""
    minx, miny, maxx, maxy = geom.bounds
    return max(max(maxx - minx, maxy - miny) / 64, 1e-9)
