"""What a layer update changes: `zoning layers diff` and `zoning impact`, on a copy of the demo layers whose
red-line feature 昭山北生态保护红线 is moved 100 m east."""
from __future__ import annotations

import shutil

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import zoning
from conftest import DEMO_DATE as DATE, REPO
from zoning.cli import main
from zoning.geometry.project import reproject
from zoning.screen.impact import impact
from zoning.web.register import Register, sites_from_register

MOVED = "昭山北生态保护红线"
GK = "EPSG:4547"


@pytest.fixture(scope="module")
def update(tmp_path_factory):
    """(old manifest, new manifest, the feature before and after, in GK metres)."""
    new = tmp_path_factory.mktemp("new")
    for f in (REPO / "layers").iterdir():
        if f.suffix in (".gpkg", ".tif", ".toml"):
            shutil.copy(f, new / f.name)
    toml = (new / "layers.toml").read_text(encoding="utf-8").replace('version = "demo-2026.11"',
                                                                     'version = "demo-2026.12"')
    (new / "layers.toml").write_text(toml, encoding="utf-8")
    g = gpd.read_file(new / "red_line.gpkg", layer="red_line")
    k = int((g["名称"] == MOVED).to_numpy().nonzero()[0][0])
    before = reproject(g.geometry.iloc[k], "EPSG:4490", GK)
    after = shapely.affinity.translate(before, xoff=100.0)
    g.loc[k, "geometry"] = reproject(after, GK, "EPSG:4490")
    g.to_file(new / "red_line.gpkg", layer="red_line", driver="GPKG")
    others = reproject(shapely.union_all(g.geometry.drop(index=k).to_numpy()), "EPSG:4490", GK)
    return REPO / "layers" / "layers.toml", new / "layers.toml", before, after, others


def test_layer_diff_names_the_moved_feature_and_its_areas(update, tmp_path):
    old, new, before, after, _ = update
    out, page = tmp_path / "diff.gpkg", tmp_path / "diff.html"
    r = CliRunner().invoke(main, ["layers", "diff", str(old), str(new), "--out", str(out), "--map", str(page)])
    assert r.exit_code == 0, r.output
    assert "red_line: 修改 changed" in r.output and "修改 changed 1, 未变 unchanged 13" in r.output
    assert f"修改 changed: {MOVED}" in r.output and "green_heart_2024: 未变 unchanged" in r.output
    areas = pyogrio.read_dataframe(out, layer="areas")
    gained = areas[(areas.change == "added")].area_m2.sum()
    lost = areas[(areas.change == "removed")].area_m2.sum()
    assert gained == pytest.approx(after.difference(before).area, rel=1e-3)
    assert lost == pytest.approx(before.difference(after).area, rel=1e-3)
    feats = pyogrio.read_dataframe(out, layer="features")
    assert feats.key.tolist() == [MOVED] and feats.change.tolist() == ["changed"]
    assert "新增 added" in page.read_text(encoding="utf-8")


def _sites(before, others):
    """Squares of 150 m: across the feature's east and west edges (their overlap changes), deep inside and far
    outside (it does not), none near another red-line feature."""
    b = before.bounds
    out = []
    for frac in (0.2, 0.35, 0.5, 0.65, 0.8):
        y = b[1] + frac * (b[3] - b[1])
        for x in (b[0], b[2]):
            line = shapely.LineString([(x - 500, y), (x + 500, y)])
            hits = line.intersection(before.boundary)
            if hits.is_empty:
                continue
            p = shapely.get_parts(hits)[0]
            out.append(shapely.box(p.x - 75, p.y - 75, p.x + 75, p.y + 75))
    c = before.representative_point()
    inside = shapely.box(c.x - 75, c.y - 75, c.x + 75, c.y + 75)
    if before.buffer(-400).contains(inside):
        out.append(inside)
    out.append(shapely.box(b[2] + 3000, b[1], b[2] + 3150, b[1] + 150))
    out = [s for s in out if s.distance(others) > 300]
    for path in sorted((REPO / "seeds" / "sites").glob("*.geojson")):      # sites over other zones and layers
        g = reproject(shapely.union_all(gpd.read_file(path).geometry.to_numpy()), "EPSG:4490", GK)
        if g.geom_type in ("Polygon", "MultiPolygon") and g.distance(before) > 300:
            out.append(g)
    return out


def test_impact_lists_exactly_the_checks_whose_overlap_changes(update, tmp_path):
    old, new, before, after, others = update
    sites = _sites(before, others)
    reg = Register(tmp_path / "register.sqlite")
    ids = []
    for k, s in enumerate(sites):
        result = zoning.check(reproject(s, GK, "EPSG:4490"), category="commercial", date=DATE, layers=old)
        ids.append(reg.add(result, case_ref=f"湘绿准〔2026〕{k + 1}号"))
    expected = {f"check {i}" for i, s in zip(ids, sites, strict=False)
                if abs(s.intersection(before).area - s.intersection(after).area) > 1.0}
    assert 4 <= len(expected) <= len(sites) - 2, (len(expected), len(sites))   # some change, some do not
    found, source = sites_from_register(tmp_path / "register.sqlite")
    result = impact(old, new, found, source)
    assert {c.key for c in result.changes} == expected
    assert result.unchanged == len(sites) - len(expected) and result.total == len(sites)
    for c in result.changes:
        assert any(layer == "red_line" and feature == MOVED for layer, _, feature, _, _ in c.zones)
        assert c.ref["case_ref"].startswith("湘绿准")
    out, page = tmp_path / "impact.xlsx", tmp_path / "impact.html"
    r = CliRunner().invoke(main, ["impact", "--old", str(old), "--new", str(new), "--register",
                                  str(tmp_path / "register.sqlite"), "--out", str(out), "--map", str(page)])
    assert r.exit_code == 0, r.output
    assert f"{len(sites):,} 条记录 records: {len(expected):,} 变化 change" in r.output
    import openpyxl
    ws = openpyxl.load_workbook(out)["影响 impact"]
    assert {row[0] for row in ws.iter_rows(min_row=2, values_only=True)} == expected


def test_impact_on_screen_results(update, tmp_path):
    old, new, before, after, others = update
    sites = _sites(before, others)
    listing = tmp_path / "list.gpkg"
    gpd.GeoDataFrame({"id": [f"S{k}" for k in range(len(sites))], "category": "commercial", "date": DATE},
                     geometry=sites, crs=GK).to_file(listing, layer="sites")
    results = tmp_path / "results.gpkg"
    r = CliRunner().invoke(main, ["screen", str(listing), "--out", str(results), "--layers", str(old), "--workers",
                                  "1"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["impact", "--old", str(old), "--new", str(new), "--results", str(results)])
    assert r.exit_code == 0, r.output
    changed = sum(abs(s.intersection(before).area - s.intersection(after).area) > 1.0 for s in sites)
    assert f"{changed:,} 变化 change" in r.output


def test_impact_needs_one_source(update):
    old, new, *_ = update
    r = CliRunner().invoke(main, ["impact", "--old", str(old), "--new", str(new)])
    assert r.exit_code == 2 and "give one of --register and --results" in r.output


def test_web_impact_for_its_own_register(update, tmp_path):
    from fastapi.testclient import TestClient

    from zoning.web.app import create_app
    old, new, before, after, others = update
    root = tmp_path / "layers-root"
    for name, src in (("current", old.parent), ("update-2026-12", new.parent)):
        (root / name).mkdir(parents=True)
        for f in src.iterdir():
            if f.suffix in (".gpkg", ".tif", ".toml"):
                shutil.copy(f, root / name / f.name)
    app = create_app(layers=root / "current" / "layers.toml", auth=False, db=tmp_path / "register.sqlite")
    client = TestClient(app)
    sites = _sites(before, others)
    for s in sites:
        app.state.register.add(zoning.check(reproject(s, GK, "EPSG:4490"), category="commercial", date=DATE,
                                            layers=root / "current" / "layers.toml"))
    page = client.get("/impact").text
    assert "update-2026-12/layers.toml" in page and "current/layers.toml" in page
    r = client.post("/impact", data={"manifest": "0"})
    assert r.status_code == 200, r.text
    changed = sum(abs(s.intersection(before).area - s.intersection(after).area) > 1.0 for s in sites)
    assert f"{len(sites)} 条记录 records · {changed} 变化 changed" in r.text
    link = r.text.split('id="impact-xlsx" href="', 1)[1].split('"', 1)[0]
    x = client.get(link)
    assert x.status_code == 200 and x.content.startswith(b"PK")
    assert client.post("/impact", data={"manifest": "7"}).status_code == 400
