"""For a prohibited site: the nearest place where the same footprint (same shape, translated) would be
conditional or permitted, found by running the one engine on translated copies and verified by a full check."""
from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.affinity

from .engine import run
from .geometry.normalise import normalise_batch
from .geometry.project import reproject
from .inputs import SiteInput

COMPASS = ["北 N", "东北 NE", "东 E", "东南 SE", "南 S", "西南 SW", "西 W", "西北 NW"]


def offsets(radius_m: float, step_m: float) -> np.ndarray:
    """(dx, dy) on a square grid within the radius, nearest first (the origin excluded)."""
    k = int(radius_m // step_m)
    g = np.arange(-k, k + 1) * step_m
    dx, dy = np.meshgrid(g, g)
    d = np.hypot(dx, dy).ravel()
    keep = (d > 0) & (d <= radius_m)
    order = np.argsort(d[keep], kind="stable")
    return np.column_stack([dx.ravel()[keep][order], dy.ravel()[keep][order]])


def suggest(result, ctx, *, radius_m: float = 3000.0, step_m: float | None = None, batch_size: int = 400):
    """A dict describing the nearest acceptable translated footprint, or one saying none was found."""
    from .api import check
    epsg = int(result.analysis_crs.split()[0].split(":")[1])
    site = reproject(result.site_geometry, "EPSG:4490", f"EPSG:{epsg}")
    step = step_m or max(50.0, min(500.0, round(math.sqrt(site.area) / 2, -1)))
    cat, major = result.site["category"], result.site["national_major"]
    offs = offsets(radius_m, step)
    for start in range(0, len(offs), batch_size):
        chunk = offs[start:start + batch_size]
        geoms = [shapely.affinity.translate(site, dx, dy) for dx, dy in chunk]
        inputs = [SiteInput(geometry=g, crs=f"EPSG:{epsg}", source="suggestion") for g in geoms]
        batch = normalise_batch(inputs, tolerance_m=result.tolerance_m)
        res = run(batch, [cat] * len(inputs), [major] * len(inputs), ctx)
        for k, ((dx, dy), g) in enumerate(zip(chunk, geoms, strict=False)):
            if not res.ok[k] or not res.complete[k] or res.verdict[k] == "prohibited":
                continue
            full = check(g, category=cat, national_major=major, crs=f"EPSG:{epsg}", context=ctx,
                                tolerance_m=result.tolerance_m, name=f"{result.site['name'] or ''} (建议 suggested)")
            if full.verdict == "prohibited":
                continue
            bearing = (math.degrees(math.atan2(dx, dy)) + 360) % 360
            return {"found": True, "distance_m": round(float(math.hypot(dx, dy)), 1),
                    "bearing_deg": round(bearing, 1), "direction": COMPASS[int((bearing + 22.5) // 45) % 8],
                    "offset_m": [float(dx), float(dy)], "verdict": full.verdict, "complete": full.complete,
                    "rules": [f.rule for f in full.findings if f.drives_verdict and f.rule],
                    "geometry": shapely.geometry.mapping(full.site_geometry), "search_radius_m": radius_m,
                    "step_m": step, "check": full}
    return {"found": False, "search_radius_m": radius_m, "step_m": step,
            "note": f"no translated footprint within {radius_m:g} m is conditional or permitted"}
