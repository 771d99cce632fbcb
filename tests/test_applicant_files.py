"""Site files as applicants send them: every exporter's 界址点 TXT, Chinese shapefiles, Excel text, KML names,
bad rows in a batch, and layers whose declared CRS cannot be right. Fixtures are written by
`applicant_files.py` from a known geometry, so each test knows what must come back."""
from __future__ import annotations

import csv
import json
import math
import random

import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

import applicant_files as A
import zoning
from conftest import GK, X0, Y0, sq, write_layer, write_manifest
from zoning.cli import main as cli
from zoning.errors import InputError
from zoning.geometry.normalise import normalise_batch
from zoning.geometry.project import reproject
from zoning.inputs import ReadOptions, iter_sites, read_site

DATE = "2026-01-01"


def read_all(path, **kw):
    sites = list(iter_sites(path, ReadOptions(**kw)))
    return sites, normalise_batch(sites)


def same_geometry(got, want, tol=0.001):
    """Equal within `tol` metres (Hausdorff), both in GK zone 38 by central meridian (the analysis CRS here)."""
    assert got.geom_type == want.geom_type
    assert shapely.hausdorff_distance(got, want) <= tol
    assert got.area == pytest.approx(want.area, abs=0.01)


def warnings_of(batch, i=0):
    return " | ".join(batch.warnings[i])


TXT_CASES = {
    "standard": (dict(), []),
    "open_rings": (dict(closed=False), ["rings 1, 2, 3 are not closed"]),
    "area_in_ha_with_unit": (dict(area="ha_unit"), []),
    "area_in_mu": (dict(area="mu"), []),
    "area_in_m2_with_unit": (dict(area="m2_unit"), []),
    "area_in_m2_without_unit": (dict(area="m2"), ["seems to state square metres where the format expects 公顷"]),
    "project_section": (dict(sections={"项目信息": {"项目名称": "示例项目", "建设单位": "某公司"}}),
                        ["line 1: section [项目信息]"]),
    "arcpy_closing_line": (dict(numeric_ids=True, easting_first=True, leading_space=True, arcpy_bug=True),
                           ["closing lines 18, 23, 28 repeat the ring's first point id", "swapped"]),
    "holes_first": (dict(holes_first=True), ["ring 1 (line 14) lies inside ring 2 written after it"]),
    "zone_as_central_meridian": (dict(header={"带号": "114"}), ["带号=114 is a central meridian"]),
    "empty_zone_3_degree_band": (dict(header={"带号": "", "几度分带": "3度带"}, prefix=True), []),
    "utf8_bom_lf_unprefixed": (dict(encoding="utf-8", bom=True, newline="\n", prefix=False), []),
}


@pytest.mark.parametrize("case", TXT_CASES)
def test_txt_conventions_read_the_same_geometry(tmp_path, case):
    kw, expected = TXT_CASES[case]
    p = tmp_path / f"{case}.txt"
    p.write_bytes(A.jzd([("XM-1", "地块1", A.TWO_PARTS)], **kw))
    sites, batch = read_all(p)
    assert batch.errors[0] is None, batch.errors[0]
    same_geometry(batch.projected[0], A.TWO_PARTS)
    text = warnings_of(batch)
    for words in expected:
        assert words in text
    if not expected:
        assert not [w for w in batch.warnings[0] if "line" in w or "states" in w], text
    if case == "project_section":
        assert sites[0].name == "示例项目（地块1）"


def test_island_inside_a_hole_is_a_part_of_its_own(tmp_path):
    outer = Polygon(A.rings_of(A.SQUARE)[0], [[(A.X0 + 20, A.Y0 + 20), (A.X0 + 180, A.Y0 + 20),
                                               (A.X0 + 180, A.Y0 + 130), (A.X0 + 20, A.Y0 + 130)]])
    island = sq(0, 0, 1).__class__([(A.X0 + 60, A.Y0 + 60), (A.X0 + 100, A.Y0 + 60), (A.X0 + 100, A.Y0 + 100)])
    want = shapely.MultiPolygon([outer, island])
    p = tmp_path / "island.txt"
    p.write_bytes(A.jzd([("1", "岛", want)], order=lambda rings: rings[::-1]))
    _, batch = read_all(p)
    same_geometry(batch.projected[0], want)


def test_stated_area_is_checked_in_screen_rows_too(tmp_path):
    p = tmp_path / "m2.txt"
    p.write_bytes(A.jzd([("1", "地块1", A.SQUARE), ("2", "地块2", A.TWO_PARTS)], area="m2"))
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(cli, ["screen", str(p), "--out", str(out), "--default-category", "industrial",
                                 "--date", DATE])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 2 and all("square metres where the format expects 公顷" in row["warnings"] for row in rows)


def test_repeated_parcel_numbers_are_chosen_by_position(tmp_path):
    p = tmp_path / "fid.txt"
    p.write_bytes(A.jzd([("1", "甲", A.SQUARE), ("2", "乙", A.TWO_PARTS)], number="FID_0"))
    with pytest.raises(InputError, match="#1, #2"):
        read_site(p, site_id="FID_0")
    with pytest.raises(InputError, match="#1, #2"):
        read_site(p)
    assert read_site(p, site_id="#2").name == "乙"
    assert read_site(p, site_id="乙").name == "乙"          # by name when ids repeat
    with pytest.raises(InputError, match="#1 to #2"):
        read_site(p, site_id="#3")
    r = CliRunner().invoke(cli, ["check", str(p), "--id", "#2", "-c", "industrial", "--date", DATE])
    assert r.exit_code in (0, 1) and "乙" in r.output


def test_zone_number_out_of_range_names_the_header_line(tmp_path):
    p = tmp_path / "z.txt"
    p.write_bytes(A.jzd([("1", "a", A.SQUARE)], header={"带号": "50"}))
    with pytest.raises(InputError, match=r"line \d+: 带号 '50'") as exc:
        read_site(p)
    assert "--crs" not in str(exc.value)


# -- the property: any valid parcel, written any way an exporter writes it, reads back within 1 mm ------------

def _star(rng: random.Random, cx, cy, radius, n, scale=1.0):
    """A polygon star-shaped about (cx, cy), vertices on a millimetre grid: simple whatever the radii."""
    step = 2 * math.pi / n
    return [
        (round(cx + scale * radius * r * math.cos(k * step), 3), round(cy + scale * radius * r * math.sin(k * step), 3))
        for k, r in enumerate(rng.uniform(0.7, 1.0) for _ in range(n))
    ]


def random_parcel(seed: int):
    """1-3 disjoint parts of 5-12 vertices, most with a hole (the part shrunk to 30 % about its centre)."""
    rng = random.Random(seed)
    parts = []
    for k in range(rng.randint(1, 3)):
        cx, cy, radius, n = A.X0 + 1000 * k + rng.uniform(0, 100), A.Y0 + rng.uniform(0, 100), rng.uniform(100, 300), \
            rng.randint(5, 12)
        shell = _star(rng, cx, cy, radius, n)
        holes = [_star(rng, cx, cy, radius, n, scale=0.3)] if rng.random() < 0.6 else []
        parts.append(Polygon(shell, holes))
    geom = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    assert geom.is_valid
    return geom


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), closed=st.booleans(), prefix=st.booleans(), easting_first=st.booleans(),
       encoding=st.sampled_from(["gbk", "utf-8"]), newline=st.sampled_from(["\r\n", "\n"]),
       shuffle=st.booleans(), bom=st.booleans())
def test_random_parcels_read_back_within_a_millimetre(tmp_path, seed, closed, prefix, easting_first, encoding,
                                                      newline, shuffle, bom):
    geom = random_parcel(seed)
    order = (lambda rings: random.Random(seed).sample(rings, len(rings))) if shuffle else None
    p = tmp_path / "r.txt"
    p.write_bytes(A.jzd([("P-1", "随机地块", geom)], closed=closed, prefix=prefix, easting_first=easting_first,
                        encoding=encoding, newline=newline, order=order, bom=bom and encoding == "utf-8"))
    _, batch = read_all(p)
    assert batch.errors[0] is None, batch.errors[0]
    same_geometry(batch.projected[0], geom)


# -- shapefiles with Chinese attributes ---------------------------------------------------------------------

ROWS = [{"pname": "昭山停车场", "ptype": "公共设施"}]


def test_gbk_dbf_whose_cpg_says_utf8(tmp_path):
    shp = A.shapefile(tmp_path / "s", [{"name": "昭山停车场", "类型": "公共设施"}], [A.SQUARE], encoding="GBK",
                      cpg="UTF-8")
    assert "昭山停车场".encode("gbk") in shp.with_suffix(".dbf").read_bytes()
    sites, batch = read_all(shp)
    assert sites[0].name == "昭山停车场" and sites[0].category == "公共设施"
    assert ".cpg says utf-8 but the attributes are not utf-8; read as GB18030" in warnings_of(batch)
    with pytest.raises(InputError, match="not utf-8"):
        list(iter_sites(shp, ReadOptions(encoding="utf-8")))
    assert list(iter_sites(shp, ReadOptions(encoding="gbk")))[0].name == "昭山停车场"


@pytest.mark.parametrize("how", ["file", "folder", "zip"])
def test_field_names_cut_mid_character_are_read(tmp_path, how):
    shp = A.shapefile(tmp_path / "s", ROWS, [A.SQUARE], encoding="UTF-8",
                      field_names={"pname": A.cut_utf8("项目名称"), "ptype": A.cut_utf8("项目类型")})
    target = {"file": shp, "folder": shp.parent}.get(how)
    if how == "zip":
        import zipfile
        target = tmp_path / "s.zip"
        with zipfile.ZipFile(target, "w") as zf:
            for f in shp.parent.iterdir():
                zf.write(f, f.name)
    sites, batch = read_all(target)
    assert sites[0].name == "昭山停车场" and sites[0].category == "公共设施"     # the cut headers still found
    assert "name was cut mid-character" in warnings_of(batch) and "'项目名'" in warnings_of(batch)
    same_geometry(batch.projected[0], A.SQUARE)


def test_unknown_encoding_option_is_exit_2(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("编号,wkt\n1,POINT(113 28)\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", str(p), "--encoding", "klingon", "-c", "industrial", "--radius", "5"])
    assert r.exit_code == 2 and "unknown text encoding 'klingon'" in r.output
    assert "Traceback" not in r.output


# -- text tables ----------------------------------------------------------------------------------------------

HEADER = ["编号", "名称", "类型", "wkt"]


def table_rows(n=4):
    return [[f"A{i}", f"站点{i}", "科研监测", f"POINT(113.0{i} 27.9)"] for i in range(1, n + 1)]


def test_excel_unicode_text_utf16(tmp_path):
    p = tmp_path / "u16.csv"
    text = "\r\n".join("\t".join(r) for r in [HEADER] + table_rows()) + "\r\n"
    p.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    sites = list(iter_sites(p, ReadOptions()))
    assert [s.id for s in sites] == ["A1", "A2", "A3", "A4"] and sites[0].name == "站点1"
    assert not any(s.warnings for s in sites)


@pytest.mark.parametrize("rows", [4, 60_000])
def test_utf8_table_with_one_gbk_row(tmp_path, rows):
    data = table_rows(rows)
    odd = rows // 2
    p = tmp_path / "mixed.csv"
    lines = [",".join(r) + "\n" for r in [HEADER] + data]
    p.write_bytes(b"".join(ln.encode("gbk" if k == odd else "utf-8") for k, ln in enumerate(lines)))
    sites = list(iter_sites(p, ReadOptions()))
    assert len(sites) == rows and sites[0].name == "站点1"
    assert [s.id for s in sites] == [r[0] for r in data]                      # ids kept, never row numbers
    bad = sites[odd - 1]
    assert bad.name == f"站点{odd}" and bad.error is None
    assert any(f"line {odd + 1} is GBK/GB18030, unlike the rest of the file (UTF-8)" in w for w in bad.warnings)
    assert sum(bool(s.warnings) for s in sites) == 1


def test_gbk_table_with_one_utf8_row_and_undecodable_bytes(tmp_path):
    lines = [",".join(r) + "\n" for r in [HEADER] + table_rows()]
    p = tmp_path / "g.csv"
    p.write_bytes(b"".join(ln.encode("utf-8" if k == 2 else "gbk") for k, ln in enumerate(lines))
                  + b"A9,\xff\x80\xfe,x,POINT(113 28)\n")
    sites = list(iter_sites(p, ReadOptions()))
    assert [s.name for s in sites[:4]] == ["站点1", "站点2", "站点3", "站点4"]
    assert "is UTF-8, unlike the rest of the file (GBK/GB18030)" in " ".join(sites[1].warnings)
    assert sites[4].error is not None and "neither UTF-8 nor GBK" in str(sites[4].error)
    assert "row 6" in str(sites[4].error)


def test_declared_encoding_that_does_not_fit_names_the_line(tmp_path):
    p = tmp_path / "g.csv"
    p.write_bytes(("\n".join(",".join(r) for r in [HEADER] + table_rows()) + "\n").encode("gbk"))
    with pytest.raises(InputError, match=r"line 1: the bytes are not utf-8"):
        list(iter_sites(p, ReadOptions(encoding="utf-8")))


@pytest.mark.parametrize("text", ["113°10’44.86”", "113º10′44.86″", "113°10‘44.86“", "113˚10'44.86\""])
def test_dms_as_word_processors_write_it(tmp_path, text):
    p = tmp_path / "dms.csv"
    p.write_text(f"编号,经度,纬度\nP1,{text},27°55′1.2″\n", encoding="utf-8")
    (site,) = iter_sites(p, ReadOptions())
    assert site.error is None
    assert site.geometry.x == pytest.approx(113 + 10 / 60 + 44.86 / 3600, abs=1e-9)


@pytest.mark.parametrize("spelling", ["科研监测", "科研监测与巡护", "research-monitoring", "Research Monitoring",
                                      "ｒｅｓｅａｒｃｈ＿ｍｏｎｉｔｏｒｉｎｇ", "巡护"])
def test_category_spellings(spelling):
    from zoning.rules.catalogue import load_catalogue
    assert load_catalogue().categories.match(spelling).code == "research_monitoring"


def test_scope_phrases_are_not_categories():
    from zoning.errors import CategoryError
    from zoning.rules.catalogue import load_catalogue
    with pytest.raises(CategoryError):
        load_catalogue().categories.match("违法建筑")     # in eco_restoration's scope text, not a project kind


# -- names people use -------------------------------------------------------------------------------------------

def test_kml_placemarks_by_name(tmp_path):
    lonlat = reproject(A.SQUARE, GK, "EPSG:4490")
    other = reproject(A.TWO_PARTS.geoms[1], GK, "EPSG:4490")
    p = tmp_path / "ge.kml"
    p.write_text(A.kml([("未命名多边形", lonlat), ("停车场扩建", other)]), encoding="utf-8")
    site = read_site(p, site_id="未命名多边形")
    assert site.name == "未命名多边形"
    r = CliRunner().invoke(cli, ["check", str(p), "--id", "停车场扩建", "-c", "industrial", "--date", DATE,
                                 "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    assert json.loads(r.output)["site"]["name"] == "停车场扩建"


def test_project_number_column_wins_over_a_serial_number(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("序号,编号,项目编号,wkt\n1,7,XM-001,POINT(113 28)\n2,8,XM-002,POINT(113.1 28)\n", encoding="utf-8")
    assert read_site(p, site_id="XM-002").row == 3


def test_excel_numbers_as_ids(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "wkt"])
    wb.active.append([12.0, "POINT(113 28)"])
    wb.active.append([13.0, "POINT(113.1 28)"])
    wb.save(tmp_path / "n.xlsx")
    assert read_site(tmp_path / "n.xlsx", site_id="12").row == 2


# -- a bad row is that row's problem ------------------------------------------------------------------------------

def _poly(x):
    return {"type": "Polygon", "coordinates": [[[x, 27.9], [x + 0.01, 27.9], [x + 0.01, 27.91], [x, 27.91], [x, 27.9]]]}


BAD_FEATURES = [
    ("unclosed", {"type": "Polygon", "coordinates": [[[113, 27.9], [113.01, 27.9], [113.01, 27.91], [113, 27.91]]]}),
    ("two_points", {"type": "Polygon", "coordinates": [[[113, 27.9], [113.01, 27.9]]]}),
    ("nan", {"type": "Polygon", "coordinates": [[[113, 27.9], [float("nan"), 27.9], [113.01, 27.91], [113, 27.9]]]}),
    ("infinite", {"type": "Polygon", "coordinates": [[[113, 27.9], [float("inf"), 27.9], [113.01, 27.91],
                                                      [113, 27.9]]]}),
    ("out_of_range", {"type": "Polygon", "coordinates": [[[500, 27.9], [500.01, 27.9], [500.01, 27.91],
                                                          [500, 27.9]]]}),
    ("one_point_line", {"type": "LineString", "coordinates": [[113.0, 27.9]]}),
    ("null", None),
    ("string_coordinate", {"type": "Polygon", "coordinates": [[["a", 27.9], [113.01, 27.9], [113.01, 27.91],
                                                               ["a", 27.9]]]}),
]


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_screen_reports_each_bad_row_and_goes_on(tmp_path, fmt):
    feats = [("good1", _poly(113.0))] + BAD_FEATURES + [("good2", _poly(113.02))]
    if fmt == "geojson":
        p = tmp_path / "list.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"编号": n, "类型": "industrial"}, "geometry": g} for n, g in feats]}))
    else:
        p = tmp_path / "list.csv"
        wkt = {
            "unclosed": "POLYGON((113 27.9, 113.01 27.9, 113.01 27.91, 113 27.91))",
            "two_points": "POLYGON((113 27.9, 113.01 27.9))",
            "nan": "POLYGON((113 27.9, nan 27.9, 113 28, 113 27.9))",
            "infinite": "POLYGON((113 27.9, inf 27.9, 113 28, 113 27.9))",
            "out_of_range": "POLYGON((500 27.9, 500.01 27.9, 500.01 27.91, 500 27.9))",
            "one_point_line": "LINESTRING(113 27.9)",
            "null": "",
            "string_coordinate": "POLYGON((a 27.9, b c))",
        }
        with open(p, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["编号", "类型", "wkt"])
            for n, g in feats:
                w.writerow([n, "industrial", wkt[n] if n in wkt else shapely.geometry.shape(g).wkt])
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(cli, ["screen", str(p), "--out", str(out), "--date", DATE])
    assert r.exit_code == 1 and "出错行 rows in error：8" in r.output, r.output      # 1: rows in error, outputs written
    rows = {row["id"]: row for row in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert len(rows) == len(feats)
    assert rows["good1"]["verdict"] and rows["good2"]["verdict"] and not rows["good1"]["error"]
    for name, _ in BAD_FEATURES:
        assert rows[name]["error"] and not rows[name]["verdict"], name
        assert f"row {rows[name]['row']}" in rows[name]["error"], rows[name]["error"]
    assert "finite" in rows["nan"]["error"] and "finite" in rows["infinite"]["error"]


# -- layers that cannot be where they claim -----------------------------------------------------------------------

def gh_rows(crs_of_geometry):
    rows = [{"GNFQ": "核心保护区", "MC": "昭山片区", "geometry": sq(0, 0, 1000)}]
    return [dict(r, geometry=reproject(r["geometry"], GK, crs_of_geometry)) for r in rows]


def gh_entry(path, **kw):
    return dict(id="gh", kind="green_heart", rule_set="green_heart_2024", path=path, zone_field="GNFQ",
                name_field="MC", coverage="unbounded", **kw)


@pytest.mark.parametrize("data_crs, declared, hint", [("EPSG:4490", "EPSG:4547", "EPSG:4490"),
                                                     (GK, "EPSG:4490", "EPSG:4547"),
                                                     ("EPSG:4526", "EPSG:4547", "EPSG:4526")])
def test_layer_in_another_crs_than_declared_fails_loudly(tmp_path, data_crs, declared, hint):
    write_layer(tmp_path, "gh", gh_rows(data_crs), crs=data_crs)
    manifest = write_manifest(tmp_path, [gh_entry("gh.gpkg", crs=declared)])
    r = zoning.check(sq(100, 100, 100), category="commercial", layers=manifest, crs=GK, date=DATE)
    (layer,) = r.layers
    assert layer.status == "failed" and not r.complete
    assert "the CRS is wrong" in layer.error and hint in layer.error


def test_layer_outside_its_own_coverage_fails(tmp_path):
    write_layer(tmp_path, "gh", gh_rows(GK))
    manifest = write_manifest(
        tmp_path, [dict(gh_entry("gh.gpkg"), coverage=[X0 + 50_000, Y0 + 50_000, X0 + 51_000, Y0 + 51_000])]
    )
    r = zoning.check(sq(100, 100, 100), category="commercial", layers=manifest, crs=GK, date=DATE)
    assert r.layers[0].status == "failed" and "outside the layer's own coverage" in r.layers[0].error
