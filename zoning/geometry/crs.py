"""CRS names people use, Gauss-Kruger zones of the three Chinese datums, and the analysis CRS.

A site's CRS is one of: an EPSG/WKT key ("EPSG:4547"), a display offset ("gcj02", "bd09"), or a
`GKSpec` that still lacks its zone (taken from the eastings' prefix, e.g. 38xxxxxx.xx).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from ..errors import InputError
from ..messages import error

CGCS2000 = "EPSG:4490"
OFFSETS = ("gcj02", "bd09")
DATUMS = ("cgcs2000", "xian80", "beijing54")
GEOGRAPHIC = {"cgcs2000": "EPSG:4490", "xian80": "EPSG:4610", "beijing54": "EPSG:4214"}
NAMES = {
    "cgcs2000": "cgcs2000", "cgcs": "cgcs2000", "2000国家大地坐标系": "cgcs2000", "国家2000坐标系": "cgcs2000",
    "国家2000": "cgcs2000", "2000坐标系": "cgcs2000", "cgcs2000坐标系": "cgcs2000",
    "xian80": "xian80", "xian1980": "xian80", "1980西安坐标系": "xian80", "西安80": "xian80",
    "西安1980": "xian80", "1980年西安坐标系": "xian80",
    "beijing54": "beijing54", "beijing1954": "beijing54", "1954北京坐标系": "beijing54", "北京54": "beijing54",
    "北京1954": "beijing54", "1954年北京坐标系": "beijing54",
    "wgs84": "EPSG:4326", "wgs-84": "EPSG:4326", "wgs 84": "EPSG:4326", "gps": "EPSG:4326",
    "gcj02": "gcj02", "gcj-02": "gcj02", "amap": "gcj02", "gaode": "gcj02", "高德": "gcj02", "火星坐标": "gcj02",
    "tencent": "gcj02", "bd09": "bd09", "bd-09": "bd09", "baidu": "bd09", "百度": "bd09",
}
# EPSG series per datum and zone width: (first "zone n" code, its zone, first "CM" code, its CM)
_SERIES = {
    ("cgcs2000", 3): (4513, 25, 4534, 75), ("cgcs2000", 6): (4491, 13, 4502, 75),
    ("xian80", 3): (2349, 25, 2370, 75), ("xian80", 6): (2327, 13, 2338, 75),
    ("beijing54", 3): (2401, 25, 2422, 75), ("beijing54", 6): (21413, 13, 21453, 75),
}
ZONES = {3: (25, 45), 6: (13, 23)}     # zone numbers of 3- and 6-degree GK zones in China
_GK_NAME = re.compile(r"^(cgcs2000|xian80|beijing54)-gk([36])(?::(\d{1,3}))?$")


@dataclass(frozen=True)
class GKSpec:
    """A Gauss-Kruger CRS known up to its zone: datum, zone width, and zone number if known."""
    datum: str
    width: int = 3
    zone: int | None = None
    towgs84: tuple | None = None    # 7 parameters from a TXT header, if given

    def label(self) -> str:
        return f"{self.datum}-gk{self.width}" + (f":{self.zone}" if self.zone else "")


def gk_epsg(datum: str, width: int, zone: int, prefixed: bool) -> int:
    """EPSG code of a GK zone: `prefixed` picks the 'zone n' CRS (false easting n*1e6+5e5), else 'CM'."""
    z_first, z0, cm_first, cm0 = _SERIES[(datum, width)]
    lo, hi = ZONES[width]
    if not lo <= zone <= hi:
        raise InputError(error("no_gk_zone", width=width, zone=zone), source="--crs",
                         expected=f"a zone number {lo}-{hi}")
    cm = zone * 3 if width == 3 else zone * 6 - 3
    return z_first + zone - z0 if prefixed else cm_first + (cm - cm0) // width


@lru_cache(maxsize=1)
def _gk_registry() -> dict:
    """EPSG code -> (datum, width, zone, prefixed) for every Chinese GK CRS we know."""
    out = {}
    for (datum, width) in _SERIES:
        lo, hi = ZONES[width]
        for zone in range(lo, hi + 1):
            for prefixed in (True, False):
                out[gk_epsg(datum, width, zone, prefixed)] = (datum, width, zone, prefixed)
    return out


def gk_info(key) -> tuple | None:
    m = re.fullmatch(r"EPSG:(\d+)", str(key))
    return _gk_registry().get(int(m.group(1))) if m else None


def parse_crs(text, *, source: str = "--crs"):
    """A site CRS from an EPSG code, a name (cgcs2000, wgs84, gcj02, bd09, xian80, beijing54, 2000国家大地坐标系),
    or a Gauss-Kruger name `cgcs2000-gk3:38` (zone), `cgcs2000-gk3:114` (central meridian) or `cgcs2000-gk3`."""
    if text is None or str(text).strip() == "":
        raise InputError(error("no_crs_given"), source=source, expected="an EPSG code or a name such as cgcs2000")
    raw = str(text).strip()
    key = raw.lower().replace(" ", "")
    m = _GK_NAME.match(key)
    if m:
        datum, width, num = m.group(1), int(m.group(2)), m.group(3)
        if num is None:
            return GKSpec(datum, width)
        num = int(num)
        lo, hi = ZONES[width]
        if lo <= num <= hi:
            return crs_key(gk_epsg(datum, width, num, True))
        if 75 <= num <= 135 and num % 3 == 0 and (width == 3 or num % 6 == 3):
            zone = num // 3 if width == 3 else (num + 3) // 6
            return crs_key(gk_epsg(datum, width, zone, False))
        raise InputError(error("no_gk_zone_or_meridian", width=width, num=num), source=source,
                         expected=f"a zone number {lo}-{hi} or a central meridian in 75-135")
    name = NAMES.get(key) or NAMES.get(raw)
    if name in OFFSETS:
        return name
    if name in DATUMS:
        return GEOGRAPHIC[name]
    code = name or raw
    if re.fullmatch(r"\d{4,6}", code):
        code = f"EPSG:{code}"
    try:
        return crs_key(code)
    except CRSError:
        raise InputError(error("unknown_crs", text=text), source=source,
                         expected="an EPSG code (4490, EPSG:4547) or cgcs2000, wgs84, gcj02, bd09, xian80, "
                                  "beijing54, cgcs2000-gk3:38") from None


def analysis_epsg(lon, lat):
    """CGCS2000 3-degree GK (CM nE) for the longitude; UTM outside China's zones. Scalars or arrays."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    cm = 3 * np.rint(lon / 3)              # half to even, as Python's round
    zone = np.floor((lon + 180) / 6).astype(np.int64) % 60 + 1
    epsg = np.where((cm >= 75) & (cm <= 135), 4534 + (cm - 75) // 3, np.where(lat >= 0, 32600, 32700) + zone)
    return epsg.astype(np.int64) if epsg.ndim else int(epsg)


CHINA_LONLAT = (73.0, 3.0, 135.5, 54.0)     # west, south, east, north: longitudes and latitudes of China


def lon_in_china(v):
    """Longitudes (scalar or array) within China's."""
    return (v >= CHINA_LONLAT[0]) & (v <= CHINA_LONLAT[2])


def lat_in_china(v):
    """Latitudes (scalar or array) within China's."""
    return (v >= CHINA_LONLAT[1]) & (v <= CHINA_LONLAT[3])


def in_china_lonlat(lon, lat) -> bool:
    w, s, e, n = CHINA_LONLAT
    return w <= lon <= e and s <= lat <= n


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


@lru_cache(maxsize=256)
def _key(text) -> str:
    crs = CRS.from_user_input(text)
    if crs.to_authority(min_confidence=90) == ("OGC", "CRS84"):
        return "EPSG:4326"
    code = crs.to_epsg(min_confidence=90)
    return f"EPSG:{code}" if code else crs.to_wkt()


def crs_key(crs) -> str:
    """A hashable, stable key for a CRS: 'EPSG:n' when it has one, else its WKT."""
    return _key(crs if isinstance(crs, (str, int)) else CRS.from_user_input(crs).to_wkt())


# WGS84 and CGCS2000 lon/lat differ by centimetres, far below screening precision (regulations.md §6);
# PROJ would spend over a second searching datum operations for a shift that rounds to nothing.
SCREENING_SAME = {"EPSG:4326": CGCS2000}


def screening_crs(key: str) -> str:
    """The CRS to compute in: WGS84 lon/lat is taken as CGCS2000 lon/lat."""
    return SCREENING_SAME.get(key, key)


def crs_label(crs) -> str:
    if isinstance(crs, (str, int)):
        return _label(crs)
    return _label(crs) if isinstance(crs, GKSpec) else _label(crs_key(crs))


@lru_cache(maxsize=256)
def _label(crs) -> str:
    if crs in OFFSETS:
        return {"gcj02": "GCJ-02 (AMap / Gaode / Tencent display offset)", "bd09": "BD-09 (Baidu display offset)"}[crs]
    if isinstance(crs, GKSpec):
        return crs.label()
    c = CRS.from_user_input(crs)
    code = c.to_epsg(min_confidence=90)
    return f"EPSG:{code} {c.name}" if code else c.name


def is_geographic(key) -> bool:
    return key not in OFFSETS and not isinstance(key, GKSpec) and _geographic(key)


@lru_cache(maxsize=256)
def _geographic(key) -> bool:
    return CRS.from_user_input(key).is_geographic


def datum_of(key) -> str | None:
    """'xian80' / 'beijing54' for CRSs on those datums (PROJ has no public shift to CGCS2000 for them)."""
    info = gk_info(key)
    if info:
        return info[0]
    return _DATUM_OF_GEOGRAPHIC.get(key)


_DATUM_OF_GEOGRAPHIC = {v: k for k, v in GEOGRAPHIC.items()}
