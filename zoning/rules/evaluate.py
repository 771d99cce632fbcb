"""Judging measured overlaps with the rule files: one Finding per zone hit, contact, adjacency or nearest zone."""
from __future__ import annotations

from ..overlay.corridor import assess
from ..verdict.result import Finding
from .ruleset import RuleSet


def _finding(layer_id: str, rs: RuleSet, zone_code: str, kind: str, feature: str, **kw) -> Finding:
    zone = rs.zones[zone_code]
    return Finding(layer=layer_id, rule_set=rs.id, type=kind, zone=zone_code, zone_name=zone.name,
                   zone_name_en=zone.name_en, feature=feature, **kw)


def _rule_fields(rule) -> dict:
    return dict(verdict=rule.verdict, rule=rule.id, basis=rule.basis, authority=rule.authority,
                conditions=rule.conditions, conditions_en=rule.conditions_en, confidence=rule.confidence)


def evaluate_layer(indexed, measured, site, category: str, national_major: bool, in_force: bool) -> list[Finding]:
    """Findings of one layer for one site. `measured` is the overlay's LayerOverlay."""
    layer = indexed.layer
    rs, lid = layer.rule_set, layer.spec.id
    findings = []
    for hit in measured.hits:
        rule = rs.rule_for(hit.zone, category, national_major)
        fields = _rule_fields(rule)
        names = [f.name for f in hit.features if f.overlap_m2 > 0] or [f.name for f in hit.features]
        effects = []
        if rule.geometry_checks and not hit.boundary_contact:
            effects = [assess(indexed.geoms[f.index], site.projected, float(layer.widths[f.index]), f.name)
                       for f in hit.features if f.overlap_m2 > 0]
            failed = [e for e in effects if ("severance" in rule.geometry_checks and e.severs)
                      or ("residual_width" in rule.geometry_checks and e.narrows)]
            if failed and rule.on_geometry_fail:
                fields.update(verdict=rule.on_geometry_fail,
                              conditions=" ".join(filter(None, [rule.conditions, rule.geometry_fail_conditions])),
                              conditions_en=" ".join(filter(None, [rule.conditions_en,
                                                                   rule.geometry_fail_conditions_en])))
        kind = "boundary_contact" if hit.boundary_contact else "overlap"
        note = []
        if hit.boundary_contact:
            note.append("boundary contact within the tolerance: reported, does not drive the verdict")
        if not in_force:
            note.append(f"rule set {rs.id} not in force on the application date ({rs.period()})")
        findings.append(_finding(
            lid, rs, hit.zone, kind, "、".join(dict.fromkeys(names)), overlap_m2=hit.overlap_m2,
            overlap_share=hit.overlap_m2 / site.area_m2, distance_m=0.0,
            drives_verdict=in_force and not hit.boundary_contact,
            features=[{"name": f.name, "overlap_m2": round(f.overlap_m2, 2)} for f in hit.features],
            corridor=[e.to_dict() for e in effects], note="; ".join(note), **fields))
    if rs.adjacency:
        for near in measured.near:
            adj = rs.adjacency
            findings.append(_finding(
                lid, rs, near.zone, "adjacency", near.name, distance_m=near.distance_m, verdict=None,
                rule=adj.rule, basis=adj.basis, conditions=adj.conditions, conditions_en=adj.conditions_en,
                confidence=adj.confidence,
                note=f"within {adj.distance_m:g} m of the zone without overlapping it: informational"))
    if measured.nearest is not None:
        n = measured.nearest
        findings.append(_finding(lid, rs, n.zone, "nearest", n.name, distance_m=n.distance_m,
                                 note="nearest zone of this layer; the site does not touch it"))
    return findings


def near_distance(rs: RuleSet) -> float:
    """How far around the site the overlay must look for this rule set's adjacency findings."""
    return rs.adjacency.distance_m if rs.adjacency else 0.0
