"""The part of a prepared layer that a batch of sites needs, as an IndexedLayer of its own.

A window holds every part whose box meets a site grown by `grow` (the tolerance and adjacency distances), so
overlaps, contacts and adjacency are those of the whole layer. For the nearest zone it also holds every part
that can be the nearest: from each site's first vertex v, the farthest corner of any part's box bounds the
distance to that part, so with U the least such bound over the parts found (searching ever wider boxes until one
is found), every part within U, which the nearest and its ties are, has a box within U of the site and is read.
Feature indices are the layer's own, so findings, names and per-feature values are those of the whole layer.
"""
from __future__ import annotations

import numpy as np
import shapely

from ..geometry.project import reproject
from .index import IndexedLayer

WINDOW_FROM_PARTS = 20_000   # a layer of fewer parts (the demo's: about 1,000) is read whole once per process
WIDEN = 4.0          # each empty nearest search widens its box this many times
FIRST_REACH_M = 500.0


def window(layer, store, sites, *, grow: float, nearest: bool) -> IndexedLayer:
    """IndexedLayer of `store` (of LoadedLayer `layer`) holding what `sites` (projected polygons) need."""
    b = shapely.bounds(sites).reshape(-1, 4)
    reach = np.full(len(sites), float(grow))
    bound = None
    if nearest and len(sites):
        bound = _nearest_bound(store, sites, b)
        reach = np.maximum(reach, np.where(np.isfinite(bound), bound * (1 + 1e-9) + 1e-6, 0.0))
    boxes = np.c_[b[:, 0] - reach, b[:, 1] - reach, b[:, 2] + reach, b[:, 3] + reach]
    indexed = from_store(layer, store, store.part_ids(boxes))
    if bound is not None:        # the nearest-zone search starts from it (see measure._nearest)
        indexed.site_bound = (sites, bound)
    return indexed


def from_store(layer, store, ids=None) -> IndexedLayer:
    """IndexedLayer of the parts `ids` of the store (every part when None) and the features they belong to."""
    geoms, feature, zone_view, feature_view = store.read_parts(ids)
    if ids is None:
        features = store.read_features()
        shapely.prepare(features)
    else:
        features = LazyFeatures(store)
    shapely.prepare(geoms)
    parts, owner = geoms[zone_view], feature[zone_view]
    own = None
    if store.has_own:
        own = (geoms[feature_view], feature[feature_view])
    return IndexedLayer(layer=layer, epsg=store.epsg, features=features, parts=parts, part_feature=owner,
                        part_zone=layer.zones[owner] if len(owner) else np.array([], dtype=object),
                        tree=shapely.STRtree(parts), coverage=store.coverage, intact=store.intact,
                        own_parts=None if own is None else own[0], own_feature=None if own is None else own[1],
                        own_tree=None if own is None else shapely.STRtree(own[0]), derived=store.derived)


class LazyFeatures:
    """A window's view of the layer's whole features, indexed like an array: each read from the store when first
    asked for (only a site crossing a part's edge, a corridor test or a map needs one)."""

    def __init__(self, store):
        self.store = store
        self._geoms = np.full(int(store.meta["features"]), None, dtype=object)
        self._have = np.zeros(len(self._geoms), dtype=bool)

    def __len__(self) -> int:
        return len(self._geoms)

    def __getitem__(self, idx):
        want = np.atleast_1d(np.arange(len(self._geoms))[idx])
        missing = np.unique(want[~self._have[want]])
        if len(missing):
            got = self.store.read_features(missing)[missing]
            shapely.prepare(got)
            self._geoms[missing], self._have[missing] = got, True
        return self._geoms[idx]


def _nearest_bound(store, sites, b) -> np.ndarray:
    """Per site, a distance within which some zone-view part certainly lies (inf when the layer has none): the
    exact distance to the part whose box's farthest corner is nearest (0 for a site on a part), so that the
    window holds little more than the nearest and its ties."""
    xy, idx = shapely.get_coordinates(sites, return_index=True)
    _, first = np.unique(idx, return_index=True)          # any vertex of the site will do: its first
    vx, vy = xy[first, 0], xy[first, 1]
    bound, part = np.full(len(sites), np.inf), np.full(len(sites), -1, dtype=np.int64)
    extent = store.meta.get("analysis_bounds")
    if not extent:                          # an empty layer: no nearest zone
        return bound
    todo = np.arange(len(sites))
    d = FIRST_REACH_M
    while len(todo):
        bb = b[todo]
        grown = np.c_[bb[:, 0] - d, bb[:, 1] - d, bb[:, 2] + d, bb[:, 3] + d]
        bound[todo], part[todo] = store.far_corner_bound(grown, vx[todo], vy[todo])
        whole = ((grown[:, 0] <= extent[0]) & (grown[:, 1] <= extent[1]) & (grown[:, 2] >= extent[2])
                 & (grown[:, 3] >= extent[3]))     # the box held the whole layer and found nothing: no part
        todo = todo[~np.isfinite(bound[todo]) & ~whole]
        d *= WIDEN
    found = np.flatnonzero(part >= 0)
    if len(found):
        ids, at = np.unique(part[found], return_inverse=True)
        geoms = store.read_parts(ids)[0]               # in id order
        bound[found] = shapely.distance(sites[found], geoms[at])
    return bound


def server_window(layer, epsg: int, sites, *, grow: float, nearest: bool) -> IndexedLayer:
    """IndexedLayer of the features a PostGIS layer's server returns for `sites`: those whose boxes meet each site
    grown by `grow` (`&&` on the server's spatial index) and, for the nearest zone, those within the exact
    distance D of the feature the server finds nearest (`<->`; any feature is an upper bound of the zone's
    distance, since a zone's parts make up its features' union). The parts of just these features are made and
    checked here: a feature's ground that an earlier one of its zone takes away lies where both are, so inside
    any window that holds it, the ground measured is the whole layer's."""
    from ..layers.loader import read_source, wanted_fields
    from ..layers.postgis import fetch_table
    spec, where = layer.spec, f"layer '{layer.spec.id}' ({layer.spec.source})"
    b = shapely.bounds(sites).reshape(-1, 4)
    reach = np.full(len(sites), float(grow))
    if nearest and len(sites):
        near = fetch_table(spec, wanted_fields(spec), where, nearest_to=_layer_boxes(b, epsg, layer.crs))
        if near[1]:
            geoms = reproject(shapely.from_wkb(near[2]), layer.crs, f"EPSG:{epsg}")
            (k, _), d = shapely.STRtree(geoms).query_nearest(sites, all_matches=False, return_distance=True)
            bound = np.full(len(sites), np.inf)
            bound[k] = d
            reach = np.maximum(reach, np.where(np.isfinite(bound), bound * (1 + 1e-9) + 1e-6, 0.0))
    boxes = np.c_[b[:, 0] - reach, b[:, 1] - reach, b[:, 2] + reach, b[:, 3] + reach]
    fetched = fetch_table(spec, wanted_fields(spec), where, boxes=_layer_boxes(boxes, epsg, layer.crs))
    part = read_source(spec, layer.rule_set, fetched=fetched, coverage=(layer.coverage_geom, layer.coverage_label))
    return IndexedLayer.build(part, epsg)


def _layer_boxes(boxes, epsg: int, crs: str) -> np.ndarray:
    """Analysis-CRS boxes as boxes in the layer's CRS that hold them: each edge densified before reprojection
    (the edges curve), then grown by 1 % of its size as margin."""
    if len(boxes) == 0:
        return np.zeros((0, 4))
    polys = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    dense = np.array([shapely.segmentize(p, max(s / 16, 1e-3)) for p, s in zip(polys, side, strict=True)],
                     dtype=object)
    lb = shapely.bounds(reproject(dense, f"EPSG:{epsg}", crs))
    m = np.maximum(lb[:, 2] - lb[:, 0], lb[:, 3] - lb[:, 1]) * 0.01 + 1e-9 * np.abs(lb).max(axis=1)
    return np.c_[lb[:, 0] - m, lb[:, 1] - m, lb[:, 2] + m, lb[:, 3] + m]
