"""The 界址点 coordinate TXT of land pre-examination and approval ([属性描述] / [地块坐标]).

Each parcel line ends with '@': point count, area (公顷), parcel number, name, geometry type (面/线/点),
map sheet, land use, land-class code. Each point line: point id, ring number, X (northing), Y (easting).
Rings close by repeating their first point. Hand-written: no maintained library reads this format.

Exporters bend the format in known ways; each is read, and each assumption made is a warning naming the line:
rings without the closing point, areas written with a unit, sections of their own (a 项目名称 there names the
site), a closing line that repeats the first id with other coordinates, holes before their exterior, and
带号 written as the central meridian.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Polygon

from ..errors import InputError
from ..geometry.crs import NAMES, ZONES, GKSpec
from .encoding import decode
from .options import ReadOptions
from .sites import SiteInput, make_site
from .. import messages
from ..messages import warning

_SPLIT = re.compile(r"\s*[,，]\s*")
_AREA = re.compile(r"^([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*(公顷|ha|hm2|hm²|亩|平方米|m2|m²|㎡|平方公里|km2|km²)?$",
                   re.IGNORECASE)
_UNIT_M2 = {"公顷": 1e4, "ha": 1e4, "hm2": 1e4, "hm²": 1e4, "亩": 1e4 / 15, "平方米": 1.0, "m2": 1.0, "m²": 1.0,
            "㎡": 1.0, "平方公里": 1e6, "km2": 1e6, "km²": 1e6}
# keys of [属性描述] as producers spell them
_WIDTH_KEYS = ("几度分带", "分带", "分带类型", "投影带")
_NAME_KEYS = ("项目名称",)


@dataclass
class Parcel:
    line: int
    count: int | None
    area_m2: float | None
    area_text: str
    number: str
    name: str
    kind: str
    use: str
    rings: dict = field(default_factory=dict)      # ring number -> [(point id, line, x_north, y_east)]
    warnings: list = field(default_factory=list)
    error: InputError | None = None

    @property
    def label(self) -> str:
        return f"parcel {self.number or self.name or '?'} (line {self.line})"


def _area_m2(text: str) -> float | None:
    """The area of a parcel line in m²: a bare number is 公顷, as the format says; a unit is read."""
    m = _AREA.match(text.replace(" ", ""))
    if m is None:
        raise ValueError(text)
    return float(m.group(1)) * _UNIT_M2.get((m.group(2) or "公顷").lower(), _UNIT_M2.get(m.group(2) or "公顷", 1e4))


def _width(header: dict, src: str) -> int:
    key = next((k for k in _WIDTH_KEYS if k in header), None)
    if key is None:
        return 3
    value, line = header[key]
    text = value.replace("三", "3").replace("六", "6")
    digits = re.findall(r"\d+", text)
    if not digits:
        return 3
    if digits[0] not in ("3", "6"):
        raise InputError(messages.error("jzd_value", line=line, name=key, value=value),
                         source=src, field=key, expected="3 or 6 (度带)")
    return int(digits[0])


def _zone(header: dict, width: int, src: str, warnings: list) -> int | None:
    value, line = header.get("带号", ("", 0))
    if not value:
        return None
    digits = re.findall(r"\d+", value)
    if len(digits) != 1:
        raise InputError(messages.error("jzd_value", line=line, name="带号", value=value),
                         source=src, field="带号", expected="a zone number such as 38")
    num = int(digits[0])
    lo, hi = ZONES[width]
    if lo <= num <= hi:
        return num
    if 75 <= num <= 135 and num % 3 == 0 and (width == 3 or num % 6 == 3):
        zone = num // 3 if width == 3 else (num + 3) // 6
        warnings.append(warning("jzd_meridian", line=line, value=value, width=width, zone=zone, meridian=num))
        return zone
    raise InputError(messages.error("jzd_zone_neither", line=line, value=value, width=width),
                     source=src, field="带号", expected=f"a zone number {lo}-{hi} (e.g. 38) or a central meridian "
                                                          "such as 114")


def _header_crs(header: dict, src: str, warnings: list) -> GKSpec:
    text, line = header.get("坐标系", ("", 0))
    datum = NAMES.get(text) or NAMES.get(text.lower())
    if datum not in ("cgcs2000", "xian80", "beijing54"):
        datum = ("cgcs2000" if "2000" in text else "xian80" if "西安" in text or "80" in text
                 else "beijing54" if "北京" in text or "54" in text else None)
    if datum is None:
        raise InputError(messages.error("jzd_unknown_crs", text=text, where=f" (line {line})" if line else ""),
                         source=src, field="坐标系", expected="2000国家大地坐标系, 1980西安坐标系 or 1954北京坐标系")
    width = _width(header, src)
    unit, line = header.get("计量单位", ("米", 0))
    if unit and unit not in ("米", "m", "M", "meter", "metre"):
        raise InputError(messages.error("jzd_value", line=line, name="计量单位", value=unit),
                         source=src, field="计量单位", expected="米 (metres)")
    zone = _zone(header, width, src, warnings)
    raw, line = header.get("转换参数", ("", 0))
    params = [p for p in _SPLIT.split(raw.strip()) if p != ""]
    towgs84 = None
    if params:
        try:
            towgs84 = tuple(float(p) for p in params)
        except ValueError:
            towgs84 = None
        if towgs84 is None or len(towgs84) != 7:
            raise InputError(messages.error("jzd_value", line=line, name="转换参数", value=raw), source=src,
                             field="转换参数",
                             expected="7 numbers (dx, dy, dz, rx, ry, rz, scale in ppm), or all empty")
        if not any(towgs84):
            towgs84 = None
    return GKSpec(datum, width, zone, towgs84)


def _parcel_line(line: str, n: int, parcels: list) -> None:
    parts = _SPLIT.split(line[:-1].rstrip(" ,，"))
    parts += [""] * (8 - len(parts))
    notes = []
    count = area = None
    if parts[0]:
        try:
            count = int(float(parts[0]))
        except ValueError:
            notes.append(f"line {n}: point count '{parts[0]}' is not a number; ignored")
    if parts[1]:
        try:
            area = _area_m2(parts[1])
        except ValueError:
            notes.append(f"line {n}: area '{parts[1]}' is not a number with a unit (公顷, 亩, 平方米); ignored")
    parcels.append(Parcel(n, count, area, parts[1], parts[2], parts[3], parts[4] or "面", parts[6], warnings=notes))


def _point_line(line: str, n: int, parcel: Parcel, src: str) -> None:
    parts = _SPLIT.split(line)
    if len(parts) < 4:
        parcel.error = parcel.error or InputError(
            messages.error("jzd_point_line", line=n, text=line[:60]), source=src,
            expected="point id, ring number, X (northing), Y (easting)")
        return
    try:
        ring, x, y = int(float(parts[1])), float(parts[2]), float(parts[3])
    except ValueError:
        parcel.error = parcel.error or InputError(messages.error("jzd_point_line", line=n, text=line[:60]), source=src,
                                                  expected="point id, integer ring number, numeric X and Y")
        return
    if not (np.isfinite(x) and np.isfinite(y)) or abs(x) > 1e9 or abs(y) > 1e9:
        parcel.error = parcel.error or InputError(messages.error("jzd_out_of_range", line=n), source=src,
                                                  expected="finite X and Y in metres")
        return
    parcel.rings.setdefault(ring, []).append((parts[0], n, x, y))


def parse(text: str, src: str) -> tuple[GKSpec, list[Parcel], list[str], str | None]:
    """(CRS, parcels, file-wide warnings, 项目名称 from a section of the producer's own, if any)."""
    header: dict = {}
    parcels: list[Parcel] = []
    warnings: list[str] = []
    seen: set[str] = set()
    section, project = None, None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("\ufeff")
        if not line:
            continue
        if line[0] in "[【" and line[-1] in "]】":
            section = "[" + line[1:-1].strip() + "]"
            seen.add(section)
            if section not in ("[属性描述]", "[地块坐标]"):
                warnings.append(warning("jzd_section", line=n, section=line))
            continue
        if section == "[地块坐标]":
            if line.endswith("@"):
                _parcel_line(line, n, parcels)
            elif not parcels:
                raise InputError(messages.error("jzd_point_first", line=n), source=src,
                                 expected="a parcel line ending in '@' before its points")
            else:
                _point_line(line, n, parcels[-1], src)
            continue
        if section is None:
            raise InputError(messages.error("jzd_text_first", line=n), source=src,
                             expected="a 界址点 TXT starting with [属性描述]")
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if section == "[属性描述]":
            header[key.strip()] = (value.strip(), n)
        elif key.strip() in _NAME_KEYS and value.strip():
            project = value.strip()
    if "[地块坐标]" not in seen:
        raise InputError(messages.error("jzd_no_section"), source=src,
                         expected="a 界址点 TXT with [属性描述] and [地块坐标]")
    if not parcels:
        raise InputError(messages.error("jzd_no_parcels"),
                         source=src, expected="at least one parcel line ending in '@'")
    return _header_crs(header, src, warnings), parcels, warnings, project


def _ring(p: Parcel, r: int, src: str, mended: dict) -> list:
    """The points of ring `r`, closed; a missing or garbled closing point is mended and noted in `mended`."""
    seq = list(p.rings[r])
    first, last = seq[0], seq[-1]
    if len(seq) > 1 and last[0] == first[0] and (last[2], last[3]) != (first[2], first[3]):
        mended.setdefault("garbled", []).append(last[1])
        seq[-1] = first
    elif (last[2], last[3]) != (first[2], first[3]):
        mended.setdefault("open", []).append(r)
        seq.append(first)
    if len({(x, y) for _, _, x, y in seq}) < 3:
        raise InputError(messages.error("jzd_few_points", parcel=p.label, ring=r, first=first[1], last=last[1]),
                         source=src, expected="a ring of at least 3 distinct points")
    return seq


def _listed(values, most=8) -> str:
    return ", ".join(map(str, values[:most])) + (f" and {len(values) - most} more" if len(values) > most else "")


def _mending_notes(p: Parcel, mended: dict) -> None:
    if "garbled" in mended:
        lines = mended["garbled"]
        many = len(lines) > 1
        p.warnings.append(warning("jzd_closing_garbled", parcel=p.label, lines=_listed(lines),
                                  line_word="lines" if many else "line", repeat="repeat" if many else "repeats"))
    if "open" in mended:
        rings = mended["open"]
        many = len(rings) > 1
        p.warnings.append(warning("jzd_ring_open", parcel=p.label, rings=_listed(rings),
                                  ring_word="rings" if many else "ring", be="are" if many else "is"))


def _polygons(p: Parcel, src: str):
    """Shells and holes by nesting, whatever the ring order: a ring inside an odd number of larger rings is a
    hole of the smallest of them."""
    numbers, mended = sorted(p.rings), dict[str, list]()
    seqs = [_ring(p, r, src, mended) for r in numbers]
    _mending_notes(p, mended)
    rings = [Polygon([(y, x) for _, _, x, y in s]) for s in seqs]        # X = northing, Y = easting
    area = shapely.area(rings)
    probe = shapely.point_on_surface(shapely.make_valid(np.array(rings, dtype=object)))
    inside, host = shapely.STRtree(rings).query(probe, predicate="within")
    keep = area[host] > area[inside]
    inside, host = inside[keep], host[keep]
    depth = np.bincount(inside, minlength=len(rings))
    parent: dict = {}
    for i, h in zip(inside, host, strict=False):                # the smallest larger ring holding ring i
        if i not in parent or area[h] < area[parent[i]]:
            parent[i] = h
    holes: dict = {}
    for i in np.flatnonzero(depth % 2 == 1):
        holes.setdefault(parent[i], []).append(i)
        if numbers[i] < numbers[parent[i]]:
            p.warnings.append(warning("jzd_hole_first", parcel=p.label, ring=numbers[i], line=seqs[i][0][1],
                                      outer=numbers[parent[i]]))
    polys = [Polygon(rings[s].exterior.coords, [rings[h].exterior.coords for h in holes.get(s, [])])
             for s in np.flatnonzero(depth % 2 == 0)]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _geometry(p: Parcel, src: str):
    if p.error is not None:
        raise p.error
    if not p.rings:
        raise InputError(messages.error("jzd_no_points", parcel=p.label),
                         source=src, expected="point lines after the parcel line")
    kind = p.kind.strip()
    pts = {r: [(y, x) for _, _, x, y in pts] for r, pts in p.rings.items()}   # X = northing, Y = easting
    if kind == "点":
        return MultiPoint([c for r in sorted(pts) for c in pts[r]])
    if kind == "线":
        return shapely.MultiLineString([pts[r] for r in sorted(pts)]) if len(pts) > 1 else LineString(pts[min(pts)])
    return _polygons(p, src)


def iter_jzd(path: Path, opts: ReadOptions) -> Iterator[SiteInput]:
    src = str(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(messages.error("empty_file"), source=src, expected="a 界址点 TXT")
    text, _ = decode(data, opts.encoding, source=src)
    crs, parcels, notes, project = parse(text, src)
    for i, p in enumerate(parcels, start=1):
        error, geom = None, None
        try:
            geom = _geometry(p, src)
            total = sum(len(v) for v in p.rings.values())
            if p.count is not None and p.count != total:
                p.warnings.append(warning("jzd_count", parcel=p.label, declared=p.count, listed=total))
        except InputError as exc:
            error = exc
        name = p.name if not project else project if p.name in ("", project) else f"{project}（{p.name}）"
        attrs = {"地块编号": p.number or str(i), "地块名称": name, "地块用途": p.use}
        site = make_site(attrs, geom, crs, src, i, opts, error=error,
                         warnings=[f"{src}: {w}" for w in notes + p.warnings])
        site.declared_area_m2 = p.area_m2
        site.declared_area_text = f"'{p.area_text}' on line {p.line}" if p.area_text else None
        yield site
