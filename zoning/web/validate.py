"""A JSON request checked before the engine sees it: types, finite numbers, nesting depth, closed rings.

Every failure is an InputError (HTTP 400 with one `error` line), never an exception from deeper down."""
from __future__ import annotations

import json
import math

from .. import values
from ..errors import InputError

MAX_DEPTH = 16              # a GeoJSON site nests 6 levels at most (FeatureCollection > Feature > MultiPolygon)
MAX_TEXT = 500              # characters of a name, case reference, category, date or CRS
TEXT_FIELDS = ("category", "date", "crs", "case_ref", "name", "site_id")
NUMBER_FIELDS = {"radius_m": 100_000.0, "width_m": 10_000.0}
SOURCE = "/api/check"


def bad(message: str, field: str | None = None, expected: str | None = None) -> InputError:
    return InputError(message, source=SOURCE, field=field, expected=expected)


def parse_body(body: bytes) -> dict:
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise bad("the JSON is nested too deeply", expected=f"at most {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"the body is not JSON: {exc}", expected='{"site": {GeoJSON}, "category": "industrial"}') \
            from None
    if not isinstance(payload, dict):
        raise bad("the body is not a JSON object", expected='{"site": {GeoJSON}, "category": "industrial"}')
    return check_payload(payload)


def _no_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def check_payload(payload: dict) -> dict:
    site = payload.get("site")
    if not isinstance(site, dict):
        raise bad("no `site` object", field="site", expected="a GeoJSON geometry, Feature or FeatureCollection")
    _check_site(site)
    for name in TEXT_FIELDS:
        v = payload.get(name)
        if v is not None and not (isinstance(v, str) and len(v) <= MAX_TEXT):
            raise bad(f"`{name}` is {type(v).__name__}" if not isinstance(v, str) else f"`{name}` is too long",
                      field=name, expected=f"text of at most {MAX_TEXT} characters")
    for name, top in NUMBER_FIELDS.items():
        v = payload.get(name)
        if v in (None, ""):
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise bad(f"`{name}` is {type(v).__name__}", field=name, expected="a number of metres")
        try:
            values.metres(v, source=name, top=top)
        except InputError as exc:
            raise bad(f"`{name}` is {v!r}", field=name, expected=exc.expected) from None
    major = payload.get("national_major")
    if major is not None and not isinstance(major, (bool, int, float, str)):
        raise bad(f"`national_major` is {type(major).__name__}", field="national_major", expected="true or false")
    if major is not None:
        try:
            values.flag(major)
        except InputError as exc:
            raise bad(f"`national_major` is {major!r}", field="national_major", expected=exc.expected) from None
    return payload


def check_fields(fields: dict) -> dict:
    """The text fields of a multipart request, held to the same limits."""
    for name in TEXT_FIELDS:
        if len(fields.get(name) or "") > MAX_TEXT:
            raise bad(f"`{name}` is too long", field=name, expected=f"text of at most {MAX_TEXT} characters")
    return fields


def _check_site(site: dict) -> None:
    """Depth, finite coordinates and closed rings of a GeoJSON object, walked without recursion."""
    stack = [(site, 1, "site")]
    while stack:
        obj, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise bad("the site is nested too deeply", field="site", expected=f"at most {MAX_DEPTH} levels")
        if isinstance(obj, dict):
            kind = obj.get("type")
            if "coordinates" in obj:
                _check_coords(obj["coordinates"], kind, where)
            for key in ("geometry", "features", "geometries"):
                if key in obj:
                    stack.append((obj[key], depth + 1, f"{where}.{key}"))
        elif isinstance(obj, list):
            stack.extend((item, depth + 1, f"{where}[{k}]") for k, item in enumerate(obj))
        elif obj is not None:
            raise bad(f"{where} is {type(obj).__name__}", field="site", expected="GeoJSON objects")


RING_DEPTH = {"Polygon": 1, "MultiPolygon": 2}
POSITION_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                  "MultiPolygon": 3}


def _check_coords(coords, kind, where) -> None:
    if kind not in POSITION_DEPTH:
        raise bad(f"geometry type {kind!r} at {where}", field="site", expected=", ".join(POSITION_DEPTH))
    # (node, depth) down to the positions; rings are the lists at RING_DEPTH
    stack = [(coords, 0)]
    while stack:
        node, depth = stack.pop()
        if depth == POSITION_DEPTH[kind]:
            if not (isinstance(node, list) and 2 <= len(node) <= 3
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in node)):
                raise bad(f"a position of {where} is {json.dumps(node)[:60]}", field="site",
                          expected="[x, y] numbers")
            if not all(math.isfinite(v) for v in node):
                raise bad(f"a coordinate of {where} is not a finite number", field="site",
                          expected="finite numbers (no NaN, Infinity or 1e400)")
            continue
        if not isinstance(node, list) or depth > 3:
            raise bad(f"the coordinates of {where} do not fit a {kind}", field="site",
                      expected=f"a GeoJSON {kind}")
        if kind in RING_DEPTH and depth == RING_DEPTH[kind] and (len(node) < 4 or node[0] != node[-1]):
            raise bad(f"a ring of {where} is not closed" if len(node) >= 4 else
                      f"a ring of {where} has {len(node)} positions", field="site",
                      expected="rings of at least 4 positions whose last equals the first")
        stack.extend((child, depth + 1) for child in node)
