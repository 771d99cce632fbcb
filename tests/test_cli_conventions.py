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


def test_an_existing_output_is_kept_without_overwrite(tmp_path):
    out = tmp_path / "map.html"
    out.write_text("filed earlier", encoding="utf-8")
    args = ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--map", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "exists" in r.output and "--overwrite" in r.output
    assert out.read_text(encoding="utf-8") == "filed earlier"
    r = CliRunner().invoke(main, args + ["--overwrite"])
    assert r.exit_code == 0 and "<html" in out.read_text(encoding="utf-8").lower()


def test_global_quiet_and_verbose(tmp_path):
    loud = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--map",
                                     str(tmp_path / "a.html")])
    assert "wrote" in loud.stderr
    quiet = CliRunner().invoke(main, ["-q", "check", str(HOTEL), "-c", "commercial", "--date", DATE, "--map",
                                      str(tmp_path / "b.html")])
    assert quiet.exit_code == 0 and "wrote" not in quiet.stderr and "结论" in quiet.stdout
    assert CliRunner().invoke(main, ["-v", "rules", "--format", "json"]).exit_code == 0


def test_outputs_to_standard_output():
    r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--coords-out", "-",
                                  "--coords-encoding", "utf-8"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("[属性描述]") and "结论" in r.stderr and "<stdout>" in r.stderr
    r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--map", "-", "--report", "-"])
    assert r.exit_code == 2 and "only one output" in r.output
    r = CliRunner().invoke(main, ["screen", str(REPO / "seeds" / "sample_projects.gpkg"), "--out", "-", "--date",
                                  DATE, "--workers", "1"])
    assert r.exit_code == 0, r.stderr
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 22 and rows[0]["id"] == "P01" and rows[0]["verdict"] == "prohibited"
    assert "结论 verdicts：" in r.stderr and "{" not in r.stderr          # a sentence, not a Python dict


def test_excel_outputs_are_typed_and_bilingual(tmp_path):
    import datetime as dt

    import openpyxl
    out = tmp_path / "s.xlsx"
    r = CliRunner().invoke(main, ["screen", str(REPO / "seeds" / "sample_projects.gpkg"), "--out", str(out),
                                  "--date", DATE, "--workers", "1", "-q"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.title == "筛查 screen" and ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["行号 row", "编号 id", "项目名称 name"] and "结论 verdict" in header
    assert "生态保护红线重叠面积(平方米) red_line_overlap_m2" in header
    col = {h.split(" ")[-1]: i for i, h in enumerate(header)}
    first = [c for c in ws[2]]
    assert first[col["row"]].value == 1 and isinstance(first[col["site_area_m2"]].value, float)
    assert first[col["complete"]].data_type == "b" and isinstance(first[col["date"]].value, dt.datetime)
    verdict = first[col["verdict"]]
    assert verdict.value == "禁止 prohibited" and verdict.fill.fgColor.rgb.endswith("F4CCCC")
    assert ws.column_dimensions["A"].width and ws.column_dimensions["L"].width >= 40


def test_progress_is_redrawn_every_second():
    import io
    import time

    from zoning.progress import Progress
    buf = io.StringIO()
    with Progress(10, "rows", "test", show=True, file=buf, interval=0.2):
        time.sleep(1.1)              # no update at all: the ticker still redraws elapsed time and ETA
    frames = [f for f in buf.getvalue().split("\r") if "test" in f]
    assert len(frames) >= 4 and "00:01" in frames[-1]
