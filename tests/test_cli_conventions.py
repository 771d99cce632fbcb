"""The command line as its models (rio, fio, ogr2ogr) behave: standard input for a site, machine-readable rules."""
from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import DEMO_DATE as DATE, REPO
from zoning.cli import main

HOTEL = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"


def test_a_site_from_standard_input():
    r = CliRunner().invoke(main, ["check", "-", "-c", "commercial", "--date", DATE, "--format", "json"],
                           input=HOTEL.read_bytes())
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["verdict"] == "prohibited" and d["site"]["source"] == "<stdin>"
    assert not any("zoning-stdin" in w for w in d["warnings"])
    r = CliRunner().invoke(main, ["check", "-", "-c", "commercial"], input=b"not a site")
    assert r.exit_code == 2 and "standard input is not GeoJSON" in r.output


def test_rules_as_json():
    import json
    r = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert {s["id"] for s in d["rule_sets"]} >= {"red_line_2022", "green_heart_2024", "terrain_slope"}
    assert len(d["matrix"]) > 100 and d["raster_rules"]
