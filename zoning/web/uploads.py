"""Turning what a browser sends into sites: uploaded files, pasted coordinates or a drawn polygon.

Only bytes cross from the client: a file is saved under a name the server chooses (keeping a known extension),
so no client path is ever opened; zips go through the reader's traversal and zip-bomb checks.
"""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import shapely

from ..errors import InputError, ZoningError
from ..inputs import ReadOptions, SiteInput, iter_sites, read_site, site_from_wkt
from ..messages import error

ALLOWED = {".geojson", ".json", ".gpkg", ".zip", ".kml", ".kmz", ".parquet", ".fgb", ".csv", ".xlsx", ".txt", ".dxf",
           ".shp"}


class TooLarge(InputError):
    """An upload over the size or vertex limit."""


def safe_suffix(filename: str | None) -> str:
    suffix = Path(filename or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) or suffix not in ALLOWED:
        raise InputError(error("unsupported_upload", name=suffix or filename), source=str(filename or "upload"),
                         expected=", ".join(sorted(ALLOWED)))
    return suffix


def check_vertices(site: SiteInput, limit: int) -> SiteInput:
    n = int(shapely.get_num_coordinates(site.geometry)) if site.geometry is not None else 0
    if n > limit:
        raise TooLarge(f"the site has {n:,} vertices", source=site.source, expected=f"at most {limit:,}")
    return site


# the command line's words in a message, as the web form says them
FORM_WORDS = [(r"--category CODE|--default-category|--category", "项目类型 the category field"),
              (r"--radius METRES|--radius", "点位半径 the radius field (m)"),
              (r"--width METRES|--width", "线宽 the width field (m)"),
              (r"--crs(?: [\w:.-]+)?", "坐标系 the CRS field"),
              (r"--id-field|--name-field|--category-field|--wkt-field|--lon-field|--lat-field|--date-field"
               r"|--national-major-field",
               "a column with one of the usual headers (编号, 项目名称, 项目类型, wkt, 经度/纬度)"),
              (r"--id(?: ID)?", "多地块文件的编号 the Id field"),
              (r"--in-layer(?: NAME)?", "a file with one layer (one table, sheet or shapefile)"),
              (r"--format-in", "the file's usual extension"), (r"--encoding", "UTF-8 or GBK text"),
              (r"--date", "申请日期 the application date field"),
              (r"--national-major", "国家重大项目 the national-major box")]


def web_text(text: str | None, path: Path | None, filename: str) -> str | None:
    """A message as a web user should read it: the file named as they uploaded it (never the server's temporary
    path) and the form's words instead of command-line flags."""
    if text is None:
        return None
    if path is not None:
        for p in sorted({str(path), str(path.resolve()), str(path.parent), str(path.parent.resolve())},
                        key=len, reverse=True):
            text = text.replace(p, filename)
    for pattern, words in FORM_WORDS:
        text = re.sub(pattern + r"(?![\w-])", words, text)
    return text


def for_the_web(exc: ZoningError, path: Path | None, filename: str) -> ZoningError:
    def clean(text):
        return web_text(text, path, filename)
    return type(exc)(clean(exc.message), source=clean(str(exc.source)) if exc.source else None, row=exc.row,
                     field=exc.field, expected=clean(exc.expected))


def site_from_upload(data: bytes, filename: str, folder: Path, *, site_id=None, opts=ReadOptions()) -> SiteInput:
    path = folder / f"upload{safe_suffix(filename)}"
    path.write_bytes(data)
    try:
        site = read_site(path, site_id=site_id, opts=opts)
    except ZoningError as exc:
        raise for_the_web(exc, path, filename) from None
    site.source = filename   # report what the user sent, not our temporary path
    if site.error is not None:
        raise for_the_web(site.error, path, filename)
    return site


def _pairs(text: str):
    pts = []
    for n, line in enumerate(text.strip().splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[,\s，;；]+", line) if p]
        if len(parts) < 2:
            raise InputError(error("pasted_line", line=n, text=line[:40]), source="pasted coordinates",
                             expected="two numbers per line: x,y (longitude,latitude or easting,northing)")
        try:
            pts.append((float(parts[-2]), float(parts[-1])))
        except ValueError:
            raise InputError(error("pasted_line", line=n, text=line[:40]), source="pasted coordinates",
                             expected="numbers such as 113.05,27.95") from None
    return pts


def site_from_text(text: str, folder: Path, *, site_id=None) -> SiteInput:
    """Pasted text: a 界址点 TXT, GeoJSON, WKT, or one coordinate pair per line (a polygon's ring)."""
    t = text.strip().lstrip("\ufeff")
    if not t:
        raise InputError(error("nothing_pasted"), source="pasted coordinates",
                         expected="coordinates, WKT, GeoJSON or a 界址点 TXT")
    if "[地块坐标]" in t or "[属性描述]" in t:
        return site_from_upload(t.encode("utf-8"), "pasted.txt", folder, site_id=site_id)
    if t.startswith("{"):
        return site_from_upload(t.encode("utf-8"), "pasted.geojson", folder, site_id=site_id)
    if re.match(r"^(MULTI)?(POLYGON|POINT|LINESTRING)\b", t, re.I):
        s = site_from_wkt(t)
        s.source = "pasted WKT"
        return s
    pts = _pairs(t)
    if len(pts) < 3:
        raise InputError(error("too_few_pairs", count=len(pts)), source="pasted coordinates",
                         expected="at least 3 pairs for a polygon (one pair per line)")
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return SiteInput(geometry=shapely.Polygon(pts), crs=None, source="pasted coordinates")


def site_from_drawn(geojson_text: str) -> SiteInput:
    """A polygon drawn on the page's map (Leaflet gives WGS84 longitude/latitude)."""
    try:
        g = json.loads(geojson_text)
        geom = shapely.geometry.shape(g.get("geometry", g))
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise InputError(error("drawn_not_geojson", why=exc), source="drawn site",
                         expected="a polygon drawn on the map") from None
    return SiteInput(geometry=geom, crs="EPSG:4326", source="drawn on the map (WGS84)")


def list_from_upload(data: bytes, filename: str, folder: Path, max_rows: int) -> Path:
    path = folder / f"list{safe_suffix(filename)}"
    path.write_bytes(data)
    n = 0
    try:
        for n, _ in enumerate(iter_sites(path), start=1):
            if n > max_rows:
                raise TooLarge(f"the list has more than {max_rows:,} rows", source=filename,
                               expected=f"at most {max_rows:,} projects here; use `zoning screen` for longer lists")
    except TooLarge:
        raise
    except ZoningError as exc:
        raise for_the_web(exc, path, filename) from None
    if n == 0:
        raise InputError(error("list_empty"), source=filename, expected="one row per project")
    return path


def new_workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="zoning-web-")
