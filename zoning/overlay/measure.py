"""Vectorised overlay of many sites with one indexed layer: coverage, overlap per site x feature, boundary
contacts, nearest zone and adjacency. Measures only; the rules judge elsewhere."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

AREA_EPS = 1e-6  # m²: below this an intersection is floating-point noise, not an overlap
VERTEX_TREE_FROM = 256  # sites: from this batch size a whole layer's nearest search starts from a vertex tree


@dataclass
class LayerMeasure:
    covered: np.ndarray          # covered share per site (1.0 = wholly inside the layer's coverage)
    hit_site: np.ndarray         # per (site, feature) that touch or overlap:
    hit_feature: np.ndarray
    hit_zone: np.ndarray
    hit_area: np.ndarray         #   overlap area with that feature's own geometry, m²
    zone_area: ZoneAreas       # (site, zone) -> overlap with the union of the zone's features, m²
    zone_contact: dict           # (site, zone) -> True when the zone's overlap vanishes inside the tolerance
    near_site: np.ndarray        # adjacency: features within `near_m` that the site does not touch
    near_feature: np.ndarray
    near_distance: np.ndarray
    nearest_site: np.ndarray     # nearest feature of sites touching nothing (and covered at all)
    nearest_feature: np.ndarray
    nearest_distance: np.ndarray


class ZoneAreas:
    """Overlap of each (site, zone) with the union of the zone's features, looked up for many pairs at once."""

    def __init__(self, site, zone, area):
        codes, idx = np.unique(zone.astype(str), return_inverse=True) if len(zone) else (np.array([], str),
                                                                                         np.array([], np.int64))
        self.codes = codes
        key = site.astype(np.int64) * max(len(codes), 1) + idx
        order = np.argsort(key, kind="stable")
        self.key, self.area = key[order], np.asarray(area, dtype=float)[order]

    def lookup(self, site, zone) -> np.ndarray:
        idx = np.searchsorted(self.codes, np.asarray(zone, dtype=str))
        key = np.asarray(site, dtype=np.int64) * max(len(self.codes), 1) + idx
        return self.area[np.searchsorted(self.key, key)]

    def get(self, pair, default=None):
        site, zone = pair
        if zone not in set(self.codes.tolist()):
            return default
        n = max(len(self.codes), 1)
        key = int(site) * n + int(np.searchsorted(self.codes, zone))
        k = int(np.searchsorted(self.key, key))
        return float(self.area[k]) if k < len(self.key) and self.key[k] == key else default

    def items(self):
        n = max(len(self.codes), 1)
        return [((int(k // n), str(self.codes[k % n])), float(a))
                for k, a in zip(self.key.tolist(), self.area, strict=True)]


def covered_share(sites, areas, coverage) -> np.ndarray:
    n = len(sites)
    if coverage is None:
        return np.ones(n)
    share = np.ones(n)
    inside = shapely.contains(coverage, sites)
    rest = np.flatnonzero(~inside)
    if len(rest):
        touch = shapely.intersects(coverage, sites[rest])
        share[rest[~touch]] = 0.0
        part = rest[touch]
        if len(part):
            share[part] = np.where(areas[part] > 0,
                                   shapely.area(shapely.intersection(sites[part], coverage)) / areas[part], 1.0)
    return share


def _group_sum(keys_a, keys_b, values):
    """Sum `values` over unique (a, b) pairs; returns (a, b, sums) sorted by a then b."""
    if len(keys_a) == 0:
        return keys_a, keys_b, values
    order = np.lexsort((keys_b, keys_a))
    a, b, v = keys_a[order], keys_b[order], values[order]
    start = np.r_[0, np.flatnonzero((a[1:] != a[:-1]) | (b[1:] != b[:-1])) + 1]
    return a[start], b[start], np.add.reduceat(v, start)


def _overlaps(tree, parts, part_feature, features, intact, sites, areas, active):
    """(site, feature, overlap) per (site, feature) pair that touches or overlaps, over one view's parts.

    Multi-part sites are measured part by part (each part is a site of its own, summed back per site), so that
    the cost grows with the parts, not with their square: an intersection never carries the whole site. A site
    part inside a whole feature whose parts cover all of it (`intact`) covers those parts by its own area,
    however many of them it crosses: no intersections."""
    multi = np.flatnonzero(shapely.get_num_geometries(sites) > 1)
    if len(multi) == 0:                       # single polygons, the usual batch: the sites themselves
        pieces, owner, piece_areas = sites, np.arange(len(sites)), areas
    else:
        single = np.setdiff1d(np.arange(len(sites)), multi)
        site_parts, part_of = shapely.get_parts(sites[multi], return_index=True)
        pieces = np.concatenate([sites[single], site_parts])
        owner = np.concatenate([single, multi[part_of]])
        piece_areas = np.concatenate([areas[single], shapely.area(site_parts)])
    s, p = tree.query(pieces)
    keep = active[owner[s]]
    s, p = s[keep], p[keep]
    inside = shapely.contains_properly(parts[p], pieces[s])
    touching = ~inside
    touching[touching] = shapely.intersects(parts[p[touching]], pieces[s[touching]])
    area = np.zeros(len(s))
    area[inside] = piece_areas[s[inside]]
    cut = np.flatnonzero(touching)
    if len(cut):
        f = part_feature[p[cut]]
        whole = intact[f]
        whole[whole] = shapely.contains_properly(features[f[whole]], pieces[s[cut[whole]]])
        w = np.flatnonzero(whole)
        _, first = np.unique(s[cut[w]] * len(features) + f[w], return_index=True)
        area[cut[w[first]]] = piece_areas[s[cut[w[first]]]]   # once per (piece, feature); its other parts add 0
        rest = cut[~whole]
        area[rest] = shapely.area(shapely.intersection(pieces[s[rest]], parts[p[rest]]))
    hit = inside | touching
    s, p, area = s[hit], p[hit], area[hit]
    return _group_sum(owner[s], part_feature[p], area)


def measure(sites, areas, perimeters, indexed, *, tolerance: float, near_m: float = 0.0,
            inner=None, nearest: bool = True) -> LayerMeasure:
    """Overlay an array of projected site polygons with one IndexedLayer.

    Each feature is measured on its own geometry (the layer's feature view): `hit_area` is the site's overlap
    with that feature, whatever other feature shares its ground. Zone overlaps are unions (the zone view), never
    sums over overlapping features. `inner(i)` returns site i shrunk by the tolerance; it is called only for the
    rare zone overlaps small enough (at most perimeter x tolerance) to be boundary contacts. `nearest=False`
    skips the nearest zone.
    """
    features, zones = indexed.features, indexed.layer.zones
    covered = covered_share(sites, areas, indexed.coverage)
    active = covered > 0
    every = np.ones(len(features), dtype=bool)      # in the feature view each feature's parts are all of it
    hs, hf, ha = _overlaps(indexed.own_tree, indexed.own_parts, indexed.own_feature, features, every,
                              sites, areas, active)
    hz = zones[hf] if len(hf) else np.array([], dtype=object)

    zs, zz, za = _zone_sums(hs, hz, ha)
    # where a site meets a feature that shares ground with an earlier one of its zone, the zone's overlap is
    # the union: measured on the zone view for those sites
    shared = np.unique(hs[~indexed.intact[hf]]) if len(hf) else hs
    if len(shared):
        mask = np.zeros(len(sites), dtype=bool)
        mask[shared] = True
        us, uf, ua = _overlaps(indexed.tree, indexed.parts, indexed.part_feature, features, indexed.intact,
                                  sites, areas, active & mask)
        ys, yz, ya = _zone_sums(us, zones[uf] if len(uf) else np.array([], dtype=object), ua)
        other = ~np.isin(zs, shared)
        zs, zz, za = (np.r_[zs[other], ys], np.r_[zz[other].astype(object), yz.astype(object)],
                      np.r_[za[other], ya])
    zone_area = ZoneAreas(zs, zz, za)

    contact = {}
    small = za <= perimeters[zs] * tolerance * (1 + 1e-9) + AREA_EPS
    own_zone = indexed.own_zone
    for i, zone, total in zip(zs[small], zz[small], za[small], strict=False):
        if total <= AREA_EPS or inner is None:
            contact[(i, zone)] = True
            continue
        shrunk = inner(i)
        cand = indexed.own_tree.query(shrunk)
        cand = cand[own_zone[cand] == zone]
        contact[(i, zone)] = float(shapely.area(shapely.intersection(shrunk, indexed.own_parts[cand])).sum()) \
            <= AREA_EPS

    ns = nf = nd = np.array([], dtype=np.int64)
    if near_m > 0:
        a, b, dist = _within(indexed.own_tree, indexed.own_parts, sites, np.flatnonzero(active), near_m)
        if len(a):
            feat = indexed.own_feature[b]
            touched = set(zip(hs.tolist(), hf.tolist(), strict=False))
            free = np.array([(i, f) not in touched for i, f in zip(a.tolist(), feat.tolist(), strict=True)],
                            dtype=bool)
            ns, nf, nd = _group_min(a[free], feat[free], dist[free])

    untouched = np.flatnonzero(active & ~np.isin(np.arange(len(sites)), hs)) if nearest else np.zeros(0, np.int64)
    ms, mf, md = _nearest(indexed, sites, untouched)
    return LayerMeasure(covered, hs, hf, hz, ha, zone_area, contact, ns, nf, nd, ms, mf, md)


def _within(tree, parts, sites, rows, radius):
    """(site, part, distance) for parts within `radius` of each site in `rows`: bounding-box candidates, then
    exact distances (much faster here than the tree's own distance predicate)."""
    if len(rows) == 0 or len(parts) == 0:
        e = np.array([], dtype=np.int64)
        return e, e, np.array([])
    b = shapely.bounds(sites[rows])
    boxes = shapely.box(b[:, 0] - radius, b[:, 1] - radius, b[:, 2] + radius, b[:, 3] + radius)
    k, p = tree.query(boxes)
    s = rows[k]
    dist = shapely.distance(sites[s], parts[p])
    keep = dist <= radius
    return s[keep], p[keep], dist[keep]


def _nearest(indexed, sites, rows):
    """(site, feature, distance) of the nearest feature of each site in `rows`, for sites touching none.

    Exact: an upper bound U of each site's distance (its exact distance to a real zone-view part: the one a
    window found while it was read, `indexed.site_bound`, else the part nearest the site's centroid); every
    part within U then gets its exact distance, so the least, D, is the site's, and every part within D (+1e-9
    m: a shared edge) is a tie. Ties go to the first feature by name, then by index, so that the answer does
    not depend on the order of the layer's rows. A site touching no part lies outside every part, so its
    distance to a part is its distance to the part's boundary; the zone view's parts tile the zone's union, so
    the least is the distance to the zone."""
    e = np.array([], dtype=np.int64)
    if len(indexed.parts) == 0 or len(rows) == 0:
        return e, e, np.array([])
    geoms = sites[rows]
    bound = None
    if indexed.site_bound is not None and indexed.site_bound[0] is sites:
        bound = indexed.site_bound[1][rows]
    if bound is not None and np.isfinite(bound).all():
        # a window's bound is tight: box candidates, then exact distances
        reach = bound * (1 + 1e-12) + 1e-9
        gb = shapely.bounds(geoms)
        k, p = indexed.tree.query(shapely.box(gb[:, 0] - reach, gb[:, 1] - reach, gb[:, 2] + reach,
                                              gb[:, 3] + reach))
        dist = shapely.distance(geoms[k], indexed.parts[p])
        feat = indexed.part_feature[p]
    else:
        k, feat, dist = _chain_candidates(indexed, geoms)
    best = np.full(len(rows), np.inf)
    np.minimum.at(best, k, dist)
    tie = dist <= best[k] + 1e-9
    k, feat = k[tie], feat[tie]
    if len(k) == 0:
        return e, e, np.array([])
    order = np.lexsort((feat, indexed.name_rank()[feat], k))
    k, feat = k[order], feat[order]
    first = np.r_[0, np.flatnonzero(k[1:] != k[:-1]) + 1]
    return rows[k[first]], feat[first], best[k[first]]


def _chain_candidates(indexed, geoms):
    """(site, feature, distance) of the boundary chains that can be nearest each site of a whole layer in memory.

    First an upper bound U: in a large batch, the distance from the site's vertices to the boundary vertex
    nearest its centroid (the vertex tree pays for itself there); in a small one, the site's distance to the
    chain nearest its centroid. With r the farthest vertex from the centroid, only chains within U + r of the
    centroid can be nearer, and those get exact distances."""
    segs, seg_feature, tree = indexed.segments()
    pts = shapely.centroid(geoms)
    c = shapely.get_coordinates(pts)
    xy, idx = shapely.get_coordinates(geoms, return_index=True)
    radius = np.zeros(len(geoms))
    np.maximum.at(radius, idx, np.hypot(xy[:, 0] - c[idx, 0], xy[:, 1] - c[idx, 1]))
    bound = np.full(len(geoms), np.inf)
    if len(geoms) >= VERTEX_TREE_FROM:
        vertex_tree, vertex_xy = indexed.vertices()
        k, v = vertex_tree.query_nearest(pts, all_matches=False)
        near = np.full((len(geoms), 2), np.inf)
        near[k] = vertex_xy[v]
        np.minimum.at(bound, idx, np.hypot(xy[:, 0] - near[idx, 0], xy[:, 1] - near[idx, 1]))
    else:
        k, p = tree.query_nearest(pts, all_matches=False)
        bound[k] = shapely.distance(geoms[k], segs[p])
    k, p = tree.query(pts, predicate="dwithin", distance=(bound + radius) * (1 + 1e-9) + 1e-6)
    return k, seg_feature[p], shapely.distance(geoms[k], segs[p])


def _zone_sums(hs, hz, ha):
    if len(hs) == 0:
        return hs, hz, ha
    codes, zone_idx = np.unique(hz, return_inverse=True)
    a, b, v = _group_sum(hs, zone_idx, ha)
    return a, codes[b], v


def _group_min(a, b, v):
    """Minimum of `v` per (a, b) pair."""
    if len(a) == 0:
        return a, b, v
    order = np.lexsort((v, b, a))
    a, b, v = a[order], b[order], v[order]
    first = np.r_[0, np.flatnonzero((a[1:] != a[:-1]) | (b[1:] != b[:-1])) + 1]
    return a[first], b[first], v[first]
