"""Sites from CAD DXF (read with ezdxf): closed polylines, circles and hatches as polygons, open ones as lines.

Entities are grouped by CAD layer: each layer is one site (its id is the layer name), with inner closed
shapes as holes. DXF carries no CRS: give --crs (usually Gauss-Kruger metres).
"""
from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator

import shapely
from shapely.geometry import LineString, Polygon

from ..errors import InputError
from .options import ReadOptions
from .sites import SiteInput, make_site
from ..messages import error, warning

FLATTEN = 0.05   # metres: maximum distance of the flattened curve from an arc or spline


def _shapes(entity):
    """(polygons, lines) of one entity."""
    from ezdxf import path as dxfpath
    kind = entity.dxftype()
    if kind == "HATCH":
        polys = []
        for p in dxfpath.from_hatch(entity):
            pts = [(v.x, v.y) for v in p.flattening(FLATTEN)]
            if len(pts) >= 3:
                polys.append(Polygon(pts))
        return polys, []
    if kind in ("LWPOLYLINE", "POLYLINE", "CIRCLE", "ELLIPSE", "SPLINE", "ARC", "LINE"):
        try:
            p = dxfpath.make_path(entity)
        except (TypeError, ValueError):
            return [], []
        pts = [(v.x, v.y) for v in p.flattening(FLATTEN)]
        closed = kind in ("CIRCLE",) or getattr(entity, "closed", False) or getattr(entity, "is_closed", False) \
            or (len(pts) > 3 and pts[0] == pts[-1])
        if kind == "ELLIPSE":
            closed = abs(entity.dxf.end_param - entity.dxf.start_param) >= 6.283
        if closed and len(pts) >= 3:
            return [Polygon(pts)], []
        return ([], [LineString(pts)]) if len(pts) >= 2 else ([], [])
    return [], []


def _assemble(polys):
    polys = sorted(polys, key=lambda g: -abs(g.area))
    shells: list[list] = []
    for ring in polys:
        host = next((s for s in shells if s[0].contains(ring.representative_point())), None)
        (shells.append([ring]) if host is None else host.append(ring))
    out = [Polygon(s[0].exterior.coords, [h.exterior.coords for h in s[1:]]) for s in shells]
    return out[0] if len(out) == 1 else shapely.MultiPolygon(out)


def iter_dxf(path: Path, opts: ReadOptions) -> Iterator[SiteInput]:
    import ezdxf
    from ezdxf import recover
    src = str(path)
    try:
        doc, auditor = recover.readfile(path)
    except (OSError, ezdxf.DXFStructureError) as exc:
        raise InputError(error("not_dxf", why=exc), source=src, expected="a DXF drawing (save DWG as DXF)") \
            from None
    by_layer: dict[str, tuple[list, list]] = {}
    for e in doc.modelspace():
        layer = e.dxf.get("layer", "0")
        if opts.layer and layer != opts.layer:
            continue
        polys, lines = _shapes(e)
        if polys or lines:
            acc = by_layer.setdefault(layer, ([], []))
            acc[0].extend(polys)
            acc[1].extend(lines)
    if not by_layer:
        raise InputError(error("dxf_nothing", on=f" on layer '{opts.layer}'" if opts.layer else ""),
                         source=src, expected="a closed polyline or hatch for the site (or lines with --width)")
    for i, (layer, (polys, lines)) in enumerate(sorted(by_layer.items()), start=1):
        warnings = []
        if polys:
            geom = _assemble(polys)
            if lines:
                warnings.append(warning("dxf_open_lines", source=src, layer=layer, count=len(lines)))
        else:
            geom = lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)
        yield make_site({"name": layer}, geom, None, src, i, opts, default_id=layer, warnings=warnings)
