"""The layer manifest (`layers/layers.toml`): which layers exist, where, and how to read them."""
from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ManifestError
from .. import messages

KINDS = ("red_line", "green_heart", "corridor", "raster_constraint")
DB_SCHEMES = ("postgresql://", "postgres://")
ENV_VAR = "ZONING_LAYERS"


@dataclass(frozen=True)
class LayerSpec:
    id: str
    kind: str
    rule_set: str
    path: str                         # as written in the manifest
    base: Path                        # the manifest's folder, which `path` is relative to
    table: str | None = None
    crs: str | None = None
    encoding: str | None = None
    zone_field: str | None = None
    zone_values: dict = field(default_factory=dict)
    name_field: str | None = None
    width_field: str | None = None
    version: str | None = None
    coverage: object = None           # None (bbox), "unbounded", a path, or [minx, miny, maxx, maxy]
    where: str | None = None          # database layers: an SQL filter on the table
    version_query: str | None = None  # database layers: SQL returning the layer's version
    version_column: str | None = None  # database layers: the version is max(column)
    band: int = 1                     # raster layers: the band to read
    nodata: float | None = None       # raster layers: overrides the file's nodata value
    class_values: dict = field(default_factory=dict)   # raster layers: raster value -> class name of the rule set
    store: str | None = None          # the manifest's `store`: where prepared stores go (relative to `base`)

    @property
    def is_raster(self) -> bool:
        return self.kind == "raster_constraint"

    @property
    def is_database(self) -> bool:
        return self.path.startswith(DB_SCHEMES)

    @property
    def source(self):
        return self.path if self.is_database else (self.base / self.path).resolve()

    def __hash__(self):
        return hash((self.id, str(self.source), self.table))


@dataclass(frozen=True)
class Manifest:
    path: Path
    title: str
    demo: bool
    notice: str
    layers: tuple[LayerSpec, ...]
    version: str = ""            # the manifest's own version label, if it has one
    sha256: str = ""             # of the manifest file's text


def default_manifest_path() -> Path:
    """$ZONING_LAYERS, else ./layers/layers.toml, else the demo manifest that ships with zoning."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    here = Path.cwd() / "layers" / "layers.toml"
    if here.exists():
        return here
    from ..resources import data_file
    return data_file("layers", "layers.toml")


_KEYS = {"id", "kind", "rule_set", "path", "table", "crs", "encoding", "zone_field", "zone_values",
         "name_field", "width_field", "version", "coverage", "where", "version_query", "version_column", "band",
         "nodata", "class_values"}


def load_manifest(path: str | os.PathLike | None = None) -> Manifest:
    path = Path(path) if path else default_manifest_path()
    if not path.is_file():
        raise ManifestError(messages.error("manifest_not_found"), source=str(path),
                            expected="a TOML file with [[layers]] tables (see README, 'The layer manifest')")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(messages.error("manifest_not_toml", why=exc), source=str(path)) from None
    store = data.get("store")
    if store is not None and (not isinstance(store, str) or not store.strip()):
        raise ManifestError(messages.error("manifest_bad_store"), source=str(path),
                            expected='store = "prepared" (a folder for prepared layer stores, relative to the '
                                     'manifest)')
    entries = data.get("layers")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(messages.error("manifest_no_layers"), source=str(path),
                            expected="at least one [[layers]] table")
    specs, seen = [], set()
    for i, entry in enumerate(entries, start=1):
        where = f"{path} [[layers]] #{i}"
        unknown = set(entry) - _KEYS
        if unknown:
            raise ManifestError(messages.error("manifest_unknown_keys", keys=sorted(unknown)), source=where,
                                expected=", ".join(sorted(_KEYS)))
        for key in ("id", "kind", "rule_set", "path"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ManifestError(messages.error("manifest_missing_key", name=key), source=where,
                                    expected="a non-empty string")
        if entry["kind"] not in KINDS:
            raise ManifestError(messages.error("manifest_kind", kind=entry["kind"]), source=where,
                                expected=" | ".join(KINDS))
        if entry["id"] in seen:
            raise ManifestError(messages.error("manifest_duplicate", id=entry["id"]), source=where)
        seen.add(entry["id"])
        cov = entry.get("coverage")
        if cov is not None and not (isinstance(cov, str) or (isinstance(cov, list) and len(cov) == 4
                                                            and all(isinstance(v, (int, float)) for v in cov))):
            raise ManifestError(messages.error("manifest_bad_coverage"), source=where,
                                expected='"unbounded", a polygon file path, or [minx, miny, maxx, maxy]')
        if entry["path"].startswith(DB_SCHEMES):
            from .postgis import check_url
            check_url(entry["path"], where)
            if not entry.get("table"):
                raise ManifestError(messages.error("manifest_needs_table"), source=where,
                                    expected='table = "schema.table"')
        zv = entry.get("zone_values", {})
        if not isinstance(zv, dict):
            raise ManifestError(messages.error("manifest_zone_values"), source=where,
                                expected='zone_values = { "禁止开发区" = "prohibited" }')
        specs.append(LayerSpec(
            id=entry["id"], kind=entry["kind"], rule_set=entry["rule_set"], path=entry["path"], base=path.parent,
            table=entry.get("table"), crs=entry.get("crs"), encoding=entry.get("encoding"),
            zone_field=entry.get("zone_field"), zone_values={str(k): str(v) for k, v in zv.items()},
            name_field=entry.get("name_field"), width_field=entry.get("width_field"),
            version=None if entry.get("version") is None else str(entry["version"]), coverage=cov,
            where=entry.get("where"), version_query=entry.get("version_query"),
            version_column=entry.get("version_column"), band=int(entry.get("band", 1)),
            nodata=entry.get("nodata"), class_values={int(k): str(v) for k, v in entry.get("class_values", {}).items()},
            store=store))
    return Manifest(path=path.resolve(), title=str(data.get("title", "")), demo=bool(data.get("demo", False)),
                    notice=str(data.get("notice", "")), layers=tuple(specs), version=str(data.get("version", "")),
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
