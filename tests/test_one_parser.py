"""One parser per concept: each spelling of a flag, a date or a tolerance gives the same verdict, or the same
error, through every entry point (the Python API, a site file's column, a list, the command line, the web form
and both forms of the JSON API)."""
from __future__ import annotations

import copy
import csv
import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

import zoning
from conftest import DEMO_DATE as DATE, REPO
from zoning.cli import main
from zoning.errors import InputError
from zoning.web.app import create_app

PUMPED = REPO / "seeds" / "sites" / "liuyang_pumped_storage.geojson"    # national major: conditional, else prohibited
YES = ["yes", "y", "t", "1.0", "1", "true", "TRUE", "是", "on", 1, 1.0, True]
NO = ["no", "n", "f", "0.0", "0", "false", "否", "off", 0, False]
BAD = ["maybe", "2", "yes please"]
SPELLINGS = [(s, "conditional") for s in YES] + [(s, "prohibited") for s in NO] + [(s, "error") for s in BAD]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return TestClient(create_app(auth=False, db=tmp_path_factory.mktemp("db") / "register.sqlite"),
                      raise_server_exceptions=False)


def _feature(flag):
    fc = json.loads(PUMPED.read_text(encoding="utf-8"))
    fc = copy.deepcopy(fc)
    fc["features"][0]["properties"]["national_major"] = flag
    return fc


def api(spelling):
    try:
        return zoning.check(PUMPED, national_major=spelling, date=DATE).verdict
    except InputError:
        return "error"


def file_column(spelling, tmp_path):
    p = tmp_path / "site.geojson"
    p.write_text(json.dumps(_feature(spelling if not isinstance(spelling, bool) else str(spelling)),
                            ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(p), "--date", DATE, "--format", "json"])
    if r.exit_code == 2:
        assert "not a yes/no flag" in r.output
        return "error"
    return json.loads(r.output)["verdict"]


def list_row(spelling, tmp_path):
    geom = json.loads(PUMPED.read_text(encoding="utf-8"))["features"][0]["geometry"]
    import shapely.geometry
    p, out = tmp_path / "list.csv", tmp_path / "out.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "category", "国家重大项目", "wkt"])
        w.writerow(["P09", "energy_plant", str(spelling), shapely.geometry.shape(geom).wkt])
    CliRunner().invoke(main, ["screen", str(p), "--out", str(out), "--date", DATE])
    (row,) = csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())
    if row["error"]:
        assert "not a yes/no flag" in row["error"]
        return "error"
    return row["verdict"]


def web_json(spelling, client):
    r = client.post("/api/check", json={"site": json.loads(PUMPED.read_text(encoding="utf-8")),
                                        "category": "energy_plant", "date": DATE, "national_major": spelling})
    if r.status_code == 400:
        assert "national_major" in r.text
        return "error"
    assert r.status_code == 200, r.text
    return r.json()["verdict"]


def web_multipart(spelling, client):
    r = client.post("/api/check", data={"category": "energy_plant", "date": DATE, "national_major": str(spelling)},
                    files={"file": (PUMPED.name, PUMPED.read_bytes())})
    if r.status_code == 400:
        assert "yes/no" in r.text
        return "error"
    assert r.status_code == 200, r.text
    return r.json()["verdict"]


def web_form(spelling, client):
    r = client.post("/check", data={"category": "energy_plant", "date": DATE, "national_major": str(spelling)},
                    files={"file": (PUMPED.name, PUMPED.read_bytes())}, follow_redirects=False)
    if r.status_code == 400:
        assert "yes/no" in r.text
        return "error"
    assert r.status_code == 303, r.text
    return client.get(r.headers["location"].replace("/checks/", "/checks/") + "/result.json").json()["verdict"]


@pytest.mark.parametrize("spelling, expected", SPELLINGS, ids=[repr(s) for s, _ in SPELLINGS])
def test_flag_spellings_agree_everywhere(spelling, expected, tmp_path, client):
    got = {"api": api(spelling), "file column": file_column(spelling, tmp_path),
           "list row": list_row(spelling, tmp_path), "web JSON": web_json(spelling, client)}
    if not isinstance(spelling, bool) and not isinstance(spelling, (int, float)):
        got["web multipart"] = web_multipart(spelling, client)
        got["web form"] = web_form(spelling, client)
    assert set(got.values()) == {expected}, got


@pytest.mark.parametrize("spelling", ["2026-11-21", "2026/11/21", "2026年11月21日", "20261121", "2026.11.21"])
def test_date_spellings_agree_everywhere(spelling, tmp_path, client):
    base = zoning.check(PUMPED, date=DATE)
    assert zoning.check(PUMPED, date=spelling).date == base.date
    r = CliRunner().invoke(main, ["check", str(PUMPED), "--date", spelling, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["date"] == base.date
    r = client.post("/api/check", json={"site": json.loads(PUMPED.read_text(encoding="utf-8")),
                                        "category": "energy_plant", "date": spelling})
    assert r.status_code == 200 and r.json()["date"] == base.date


@pytest.mark.parametrize("value", ["-5", "nan", "abc"])
def test_bad_tolerances_are_refused_everywhere(value, tmp_path):
    with pytest.raises(InputError):
        zoning.check(PUMPED, date=DATE, tolerance_m=float(value) if value != "abc" else value)
    r = CliRunner().invoke(main, ["check", str(PUMPED), "--date", DATE, "--tolerance-m", value])
    assert r.exit_code == 2 and "--tolerance-m" in r.output
    r = CliRunner().invoke(main, ["screen", str(PUMPED), "--out", str(tmp_path / "o.csv"), "--tolerance-m", value])
    assert r.exit_code == 2 and "--tolerance-m" in r.output
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("args, words", [(["--extent", "1,2,3"], "has 3 numbers"),
                                         (["--extent", "5,5,1,1"], "each min below its max"),
                                         (["--cell", "0"], "more than 0")])
def test_suitability_options_are_parsed_not_asserted(args, words):
    r = CliRunner().invoke(main, ["suitability", "-c", "industrial", *args])
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output


def test_suitability_without_a_green_heart_layer_says_so(tmp_path):
    from conftest import sq, write_layer, write_manifest
    write_layer(tmp_path, "rl", [{"T": "生态保护红线", "geometry": sq(0, 0, 100)}])
    m = write_manifest(tmp_path, [dict(id="rl", kind="red_line", rule_set="red_line_2022", path="rl.gpkg",
                                       zone_field="T", zone_values={"生态保护红线": "red_line"}, coverage="unbounded")])
    r = CliRunner().invoke(main, ["suitability", "-c", "industrial", "--layers", str(m)])
    assert r.exit_code == 2 and "no green-heart layer" in r.output and "--extent" in r.output
