"""Axis order and zone prefixes: swapped X/Y, and Gauss-Kruger eastings with or without the zone prefix."""
from __future__ import annotations

import numpy as np
import shapely

from ..errors import InputError
from .crs import GKSpec, gk_epsg, gk_info, lat_in_china, lon_in_china
from ..messages import error, warning


def _swap(geom):
    return shapely.transform(geom, lambda xy: xy[:, ::-1].copy())


def fix_lonlat(geom, source) -> tuple[object, list]:
    """Swap lon/lat when only the swapped order is plausible for China."""
    xy = shapely.get_coordinates(geom)
    x, y = xy[:, 0], xy[:, 1]
    if np.all(lon_in_china(x) & lat_in_china(y)):
        return geom, []
    if np.all(lat_in_china(x) & lon_in_china(y)):
        return _swap(geom), [f"{source}: coordinates were in latitude, longitude order; swapped to longitude, latitude"]
    if not (np.all(np.isfinite(xy)) and np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90)):
        from ..errors import InputError
        raise InputError(error("not_lonlat", x=x.min(), y=y.min()), source=source,
                         expected="longitudes within ±180 and latitudes within ±90, or the --crs of projected "
                                  "coordinates (e.g. cgcs2000-gk3:38)")
    return geom, []


def _kind(values) -> str | None:
    """'prefixed' (zone prefix + 6-digit easting), 'easting', 'northing', or None when the values disagree."""
    v = np.asarray(values)
    if np.all((v >= 1.3e7) & (v < 4.6e7) & (v % 1e6 >= 1e4) & (v % 1e6 <= 9.9e5)):
        return "prefixed"
    if np.all((v > 1e4) & (v < 1e6)):
        return "easting"
    if np.all((v >= 1e6) & (v < 1e7)):
        return "northing"
    return None


def resolve_gk(geom, declared, source) -> tuple[object, str, list]:
    """(geometry with X = easting, EPSG key, warnings) for a GK CRS known fully or up to its zone."""
    if isinstance(declared, GKSpec):
        datum, width, zone, prefixed = declared.datum, declared.width, declared.zone, None
    else:
        info = gk_info(declared)
        if info is None:
            raise InputError(error("not_gk_crs", crs=declared), source=source, expected="a GK zone")
        datum, width, zone, prefixed = info
    xy = shapely.get_coordinates(geom)
    kx, ky = _kind(xy[:, 0]), _kind(xy[:, 1])
    warnings = []
    if kx in ("easting", "prefixed") and ky == "northing":
        pass
    elif kx == "northing" and ky in ("easting", "prefixed"):
        geom, kx = _swap(geom), ky
        xy = xy[:, ::-1]
        warnings.append(warning("axis_swapped", source=source))
    else:
        raise InputError(error("not_gk"), source=source,
                         expected="eastings of 6 digits (or 8 with the zone prefix) and northings of 7 digits, "
                                  f"as the CRS {declared if isinstance(declared, str) else declared.label()} says")
    east = xy[:, 0]
    if kx == "prefixed":
        zones = np.unique((east // 1e6).astype(int))
        if len(zones) > 1:
            raise InputError(error("mixed_prefixes", zones=zones.tolist()), source=source,
                             expected="one zone per site")
        found = int(zones[0])
        if zone is not None and found != zone:
            raise InputError(error("prefix_contradicts", found=found, zone=zone), source=source,
                             expected="matching zone numbers, or --crs with the right zone")
        if prefixed is False:
            warnings.append(warning("zone_prefix_found", source=source, zone=found))
        return geom, f"EPSG:{gk_epsg(datum, width, found, True)}", warnings
    if zone is None:
        raise InputError(error("no_zone"), source=source,
                         expected=f"--crs {datum}-gk{width}:ZONE (e.g. {datum}-gk3:38 for 112.5-115.5°E, "
                                  f"or {datum}-gk3:114 by central meridian)")
    if prefixed is True:
        warnings.append(warning("zone_prefix_missing", source=source, zone=zone))
    return geom, f"EPSG:{gk_epsg(datum, width, zone, False)}", warnings


def suggest_crs(geom) -> str:
    """What to tell a user whose file has no CRS: the likely --crs for the numbers it holds."""
    xy = shapely.get_coordinates(geom)
    kx, ky = _kind(xy[:, 0]), _kind(xy[:, 1])
    for k, v in ((kx, xy[:, 0]), (ky, xy[:, 1])):
        if k == "prefixed":
            z = int(v[0] // 1e6)
            width = 3 if 25 <= z <= 45 else 6
            return (f"the eastings carry zone prefix {z}: --crs cgcs2000-gk{width}:{z} "
                    f"(or xian80-gk{width}:{z} / beijing54-gk{width}:{z} for older data)")
    if {kx, ky} == {"easting", "northing"}:
        return "Gauss-Kruger metres without zone prefix: --crs cgcs2000-gk3:114 (central meridian) or EPSG:4547"
    return "--crs, e.g. cgcs2000, wgs84, gcj02, cgcs2000-gk3:38 or an EPSG code"
