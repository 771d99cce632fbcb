"""`zoning layers` as text."""
from __future__ import annotations


def layers_text(manifest, entries) -> str:
    out = [f"清单 Manifest: {manifest.path}", f"{manifest.title}"]
    if manifest.demo:
        out.append(f"⚠ {manifest.notice}")
    for e in entries:
        out.append("")
        if "error" in e:
            out.append(f"{e['id']} ({e['kind']}, {e['rule_set']}): 加载失败 FAILED — {e['error']}")
            continue
        out.append(f"{e['id']} ({e['kind']}, rule set {e['rule_set']}) version {e['version']}")
        out.append(f"  {e['features']} features · {e['crs']} · sha256 {e['sha256']}")
        out.append(f"  source {e['source']}" + (f" table {e['table']}" if e["table"] else "")
                   + f" · coverage: {e['coverage']}")
        if "raster" in e:
            r = e["raster"]
            out.append(f"  raster {r['width']} x {r['height']} cells of {r['cell'][0]:g} x {r['cell'][1]:g} · band "
                       f"{r['band']} {r['dtype']} · nodata {r['nodata']} · overviews {r['overviews']}")
        for code, z in e["zones"].items():
            out.append(f"  - {code} {z['name']}: {z['features']} features, {z['area_km2']:,.3f} km²")
        inv = e["invalid_geometries"]
        if "raster" in e:
            continue
        out.append(f"  invalid geometries (repaired on load): {len(inv)}"
                   + "".join(f"\n    fid {x['fid']}: {x['reason']}" for x in inv[:20]))
        ov = e["overlaps"]
        out.append(f"  overlaps between zones that should not overlap: {len(ov)}"
                   + "".join(f"\n    {x['problem']}: features {x['features']} {x['zones']} {x['area_m2']:,.1f} m²"
                             for x in ov[:20]))
        for w in e["warnings"]:
            out.append(f"  ⚠ {w}")
    return "\n".join(out)
