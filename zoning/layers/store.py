"""The prepared store of one layer in one analysis CRS: a GeoPackage that any GIS opens, read by window.

Tables: `features` (each feature projected, with its fid, zone, name, width and whether its zone-view parts
are all of it), `parts` (the verified subdivided parts with their feature and view: zone view, feature view or
both), both with GeoPackage's R-tree, and `zoning_meta` (what the store was built from and what it holds).

A store is written to a temporary file and renamed into place once complete, so a reader sees a whole store or
none. It is used only when its key (format, source content, manifest entry, zones, CRS, part size) matches,
its file is as long as SQLite says it must be, its row counts are those recorded, and every row read carries the
CRC-32 it was written with: a stale, truncated, half-written or corrupt store is rebuilt, never used.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from ..atomic import replacing

FORMAT = 2
META = "zoning_meta"


class StoreInvalid(Exception):
    """The store cannot be used as it is; the caller rebuilds it."""


def _blob_wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob (GeoPackage 1.x binary header: magic, version, flags, srs id,
    then an envelope whose size the flags give)."""
    if blob[:2] != b"GP":
        raise StoreInvalid("a geometry blob without the GeoPackage header")
    env = (blob[3] >> 1) & 0x07
    return blob[8 + (0, 32, 48, 48, 64)[env]:] if env <= 4 else b""


def _crc(blobs) -> np.ndarray:
    return np.array([zlib.crc32(b) for b in blobs], dtype=np.int64)


def _connect(path: Path) -> sqlite3.Connection:
    # autocommit: a read never holds a transaction (and its lock) open between windows
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False,
                           isolation_level=None)


SMALL = 64      # up to this many boxes or ids a query takes them as parameters; more go through a temp table


@dataclass
class Store:
    """An open, checked store: the features' attributes in memory, geometries read by window."""
    path: Path
    meta: dict
    zones: np.ndarray
    names: np.ndarray
    widths: np.ndarray | None
    fids: np.ndarray
    intact: np.ndarray
    coverage: object                 # analysis-CRS coverage polygon (prepared), or None = unbounded
    has_own: bool                    # some features have feature-view parts of their own
    derived: dict = field(default_factory=dict, repr=False)   # per-feature values shared by every window
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _boxes: tuple | None = field(default=None, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _con(self) -> sqlite3.Connection:
        """This thread's read-only connection (a web server's threads each have their own)."""
        con, pid = getattr(self._local, "con", None), getattr(self._local, "pid", None)
        if con is None or pid != os.getpid():      # a forked child never shares its parent's connection
            try:
                con = self._local.con = _connect(self.path)
                self._local.pid = os.getpid()
            except sqlite3.Error as exc:
                raise StoreInvalid(str(exc)) from None
        return con

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_local", "derived", "_boxes", "_index_lock")}

    def __setstate__(self, state):
        self.__dict__.update(state, _local=threading.local(), derived={}, _boxes=None,
                             _index_lock=threading.Lock())

    @property
    def epsg(self) -> int:
        return int(self.meta["epsg"])

    @classmethod
    def open(cls, path: Path, key: str) -> Store:
        """Open and check a store; raises StoreInvalid when it must be rebuilt."""
        try:
            size = path.stat().st_size
            con = _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreInvalid(str(exc)) from None
        try:
            pages, page = con.execute("PRAGMA page_count").fetchone()[0], con.execute("PRAGMA page_size").fetchone()[0]
            if pages * page != size:
                raise StoreInvalid(f"{size} bytes where SQLite expects {pages * page}: truncated or extended")
            meta = {k: json.loads(v) for k, v in con.execute(f"SELECT key, value FROM {META}")}
            if meta.get("format") != FORMAT or meta.get("key") != key or meta.get("complete") is not True:
                raise StoreInvalid("built from another source, manifest entry or format")
            rows = con.execute("SELECT feature, source_fid, zone, name, width, intact "
                               "FROM features ORDER BY feature").fetchall()
            n_parts, n_own = con.execute("SELECT count(*), coalesce(sum(zone_view = 0), 0) FROM parts").fetchone()
            n_crc = [con.execute(f"SELECT count(*) FROM zoning_crc_{t}").fetchone()[0] for t in ("features", "parts")]
        except sqlite3.Error as exc:
            raise StoreInvalid(f"unreadable: {exc}") from None
        finally:
            con.close()
        if len(rows) != meta["features"] or n_parts != meta["parts"] or n_crc != [len(rows), n_parts] \
                or [r[0] for r in rows] != list(range(len(rows))):
            raise StoreInvalid("row counts differ from those recorded")
        digest = zlib.crc32(json.dumps([r[1:6] for r in rows], ensure_ascii=False).encode("utf-8"))
        if digest != meta["attributes_crc"]:
            raise StoreInvalid("feature attributes differ from those recorded")
        coverage = None
        if meta.get("coverage_wkb"):
            coverage = shapely.from_wkb(bytes.fromhex(meta["coverage_wkb"]))
            shapely.prepare(coverage)
        widths = None if not meta.get("has_widths") else np.array([r[4] for r in rows], dtype=float)
        return cls(path=path, meta=meta, zones=np.array([r[2] for r in rows], dtype=object),
                   names=np.array([r[3] for r in rows], dtype=object), widths=widths,
                   fids=np.array([r[1] for r in rows], dtype=np.int64),
                   intact=np.array([bool(r[5]) for r in rows], dtype=bool), coverage=coverage,
                   has_own=bool(n_own))

    # -- windows -------------------------------------------------------------------------------------------
    def _box_index(self):
        """(part ids, their R-tree boxes, zone-view flags, STRtree of the boxes): the persisted index read whole
        (a few MB even at official size), for batches large enough that one read beats a query per box."""
        with self._index_lock:
            if self._boxes is None:
                try:
                    rows = self._con().execute(
                        "SELECT r.id, r.minx, r.miny, r.maxx, r.maxy, p.zone_view FROM rtree_parts_geom r "
                        "CROSS JOIN zoning_crc_parts p ON p.fid = r.id ORDER BY r.id").fetchall()
                except sqlite3.Error as exc:
                    raise StoreInvalid(f"unreadable: {exc}") from None
                a = np.array(rows, dtype=float).reshape(-1, 6)
                if len(a) != self.meta["parts"]:
                    raise StoreInvalid("the R-tree does not hold every part")
                self._boxes = (a[:, 0].astype(np.int64), a[:, 1:5], a[:, 5].astype(bool),
                               shapely.STRtree(shapely.box(a[:, 1], a[:, 2], a[:, 3], a[:, 4])))
            return self._boxes

    def part_ids(self, boxes: np.ndarray) -> np.ndarray:
        """Ids of the parts whose R-tree boxes meet any of `boxes` (minx, miny, maxx, maxy rows)."""
        if len(boxes) > SMALL:
            ids, _, _, tree = self._box_index()
            return ids[np.unique(tree.query(shapely.box(*np.asarray(boxes).T))[1])]
        rows = self._boxes_query("SELECT DISTINCT r.id FROM {win} CROSS JOIN rtree_parts_geom r ON {meets}", boxes)
        return np.array([r[0] for r in rows], dtype=np.int64)

    def far_corner_bound(self, boxes: np.ndarray, vx: np.ndarray, vy: np.ndarray):
        """Per box: the least, over the zone-view parts whose R-tree boxes meet it, of the distance from (vx, vy)
        to the farthest corner of the part's box (inf where none meets it), and that part's id (-1)."""
        out, part = np.full(len(boxes), np.inf), np.full(len(boxes), -1, dtype=np.int64)
        if len(boxes) > SMALL:
            ids, pb, zone_view, tree = self._box_index()
            k, p = tree.query(shapely.box(*np.asarray(boxes).T))
            keep = zone_view[p]
            k, p = k[keep], p[keep]
            far = np.hypot(np.maximum(np.abs(pb[p, 0] - vx[k]), np.abs(pb[p, 2] - vx[k])),
                           np.maximum(np.abs(pb[p, 1] - vy[k]), np.abs(pb[p, 3] - vy[k])))
            order = np.lexsort((far, k))
            k, p, far = k[order], p[order], far[order]
            first = np.r_[0, np.flatnonzero(k[1:] != k[:-1]) + 1] if len(k) else np.zeros(0, np.int64)
            out[k[first]], part[k[first]] = far[first], ids[p[first]]
            return out, part
        rows = self._boxes_query(       # SQLite gives the bare column r.id of the row holding the min()
            "SELECT w.k, r.id, min(max((r.minx - w.vx) * (r.minx - w.vx), (r.maxx - w.vx) * (r.maxx - w.vx)) + "
            "max((r.miny - w.vy) * (r.miny - w.vy), (r.maxy - w.vy) * (r.maxy - w.vy))) FROM {win} "
            "CROSS JOIN rtree_parts_geom r ON {meets} CROSS JOIN zoning_crc_parts p ON p.fid = r.id "
            "AND p.zone_view = 1 GROUP BY w.k", boxes, np.c_[vx, vy])
        if rows:
            a = np.array(rows, dtype=float)
            out[a[:, 0].astype(np.int64)] = np.sqrt(a[:, 2])
            part[a[:, 0].astype(np.int64)] = a[:, 1].astype(np.int64)
        return out, part

    def _boxes_query(self, sql: str, boxes, extra=None):
        """Run `sql` with {win} a temp table of the boxes (k, minx, miny, maxx, maxy[, vx, vy]) and {meets} the
        R-tree condition. CROSS JOIN keeps the boxes outside, so that SQLite searches the R-tree once per box."""
        if len(boxes) == 0:
            return []
        cols = np.c_[boxes, extra] if extra is not None else np.asarray(boxes, dtype=float)
        con = self._con()
        try:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS win (k INTEGER PRIMARY KEY, minx REAL, miny REAL, "
                        "maxx REAL, maxy REAL, vx REAL, vy REAL)")
            con.execute("DELETE FROM win")
            con.executemany("INSERT INTO win VALUES (?, ?, ?, ?, ?, ?, ?)",
                            ((k, *row, *([0.0] * (6 - len(row)))) for k, row in enumerate(cols.tolist())))
            meets = "r.minx <= w.maxx AND r.maxx >= w.minx AND r.miny <= w.maxy AND r.maxy >= w.miny"
            return con.execute(sql.format(win="win w", meets=meets)).fetchall()
        except sqlite3.Error as exc:
            raise StoreInvalid(f"unreadable: {exc}") from None

    def read_parts(self, ids=None):
        """(geometries, feature, zone_view, feature_view) of the parts with these ids (all when None), by id."""
        rows = self._rows("SELECT p.fid, p.feature, p.zone_view, p.feature_view, c.crc, p.geom FROM parts p "
                          "JOIN zoning_crc_parts c ON c.fid = p.fid", ids, "p.fid")
        geoms = self._geoms(rows, 5, 4)
        a = np.array([r[:4] for r in rows], dtype=np.int64).reshape(-1, 4)
        return geoms, a[:, 1], a[:, 2].astype(bool), a[:, 3].astype(bool)

    def read_features(self, idx=None) -> np.ndarray:
        """Full-length array of feature geometries, those in `idx` (all when None) read, the rest None."""
        out = np.full(int(self.meta["features"]), None, dtype=object)
        rows = self._rows("SELECT f.feature, c.crc, f.geom FROM features f JOIN zoning_crc_features c "
                          "ON c.fid = f.fid", None if idx is None else np.asarray(idx), "f.feature")
        if rows:
            out[np.array([r[0] for r in rows], dtype=np.int64)] = self._geoms(rows, 2, 1)
        return out

    def _rows(self, sql: str, ids, id_column: str):
        con = self._con()
        try:
            if ids is None:
                return con.execute(sql + f" ORDER BY {id_column}").fetchall()
            ids = [int(i) for i in np.unique(np.asarray(ids, dtype=np.int64))]
            if len(ids) <= SMALL:
                return con.execute(sql + f" WHERE {id_column} IN ({','.join('?' * len(ids))}) "
                                   f"ORDER BY {id_column}", ids).fetchall() if ids else []
            con.execute("CREATE TEMP TABLE IF NOT EXISTS ids (id INTEGER PRIMARY KEY)")
            con.execute("DELETE FROM ids")
            con.executemany("INSERT INTO ids VALUES (?)", ((i,) for i in ids))
            return con.execute(sql + f" WHERE {id_column} IN (SELECT id FROM ids) ORDER BY {id_column}").fetchall()
        except sqlite3.Error as exc:
            raise StoreInvalid(f"unreadable: {exc}") from None

    def _geoms(self, rows, geom_col: int, crc_col: int) -> np.ndarray:
        blobs = [bytes(r[geom_col]) for r in rows]
        if not np.array_equal(_crc(blobs), np.array([r[crc_col] for r in rows], dtype=np.int64)):
            raise StoreInvalid("a geometry differs from the one written (CRC-32)")
        try:
            return shapely.from_wkb(np.array([_blob_wkb(b) for b in blobs], dtype=object))
        except shapely.errors.GEOSException as exc:
            raise StoreInvalid(f"a geometry does not parse: {exc}") from None


def write(path: Path, key: str, *, epsg: int, features, zones, names, widths, fids, intact, parts, owner,
          own_parts, own_owner, changed, coverage, meta: dict) -> None:
    """Write a complete store to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path.parent)
    # named so that _remove_orphans can tell a dead process's leftovers by their pid
    with replacing(path, tmp=path.with_name(f"{path.stem}.tmp-{os.getpid()}.gpkg")) as tmp:
        _write(tmp, key, epsg, features, zones, names, widths, fids, intact, parts, owner, own_parts, own_owner,
               changed, coverage, meta)


def _write(tmp, key, epsg, features, zones, names, widths, fids, intact, parts, owner, own_parts, own_owner,
           changed, coverage, meta):
    crs = f"EPSG:{epsg}"
    n = len(features)
    if own_parts is None:                      # every part is in both views
        geoms, feature = parts, owner
        zone_view = feature_view = np.ones(len(parts), dtype=np.int8)
    else:                                       # zone view; and feature view, shared where a feature is whole
        own_set = set(np.asarray(changed).tolist())     # features whose feature view has parts of its own
        shared = np.array([o not in own_set for o in owner.tolist()], dtype=bool)
        mine = np.array([o in own_set for o in own_owner.tolist()], dtype=bool)
        geoms = np.concatenate([parts, own_parts[mine]])
        feature = np.concatenate([owner, own_owner[mine]])
        zone_view = np.r_[np.ones(len(parts), np.int8), np.zeros(int(mine.sum()), np.int8)]
        feature_view = np.r_[shared.astype(np.int8), np.ones(int(mine.sum()), np.int8)]
    width_col = np.zeros(n) if widths is None else np.asarray(widths, dtype=float)
    common = dict(driver="GPKG", crs=crs, geometry_type="Unknown", promote_to_multi=False)
    zones_s = np.array([str(z) for z in zones], dtype=object)
    names_s = np.array([str(v) for v in names], dtype=object)
    pyogrio.raw.write(str(tmp), shapely.to_wkb(features), [np.arange(n, dtype=np.int64),
                                                           np.asarray(fids, dtype=np.int64), zones_s, names_s,
                                                           width_col, intact.astype(np.int8)],
                      ["feature", "source_fid", "zone", "name", "width", "intact"], layer="features", **common)
    pyogrio.raw.write(str(tmp), shapely.to_wkb(geoms), [np.asarray(feature, dtype=np.int64), zone_view,
                                                        feature_view],
                      ["feature", "zone_view", "feature_view"], layer="parts", **common)
    con = sqlite3.connect(tmp)
    try:
        with con:
            con.create_function("crc32", 1, lambda b: zlib.crc32(b), deterministic=True)
            # beside the tables (an UPDATE would fire GDAL's R-tree triggers), small rows a window query joins
            con.execute("CREATE TABLE zoning_crc_features (fid INTEGER PRIMARY KEY, crc INTEGER NOT NULL)")
            con.execute("INSERT INTO zoning_crc_features SELECT fid, crc32(geom) FROM features")
            con.execute("CREATE TABLE zoning_crc_parts (fid INTEGER PRIMARY KEY, crc INTEGER NOT NULL, "
                        "zone_view INTEGER NOT NULL)")
            con.execute("INSERT INTO zoning_crc_parts SELECT fid, crc32(geom), zone_view FROM parts")
            con.execute("CREATE INDEX features_feature ON features (feature)")
            attrs = con.execute("SELECT source_fid, zone, name, width, intact FROM features "
                                "ORDER BY feature").fetchall()
            info = dict(meta, format=FORMAT, key=key, epsg=int(epsg), features=n, parts=len(geoms),
                        has_widths=widths is not None,
                        attributes_crc=zlib.crc32(json.dumps([list(r) for r in attrs],
                                                             ensure_ascii=False).encode("utf-8")),
                        coverage_wkb=None if coverage is None else shapely.to_wkb(coverage, hex=True))
            con.execute(f"CREATE TABLE {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            con.executemany(f"INSERT INTO {META} VALUES (?, ?)",
                            ((k, json.dumps(v, ensure_ascii=False)) for k, v in info.items() if k != "complete"))
            con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                        f"VALUES ('{META}', 'attributes', '{META}', 'zoning: what this prepared store was built from')")
            con.execute(f"INSERT INTO {META} VALUES ('complete', 'true')")   # last: a store without it is unused
    finally:
        con.close()


def _remove_orphans(folder: Path) -> None:
    """Temporary stores of processes that died mid-write."""
    for p in folder.glob("*.tmp-*.gpkg"):
        try:
            pid = int(p.stem.rsplit("-", 1)[1])
            os.kill(pid, 0)
        except (ValueError, IndexError):
            continue
        except ProcessLookupError:
            p.unlink(missing_ok=True)
        except PermissionError:
            continue
