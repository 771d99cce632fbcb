"""Which reader a file needs: by extension, then by its first bytes; `--format-in` forces one."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import InputError
from ..messages import error

FORMATS = ("geojson", "gpkg", "shp", "zip", "kml", "kmz", "parquet", "fgb", "csv", "xlsx", "txt", "dxf")
# the reader family of each format
FAMILY = {"geojson": "vector", "gpkg": "vector", "shp": "vector", "kml": "vector", "kmz": "vector",
          "fgb": "vector", "zip": "zip", "parquet": "parquet", "csv": "table", "xlsx": "table", "txt": "jzd_txt",
          "dxf": "dxf"}
EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp", ".zip": "zip",
              ".kml": "kml", ".kmz": "kmz", ".parquet": "parquet", ".geoparquet": "parquet", ".fgb": "fgb",
              ".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".dxf": "dxf"}


def sniff_format(path: Path) -> str | None:
    """The format the first bytes of `path` say, or None."""
    return _sniff(path)


def _sniff(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise InputError(error("empty_file"), source=str(path), expected="a site file with at least one site")
    if head.startswith(b"SQLite format 3"):
        return "gpkg"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"fgb"):
        return "fgb"
    if head.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(path).namelist()
        except zipfile.BadZipFile:
            return None
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.lower().endswith(".kml") for n in names):
            return "kmz"
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    decoded = [text.decode(enc, errors="ignore") for enc in ("utf-8", "gb18030")]
    if any("[属性描述]" in d or "[地块坐标]" in d for d in decoded):
        return "txt"
    t = decoded[0]
    if t.startswith("{"):
        return "geojson"
    if t.startswith("<") and "kml" in t[:500].lower():
        return "kml"
    if t.startswith("0") and "SECTION" in t[:200]:
        return "dxf"
    return None


def detect_format(path: Path, forced: str | None = None) -> str:
    """The reader family for `path`: vector, zip, parquet, table, jzd_txt or dxf."""
    if forced:
        key = forced.lower().lstrip(".")
        if key not in FAMILY:
            raise InputError(error("unknown_format", name=forced), source="--format-in", expected=", ".join(FORMATS))
        return FAMILY[key]
    if path.is_dir():
        return "vector"
    fmt = EXTENSIONS.get(path.suffix.lower())
    sniffed = _sniff(path)
    if path.suffix.lower() == ".txt" or fmt is None:
        fmt = sniffed or ("csv" if path.suffix.lower() == ".txt" else None)
    if fmt is None:
        raise InputError(error("format_unknown"), source=str(path),
                         expected="one of " + ", ".join(FORMATS) + " (or --format-in)")
    return FAMILY[fmt]
