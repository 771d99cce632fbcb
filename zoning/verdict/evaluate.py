"""Judging measured overlaps with the rule files: blocks of findings for a whole batch, as columns.

Zone hits, boundary contacts, adjacency and the nearest zone of each vector layer; statistics and threshold
rules of each raster layer. A rule is looked up once per distinct (zone, category, flag), never per site.
A single check is a batch of one.
"""
from __future__ import annotations

import json

import numpy as np

from ..overlay.corridor import Erosions, assess
from .. import messages


def near_distance(rs) -> float:
    """How far around the site the overlay must look for this rule set's adjacency findings."""
    return rs.adjacency.distance_m if rs.adjacency else 0.0


def _zone_labels(rs, zones) -> dict:
    """zone, zone_name and zone_name_en columns for an array of zone codes (looked up once per distinct code)."""
    if len(zones) == 0:
        return {"zone": zones, "zone_name": zones, "zone_name_en": zones}
    uniq, inv = np.unique(zones.astype(str), return_inverse=True)
    out = {"zone": zones}
    for col, attr in (("zone_name", "name"), ("zone_name_en", "name_en")):
        mapped = np.empty(len(uniq), dtype=object)
        mapped[:] = [getattr(rs.zones[u], attr) if u in rs.zones else "" for u in uniq]
        out[col] = mapped[inv]
    return out


class _Quoted(dict):
    """Feature index -> its name as a JSON string, quoted once per feature."""
    def __init__(self, names):
        super().__init__()
        self.names = names

    def __missing__(self, f):
        self[f] = text = json.dumps(str(self.names[f]), ensure_ascii=False)
        return text


def _features_text(feats, quoted) -> str:
    """json.dumps([{"name": ..., "overlap_m2": ...}, ...]) of a finding's features, formatted directly."""
    return "[" + ", ".join(f'{{"name": {quoted[f]}, "overlap_m2": {round(a, 2)!r}}}' for f, a in feats) + "]"


def _erosions(indexed, f) -> Erosions:
    """The erosions of feature f, kept with the layer for every later batch of the process."""
    return indexed.derive(("erosions", f), lambda: Erosions(indexed.features[f]))


CONTACT_NOTE = messages.note("contact")


def _hits(indexed, m, projected, area, rows, categories, majors, in_force, out, layer_index, informational):
    """One finding per (site, zone) the site overlaps or touches, in zone order; its features by overlap, then name.

    The rule is looked up once per distinct (zone, category, flag); only geometry tests run per finding."""
    layer = indexed.layer
    rs, names = layer.rule_set, layer.names
    zones = list(rs.zones)
    zone_rank = {z: k for k, z in enumerate(zones)}
    hz = np.array([zone_rank[z] for z in m.hit_zone.tolist()], dtype=np.int64)
    hs, hf, ha = m.hit_site, m.hit_feature, m.hit_area
    order = np.lexsort((hf, indexed.name_rank()[hf], -ha, hz, hs))
    hs, hf, ha, hz = hs[order], hf[order], ha[order], hz[order]
    start = np.flatnonzero(np.r_[True, (hs[1:] != hs[:-1]) | (hz[1:] != hz[:-1])])
    size = np.diff(np.r_[start, len(hs)])
    site, zone = hs[start], hz[start]
    # the zone's overlap is the union's, not the sum over features that may share ground
    overlap = m.zone_area.lookup(site, np.array(zones, dtype=object)[zone])
    contact = np.array([m.zone_contact.get((s, zones[z]), False)
                        for s, z in zip(site.tolist(), zone.tolist(), strict=True)],
                       dtype=bool) if m.zone_contact else np.zeros(len(site), dtype=bool)
    # one rule per distinct (zone, category, flag)
    cat = np.asarray(categories, dtype=object)[site]
    flag = np.asarray(majors, dtype=bool)[site]
    keys = list(zip(zone.tolist(), cat.tolist(), flag.tolist(), strict=False))
    found: dict = {}
    rule_of = [found.get(k) or found.setdefault(k, rs.rule_for(zones[k[0]], k[1], k[2])) for k in keys]
    verdict = np.array([r.verdict for r in rule_of], dtype=object)
    cond = np.array([r.conditions for r in rule_of], dtype=object)
    cond_en = np.array([r.conditions_en for r in rule_of], dtype=object)
    corridor = _geometry_tests(indexed, projected, rule_of, site, start, size, hf, ha, contact, verdict, cond,
                               cond_en, informational)
    late = messages.note("not_in_force", rule_set=rs.id, period=rs.period())
    note = np.where(contact, CONTACT_NOTE + "; " + late if not in_force else CONTACT_NOTE, "" if in_force else late)
    feature, features = _feature_texts(names, start, size, hf, ha, informational)
    out.add(rows[site], layer_index, layer=layer.spec.id, rule_set=rs.id,
            type=np.where(contact, "boundary_contact", "overlap").astype(object),
            **_zone_labels(rs, np.array(zones, dtype=object)[zone]), feature=feature,
            overlap_m2=overlap, overlap_share=overlap / area[site], distance_m=0.0, verdict=verdict,
            drives_verdict=~contact if in_force else np.zeros(len(site), dtype=bool),
            rule=np.array([r.id for r in rule_of], dtype=object),
            basis=np.array([r.basis for r in rule_of], dtype=object),
            authority=np.array([r.authority for r in rule_of], dtype=object), conditions=cond, conditions_en=cond_en,
            confidence=np.array([r.confidence for r in rule_of], dtype=object), features=features, corridor=corridor,
            note=note.astype(object))


def _geometry_tests(indexed, projected, rule_of, site, start, size, hf, ha, contact, verdict, cond, cond_en,
                    informational):
    """Corridor tests of the findings whose rule asks for them: a failed test sets the rule's verdict and
    conditions for failure (in `verdict`, `cond`, `cond_en`); returns the corridor texts."""
    layer = indexed.layer
    corridor = np.full(len(site), "[]" if informational else None, dtype=object)
    for g, rule in enumerate(rule_of):
        # without findings, a geometry test that cannot change the verdict is not run
        if not rule.geometry_checks or contact[g] or not (informational
                                                          or rule.on_geometry_fail not in (None, rule.verdict)):
            continue
        effects = [assess(indexed.features[f], projected[site[g]], float(layer.widths[f]), str(layer.names[f]),
                          residual=informational, erosions=_erosions(indexed, f))
                   for f, a in zip(hf[start[g]:start[g] + size[g]], ha[start[g]:start[g] + size[g]], strict=True)
                   if a > 0]
        failed = [e for e in effects if ("severance" in rule.geometry_checks and e.severs)
                  or ("residual_width" in rule.geometry_checks and e.narrows)]
        if failed and rule.on_geometry_fail:
            verdict[g] = rule.on_geometry_fail
            cond[g] = " ".join(filter(None, [rule.conditions, rule.geometry_fail_conditions]))
            cond_en[g] = " ".join(filter(None, [rule.conditions_en, rule.geometry_fail_conditions_en]))
        if informational and effects:
            corridor[g] = json.dumps([e.to_dict() for e in effects], ensure_ascii=False)
    return corridor


def _feature_texts(names, start, size, hf, ha, informational):
    """(feature, features) of each finding: the names of the features it overlaps (or only touches), and their
    overlaps as JSON text. A finding of one overlapping feature takes the quick path."""
    text = names.astype(str).astype(object)
    feature = text[hf[start]]
    features = np.full(len(start), None, dtype=object)
    quoted = _Quoted(names)
    if informational:
        features[:] = [_features_text(((f, a),), quoted)
                       for f, a in zip(hf[start].tolist(), ha[start].tolist(), strict=True)]
    for g in np.flatnonzero((size > 1) | (ha[start] <= 0)):
        span = slice(start[g], start[g] + size[g])
        feats = list(zip(hf[span].tolist(), ha[span].tolist(), strict=False))
        shown = [text[f] for f, a in feats if a > 0] or [text[f] for f, _ in feats]
        feature[g] = "、".join(dict.fromkeys(shown))
        if informational:
            features[g] = _features_text(feats, quoted)
    return feature, features


def evaluate_layer(indexed, m, projected, area, rows, categories, majors, in_force: bool, out,
                   layer_index: int, informational: bool = True) -> None:
    """Add the findings of one vector layer for the sites `rows` of the batch to `out` (a FindingsBuilder).

    `m` measures sites 0..len(rows)-1 of `projected`/`area`; `categories`, `majors` are per measured site.
    `informational=False` leaves out what no verdict depends on: the features and corridor texts, the corridor's
    residual width, and corridor tests whose failure would not change the verdict."""
    layer = indexed.layer
    rs, names = layer.rule_set, layer.names
    common = {"layer": layer.spec.id, "rule_set": rs.id}
    if len(m.hit_site):
        _hits(indexed, m, projected, area, rows, categories, majors, in_force, out, layer_index, informational)

    if rs.adjacency and len(m.near_site):
        adj = rs.adjacency
        order = np.lexsort((m.near_distance, m.near_site))
        s, f, d = m.near_site[order], m.near_feature[order], m.near_distance[order]
        out.add(rows[s], layer_index, **common, type="adjacency", **_zone_labels(rs, layer.zones[f]),
                feature=names[f].astype(str).astype(object), distance_m=d.astype(float), rule=adj.rule,
                basis=adj.basis, conditions=adj.conditions, conditions_en=adj.conditions_en,
                confidence=adj.confidence,
                note=messages.note("adjacent", distance=adj.distance_m))

    if len(m.nearest_site):
        f = m.nearest_feature
        out.add(rows[m.nearest_site], layer_index, **common, type="nearest", **_zone_labels(rs, layer.zones[f]),
                feature=names[f].astype(str).astype(object), distance_m=m.nearest_distance.astype(float),
                note=messages.note("nearest"))


METHOD = "cells weighted by the exact covered fraction (polygon clipping); nodata cells left out"


def _stats_texts(st) -> np.ndarray:
    """The statistics of each site as JSON text, formatted directly (json.dumps per site is the slow part)."""
    n = len(st.site_area)
    out = np.empty(n, dtype=object)
    area = np.where(st.site_area > 0, st.site_area, np.inf)       # a share of nothing is 0
    head = [f'{{"covered_share": {round(c, 6)!r}, "nodata_m2": {round(d, 2)!r}, "method": "{METHOD}"'
            for c, d in zip(st.covered_share.tolist(), st.nodata_area.tolist(), strict=False)]
    if st.measure == "slope":
        valid = st.valid_area > 0
        mean = np.where(valid, st.mean_slope, 0.0)
        top = np.where(valid, st.max_slope, 0.0)
        parts = [[f', "mean_slope_deg": {round(a, 2)!r}, "max_slope_deg": {round(b, 2)!r}'
                  for a, b in zip(mean.tolist(), top.tolist(), strict=False)]]
        for thr, over in st.over.items():
            parts.append([f', "over_{thr:g}_deg_m2": {round(a, 2)!r}, "over_{thr:g}_deg_share": {round(a / k, 6)!r}'
                          for a, k in zip(over.tolist(), area.tolist(), strict=False)])
        out[:] = ["".join(p) + "}" for p in zip(head, *parts, strict=False)]
        return out
    order = sorted(range(len(st.class_names)), key=lambda k: st.class_names[k])
    names = [json.dumps(st.class_names[k], ensure_ascii=False) for k in order]
    for i, (row, a) in enumerate(zip(st.class_area[:, order].tolist(), area.tolist(), strict=False)):
        present = [(nm, v) for nm, v in zip(names, row, strict=False) if v > 0]
        areas = ", ".join(f"{nm}: {round(v, 2)!r}" for nm, v in present)
        shares = ", ".join(f"{nm}: {round(v / a, 6)!r}" for nm, v in present)
        out[i] = f'{head[i]}, "class_area_m2": {{{areas}}}, "class_share": {{{shares}}}}}'
    return out


def evaluate_raster(layer, st, rows, categories, in_force: bool, out, layer_index: int,
                    informational: bool = True) -> None:
    """Add the findings of one raster layer for the sites `rows`: statistics, then each threshold reached.

    `st` holds the zonal statistics of sites 0..len(rows)-1; `categories` their category codes.
    `informational=False` leaves out the statistics (findings and texts): no verdict depends on them."""
    rs, lid = layer.rule_set, layer.spec.id
    common = {"layer": lid, "rule_set": rs.id, "feature": lid, "zone_name_en": ""}
    seen = np.flatnonzero(st.covered_share > 0)
    stats = _stats_texts(st) if informational else np.full(len(rows), None, dtype=object)
    zone, zone_name = ("slope", "坡度 Slope") if rs.measure == "slope" else ("landcover", "地类 Land cover")
    if informational:
        out.add(rows[seen], layer_index, **common, type="raster_stats", zone=zone, zone_name=zone_name,
                overlap_m2=0.0, stats=stats[seen],
                note=messages.note("raster_stats"))
    for rule in rs.rules:
        if rs.measure == "slope":
            measured = st.over[rule.threshold]
            name = f"坡度大于{rule.threshold:g}° Slope over {rule.threshold:g}°"
            key = f"slope_over_{rule.threshold:g}"
        else:
            cols = [k for k, c in enumerate(st.class_names) if c in rule.classes]
            measured = st.class_area[:, cols].sum(axis=1) if cols else np.zeros(len(rows))
            name = "、".join(rs.class_names.get(c, c) for c in rule.classes)
            key = "+".join(rule.classes)
        share = np.where(st.site_area > 0, measured / np.where(st.site_area > 0, st.site_area, 1.0), 0.0)
        hit = np.flatnonzero(rule.applies(categories) & (st.covered_share > 0) & (share >= rule.min_share)
                             & (measured > 0))
        tail = "" if in_force else messages.note("raster_not_in_force", rule_set=rs.id)
        out.add(rows[hit], layer_index, **common, type="raster", zone=key, zone_name=name, overlap_m2=measured[hit],
                overlap_share=share[hit], distance_m=0.0, verdict=rule.verdict, drives_verdict=in_force,
                rule=rule.id, basis=rule.basis, authority=rule.authority, conditions=rule.conditions,
                conditions_en=rule.conditions_en, confidence=rule.confidence, stats=stats[hit],
                note=[messages.note("raster_share", share=s, min_share=rule.min_share) + tail for s in share[hit]])
