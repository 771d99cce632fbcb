"""What the reader lets GDAL open: a file whose bytes are the format its name says, with no indirection.

GDAL picks a driver by a file's content, not its name, and some drivers read other files or URLs named inside the
file (an OGR VRT's `<SrcDataSource>`, a GDALG pipeline, SQLite's VirtualOGR tables, KML network links). A site or
list file is therefore checked before GDAL sees it: its first bytes must be those of the format its extension (or
`--format-in`) names, no indirection marker may appear in it, and archives (zip, KMZ, xlsx) are bounded. After
opening, the driver GDAL chose must be the one expected. GDAL's network access is switched off for the process.
"""
from __future__ import annotations

import functools

import re
import zipfile
from pathlib import Path, PurePosixPath

import pyogrio

from ..errors import InputError

MAX_UNZIPPED = 2 << 30      # bytes an archive may unpack to
MAX_RATIO = 200             # uncompressed / compressed
MAX_ENTRIES = 10_000        # members of one archive

# drivers GDAL may use for each format the reader accepts
DRIVERS = {"geojson": {"GeoJSON", "ESRIJSON", "TopoJSON", "GeoJSONSeq"}, "gpkg": {"GPKG"},
           "shp": {"ESRI Shapefile"}, "kml": {"KML", "LIBKML"}, "kmz": {"KML", "LIBKML"}, "fgb": {"FlatGeobuf"}}
# text that makes a driver read another file or a URL (lower case; the scan folds case)
INDIRECTION = (b"ogrvrtdatasource", b"gdal_streamed_alg", b"virtualogr", b"ogr_datasource_load_layers",
               b"<networklink", b"/vsicurl", b"/vsis3", b"/vsigs", b"/vsiaz", b"/vsioss", b"/vsiswift",
               b"/vsihdfs", b"/vsiwebhdfs", b"/vsizip", b"/vsitar", b"/vsigzip", b"/vsi7z", b"/vsirar",
               b"/vsistdin", b"/vsisubfile", b"/vsimem", b"/vsicached", b"/vsicrypt", b"/vsisparse")
SHP_MAGIC = b"\x00\x00\x27\x0a"


def disable_gdal_network() -> None:
    """GDAL (pyogrio's) opens no URL: /vsicurl and its kin see every remote file as missing."""
    pyogrio.set_gdal_config_options({"CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".zoning-network-disabled",
                                     "GDAL_HTTP_MAX_RETRY": "0", "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"})


disable_gdal_network()


def refuse(source: str, message: str, expected: str) -> InputError:
    return InputError(message, source=source, expected=expected)


def check_archive(path: Path, source: str) -> zipfile.ZipFile:
    """The zip, after checks of its members' names (no traversal), count, total size and compression ratio."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise refuse(source, "not a valid zip archive", "a .zip, .kmz or .xlsx file as its program wrote it") \
            from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise refuse(source, f"the archive holds {len(infos):,} entries", f"at most {MAX_ENTRIES:,}")
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise refuse(source, f"the archive entry '{info.filename}' points outside its folder",
                         "an archive whose entries stay inside it (no absolute paths, no '..')")
    total = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if total > MAX_UNZIPPED or total / packed > MAX_RATIO:
        raise refuse(source, f"the archive would unpack to {total:,} bytes (ratio {total / packed:.0f}:1)",
                     f"at most {MAX_UNZIPPED:,} bytes and a ratio under {MAX_RATIO}:1")
    return zf


def _scan(chunks, source: str) -> None:
    tail = b""
    longest = max(len(m) for m in INDIRECTION)
    for chunk in chunks:
        text = tail + chunk.lower()
        for marker in INDIRECTION:
            if marker in text:
                raise refuse(source, f"the file refers to other files or URLs ('{marker.decode()}'), which the "
                                     "reader never follows", "a plain site file (GeoJSON, GeoPackage, Shapefile, "
                                                             "KML/KMZ, FlatGeobuf) holding its own geometries")
        tail = text[-longest:]


def _sqlite_schema(path: Path, source: str) -> bytes:
    """The SQL of every table, view and trigger of a SQLite file, read without running any of it: where a
    VirtualOGR table or an OGR function would hide (reading the whole file would cost a second per 100 MB)."""
    import sqlite3
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            rows = con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise refuse(source, f"not a readable GeoPackage: {exc}", "a GeoPackage as GIS software writes it") \
            from None
    sql = "\n".join(f"{t} {n} {s or ''}" for t, n, s in rows)
    modules = set(re.findall(r"create\s+virtual\s+table\s+.*?\s+using\s+([\w.]+)", sql.lower(), flags=re.S))
    if modules - {"rtree", "rtree_i32"}:       # a GeoPackage's spatial index is an R-tree; nothing else may be
        raise refuse(source, f"the GeoPackage declares a virtual table ({', '.join(sorted(modules))}), which can "
                             "read other files", "a plain GeoPackage holding its own features")
    return sql.encode("utf-8")


def _file_chunks(path: Path, size=1 << 20):
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def _kml_root(head: bytes) -> bool:
    """The first element of the XML is <kml> (after a declaration, comments and a doctype)."""
    text = head.lstrip(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")
    text = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S).lstrip()
    return re.match(r"<(?:[\w.-]+:)?kml[\s>/]", text) is not None


def _not_format(source: str, fmt: str) -> InputError:
    names = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile", "kml": "KML", "kmz": "KMZ",
             "fgb": "FlatGeobuf"}
    return refuse(source, f"the file's content is not {names.get(fmt, fmt)}",
                  f"a {names.get(fmt, fmt)} file, as its name says (or rename it for what it is)")


MAGIC = {"gpkg": b"SQLite format 3\x00", "fgb": b"fgb\x03", "shp": SHP_MAGIC}


def check_vector(path: Path, fmt: str, source: str) -> None:
    """Raise InputError unless `path` is really of `fmt` and free of indirection (folders: each .shp)."""
    if path.is_dir():
        for shp in path.glob("*.shp"):
            check_vector(shp, "shp", source)
        return
    if fmt == "kmz":
        _check_kmz(path, source)
        return
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if fmt in MAGIC:
        if not head.startswith(MAGIC[fmt]):
            raise _not_format(source, fmt)
        if fmt == "gpkg":
            _scan([_sqlite_schema(path, source)], source)
    elif fmt in ("geojson", "kml"):
        fits = (head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[", b"\x1e")) if fmt == "geojson"
                else _kml_root(head))
        if not fits:
            raise _not_format(source, fmt)
        _scan(_file_chunks(path), source)
    else:
        raise _not_format(source, fmt)


def _check_kmz(path: Path, source: str) -> None:
    zf = check_archive(path, source)
    kmls = [i for i in zf.infolist() if i.filename.lower().endswith(".kml")]
    if not kmls:
        raise _not_format(source, "kmz")
    for info in kmls:
        with zf.open(info) as fh:
            if not _kml_root(fh.read(4096)):
                raise _not_format(f"{source} ({info.filename})", "kml")
        with zf.open(info) as fh:
            _scan(iter(functools.partial(fh.read, 1 << 20), b""), f"{source} ({info.filename})")


def check_zipped_shapefile(zf: zipfile.ZipFile, member: str, source: str) -> None:
    with zf.open(member) as fh:
        if not fh.read(4).startswith(SHP_MAGIC):
            raise _not_format(f"{source} ({member})", "shp")


def check_driver(target: str, layer, fmt: str, source: str, encoding: str | None = None) -> None:
    """The driver GDAL opened `target` with is one the format allows."""
    driver = pyogrio.read_info(target, layer=layer, encoding=encoding).get("driver")
    if driver not in DRIVERS.get(fmt, ()):
        raise refuse(source, f"GDAL read the file as '{driver}'", "a file of the format its name says")
