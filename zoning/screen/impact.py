"""What a layer update changes for decisions already made: every stored check (the web app's register) or every
screened row is re-run on the old and on the new manifest, through the batch screen (the one engine, not a loop
of checks), and the rows whose verdict, completeness, driving findings or overlap areas differ are listed.
`zoning impact --old OLD.toml --new NEW.toml --register DB | --results SCREEN.gpkg`."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from ..errors import InputError
from .run import ScreenOptions, screen
from ..messages import error

AREA_EPS_M2 = 0.01        # overlap areas are rounded to 0.01 m² in results: smaller differences are rounding
KINDS = ("overlap", "boundary_contact", "raster")


@dataclass
class Change:
    key: str                    # 'check 12' or 'row 5'
    ref: dict                   # case_ref, name, id, check id or row, category, date
    old_verdict: str | None
    new_verdict: str | None
    old_complete: bool
    new_complete: bool
    zones: list = field(default_factory=list)       # (layer, zone, feature, old m², new m²) that changed
    driving_old: list = field(default_factory=list)
    driving_new: list = field(default_factory=list)


@dataclass
class Impact:
    old: str
    new: str
    source: str
    total: int
    unchanged: int
    changes: list


def sites_from_results(path) -> tuple[list[dict], str]:
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".gpkg":
        raise InputError(error("results_not_found"), source=str(path),
                         expected="the .gpkg written by `zoning screen --out results.gpkg`")
    try:
        df = pyogrio.read_dataframe(path, layer="screen")
    except Exception as exc:     # a GeoPackage without the layer, or not a GeoPackage
        raise InputError(error("results_unreadable", why=exc), source=str(path),
                         expected="the .gpkg written by `zoning screen`") from None
    df = df[df["error"].fillna("") == ""] if "error" in df else df
    df = df.to_crs("EPSG:4490") if df.crs is not None else df
    return [{"row": int(r["row"]), "id": r.get("id"), "name": r.get("name"), "category": r["category"],
             "national_major": bool(r.get("national_major")), "date": r.get("date"),
             "geometry": shapely.geometry.mapping(r.geometry)} for _, r in df.iterrows()
            if r.geometry is not None], str(path)


def impact(old, new, sites: list[dict], source: str, *, tolerance_m: float = 0.5, workers: int | None = 1,
           show_progress: bool = False) -> Impact:
    """Re-run `sites` on both manifests and compare, row by row (`show_progress`: each run's bar on a terminal)."""
    with tempfile.TemporaryDirectory(prefix="zoning-impact-") as folder:
        tmp = Path(folder)
        listing = tmp / "sites.gpkg"
        keys = [f"check {s['check']}" if "check" in s else f"row {s['row']}" for s in sites]
        gdf = gpd.GeoDataFrame({"id": keys, "category": [s["category"] for s in sites],
                                "national_major": ["1" if s["national_major"] else "0" for s in sites],
                                "date": [str(s["date"]) if s.get("date") else None for s in sites]},
                               geometry=[shapely.geometry.shape(s["geometry"]) for s in sites], crs="EPSG:4490")
        gdf.to_file(listing, layer="sites", driver="GPKG")
        runs = []
        for manifest, name in ((old, "old"), (new, "new")):
            out = tmp / f"{name}.gpkg"
            screen(listing, out, ScreenOptions(layers=manifest, tolerance_m=tolerance_m, quiet=not show_progress,
                                                   workers=workers))
            runs.append(_read(out))
    changes = []
    for key, s in zip(keys, sites, strict=False):
        a, b = runs[0].get(key), runs[1].get(key)
        if a is None or b is None:
            continue
        zones = []
        for k in sorted(set(a["overlaps"]) | set(b["overlaps"])):
            x, y = a["overlaps"].get(k, 0.0), b["overlaps"].get(k, 0.0)
            if abs(x - y) > AREA_EPS_M2:
                zones.append((*k, x, y))
        if zones or a["verdict"] != b["verdict"] or a["complete"] != b["complete"] or a["driving"] != b["driving"]:
            ref = {k: s.get(k) for k in ("check", "row", "case_ref", "id", "name", "category", "date") if k in s}
            changes.append(Change(key, ref, a["verdict"], b["verdict"], a["complete"], b["complete"], zones,
                                  sorted(a["driving"]), sorted(b["driving"])))
    return Impact(str(old), str(new), source, len(sites), len(sites) - len(changes), changes)


def _read(out: Path) -> dict:
    rows = pyogrio.read_dataframe(out, layer="screen", read_geometry=False)
    findings = pyogrio.read_dataframe(out, layer="findings", read_geometry=False)
    by_row = {}
    for _, r in rows.iterrows():
        by_row[int(r["row"])] = {"key": r["id"], "verdict": r["verdict"] or None, "complete": bool(r["complete"]),
                                 "driving": set(), "overlaps": {}}
    for _, f in findings.iterrows():
        entry = by_row.get(int(f["row"]))
        if entry is None:
            continue
        if f["drives_verdict"]:
            entry["driving"].add((f["layer"], f["zone"], f["rule"] or ""))
        if f["type"] in KINDS:
            k = (f["layer"], f["zone"], f["feature"] or "")
            entry["overlaps"][k] = entry["overlaps"].get(k, 0.0) + float(f["overlap_m2"] or 0.0)
    return {v["key"]: v for v in by_row.values()}
