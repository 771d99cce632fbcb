"""The 界址点 coordinate TXT of land pre-examination and approval ([属性描述] / [地块坐标]).

Each parcel line ends with '@': point count, area (公顷), parcel number, name, geometry type (面/线/点),
map sheet, land use, land-class code. Each point line: point id, ring number, X (northing), Y (easting).
Rings close by repeating their first point. Hand-written: no maintained library reads this format.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import shapely
from shapely.geometry import LineString, MultiPoint, Polygon

from ..errors import InputError
from ..geometry.crs import NAMES, GKSpec
from .encoding import decode
from .options import ReadOptions
from .sites import SiteInput, make_site

_SPLIT = re.compile(r"\s*[,，]\s*")


@dataclass
class Parcel:
    line: int
    count: int | None
    area_ha: float | None
    number: str
    name: str
    kind: str
    use: str
    rings: dict = field(default_factory=dict)      # ring number -> [(point id, line, x_north, y_east)]


def _header_crs(header: dict, src: str) -> GKSpec:
    text = header.get("坐标系", "").strip()
    datum = NAMES.get(text) or NAMES.get(text.lower())
    if datum not in ("cgcs2000", "xian80", "beijing54"):
        datum = ("cgcs2000" if "2000" in text else "xian80" if "西安" in text or "80" in text
                 else "beijing54" if "北京" in text or "54" in text else None)
    if datum is None:
        raise InputError(f"unknown 坐标系 '{text}' in [属性描述]", source=src, field="坐标系",
                         expected="2000国家大地坐标系, 1980西安坐标系 or 1954北京坐标系")
    width_text = header.get("几度分带", "3").strip() or "3"
    if width_text not in ("3", "6"):
        raise InputError(f"几度分带 '{width_text}'", source=src, field="几度分带", expected="3 or 6")
    unit = header.get("计量单位", "米").strip()
    if unit and unit not in ("米", "m", "M", "meter", "metre"):
        raise InputError(f"计量单位 '{unit}'", source=src, field="计量单位", expected="米 (metres)")
    zone_text = header.get("带号", "").strip()
    zone = None
    if zone_text:
        if not zone_text.isdigit():
            raise InputError(f"带号 '{zone_text}'", source=src, field="带号", expected="a zone number such as 38")
        zone = int(zone_text)
    params = [p for p in _SPLIT.split(header.get("转换参数", "").strip()) if p != ""]
    towgs84 = None
    if params:
        try:
            towgs84 = tuple(float(p) for p in params)
        except ValueError:
            towgs84 = None
        if towgs84 is None or len(towgs84) != 7:
            raise InputError(f"转换参数 '{header.get('转换参数')}'", source=src, field="转换参数",
                             expected="7 numbers (dx, dy, dz, rx, ry, rz, scale in ppm), or all empty")
        if not any(towgs84):
            towgs84 = None
    return GKSpec(datum, int(width_text), zone, towgs84)


def parse(text: str, src: str) -> tuple[GKSpec, list[Parcel]]:
    header, parcels, section = {}, [], None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("\ufeff")
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line
            continue
        if section == "[属性描述]":
            key, sep, value = line.partition("=")
            if sep:
                header[key.strip()] = value.strip()
            continue
        if section != "[地块坐标]":
            raise InputError(f"line {n}: text outside the [属性描述] and [地块坐标] sections", source=src,
                             expected="a 界址点 TXT starting with [属性描述]")
        parts = _SPLIT.split(line)
        if line.endswith("@"):
            parts = _SPLIT.split(line[:-1].rstrip(" ,，"))
            parts += [""] * (8 - len(parts))
            try:
                count = int(parts[0]) if parts[0] else None
                area = float(parts[1]) if parts[1] else None
            except ValueError:
                raise InputError(f"line {n}: parcel line '{line[:60]}'", source=src,
                                 expected="point count, area (公顷), parcel number, name, 面, sheet, use, code, @") \
                    from None
            parcels.append(Parcel(n, count, area, parts[2], parts[3], parts[4] or "面", parts[6]))
            continue
        if not parcels:
            raise InputError(f"line {n}: a point before any parcel line", source=src,
                             expected="a parcel line ending in '@' before its points")
        if len(parts) < 4:
            raise InputError(f"line {n}: point line '{line[:60]}'", source=src,
                             expected="point id, ring number, X (northing), Y (easting)")
        try:
            ring, x, y = int(parts[1]), float(parts[2]), float(parts[3])
        except ValueError:
            raise InputError(f"line {n}: point line '{line[:60]}'", source=src,
                             expected="point id, integer ring number, numeric X and Y") from None
        if not (x == x and y == y) or abs(x) > 1e9 or abs(y) > 1e9:
            raise InputError(f"line {n}: coordinates out of range", source=src, expected="finite X and Y in metres")
        parcels[-1].rings.setdefault(ring, []).append((parts[0], n, x, y))
    if "[地块坐标]" not in text:
        raise InputError("no [地块坐标] section", source=src, expected="a 界址点 TXT with [属性描述] and [地块坐标]")
    if not parcels:
        raise InputError("no parcels in [地块坐标]", source=src, expected="at least one parcel line ending in '@'")
    return _header_crs(header, src), parcels


def _geometry(p: Parcel, src: str):
    if not p.rings:
        raise InputError(f"parcel {p.number or p.name} (line {p.line}) has no points", source=src,
                         expected="point lines after the parcel line")
    kind = p.kind.strip()
    pts = {r: [(y, x) for _, _, x, y in pts] for r, pts in p.rings.items()}   # X = northing, Y = easting
    if kind == "点":
        return MultiPoint([c for r in sorted(pts) for c in pts[r]])
    if kind == "线":
        return shapely.MultiLineString([pts[r] for r in sorted(pts)]) if len(pts) > 1 else LineString(pts[min(pts)])
    rings = []
    for r in sorted(p.rings):
        seq = p.rings[r]
        first, last = seq[0], seq[-1]
        if len(seq) < 4 or (first[0] != last[0] and (first[2], first[3]) != (last[2], last[3])):
            raise InputError(f"parcel {p.number or p.name}, ring {r}: not closed (first point {first[0]} at line "
                             f"{first[1]}, last point {last[0]} at line {last[1]})", source=src,
                             expected="at least 3 points and the first point repeated at the end")
        rings.append(Polygon(pts[r]))
    rings.sort(key=lambda g: -abs(g.area))
    shells: list[list] = []
    for ring in rings:   # the largest rings are shells; a ring inside a shell is its hole
        host = next((s for s in shells if s[0].contains(ring.representative_point())), None)
        if host is None:
            shells.append([ring])
        else:
            host.append(ring)
    polys = [Polygon(s[0].exterior.coords, [h.exterior.coords for h in s[1:]]) for s in shells]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def iter_jzd(path: Path, opts: ReadOptions) -> Iterator[SiteInput]:
    src = str(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", source=src, expected="a 界址点 TXT")
    text, _ = decode(data, opts.encoding, source=src)
    crs, parcels = parse(text, src)
    for i, p in enumerate(parcels, start=1):
        warnings, error, geom = [], None, None
        try:
            geom = _geometry(p, src)
            total = sum(len(v) for v in p.rings.values())
            if p.count is not None and p.count != total:
                warnings.append(f"{src}: parcel {p.number or p.name} declares {p.count} points but lists {total}")
        except InputError as exc:
            error = exc
        attrs = {"地块编号": p.number or str(i), "地块名称": p.name, "地块用途": p.use}
        site = make_site(attrs, geom, crs, src, i, opts, error=error, warnings=warnings)
        site.declared_area_m2 = None if p.area_ha is None else p.area_ha * 10_000
        yield site
