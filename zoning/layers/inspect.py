"""Inventory of a loaded layer: counts and areas per zone, invalid geometries, overlaps that should not exist."""
from __future__ import annotations

import numpy as np
import shapely

from ..geometry.crs import analysis_epsg, crs_label
from ..geometry.project import reproject

OVERLAP_EPS_M2 = 1.0


def inspect_layer(layer) -> dict:
    rs = layer.rule_set
    if len(layer.geoms):
        c = reproject(shapely.box(*shapely.total_bounds(layer.geoms)).centroid, layer.crs, "EPSG:4490")
        epsg = analysis_epsg(round(c.x, 6), round(c.y, 6))
    else:
        epsg = 4547
    geoms = layer.indexed(epsg).features
    zones = {}
    for code in rs.zones:
        sel = layer.zones == code
        zones[code] = {"name": rs.zones[code].name, "features": int(sel.sum()),
                       "area_km2": round(float(shapely.area(shapely.union_all(geoms[sel]))) / 1e6, 3) if sel.any() else 0.0}
    return {
        "id": layer.spec.id, "kind": layer.spec.kind, "rule_set": rs.id, "version": layer.version,
        "features": int(len(layer.geoms)), "crs": crs_label(layer.crs), "sha256": layer.sha256,
        "source": str(layer.spec.source), "table": layer.spec.table, "coverage": layer.coverage_label,
        "zones": zones, "invalid_geometries": [{"fid": f, "reason": r} for f, r in layer.invalid],
        "overlaps": _overlaps(layer, geoms), "warnings": layer.warnings,
    }


def _overlaps(layer, geoms) -> list[dict]:
    """Overlaps between different zones that the rule set says must not overlap, and nested zones
    that spill outside their parent zone."""
    rs, zones, out = layer.rule_set, layer.zones, []
    if len(geoms) == 0:
        return out
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = (left < right) & (zones[left] != zones[right])
    for i, j in zip(left[keep], right[keep]):
        zi, zj = rs.zones[zones[i]], rs.zones[zones[j]]
        if zi.within == zj.code or zj.within == zi.code:
            continue
        if not rs.exclusive_zones and not (zi.within or zj.within):
            continue
        area = float(shapely.area(shapely.intersection(geoms[i], geoms[j])))
        if area > OVERLAP_EPS_M2:
            out.append({"problem": "zones overlap", "features": [int(layer.fids[i]), int(layer.fids[j])],
                        "zones": [zi.code, zj.code], "area_m2": round(area, 1)})
    for zone in rs.zones.values():
        if not zone.within:
            continue
        parent = shapely.union_all(geoms[zones == zone.within])
        for i in np.flatnonzero(zones == zone.code):
            outside = float(shapely.area(shapely.difference(geoms[i], parent)))
            if outside > OVERLAP_EPS_M2:
                out.append({"problem": f"{zone.code} outside its parent zone {zone.within}",
                            "features": [int(layer.fids[i])], "zones": [zone.code], "area_m2": round(outside, 1)})
    return out
