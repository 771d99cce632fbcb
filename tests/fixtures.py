"""One canonical site, written in every input format the reader accepts.

`python tests/fixtures.py` rewrites the byte-exact fixtures committed in tests/data/ (the 界址点 TXT files,
whose encodings and line endings matter); `make_all(folder)` writes the rest into a temporary folder for tests.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Polygon

from zoning.geometry.offsets import from_wgs84
from zoning.geometry.project import reproject

DATA = Path(__file__).resolve().parent / "data"
GK = "EPSG:4547"          # CGCS2000 3-degree GK CM 114E, no zone prefix
GK38 = "EPSG:4526"        # the same with zone prefix 38
X0, Y0 = 402_000.0, 3_093_500.0   # near 昭山 (about 113.0 E, 27.95 N)

# an irregular 7-vertex parcel of about 6.5 ha with a 40 m x 40 m hole, in metres
CANONICAL_GK = Polygon(
    [(X0, Y0), (X0 + 310.25, Y0 - 12.5), (X0 + 335.75, Y0 + 140.0), (X0 + 260.5, Y0 + 232.25),
     (X0 + 120.0, Y0 + 260.75), (X0 - 20.5, Y0 + 180.0), (X0 + 10.0, Y0 + 90.5), (X0, Y0)],
    [[(X0 + 100, Y0 + 100), (X0 + 140, Y0 + 100), (X0 + 140, Y0 + 140), (X0 + 100, Y0 + 140), (X0 + 100, Y0 + 100)]])
CANONICAL = reproject(CANONICAL_GK, GK, "EPSG:4490")   # lon/lat
ATTRS = {"项目编号": "XM-2026-001", "项目名称": "昭山生态停车场", "项目类型": "公共设施"}


def _gdf(geom, crs):
    return gpd.GeoDataFrame([dict(ATTRS, geometry=geom)], geometry="geometry", crs=crs)


def _rings_gk(prefix: bool):
    poly = CANONICAL_GK
    rings = [list(poly.exterior.coords)] + [list(r.coords) for r in poly.interiors]
    off = 38_000_000.0 if prefix else 0.0
    return [[(x + off, y) for x, y in ring] for ring in rings]


def jzd_txt(prefix: bool, zone_header: bool = True, extra_parcel: bool = False, datum="2000国家大地坐标系") -> str:
    lines = ["[属性描述]", "格式版本号=1.01版本", "数据产生单位=湖南省测绘示例单位", "数据产生日期=2026-11-01",
             f"坐标系={datum}", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", f"带号={38 if zone_header else ''}",
             "精度=0.001", "转换参数=,,,,,,", "[地块坐标]"]

    def parcel(number, name, rings):
        count = sum(len(r) for r in rings)
        area = Polygon(rings[0], rings[1:]).area / 10_000
        out = [f"{count},{area:.4f},{number},{name},面,H49G001001,公共设施用地,0809,@"]
        for ring_no, ring in enumerate(rings, start=1):
            ids = [f"J{i + 1}" for i in range(len(ring) - 1)] + ["J1"]
            out += [f"{pid},{ring_no},{y:.3f},{x:.3f}" for pid, (x, y) in zip(ids, ring, strict=False)]   # X = northing
        return out
    if extra_parcel:
        off = 38_000_000.0 if prefix else 0.0
        sq = [[(X0 + 1000 + off, Y0), (X0 + 1100 + off, Y0), (X0 + 1100 + off, Y0 + 100), (X0 + 1000 + off, Y0 + 100),
               (X0 + 1000 + off, Y0)]]
        lines += parcel("XM-2026-000", "附属地块", sq)
    lines += parcel("XM-2026-001", "昭山生态停车场", _rings_gk(prefix))
    return "\n".join(lines) + "\n"


def write_committed():
    """The byte-exact TXT fixtures: GBK with CRLF and zone prefix; UTF-8 with BOM, LF, no prefix."""
    DATA.mkdir(exist_ok=True)
    (DATA / "jzd_gbk_crlf_prefixed.txt").write_bytes(jzd_txt(True).replace("\n", "\r\n").encode("gbk"))
    (DATA / "jzd_utf8bom_lf_zone_header.txt").write_bytes(b"\xef\xbb\xbf" + jzd_txt(False).encode("utf-8"))
    (DATA / "jzd_two_parcels_gb18030.txt").write_bytes(jzd_txt(True, extra_parcel=True).encode("gb18030"))


def make_all(folder: Path) -> dict:
    """Write every format into `folder`; return {name: (path, extra check() kwargs, tolerance_m)}."""
    f = Path(folder)
    out = {}

    def add(name, path, tol=0.5, **kw):
        out[name] = (path, kw, tol)

    p = f / "site.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": ATTRS, "geometry": shapely.geometry.mapping(CANONICAL)}]},
        ensure_ascii=False), encoding="utf-8")
    add("geojson", p)
    _gdf(CANONICAL, "EPSG:4490").to_file(f / "site.gpkg", layer="site", driver="GPKG")
    add("gpkg", f / "site.gpkg")
    shp_dir = f / "shp"
    shp_dir.mkdir()
    _gdf(CANONICAL_GK, GK).to_file(shp_dir / "site.shp", encoding="GBK")
    (shp_dir / "site.cpg").unlink()
    add("shp_file", shp_dir / "site.shp")
    add("shp_folder", shp_dir)
    with zipfile.ZipFile(f / "site.zip", "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, f"data/{part.name}")
    add("shp_zip", f / "site.zip")
    _gdf(CANONICAL, "EPSG:4326").to_file(f / "site.kml", driver="KML")
    add("kml", f / "site.kml")
    with zipfile.ZipFile(f / "site.kmz", "w") as zf:
        zf.write(f / "site.kml", "doc.kml")
    add("kmz", f / "site.kmz")
    _gdf(CANONICAL, "EPSG:4490").to_parquet(f / "site.parquet")
    add("geoparquet", f / "site.parquet")
    _gdf(CANONICAL_GK, GK).to_file(f / "site.fgb", driver="FlatGeobuf")
    add("flatgeobuf", f / "site.fgb")
    header = "项目编号,项目名称,项目类型,wkt\n"
    (f / "site_utf8bom.csv").write_bytes(b"\xef\xbb\xbf" + (header + ",".join(ATTRS.values()) + f',"{CANONICAL.wkt}"\n')
                                         .encode("utf-8"))
    add("csv_wkt_utf8_bom", f / "site_utf8bom.csv")
    (f / "site_gbk.csv").write_bytes(("编号,名称,类型,坐标\n" + ",".join(ATTRS.values()) + f',"{CANONICAL_GK.wkt}"\n')
                                     .encode("gbk"))
    add("csv_wkt_gbk_gk", f / "site_gbk.csv", crs="cgcs2000-gk3:114")
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目编号", "项目名称", "项目类型", "geometry"])
    ws.append(list(ATTRS.values()) + [CANONICAL.wkt])
    wb.save(f / "site.xlsx")
    add("xlsx_wkt", f / "site.xlsx")
    for name in ("jzd_gbk_crlf_prefixed.txt", "jzd_utf8bom_lf_zone_header.txt"):
        add(name[:-4], DATA / name)
    add("jzd_two_parcels", DATA / "jzd_two_parcels_gb18030.txt", site_id="XM-2026-001")
    import ezdxf
    doc = ezdxf.new()
    msp = doc.modelspace()
    rings = _rings_gk(False)
    msp.add_lwpolyline(rings[0][:-1], close=True, dxfattribs={"layer": "用地红线"})
    msp.add_lwpolyline(rings[1][:-1], close=True, dxfattribs={"layer": "用地红线"})
    doc.saveas(f / "site.dxf")
    add("dxf_polylines", f / "site.dxf", crs="cgcs2000-gk3:114")
    doc = ezdxf.new()
    hatch = doc.modelspace().add_hatch(dxfattribs={"layer": "用地红线"})
    hatch.paths.add_polyline_path(rings[0][:-1], is_closed=True, flags=1)
    hatch.paths.add_polyline_path(rings[1][:-1], is_closed=True, flags=16)
    doc.saveas(f / "site_hatch.dxf")
    add("dxf_hatch", f / "site_hatch.dxf", crs="cgcs2000-gk3:114")
    gcj = from_wgs84(CANONICAL, "gcj02")
    (f / "site_gcj02.geojson").write_text(json.dumps(
        {"type": "Feature", "properties": ATTRS, "geometry": shapely.geometry.mapping(gcj)}), encoding="utf-8")
    add("gcj02", f / "site_gcj02.geojson", tol=1.0, crs="gcj02")
    bd = from_wgs84(CANONICAL, "bd09")
    (f / "site_bd09.csv").write_text("id,wkt\nB1," + f'"{bd.wkt}"\n', encoding="utf-8")
    add("bd09", f / "site_bd09.csv", tol=1.0, crs="bd09")
    swapped = shapely.transform(CANONICAL_GK, lambda xy: xy[:, ::-1].copy())
    (f / "site_swapped.csv").write_text("id,wkt\nS1," + f'"{swapped.wkt}"\n', encoding="utf-8")
    add("swapped_xy", f / "site_swapped.csv", crs="EPSG:4547")
    latlon = shapely.transform(CANONICAL, lambda xy: xy[:, ::-1].copy())
    (f / "site_latlon.csv").write_text("id,wkt\nL1," + f'"{latlon.wkt}"\n', encoding="utf-8")
    add("latlon_swapped", f / "site_latlon.csv")
    return out


if __name__ == "__main__":
    write_committed()
    print("wrote", *sorted(p.name for p in DATA.glob("*.txt")))
