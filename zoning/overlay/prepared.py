"""A layer as the engine uses it: its attributes and metadata in memory, its geometry in a prepared store per
analysis CRS (`store.py`), read by window.

A store is keyed by the content of the source (the file's bytes, or a database layer's version query, or without
one the table's content), by the manifest entry, by the rule set's zones and by the analysis CRS. The first use of
a layer without a store (or `zoning layers prepare`) reads the source whole, builds and verifies its parts and
writes the store; every later process opens the store and reads only the windows its sites need. Where no store
can be written (a read-only cache), the layer is built in memory for the process, as before stores, and says so.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ..atomic import write_text
from ..errors import LayerError
from ..lru import LRU
from ..geometry.crs import analysis_epsg
from ..geometry.project import reproject
from ..layers.cache import file_digest, store_root
from ..layers.loader import SourceLayer, read_source
from ..layers.manifest import LayerSpec
from ..layers.store import FORMAT, Store, StoreInvalid, write
from ..rules import RuleSet
from . import window as w
from .index import MAX_VERTICES, IndexedLayer
from ..messages import warning
from .. import messages

@dataclass
class LoadedLayer:
    """One vector layer: per-feature attributes, hash and metadata; geometry in its stores, by window."""
    spec: LayerSpec
    rule_set: RuleSet
    crs: str                     # the source's CRS
    zones: np.ndarray
    names: np.ndarray
    widths: np.ndarray | None
    fids: np.ndarray
    sha256: str                  # of the source data (geometries, fields, CRS), as every verdict reports it
    coverage_label: str
    bounds: tuple | None         # in the source's CRS; None for an empty layer
    invalid: list
    warnings: list
    fetched_version: str | None
    key: str                     # the store key without its CRS
    info: dict                   # what `zoning layers` reports, computed once at prepare
    _source: SourceLayer | None = field(default=None, repr=False)
    _stores: dict = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _whole: dict = field(default_factory=dict, repr=False)    # epsg -> IndexedLayer of a small layer
    server: bool = False         # a PostGIS layer read by window on its server, not from a local store
    coverage_geom: object = None  # the server layer's coverage polygon in its CRS (None: unbounded)

    @classmethod
    def from_source(cls, source: SourceLayer, key: str, **kw) -> LoadedLayer:
        """The layer of a source read whole (its attributes and fingerprint; geometry goes to the stores)."""
        return cls(spec=source.spec, rule_set=source.rule_set, crs=source.crs, zones=source.zones,
                   names=source.names, widths=source.widths, fids=source.fids, sha256=source.sha256,
                   coverage_label=source.coverage_label, bounds=_layer_meta(source)["bounds"],
                   invalid=list(source.invalid), warnings=list(source.warnings),
                   fetched_version=source.fetched_version, key=key, info={}, **kw)

    @property
    def version(self) -> str:
        return self.fetched_version or self.spec.version or "unversioned"

    @property
    def home_epsg(self) -> int:
        """The analysis CRS of the layer's centre."""
        if self.bounds is None:
            return 4547
        c = reproject(shapely.box(*self.bounds).centroid, self.crs, "EPSG:4490")
        return analysis_epsg(round(c.x, 6), round(c.y, 6))

    def store(self, epsg: int):
        """The open Store for `epsg` (built when missing, stale or broken), or an in-memory IndexedLayer where no
        store can be written. Raises LayerError when the layer's parts fail their check."""
        if self.server:
            return "server"
        self.build_stores([epsg])
        return self._stores[epsg]

    def window(self, epsg: int, sites, *, grow: float, nearest: bool = True):
        """IndexedLayer of what `sites` (projected to `epsg`) need: see overlay/window.py."""
        if self.server:
            return w.server_window(self, epsg, sites, grow=grow, nearest=nearest)
        s = self.store(epsg)
        if not isinstance(s, Store):
            return s
        if s.meta["parts"] < w.WINDOW_FROM_PARTS:         # a small layer: read whole once, kept for the process
            with self._lock:
                if epsg not in self._whole:
                    self._whole[epsg] = self._retry(epsg, lambda st: w.from_store(self, st))
                return self._whole[epsg]
        return self._retry(epsg, lambda st: w.window(self, st, sites, grow=grow, nearest=nearest))

    def indexed(self, epsg: int):
        """The whole layer as one IndexedLayer (the atlas and layer inventories; checks use `window`)."""
        if self.server:                  # the whole table, for the atlas and inventories
            with self._lock:
                if ("all", epsg) not in self._whole:
                    self._whole[("all", epsg)] = IndexedLayer.build(read_source(self.spec, self.rule_set), epsg)
                return self._whole[("all", epsg)]
        s = self.store(epsg)
        if not isinstance(s, Store):
            return s
        return self._retry(epsg, lambda st: w.from_store(self, st))

    def __getstate__(self):
        """Pickled (to a dask worker) without the source read whole or a lock: the worker opens the stores."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_source", "_lock", "_whole")}

    def __setstate__(self, state):
        self.__dict__.update(state, _source=None, _lock=threading.RLock(), _whole={})

    def _retry(self, epsg, read):
        """A store found broken while reading is rebuilt and the read done again, once."""
        try:
            return read(self._stores[epsg])
        except StoreInvalid:
            with self._lock:
                self._stores[epsg] = self._build(epsg, store_path(self, epsg))
                self._whole.pop(epsg, None)
            if not isinstance(self._stores[epsg], Store):
                return self._stores[epsg]          # rebuilt in memory: the whole layer
            try:
                return read(self._stores[epsg])
            except StoreInvalid as exc:
                raise LayerError(messages.error("store_unreadable", why=exc),
                                 source=f"layer '{self.spec.id}' ({store_path(self, epsg)})",
                                 expected="a working disk under the store folder") from None

    def build_stores(self, epsgs) -> None:
        """Open or build the stores of `epsgs`; those to build are built side by side (GEOS releases the GIL)."""
        with self._lock:
            todo = []
            for epsg in dict.fromkeys(epsgs):
                if epsg in self._stores:
                    continue
                try:
                    self._stores[epsg] = Store.open(store_path(self, epsg), f"{self.key}-{epsg}")
                except StoreInvalid:
                    todo.append(epsg)
            if not todo:
                return
            source = self._read_source()
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
                built = list(pool.map(lambda e: IndexedLayer.build(source, e), todo))
            for epsg, indexed in zip(todo, built, strict=False):
                self._stores[epsg] = self._keep(epsg, store_path(self, epsg), indexed)
            self._source = None      # a process that reads windows does not keep the whole layer

    def _read_source(self) -> SourceLayer:
        if self._source is None:
            self._source = read_source(self.spec, self.rule_set)
            if self._source.sha256 != self.sha256:
                raise LayerError(messages.error("source_changed"), source=f"layer '{self.spec.id}'",
                                 expected="run the command again")
        return self._source

    def _build(self, epsg: int, path: Path):
        kept = self._keep(epsg, path, IndexedLayer.build(self._read_source(), epsg))
        self._source = None
        return kept

    def _keep(self, epsg: int, path: Path, indexed):
        """Write the built layer to its store and open it; where it cannot be written, keep it in memory."""
        if not self.info:
            from ..layers.inspect import inventory
            self.info = inventory(self, indexed)
        try:
            write_store(path, f"{self.key}-{epsg}", self._read_source(), indexed, self.info)
            return Store.open(path, f"{self.key}-{epsg}")
        except (OSError, StoreInvalid) as exc:
            note = warning("store_not_writable", layer=self.spec.id, folder=path.parent, why=exc)
            if note not in self.warnings:
                self.warnings.append(note)
            return indexed


def store_path(layer: LoadedLayer, epsg: int) -> Path:
    return store_root(layer.spec) / f"{layer.spec.id}-{layer.key[:24]}-{epsg}.gpkg"


def write_store(path: Path, key: str, source: SourceLayer, indexed, info: dict) -> None:
    b = shapely.total_bounds(indexed.features) if len(indexed.features) else None
    write(path, key, epsg=indexed.epsg, features=indexed.features, zones=source.zones, names=source.names,
          widths=source.widths, fids=source.fids, intact=indexed.intact, parts=indexed.parts,
          owner=indexed.part_feature,
          own_parts=None if indexed.own_parts is indexed.parts else indexed.own_parts,
          own_owner=None if indexed.own_parts is indexed.parts else indexed.own_feature,
          changed=indexed.changed if indexed.changed is not None else np.zeros(0, np.int64),
          coverage=indexed.coverage,
          meta=dict(layer=_layer_meta(source), info=info,
                    analysis_bounds=None if b is None or not np.isfinite(b).all() else [float(v) for v in b]))


def _layer_meta(source: SourceLayer) -> dict:
    b = shapely.total_bounds(source.geoms) if len(source.geoms) else None
    return {"sha256": source.sha256, "crs": source.crs, "coverage_label": source.coverage_label,
            "bounds": None if b is None or not np.isfinite(b).all() else [float(v) for v in b],
            "invalid": [[int(f), str(r)] for f, r in source.invalid], "warnings": list(source.warnings),
            "fetched_version": source.fetched_version}


# -- keys --------------------------------------------------------------------------------------------------------

def _sidecars(path: Path) -> list[Path]:
    """Files GDAL reads beside a source (a shapefile's .dbf, .shx, .prj, .cpg)."""
    if path.suffix.lower() != ".shp":
        return []
    return sorted(p for p in path.parent.glob(path.stem + ".*") if p != path and p.suffix.lower() in
                  (".dbf", ".shx", ".prj", ".cpg"))


def _key(spec: LayerSpec, rule_set: RuleSet, content: str) -> str:
    entry = {k: (str(v) if isinstance(v, Path) else v) for k, v in spec.__dict__.items()
             if k not in ("base", "version", "store")}
    zones = [[z.code, z.name, list(z.aliases), z.within] for z in rule_set.zones.values()]
    text = json.dumps([FORMAT, MAX_VERTICES, entry, rule_set.id, rule_set.kind, zones,
                       rule_set.default_min_width_m, content], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content(spec: LayerSpec, rule_set: RuleSet, root: Path):
    """(what identifies the source's content, the source when it had to be read whole for it)."""
    if spec.is_database:
        from ..layers.postgis import fetch_version
        version = fetch_version(spec, f"layer '{spec.id}' ({spec.source})")
        if version is not None:
            return f"db-version:{version}", None
        source = read_source(spec, rule_set)
        return f"db-content:{source.sha256}", source
    src = Path(spec.source)
    try:
        parts = [file_digest(p, root) for p in [src, *_sidecars(src)]]
        cov = spec.coverage
        if isinstance(cov, str) and cov != "unbounded":
            parts.append(file_digest((spec.base / cov).resolve(), root))
    except FileNotFoundError as exc:
        raise LayerError(messages.error("layer_file_missing", name=exc.filename), source=f"layer '{spec.id}' ({src})",
                         expected="an existing file; `path` and `coverage` are relative to the manifest") from None
    except OSError as exc:
        raise LayerError(messages.error("layer_unreadable", why=exc), source=f"layer '{spec.id}' ({src})") from None
    return "file:" + ",".join(parts), None


# -- loading -----------------------------------------------------------------------------------------------------

_LOADED: LRU = LRU(64)       # (spec, key) -> LoadedLayer: a few manifests' layers, each version once
_LOADING = threading.Lock()


def load_layer(spec: LayerSpec, rule_set: RuleSet, *, whole_extent: bool = False) -> LoadedLayer:
    """The layer (once per process and source state) from a prepared store, preparing one when there is none
    (for the analysis CRS of its centre, or with `whole_extent` for every one its extent meets); raises
    LayerError with what to fix."""
    root = store_root(spec)
    with _LOADING:
        content, source = _content(spec, rule_set, root)
        key = _key(spec, rule_set, content)
        if (spec, key) not in _LOADED:
            _LOADED[(spec, key)] = _load(spec, rule_set, key, root, source, whole_extent)
        return _LOADED[(spec, key)]


def _load(spec, rule_set, key, root, source, whole_extent: bool) -> LoadedLayer:
    if spec.is_database and source is None:
        from ..layers.postgis import primary_key
        if primary_key(spec, f"layer '{spec.id}' ({spec.source})"):
            return _load_server(spec, rule_set, key, root)
    for path in sorted(root.glob(f"{spec.id}-{key[:24]}-*.gpkg")):
        epsg = path.stem.rsplit("-", 1)[-1]
        if not epsg.isdigit():
            continue
        try:
            st = Store.open(path, f"{key}-{epsg}")
        except StoreInvalid:
            continue
        layer = _from_meta(spec, rule_set, key, st.meta, st.zones, st.names, st.widths, st.fids)
        layer._stores[int(epsg)] = st
        return layer
    source = source or read_source(spec, rule_set)
    layer = LoadedLayer.from_source(source, key, _source=source)
    layer.build_stores([layer.home_epsg, *(extent_epsgs(layer) if whole_extent else [])])
    return layer


def _load_server(spec, rule_set, key, root) -> LoadedLayer:
    """A PostGIS layer with a version: its fingerprint, attributes and inventory read whole once per version and
    kept beside the stores (`<id>-<key>.server.json`); its geometry read by window on the server by every check."""
    path = root / f"{spec.id}-{key[:24]}.server.json"
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        if m.get("key") != key or m.get("format") != FORMAT:
            raise ValueError
    except (OSError, ValueError, KeyError):
        source = read_source(spec, rule_set)
        from ..layers.inspect import inventory
        stub = LoadedLayer.from_source(source, key)
        m = dict(_layer_meta(source), key=key, format=FORMAT,
                 info=inventory(stub, IndexedLayer.build(source, stub.home_epsg)),
                 zones=[str(z) for z in source.zones], names=[str(n) for n in source.names],
                 fids=[int(f) for f in source.fids],
                 widths=None if source.widths is None else [float(w) for w in source.widths],
                 coverage_wkb=None if source.coverage is None else shapely.to_wkb(source.coverage, hex=True))
        try:
            root.mkdir(parents=True, exist_ok=True)
            write_text(path, json.dumps(m, ensure_ascii=False))
        except OSError:
            pass                        # read whole again by the next process
    layer = _from_meta(spec, rule_set, key, {"layer": m, "info": m["info"]},
                       np.array(m["zones"], dtype=object), np.array(m["names"], dtype=object),
                       None if m["widths"] is None else np.array(m["widths"], dtype=float),
                       np.array(m["fids"], dtype=np.int64))
    layer.server = True
    layer.coverage_geom = None if not m["coverage_wkb"] else shapely.from_wkb(bytes.fromhex(m["coverage_wkb"]))
    return layer


def _from_meta(spec, rule_set, key, meta, zones, names, widths, fids) -> LoadedLayer:
    m = meta["layer"]
    return LoadedLayer(spec=spec, rule_set=rule_set, crs=m["crs"], zones=zones, names=names, widths=widths,
                       fids=fids, sha256=m["sha256"], coverage_label=m["coverage_label"],
                       bounds=None if m["bounds"] is None else tuple(m["bounds"]),
                       invalid=[tuple(x) for x in m["invalid"]], warnings=list(m["warnings"]),
                       fetched_version=m["fetched_version"], key=key, info=meta.get("info") or {})


def prepare(spec: LayerSpec, rule_set: RuleSet, epsgs=None) -> LoadedLayer:
    """Load the layer and make sure it has a store for each analysis CRS in `epsgs` (default: every
    CGCS2000 3-degree zone its extent meets)."""
    layer = load_layer(spec, rule_set, whole_extent=not epsgs)
    layer.build_stores([int(e) for e in (epsgs or extent_epsgs(layer))])
    return layer


def extent_epsgs(layer: LoadedLayer) -> list[int]:
    """The analysis CRSs of the sites the layer can meet: those of its extent's corners and centre."""
    if layer.bounds is None:
        return [layer.home_epsg]
    x0, y0, x1, y1 = layer.bounds
    pts = shapely.points([x0, x1, x0, x1, (x0 + x1) / 2], [y0, y0, y1, y1, (y0 + y1) / 2])
    ll = shapely.get_coordinates(reproject(pts, layer.crs, "EPSG:4490"))
    return sorted({int(e) for e in np.atleast_1d(analysis_epsg(np.round(ll[:, 0], 6), np.round(ll[:, 1], 6)))})
