"""Judging measured overlaps with the rule files: Findings per site for zone hits, contacts, adjacency and
the nearest zone. Works on a whole batch; a single check is a batch of one."""
from __future__ import annotations

from collections import defaultdict

from ..overlay.corridor import assess
from ..verdict.result import Finding


def near_distance(rs) -> float:
    """How far around the site the overlay must look for this rule set's adjacency findings."""
    return rs.adjacency.distance_m if rs.adjacency else 0.0


def evaluate_layer(indexed, m, batch, categories, majors, in_force: bool) -> dict[int, list[Finding]]:
    """Findings of one layer for every site of the batch, keyed by row index."""
    layer = indexed.layer
    rs, lid = layer.rule_set, layer.spec.id
    zone_order = {z: k for k, z in enumerate(rs.zones)}
    names = layer.names
    out: dict[int, list[Finding]] = defaultdict(list)
    groups: dict = defaultdict(list)
    for site, feat, zone, area in zip(m.hit_site.tolist(), m.hit_feature.tolist(), m.hit_zone.tolist(),
                                      m.hit_area.tolist()):
        groups[(site, zone)].append((feat, area))
    rules: dict = {}
    for (site, zone) in sorted(groups, key=lambda k: (k[0], zone_order[k[1]])):
        feats = sorted(groups[(site, zone)], key=lambda fa: (-fa[1], str(names[fa[0]])))
        key = (zone, categories[site], majors[site])
        rule = rules.get(key) or rules.setdefault(key, rs.rule_for(*key))
        overlap = sum(a for _, a in feats)
        contact = m.zone_contact.get((site, zone), False)
        verdict, cond, cond_en, effects = rule.verdict, rule.conditions, rule.conditions_en, []
        if rule.geometry_checks and not contact:
            effects = [assess(indexed.features[f], batch.projected[site], float(layer.widths[f]), str(names[f]))
                       for f, a in feats if a > 0]
            failed = [e for e in effects if ("severance" in rule.geometry_checks and e.severs)
                      or ("residual_width" in rule.geometry_checks and e.narrows)]
            if failed and rule.on_geometry_fail:
                verdict = rule.on_geometry_fail
                cond = " ".join(filter(None, [rule.conditions, rule.geometry_fail_conditions]))
                cond_en = " ".join(filter(None, [rule.conditions_en, rule.geometry_fail_conditions_en]))
        note = []
        if contact:
            note.append("boundary contact within the tolerance: reported, does not drive the verdict")
        if not in_force:
            note.append(f"rule set {rs.id} not in force on the application date ({rs.period()})")
        z = rs.zones[zone]
        shown = [str(names[f]) for f, a in feats if a > 0] or [str(names[f]) for f, _ in feats]
        out[site].append(Finding(
            layer=lid, rule_set=rs.id, type="boundary_contact" if contact else "overlap", zone=zone,
            zone_name=z.name, zone_name_en=z.name_en, feature="、".join(dict.fromkeys(shown)), overlap_m2=overlap,
            overlap_share=overlap / batch.area[site], distance_m=0.0, verdict=verdict,
            drives_verdict=in_force and not contact, rule=rule.id, basis=rule.basis, authority=rule.authority,
            conditions=cond, conditions_en=cond_en, confidence=rule.confidence,
            features=[{"name": str(names[f]), "overlap_m2": round(a, 2)} for f, a in feats],
            corridor=[e.to_dict() for e in effects], note="; ".join(note)))
    if rs.adjacency and len(m.near_site):
        adj = rs.adjacency
        order = sorted(range(len(m.near_site)), key=lambda k: (int(m.near_site[k]), float(m.near_distance[k])))
        for k in order:
            site, f = int(m.near_site[k]), int(m.near_feature[k])
            z = rs.zones[layer.zones[f]]
            out[site].append(Finding(
                layer=lid, rule_set=rs.id, type="adjacency", zone=z.code, zone_name=z.name, zone_name_en=z.name_en,
                feature=str(names[f]), distance_m=float(m.near_distance[k]), verdict=None, rule=adj.rule,
                basis=adj.basis, conditions=adj.conditions, conditions_en=adj.conditions_en,
                confidence=adj.confidence,
                note=f"within {adj.distance_m:g} m of the zone without overlapping it: informational"))
    for site, f, d in zip(m.nearest_site.tolist(), m.nearest_feature.tolist(), m.nearest_distance.tolist()):
        z = rs.zones[layer.zones[f]]
        out[site].append(Finding(layer=lid, rule_set=rs.id, type="nearest", zone=z.code, zone_name=z.name,
                                 zone_name_en=z.name_en, feature=str(names[f]), distance_m=float(d),
                                 note="nearest zone of this layer; the site does not touch it"))
    return out


def evaluate_raster(layer, st, category: str, in_force: bool) -> list[Finding]:
    """Findings of one raster layer for one site: its statistics, and each threshold rule the site reaches."""
    rs, lid = layer.rule_set, layer.spec.id
    if st.covered_share <= 0:
        return []
    share_of = lambda a: a / st.site_area_m2 if st.site_area_m2 > 0 else 0.0   # noqa: E731
    stats = {"covered_share": round(st.covered_share, 6), "nodata_m2": round(st.nodata_area_m2, 2),
             "method": "cells weighted by the exact covered fraction (polygon clipping); nodata cells left out"}
    measured = {}
    if rs.measure == "slope":
        over = st.values.get("over_m2", {})
        stats.update(mean_slope_deg=round(st.values.get("mean_slope_deg", 0.0), 2),
                     max_slope_deg=round(st.values.get("max_slope_deg", 0.0), 2))
        for thr in sorted({r.threshold for r in rs.rules}):
            area = over.get(thr, 0.0)
            measured[thr] = area
            stats[f"over_{thr:g}_deg_m2"] = round(area, 2)
            stats[f"over_{thr:g}_deg_share"] = round(share_of(area), 6)
        zone, zone_name = "slope", "坡度 Slope"
    else:
        areas_by_class = st.values.get("class_area_m2", {})
        stats["class_area_m2"] = {k: round(v, 2) for k, v in sorted(areas_by_class.items())}
        stats["class_share"] = {k: round(share_of(v), 6) for k, v in sorted(areas_by_class.items())}
        zone, zone_name = "landcover", "地类 Land cover"
    out = [Finding(layer=lid, rule_set=rs.id, type="raster_stats", zone=zone, zone_name=zone_name, zone_name_en="",
                   feature=lid, overlap_m2=0.0, stats=stats,
                   note="statistics of the raster under the site; a threshold rule reached is its own finding")]
    for rule in rs.rules_for(category):
        if rs.measure == "slope":
            area = measured[rule.threshold]
            name = f"坡度大于{rule.threshold:g}° Slope over {rule.threshold:g}°"
            key = f"slope_over_{rule.threshold:g}"
        else:
            area = sum(st.values.get("class_area_m2", {}).get(c, 0.0) for c in rule.classes)
            name = "、".join(rs.class_names.get(c, c) for c in rule.classes)
            key = "+".join(rule.classes)
        share = share_of(area)
        if share < rule.min_share or area <= 0:
            continue
        out.append(Finding(
            layer=lid, rule_set=rs.id, type="raster", zone=key, zone_name=name, zone_name_en="", feature=lid,
            overlap_m2=area, overlap_share=share, distance_m=0.0, verdict=rule.verdict, drives_verdict=in_force,
            rule=rule.id, basis=rule.basis, authority=rule.authority, conditions=rule.conditions,
            conditions_en=rule.conditions_en, confidence=rule.confidence, stats=stats,
            note=f"{share:.1%} of the site ≥ the rule's {rule.min_share:.0%}"
                 + ("" if in_force else f"; rule set {rs.id} not in force on the date")))
    return out
