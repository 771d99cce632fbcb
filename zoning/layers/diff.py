"""What a new version of the layers changes: per layer, the features added, removed and changed (matched by the
name field when it names each feature once, else by geometry), the area each zone gains and loses, and the rule
set each layer is judged by. `zoning layers diff OLD.toml NEW.toml`."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from ..errors import ZoningError
from ..geometry.crs import CGCS2000, analysis_epsg
from ..geometry.project import reproject
from .loader import read_source
from .manifest import Manifest, load_manifest

MIN_IOU = 0.5        # an unnamed feature "changed" into another when they share at least half their union


@dataclass
class FeatureChange:
    change: str                     # added | removed | changed
    key: str                        # name, or the feature id in its version
    zone_old: str | None
    zone_new: str | None
    area_old_m2: float
    area_new_m2: float


@dataclass
class LayerDiff:
    id: str
    status: str                     # unchanged | changed | added | removed | failed
    old_version: str | None = None
    new_version: str | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None
    rule_set_old: str | None = None
    rule_set_new: str | None = None
    matched_by: str = ""
    counts: dict = field(default_factory=dict)          # added / removed / changed / unchanged features
    changes: list = field(default_factory=list)         # FeatureChange
    zone_area: dict = field(default_factory=dict)       # zone -> (added m², removed m²)
    pieces: list = field(default_factory=list)          # (zone, 'added' | 'removed', lon/lat geometry, m²)
    error: str | None = None


def diff_manifests(old: Manifest | str, new: Manifest | str, catalogue=None) -> list[LayerDiff]:
    from ..rules.catalogue import load_catalogue
    old = old if isinstance(old, Manifest) else load_manifest(old)
    new = new if isinstance(new, Manifest) else load_manifest(new)
    catalogue = catalogue or load_catalogue()
    a, b = {s.id: s for s in old.layers}, {s.id: s for s in new.layers}
    out = []
    for lid in list(a) + [k for k in b if k not in a]:
        sa, sb = a.get(lid), b.get(lid)
        if sa is None or sb is None:
            spec = sa if sa is not None else sb
            assert spec is not None
            d = LayerDiff(lid, "removed" if sb is None else "added", rule_set_old=sa.rule_set if sa else None,
                          rule_set_new=sb.rule_set if sb else None, old_version=sa.version if sa else None,
                          new_version=sb.version if sb else None)
            if not spec.is_raster:
                try:
                    src = read_source(spec, catalogue.rule_sets[spec.rule_set])
                    d.counts = {d.status: len(src.geoms)}
                except (ZoningError, KeyError) as exc:
                    d.error = str(exc)
            out.append(d)
            continue
        out.append(_diff_layer(sa, sb, catalogue))
    return out


def _diff_layer(sa, sb, catalogue) -> LayerDiff:
    d = LayerDiff(sa.id, "unchanged", old_version=sa.version, new_version=sb.version, rule_set_old=sa.rule_set,
                  rule_set_new=sb.rule_set)
    if sa.is_raster or sb.is_raster:
        from .cache import file_digest, store_root
        try:
            d.old_sha256, d.new_sha256 = (file_digest(s.source, store_root(s)) for s in (sa, sb))
        except OSError as exc:
            d.status, d.error = "failed", str(exc)
            return d
        d.status = "changed" if d.old_sha256 != d.new_sha256 or sa.rule_set != sb.rule_set else "unchanged"
        d.matched_by = "raster: file content"
        return d
    try:
        old = read_source(sa, catalogue.rule_sets[sa.rule_set])
        new = read_source(sb, catalogue.rule_sets[sb.rule_set])
    except (ZoningError, KeyError) as exc:
        d.status, d.error = "failed", str(exc)
        return d
    d.old_sha256, d.new_sha256 = old.sha256, new.sha256
    if old.sha256 == new.sha256 and old.crs == new.crs:
        d.counts = {"unchanged": len(old.geoms)}
        d.status = "changed" if sa.rule_set != sb.rule_set else "unchanged"
        return d
    lonlat_old = reproject(old.geoms, old.crs, CGCS2000)
    lonlat_new = reproject(new.geoms, new.crs, CGCS2000)
    b = shapely.total_bounds(np.concatenate([lonlat_old, lonlat_new]))
    epsg = f"EPSG:{analysis_epsg((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)}"
    g_old, g_new = reproject(lonlat_old, CGCS2000, epsg), reproject(lonlat_new, CGCS2000, epsg)
    pairs, d.matched_by = _match(old, new, g_old, g_new)
    matched_old = {i for i, _ in pairs}
    matched_new = {j for _, j in pairs}
    counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
    touched_old, touched_new = [], []
    for i, j in pairs:
        same = old.zones[i] == new.zones[j] and shapely.equals_exact(
            shapely.normalize(g_old[i]), shapely.normalize(g_new[j]), tolerance=1e-6)
        if same:
            counts["unchanged"] += 1
            continue
        counts["changed"] += 1
        touched_old.append(i)
        touched_new.append(j)
        d.changes.append(FeatureChange("changed", _key(old, new, i, j), old.zones[i], new.zones[j],
                                       float(g_old[i].area), float(g_new[j].area)))
    for i in sorted(set(range(len(g_old))) - matched_old):
        counts["removed"] += 1
        touched_old.append(i)
        d.changes.append(FeatureChange("removed", _key(old, None, i, None), old.zones[i], None,
                                       float(g_old[i].area), 0.0))
    for j in sorted(set(range(len(g_new))) - matched_new):
        counts["added"] += 1
        touched_new.append(j)
        d.changes.append(FeatureChange("added", _key(None, new, None, j), None, new.zones[j], 0.0,
                                       float(g_new[j].area)))
    d.counts = counts
    if d.changes or sa.rule_set != sb.rule_set:
        d.status = "changed"
    if d.changes:
        _zone_areas(d, old, new, g_old, g_new, touched_old, touched_new, epsg)
    return d


def _key(old, new, i, j) -> str:
    if old is not None and old.spec.name_field and old.names[i]:
        return str(old.names[i])
    if new is not None and new.spec.name_field and new.names[j]:
        return str(new.names[j])
    return f"#{old.fids[i]}" if old is not None else f"#{new.fids[j]}"


def _match(old, new, g_old, g_new) -> tuple[list, str]:
    """(old index, new index) pairs of one feature in both versions."""
    if old.spec.name_field and new.spec.name_field:
        no, nn = list(old.names), list(new.names)
        if len(set(no)) == len(no) and len(set(nn)) == len(nn) and "" not in no and "" not in nn:
            at = {v: j for j, v in enumerate(nn)}
            return [(i, at[v]) for i, v in enumerate(no) if v in at], f"name field ({old.spec.name_field})"
    pairs, used = [], set()
    exact = {shapely.normalize(g).wkb: j for j, g in enumerate(g_new)}
    rest = []
    for i, g in enumerate(g_old):
        j = exact.get(shapely.normalize(g).wkb)
        if j is not None and j not in used:
            pairs.append((i, j))
            used.add(j)
        else:
            rest.append(i)
    if rest:
        tree = shapely.STRtree(g_new)
        for i in rest:
            best, score = None, MIN_IOU
            for j in tree.query(g_old[i], predicate="intersects"):
                if j in used:
                    continue
                inter = g_old[i].intersection(g_new[j]).area
                iou = inter / (g_old[i].area + g_new[j].area - inter) if inter > 0 else 0.0
                if iou >= score:
                    best, score = j, iou
            if best is not None:
                pairs.append((i, int(best)))
                used.add(int(best))
    return pairs, "geometry"


def _zone_areas(d, old, new, g_old, g_new, touched_old, touched_new, epsg) -> None:
    """Area each zone gains and loses, computed only where features changed (a provincial layer is never
    unioned whole)."""
    region = shapely.union_all(np.concatenate([g_old[touched_old], g_new[touched_new]]))
    t_old, t_new = shapely.STRtree(g_old), shapely.STRtree(g_new)
    near_old, near_new = t_old.query(region, predicate="intersects"), t_new.query(region, predicate="intersects")
    for zone in sorted(set(old.zones[near_old]) | set(new.zones[near_new])):
        a = shapely.union_all(g_old[near_old[old.zones[near_old] == zone]]).intersection(region)
        b = shapely.union_all(g_new[near_new[new.zones[near_new] == zone]]).intersection(region)
        gained, lost = b.difference(a), a.difference(b)
        if gained.area < 0.01 and lost.area < 0.01:
            continue
        d.zone_area[zone] = (float(gained.area), float(lost.area))
        for what, g in (("added", gained), ("removed", lost)):
            if g.area >= 0.01:
                d.pieces.append((zone, what, reproject(g, epsg, CGCS2000), float(g.area)))
