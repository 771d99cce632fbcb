"""CRS names people use, and the projected analysis CRS (CGCS2000 3-degree Gauss-Kruger by longitude)."""
from __future__ import annotations

import re
from functools import lru_cache

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from ..errors import InputError

CGCS2000 = "EPSG:4490"
# Names approvals staff and surveyors write, mapped to EPSG codes.
NAMES = {
    "cgcs2000": "EPSG:4490", "cgcs": "EPSG:4490", "2000国家大地坐标系": "EPSG:4490", "国家2000": "EPSG:4490",
    "wgs84": "EPSG:4326", "wgs-84": "EPSG:4326", "gps": "EPSG:4326",
    "xian80": "EPSG:4610", "xian1980": "EPSG:4610", "1980西安坐标系": "EPSG:4610", "西安80": "EPSG:4610",
    "beijing54": "EPSG:4214", "1954北京坐标系": "EPSG:4214", "北京54": "EPSG:4214",
}
# First EPSG code of each datum's 3-degree GK series "CM nE" (no zone prefix) and "zone n" (prefixed).
_GK3 = {"cgcs2000": (4534, 4513, 75, 25), "xian80": (2370, 2349, 75, 25), "beijing54": (2422, 2401, 75, 25)}
_GK_NAME = re.compile(r"^(cgcs2000|xian80|beijing54)-gk3:(\d{1,3})$")


def parse_crs(text: str | int | None, *, source: str = "--crs") -> CRS:
    """A CRS from an EPSG code, a common name (cgcs2000, wgs84, xian80 ...) or `cgcs2000-gk3:38`."""
    if text is None or str(text).strip() == "":
        raise InputError("no CRS given", source=source, expected="an EPSG code or a name such as cgcs2000")
    key = str(text).strip().lower()
    m = _GK_NAME.match(key)
    if m:
        return gk3_crs(int(m.group(2)), datum=m.group(1))
    if key in ("gcj02", "bd09"):
        raise InputError(f"'{text}' is a display offset, not yet accepted as a site CRS", source=source,
                         expected="cgcs2000, wgs84, xian80, beijing54, cgcs2000-gk3:ZONE or EPSG:nnnn")
    code = NAMES.get(key, NAMES.get(str(text).strip(), key))
    if re.fullmatch(r"\d{4,6}", code):
        code = f"EPSG:{code}"
    try:
        return CRS.from_user_input(code)
    except CRSError:
        raise InputError(f"unknown CRS '{text}'", source=source,
                         expected="an EPSG code (4490, EPSG:4547) or cgcs2000, wgs84, xian80, beijing54, "
                                  "cgcs2000-gk3:38") from None


def gk3_crs(zone_or_cm: int, *, datum: str = "cgcs2000") -> CRS:
    """3-degree GK CRS: a zone number (25-45, with zone prefix) or a central meridian (75-135, no prefix)."""
    cm_first, zone_first, cm0, zone0 = _GK3[datum]
    if 25 <= zone_or_cm <= 45:
        return CRS.from_epsg(zone_first + zone_or_cm - zone0)
    if 75 <= zone_or_cm <= 135 and zone_or_cm % 3 == 0:
        return CRS.from_epsg(cm_first + (zone_or_cm - cm0) // 3)
    raise InputError(f"no 3-degree Gauss-Kruger zone {zone_or_cm}", source="--crs",
                     expected="a zone number 25-45 or a central meridian 75-135 divisible by 3")


@lru_cache(maxsize=64)
def analysis_epsg(lon: float, lat: float) -> int:
    """CGCS2000 3-degree GK (CM nE) for the longitude; UTM outside China's zones."""
    cm = 3 * round(lon / 3)
    if 75 <= cm <= 135:
        return 4534 + (cm - 75) // 3
    zone = int((lon + 180) // 6) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def in_china_lonlat(lon, lat) -> bool:
    return 73.0 <= lon <= 135.5 and 3.0 <= lat <= 54.0


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


@lru_cache(maxsize=256)
def _key(text) -> str:
    crs = CRS.from_user_input(text)
    auth = crs.to_authority(min_confidence=90)
    if auth == ("OGC", "CRS84"):
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
    crs = CRS.from_user_input(crs)
    code = crs.to_epsg(min_confidence=90)
    return f"EPSG:{code} {crs.name}" if code else crs.name
