"""Site files as applicants' software writes them, by each exporter's convention (written here, not copied).

Every writer returns bytes or writes a file, from a geometry in CGCS2000 3-degree Gauss-Kruger zone 38 metres
(easting without the zone prefix, northing), so a test knows the geometry the reader must give back.
"""
from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Polygon

ZONE = 38
PREFIX = ZONE * 1_000_000
GK = "EPSG:4547"          # zone 38 by central meridian, no prefix
X0, Y0 = 402_000.0, 3_093_500.0

SQUARE = Polygon([(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 150), (X0, Y0 + 150)],
                 [[(X0 + 50, Y0 + 50), (X0 + 90, Y0 + 50), (X0 + 90, Y0 + 90), (X0 + 50, Y0 + 90)]])
TWO_PARTS = shapely.MultiPolygon([SQUARE, Polygon([(X0 + 400, Y0), (X0 + 480, Y0), (X0 + 480, Y0 + 60),
                                                  (X0 + 400, Y0 + 60)])])
HEADER = {"格式版本号": "1.01版本", "数据产生单位": "示例测绘单位", "数据产生日期": "2026-11-01",
          "坐标系": "2000国家大地坐标系", "几度分带": "3", "投影类型": "高斯克吕格", "计量单位": "米",
          "带号": str(ZONE), "精度": "0.001", "转换参数": ",,,,,,"}


def rings_of(geom) -> list[list[tuple]]:
    """Exterior then holes of each part, without the closing point."""
    out = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in [poly.exterior, *poly.interiors]:
            out.append([tuple(c) for c in ring.coords[:-1]])
    return out


def jzd(parcels, *, header=None, closed=True, prefix=True, easting_first=False, numeric_ids=False,
        leading_space=False, area="ha", holes_first=False, arcpy_bug=False, sections=None,
        encoding="gbk", newline="\r\n", bom=False, number=None, order=None) -> bytes:
    """A 界址点 TXT of `parcels` [(number, name, geometry)] by one exporter's convention.

    closed: repeat each ring's first point at its end; prefix: eastings carry the zone prefix;
    easting_first: X written as the easting (the wrong order many scripts use); area: 'ha' (the format's
    公顷 without unit), 'ha_unit' (7.5公顷), 'mu', 'm2_unit', 'm2' (square metres without a unit);
    holes_first: a part's holes before its exterior; arcpy_bug: the closing line repeats the first id with
    the easting written twice; sections: {name: {key: value}} written before [属性描述]; number: the same
    parcel number for every parcel (e.g. 'FID_0'); order: a function that reorders a parcel's rings."""
    lines = []
    for name, items in (sections or {}).items():
        lines += [f"[{name}]"] + [f"{k}={v}" for k, v in items.items()]
    lines += ["[属性描述]"] + [f"{k}={v}" for k, v in dict(HEADER, **(header or {})).items()] + ["[地块坐标]"]
    for num, name, geom in parcels:
        rings = []
        for poly in getattr(geom, "geoms", [geom]):
            part = [[tuple(c) for c in poly.exterior.coords[:-1]]] + [[tuple(c) for c in r.coords[:-1]]
                                                                       for r in poly.interiors]
            rings += (part[1:] + part[:1]) if holes_first else part
        if order is not None:
            rings = order(rings)
        count = sum(len(r) + (1 if closed or arcpy_bug else 0) for r in rings)
        m2 = geom.area
        area_text = {"ha": f"{m2 / 1e4:.4f}", "ha_unit": f"{m2 / 1e4:.4f}公顷", "mu": f"{m2 / 1e4 * 15:.2f}亩",
                     "m2_unit": f"{m2:.2f}平方米", "m2": f"{m2:.2f}"}[area]
        lines.append(f"{count},{area_text},{number or num},{name},面,H49G001001,公共设施用地,0809,@")
        pid = 0
        for ring_no, ring in enumerate(rings, start=1):
            first_id = None
            for e, n in ring:
                pid += 1
                label = str(pid) if numeric_ids else f"J{pid}"
                first_id = first_id or label
                lines.append(_point(label, ring_no, e, n, prefix, easting_first, leading_space))
            e, n = ring[0]
            if arcpy_bug:
                east = e + (PREFIX if prefix else 0)
                lines.append(f"{' ' if leading_space else ''}{first_id},{ring_no},{east:.3f},{east:.3f}")
            elif closed:
                lines.append(_point(first_id, ring_no, e, n, prefix, easting_first, leading_space))
    text = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def _point(label, ring_no, e, n, prefix, easting_first, leading_space) -> str:
    east = e + (PREFIX if prefix else 0)
    a, b = (east, n) if easting_first else (n, east)
    return f"{' ' if leading_space else ''}{label},{ring_no},{a:.3f},{b:.3f}"


def shapefile(folder: Path, rows: list[dict], geoms, *, encoding="UTF-8", cpg: str | None = None,
              field_names: dict | None = None) -> Path:
    """A shapefile in GK zone 38 metres; `cpg` overwrites the .cpg (None keeps GDAL's), `field_names` renames
    DBF fields to raw bytes in the header (as GDAL writes a name cut at the 10-byte limit)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "site.shp"
    gpd.GeoDataFrame(rows, geometry=list(geoms), crs=GK).to_file(path, encoding=encoding)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)
    if field_names:
        dbf = bytearray(path.with_suffix(".dbf").read_bytes())
        header_len = struct.unpack("<H", dbf[8:10])[0]
        for off in range(32, header_len - 1, 32):
            raw = bytes(dbf[off:off + 11]).split(b"\0", 1)[0]
            new = field_names.get(raw.decode("ascii", "replace"))
            if new is not None:
                dbf[off:off + 11] = new.ljust(11, b"\0")[:11]
        path.with_suffix(".dbf").write_bytes(bytes(dbf))
    return path


def cut_utf8(name: str, limit: int = 10) -> bytes:
    """A field name's UTF-8 bytes cut at the DBF limit, mid-character when it falls there."""
    return name.encode("utf-8")[:limit]


def kml(placemarks: list[tuple[str, object]]) -> str:
    """A Google Earth KML with named placemarks of lon/lat polygons."""
    marks = []
    for name, poly in placemarks:
        coords = " ".join(f"{x:.8f},{y:.8f},0" for x, y in poly.exterior.coords)
        marks.append(f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}"
                     "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            "<name>未命名项目</name>" + "".join(marks) + "</Document></kml>\n")
