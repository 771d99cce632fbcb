"""Geometries for display only (maps and reports): zone features around a site and the overlap pieces.

Verdicts never come from here; areas shown are those of the findings.
"""
from __future__ import annotations

import numpy as np
import shapely

from ..geometry.repair import polygonal


def features_in(indexed, window, simplify_m: float = 0.0):
    """(feature index, zone, geometry) of the features meeting `window`, clipped to it, in the analysis CRS."""
    idx = np.unique(indexed.own_feature[indexed.own_tree.query(window, predicate="intersects")])
    out = []
    for f in idx:
        g = polygonal(shapely.intersection(indexed.features[f], window))
        if g is None or g.is_empty:
            continue
        if simplify_m:
            g = polygonal(shapely.make_valid(shapely.simplify(g, simplify_m, preserve_topology=True)))
        out.append((int(f), str(indexed.layer.zones[f]), g))
    return out


def overlap_piece(indexed, site, zone: str):
    """The part of `site` inside the union of `zone`'s features (analysis CRS)."""
    cand = indexed.tree.query(site, predicate="intersects")
    cand = cand[indexed.part_zone[cand] == zone]
    if len(cand) == 0:
        return shapely.Polygon()
    return polygonal(shapely.union_all(shapely.intersection(site, indexed.parts[cand])))


def zones_in_force(ctx, epsg: int, window, simplify_m: float = 0.0):
    """(spec, layer, rule set, feature, zone, geometry clipped to `window`) of every vector layer in force on the
    run's date, read by window (the maps' zones around a site); `feature` indexes the arrays of `layer`, the
    window's own layer."""
    for spec in ctx.manifest.layers:
        if spec.is_raster:
            continue
        layer, rs, _ = ctx.layer(spec)
        if layer is None or rs.status_on(ctx.date) != "in_force":
            continue
        indexed = layer.window(epsg, np.array([window]), grow=0.0, nearest=False)
        for f, zone, geom in features_in(indexed, window, simplify_m):
            yield spec, indexed.layer, rs, f, zone, geom


MAX_ZONES_SPAN_DEG = 0.6     # a zone window wider than this (about 60 km) is not drawn: zoom in


def zones_geojson(ctx, bbox, style: dict) -> dict:
    """GeoJSON (lon/lat) of the zone features of every vector layer in force inside `bbox` (lon/lat), clipped to
    it and simplified to about a pixel of a 1,000-pixel view: what the draw map shows around a site. Read by window
    from the prepared
    stores, as the checks read them."""
    from ..geometry.crs import analysis_epsg
    from ..geometry.project import reproject
    minx, miny, maxx, maxy = bbox
    if not (maxx > minx and maxy > miny) or max(maxx - minx, maxy - miny) > MAX_ZONES_SPAN_DEG:
        return {"type": "FeatureCollection", "features": [], "zoom_in": True}
    epsg = int(analysis_epsg((minx + maxx) / 2, (miny + maxy) / 2))
    box = shapely.segmentize(shapely.box(minx, miny, maxx, maxy), (maxx - minx) / 16)
    window = reproject(box, "EPSG:4490", f"EPSG:{epsg}")
    wb = window.bounds
    simplify_m = max(0.5, (wb[2] - wb[0]) / 1000)
    out = []
    for spec, layer, rs, f, zone, geom in zones_in_force(ctx, epsg, window, simplify_m):
        z = rs.zones[zone]
        st = {k: v for k, v in style.get("zone", {}).get(zone, {}).items() if k in ("colour", "fill")}
        out.append({"type": "Feature", "geometry": shapely.geometry.mapping(
            shapely.set_precision(reproject(geom, f"EPSG:{epsg}", "EPSG:4490"), 1e-7)),
            "properties": {"layer": spec.id, "zone": zone, "label": f"{z.name} {z.name_en}",
                           "name": str(layer.names[f]), **st}})
    return {"type": "FeatureCollection", "features": out}
