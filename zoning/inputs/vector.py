"""Sites from files GDAL reads: GeoJSON, GeoPackage, Shapefile (file, folder or .zip), KML/KMZ, FlatGeobuf."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from collections.abc import Iterator

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from ..errors import InputError
from .detect import EXTENSIONS, sniff_format
from . import dbf
from .guard import check_archive, check_driver, check_vector, check_zipped_shapefile
from .options import ReadOptions
from .sites import SiteInput, make_sites
from ..messages import error, warning

BATCH = 20_000
# GDAL warns of an unclosed ring that GEOS then refuses: the row's error says it, the raw warning need not
warnings.filterwarnings("ignore", message="Non closed ring detected", category=RuntimeWarning)
warnings.filterwarnings("ignore", message="Unsupported geometry type detected", category=RuntimeWarning)


def _safe_zip_member(path: Path, layer: str | None, encoding: str | None) -> tuple[str, dbf.DbfPlan]:
    """The shapefile inside a zip, checked for path traversal, zip bombs and its content; nothing is extracted."""
    src = str(path)
    zf = check_archive(path, src)
    infos = zf.infolist()
    shps = [i.filename for i in infos if i.filename.lower().endswith(".shp")]
    if layer:
        shps = [s for s in shps if PurePosixPath(s).stem == layer or s == layer]
    if not shps:
        raise InputError(error("zip_no_shapefile", named=f" named '{layer}'" if layer else ""), source=src,
                         expected="a .zip with a .shp and its .shx, .dbf (and .prj)")
    if len(shps) > 1:
        raise InputError(error("zip_many_shapefiles", count=len(shps)), source=src,
                         expected="--in-layer one of " + ", ".join(PurePosixPath(s).stem for s in shps))
    check_zipped_shapefile(zf, shps[0], src)
    stem = shps[0][:-4]
    names = {i.filename.lower(): i.filename for i in infos}
    cpg = names.get((stem + ".cpg").lower())
    cpg_text = zf.read(cpg).decode("ascii", "replace") if cpg else None
    dbf_name = names.get((stem + ".dbf").lower())
    if dbf_name is None:
        return shps[0], dbf.DbfPlan(None)
    with zf.open(dbf_name) as fh:
        return shps[0], dbf.plan(fh, cpg=cpg_text, declared=encoding, source=src)


def _folder_shapefile(path: Path, layer: str | None) -> Path:
    shps = sorted(p for p in path.iterdir() if p.suffix.lower() == ".shp")
    if layer:
        shps = [p for p in shps if p.stem == layer]
    if len(shps) != 1:
        raise InputError(error("folder_shapefiles", count=len(shps), named=f" named '{layer}'" if layer else ""),
                         source=str(path), expected="one .shp, or --in-layer NAME" +
                         ("" if not shps else ": " + ", ".join(p.stem for p in shps)))
    return shps[0]


@dataclass(frozen=True)
class VectorMeta:
    """What the rows of one layer share: enough to make SiteInputs from its Arrow batches anywhere."""
    source: str
    crs: object
    geom_col: str
    fid_col: str
    names: tuple
    note: tuple
    opts: ReadOptions
    labels: tuple = ()               # the names to use, where they differ from GDAL's (repaired .dbf names)
    redecode: str | None = None      # text GDAL passed through as ISO-8859-1, decoded with this



def iter_vector(path: Path, opts: ReadOptions, *, zipped: bool = False) -> Iterator[SiteInput]:
    for batch, meta, first_row in vector_batches(path, opts, zipped=zipped):
        yield from vector_sites(batch, meta, first_row)


def vector_sites(batch, meta: VectorMeta, first_row: int) -> list[SiteInput]:
    """The SiteInputs of one Arrow batch of a layer; `first_row` is the 1-based row number of its first row."""
    wkb = batch.column(meta.geom_col).to_pylist()
    fids = batch.column(meta.fid_col).to_pylist() if meta.fid_col in batch.schema.names else [None] * len(wkb)
    odd: set = set()
    cols = [_texts(batch.column(n), meta.redecode, odd) for n in meta.names]
    defaults = [str(fid if fid is not None else first_row + i) for i, fid in enumerate(fids)]
    geoms, errors = parse_wkb(wkb, meta.source, first_row)
    sites = make_sites(meta.labels or meta.names, cols, geoms, meta.crs, meta.source,
                       range(first_row, first_row + len(wkb)), meta.opts,
                       default_ids=defaults, warnings=meta.note, errors=errors)
    for i in sorted(odd):
        sites[i].warnings.append(warning("gbk_text", source=meta.source, row=first_row + i))
    return sites


def _texts(column, redecode: str | None, odd: set) -> list:
    """A column's values; text that is not the UTF-8 GDAL promised is decoded as GB18030 (rows noted in `odd`)."""
    import pyarrow as pa
    if redecode and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return [None if v is None else v.encode("latin-1").decode(redecode, errors="replace")
                for v in column.to_pylist()]
    try:
        return column.to_pylist()
    except UnicodeDecodeError:
        raw = column.cast(pa.large_binary()).to_pylist()
    out = []
    for i, b in enumerate(raw):
        try:
            out.append(None if b is None else b.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(b.decode("gb18030", errors="replace"))
            odd.add(i)
    return out


def parse_wkb(wkb, source: str, first_row: int):
    """(geometries, per-row errors or None): a geometry GEOS refuses (a ring that does not close, too few points)
    is that row's error, the others are read."""
    try:
        return shapely.from_wkb(wkb), None
    except shapely.errors.GEOSException:
        pass
    geoms = np.empty(len(wkb), dtype=object)
    errors: list[InputError | None] = [None] * len(wkb)
    for i, w in enumerate(wkb):
        try:
            geoms[i] = shapely.from_wkb(w)
        except shapely.errors.GEOSException as exc:
            reason = str(exc).split(":", 1)[-1].strip()
            errors[i] = InputError(error("invalid_gis_geometry", why=reason), source=source,
                                   row=first_row + i, expected="closed rings (the last point equals the first) of "
                                                               "at least 4 points")
    return geoms, errors


def vector_batches(path: Path, opts: ReadOptions, *, zipped: bool = False):
    """(Arrow batch, VectorMeta, first row number) of every layer of a vector file, read by GDAL in C."""
    src = str(path)
    target, encoding = str(path), opts.encoding
    fmt = "shp" if zipped or path.is_dir() else (EXTENSIONS.get(path.suffix.lower()) or sniff_format(path) or "")
    if not zipped:
        check_vector(path, fmt, src)
    plan = None
    if zipped:
        member, plan = _safe_zip_member(path, opts.layer, opts.encoding)
        target = f"/vsizip/{path.resolve()}/{member}"
    elif path.is_dir():
        shp = _folder_shapefile(path, opts.layer)
        target, plan = str(shp), dbf.shapefile_plan(shp, opts.encoding, src)
    elif path.suffix.lower() == ".shp":
        plan = dbf.shapefile_plan(path, opts.encoding, src)
    if plan is not None:
        encoding = plan.encoding
    try:
        layers = [opts.layer] if opts.layer and not zipped and not path.is_dir() else \
            [None] if zipped or path.is_dir() else [name for name, _ in pyogrio.list_layers(target)]
        if layers:
            check_driver(target, layers[0], fmt, src, encoding)
    except (DataSourceError, DataLayerError) as exc:
        raise InputError(error("not_vector", why=_gdal_text(exc, target, src)), source=src,
                         expected="GeoJSON, GeoPackage, Shapefile, KML/KMZ or FlatGeobuf") from None
    kml = path.suffix.lower() in (".kml", ".kmz")
    note = (warning("kml_wgs84"),) if kml else ()
    row = 1
    for layer in layers:
        try:
            with pyogrio.raw.open_arrow(target, layer=layer, encoding=encoding, return_fids=True,
                                        use_pyarrow=True, batch_size=BATCH) as (info, reader):
                fields = tuple(str(n) for n in info["fields"])
                renamed = dict(plan.names) if plan is not None else {}
                meta = VectorMeta(src, info.get("crs"), info["geometry_name"] or "wkb_geometry",
                                  info["fid_column"] or "OGC_FID", fields,
                                  note + (plan.notes if plan is not None else ()), opts,
                                  labels=tuple(renamed.get(n, n) for n in fields) if renamed else (),
                                  redecode=plan.redecode if plan is not None else None)
                for batch in reader:
                    yield batch, meta, row
                    row += batch.num_rows
        except (DataSourceError, DataLayerError) as exc:
            raise InputError(error("cannot_read_layer", layer=f" layer {layer!r}" if layer else "",
                                   why=_gdal_text(exc, target, src)),
                             source=src,
                             expected="a vector file GDAL reads" + (f"; layers: {layers}" if len(layers) > 1 else "")) \
                from None


def _gdal_text(exc, target: str, src: str) -> str:
    """GDAL's message with the path it was given replaced by the name the user knows the file by."""
    return str(exc).replace(target, src).replace(str(Path(target).resolve()), src)
