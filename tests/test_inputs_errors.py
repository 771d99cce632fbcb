"""Broken inputs: one message naming the file, the row or point, and what was expected; exit 2; no traceback."""
from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

import zoning
from fixtures import DATA, jzd_txt
from zoning.cli import main
from zoning.errors import InputError

DATE = "2026-11-21"


def cli(*args):
    r = CliRunner().invoke(main, ["check", *map(str, args), "--category", "industrial", "--date", DATE])
    assert "Traceback" not in r.output
    return r.exit_code, r.output


def err(path, *needles, **kw):
    with pytest.raises(InputError) as e:
        zoning.check(path, category="industrial", date=DATE, **kw)
    text = str(e.value)
    assert str(path) in text or kw.get("wkt"), text
    for n in needles:
        assert n in text, text
    return text


def test_empty_file(tmp_path):
    for name in ("empty.geojson", "empty.csv", "empty.txt"):
        p = tmp_path / name
        p.write_bytes(b"")
        err(p, "empty")
        code, out = cli(p)
        assert code == 2 and out.startswith("zoning: error:")


def test_csv_row_with_empty_geometry_names_the_row(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text('id,wkt\nA,"POLYGON((113 28,113.01 28,113.01 28.01,113 28))"\nB,\nC,"POLYGON((1 2"\n',
                 encoding="utf-8")
    err(p, "row 3", "'wkt'", "empty geometry", site_id="B")
    err(p, "row 4", "not valid WKT", site_id="C")
    assert zoning.check(p, category="industrial", site_id="A", date=DATE).verdict


def test_multi_site_file_without_id_lists_ids(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("编号,wkt\nA,POINT(113 28)\nB,POINT(113.1 28)\n", encoding="utf-8")
    err(p, "2 sites", "--id", "A, B")
    err(p, "no site with id or name 'Z'", site_id="Z")


def test_unclosed_txt_ring_is_closed_with_a_warning_naming_parcel_and_ring(tmp_path):
    text = jzd_txt(True).splitlines()
    last_j1 = max(i for i, line in enumerate(text) if line.startswith("J1,1,"))
    del text[last_j1]                                       # drop the closing point of ring 1
    p = tmp_path / "open.txt"
    p.write_bytes("\r\n".join(text).encode("gbk"))
    r = zoning.check(p, category="industrial", date=DATE)   # exporters that never repeat the first point
    note = next(w for w in r.warnings if "not closed" in w)
    assert "XM-2026-001" in note and "ring 1 is not closed" in note and "returning to the first point" in note
    assert r.site["area_m2"] == pytest.approx(zoning.check(DATA / "jzd_gbk_crlf_prefixed.txt", category="industrial",
                                                           date=DATE).site["area_m2"], abs=0.01)


def test_txt_point_line_errors_name_the_line(tmp_path):
    text = jzd_txt(True).replace("J3,1,", "J3,x,")
    p = tmp_path / "bad.txt"
    p.write_text(text, encoding="utf-8")
    err(p, "line 16", "ring number")


def test_txt_unknown_datum(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text(jzd_txt(True, datum="地方独立坐标系"), encoding="utf-8")
    err(p, "坐标系", "2000国家大地坐标系")


def test_txt_xian80_warns_about_datum(tmp_path):
    p = tmp_path / "x80.txt"
    p.write_text(jzd_txt(True, datum="1980西安坐标系"), encoding="utf-8")
    r = zoning.check(p, category="industrial", date=DATE)
    assert any("tens of metres" in w for w in r.warnings)
    assert r.site["source_crs"].startswith("EPSG:2362")      # Xian 1980 3-degree zone 38, from the prefix


def test_unprefixed_txt_without_zone_asks_for_it(tmp_path):
    p = tmp_path / "nozone.txt"
    p.write_text(jzd_txt(False, zone_header=False), encoding="utf-8")
    err(p, "no zone prefix", "cgcs2000-gk3:38")


def test_gk_numbers_without_crs_suggest_the_zone(tmp_path):
    p = tmp_path / "gk.csv"
    p.write_text('id,wkt\nA,"POLYGON((38402000 3093500,38402100 3093500,38402100 3093600,38402000 3093500))"\n',
                 encoding="utf-8")
    err(p, "not longitude/latitude", "--crs cgcs2000-gk3:38")


def test_prefix_contradicting_declared_zone(tmp_path):
    p = tmp_path / "gk.csv"
    p.write_text('id,wkt\nA,"POLYGON((38402000 3093500,38402100 3093500,38402100 3093600,38402000 3093500))"\n',
                 encoding="utf-8")
    err(p, "prefix 38 contradicts the declared zone 37", crs="cgcs2000-gk3:37")
    r = zoning.check(p, category="industrial", date=DATE, crs="cgcs2000-gk3")   # zone from the prefix
    assert r.site["source_crs"].startswith("EPSG:4526")


def test_ambiguous_projected_numbers_are_refused(tmp_path):
    p = tmp_path / "odd.csv"
    p.write_text('id,wkt\nA,"POLYGON((3093500 3093500,3093600 3093500,3093600 3093600,3093500 3093500))"\n',
                 encoding="utf-8")
    err(p, "not Gauss-Kruger easting/northing", crs="EPSG:4547")


def test_zip_without_shapefile(tmp_path):
    p = tmp_path / "nothing.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    err(p, "holds no shapefile")


def test_zip_path_traversal_is_refused(tmp_path):
    p = tmp_path / "evil.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("../../evil.shp", b"x")
    err(p, "outside its folder")
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_bomb_is_refused(tmp_path):
    p = tmp_path / "bomb.zip"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\0" * (50 << 20))
    err(p, "ratio")


def test_non_polygon_needs_radius_or_width(tmp_path):
    p = tmp_path / "line.geojson"
    p.write_text('{"type":"Feature","properties":{},"geometry":{"type":"LineString",'
                 '"coordinates":[[113,28],[113.01,28]]}}', encoding="utf-8")
    err(p, "line", "--width")


def test_null_geometry_feature(tmp_path):
    p = tmp_path / "null.geojson"
    p.write_text('{"type":"Feature","properties":{"id":"N1"},"geometry":null}', encoding="utf-8")
    err(p, "row 1", "empty or missing geometry")


def test_unknown_format(tmp_path):
    p = tmp_path / "site.abc"
    p.write_bytes(b"\x00\x01\x02garbage")
    err(p, "cannot tell the file's format", "--format-in")


def test_outside_china_and_outside_coverage_warn(tmp_path):
    r = zoning.check(wkt="POLYGON((2.35 48.85, 2.36 48.85, 2.36 48.86, 2.35 48.85))", category="industrial",
                     crs="wgs84", date=DATE)
    assert any("outside China" in w for w in r.warnings)
    assert any("outside the coverage of every bounded layer" in w for w in r.warnings)


def test_txt_declared_area_disagreeing_with_the_geometry_warns(tmp_path):
    text = jzd_txt(True)
    p = tmp_path / "area.txt"
    p.write_text(text.replace(",7.4643,", ",9.9000,"), encoding="utf-8")
    r = zoning.check(p, category="industrial", date=DATE)
    assert any("states 99,000.0 m²" in w for w in r.warnings)
    p.write_text(text, encoding="utf-8")
    assert not any("states" in w for w in zoning.check(p, category="industrial", date=DATE).warnings)
