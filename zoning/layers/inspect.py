"""Inventory of a loaded layer: counts and areas per zone, invalid geometries, overlaps that should not exist."""
from __future__ import annotations

import numpy as np
import shapely

from ..geometry.crs import crs_label

OVERLAP_EPS_M2 = 1.0


def inventory(layer, indexed) -> dict:
    """Zone counts and areas and the overlaps that should not exist, measured once when the layer is prepared
    (in the analysis CRS of its centre). A zone's area is the sum of its zone-view parts, which are disjoint: the
    area of the zone's union."""
    rs, zones = layer.rule_set, {}
    area = shapely.area(indexed.parts) if len(indexed.parts) else np.zeros(0)
    for code in rs.zones:
        sel = layer.zones == code
        zones[code] = {"name": rs.zones[code].name, "features": int(sel.sum()),
                       "area_km2": round(float(area[indexed.part_zone == code].sum()) / 1e6, 3)}
    return {"epsg": int(indexed.epsg), "zones": zones, "overlaps": _overlaps(layer, indexed.features)}


def inspect_layer(layer) -> dict:
    info = layer.info           # measured when the layer was prepared
    return {
        "id": layer.spec.id, "kind": layer.spec.kind, "rule_set": layer.rule_set.id, "version": layer.version,
        "features": int(len(layer.zones)), "crs": crs_label(layer.crs), "sha256": layer.sha256,
        "source": str(layer.spec.source), "table": layer.spec.table, "coverage": layer.coverage_label,
        "zones": info["zones"], "invalid_geometries": [{"fid": f, "reason": r} for f, r in layer.invalid],
        "overlaps": info["overlaps"], "warnings": layer.warnings,
    }


def _overlaps(layer, geoms) -> list[dict]:
    """Overlaps between different zones that the rule set says must not overlap, and nested zones
    that spill outside their parent zone."""
    rs, zones, out = layer.rule_set, layer.zones, list[dict]()
    if len(geoms) == 0:
        return out
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = (left < right) & (zones[left] != zones[right])
    for i, j in zip(left[keep], right[keep], strict=False):
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
        mine = np.flatnonzero(zones == zone.code)
        k, j = tree.query(geoms[mine], predicate="intersects")
        keep = zones[j] == zone.within
        k, j = k[keep], j[keep]
        for n, i in enumerate(mine):           # the parent zone's features that meet this one, not the whole zone
            parent = shapely.union_all(geoms[j[k == n]])
            outside = float(shapely.area(shapely.difference(geoms[i], parent)))
            if outside > OVERLAP_EPS_M2:
                out.append({"problem": f"{zone.code} outside its parent zone {zone.within}",
                            "features": [int(layer.fids[i])], "zones": [zone.code], "area_m2": round(outside, 1)})
    return out
