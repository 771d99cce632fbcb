"""The command line: output, exit codes and user errors (one clear line, exit 2, no traceback)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import GK, sq
from zoning.cli import main


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r.exit_code, r.output, r.stderr if hasattr(r, "stderr") else ""


def wkt(x, y, w):
    return sq(x, y, w).wkt


def test_check_text_shows_verdict_first_and_bilingual_areas(tiny):
    code, out, _ = run("check", "--wkt", wkt(100, 100, 100), "--crs", GK, "--category", "工业", "--layers", tiny,
                       "--date", "2026-11-21")
    assert code == 0
    assert out.splitlines()[0].startswith("结论 VERDICT: 禁止 PROHIBITED")
    assert "10,000.00 m² = 1.0000 公顷 ha = 15.000 亩 mu" in out
    assert "核心保护区 Core protection zone" in out or "核心保护区" in out


def test_check_json_keys(tiny):
    code, out, _ = run("check", "--wkt", wkt(1100, 100, 100), "--crs", GK, "-c", "commercial", "--layers", tiny,
                       "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["verdict"] == "conditional" and d["complete"] is True
    assert d["site"]["category"] == "commercial" and d["site"]["area_mu"] == pytest.approx(15.0)


@pytest.mark.parametrize("fail_on,expected", [("prohibited", 1), ("conditional", 1), ("incomplete", 0)])
def test_fail_on(tiny, fail_on, expected):
    code, _, _ = run("check", "--wkt", wkt(100, 100, 100), "--crs", GK, "-c", "industrial", "--layers", tiny,
                     "--fail-on", fail_on)
    assert code == expected


def test_fail_on_not_triggered_by_better_verdict(tiny):
    code, _, _ = run("check", "--wkt", wkt(1100, 100, 100), "--crs", GK, "-c", "commercial", "--layers", tiny,
                     "--fail-on", "prohibited")
    assert code == 0


@pytest.mark.parametrize("args,needle", [
    (["-c", "工业园区", "--wkt", "POINT(1 1)"], "unknown project category '工业园区'"),
    (["-c", "industrial", "--wkt", "POLYGON((1 2, 3"], "not valid WKT"),
    (["-c", "industrial", "--wkt", "POLYGON((406000 3093000, 406100 3093000, 406100 3093100, 406000 3093000))"],
     "suggest"),
    (["-c", "industrial", "--crs", "EPSG:99999", "--wkt", "POLYGON((113 28, 113.01 28, 113.01 28.01, 113 28))"],
     "unknown CRS"),
    (["-c", "industrial", "no/such/file.geojson"], "file not found"),
    (["-c", "industrial", "--date", "2026-13-01", "--wkt", "POLYGON((113 28, 113.01 28, 113.01 28.01, 113 28))"],
     "not a date"),
    (["-c", "industrial", "--wkt", "POINT(113 28)"], "--radius"),
    (["-c", "industrial"], "no site given"),
])
def test_user_errors_exit_2_with_one_message(tiny, args, needle):
    r = CliRunner().invoke(main, ["check", "--layers", str(tiny), *args])
    assert r.exit_code == 2, r.output
    text = r.output
    assert "Traceback" not in text
    if needle == "suggest":
        assert "--crs" in text and "not longitude/latitude" in text
    else:
        assert needle in text
    if "category" in needle:
        assert "eco_restoration" in text and "energy_plant" in text


def test_bad_manifest_is_a_user_error(tmp_path):
    bad = tmp_path / "layers.toml"
    bad.write_text("[[layers]]\nid = 'x'\nkind = 'swamp'\nrule_set = 'r'\npath = 'p'\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--layers", str(bad), "-c", "industrial", "--wkt",
                                  "POLYGON((113 28, 113.01 28, 113.01 28.01, 113 28))"])
    assert r.exit_code == 2 and "kind 'swamp'" in r.output and "red_line | green_heart | corridor" in r.output


def test_console_script_user_error_has_no_traceback(tiny):
    p = subprocess.run([sys.executable, "-m", "zoning", "check", "--layers", str(tiny), "--wkt", "POINT(113 28)",
                        "-c", "nonsense"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and p.stderr.startswith("zoning: error:")


def test_rules_formats():
    code, out, _ = run("rules", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    cell = next(r for r in rows if r["rule_set"] == "green_heart_2013" and r["zone"] == "restricted"
                and r["category"] == "tourism_leisure")
    assert cell["verdict"] == "conditional" and cell["rule"] and cell["basis"]
    assert len({(r["rule_set"], r["zone"], r["category"]) for r in rows if r["national_major"] == "False"}) == 8 * 19
    code, out, _ = run("rules", "--format", "markdown", "--rule-set", "corridor_2018")
    assert code == 0 and "| eco_restoration 生态建设与修复 | ✓ permitted" in out and "green_heart" not in out
    code, out, _ = run("rules")
    assert code == 0 and "禁止开发区" in out and "核心保护区" in out
    code, out, _ = run("rules", "--categories")
    assert "厂房" in out
    code, out, _ = run("rules", "--rule-set", "nope")
    assert code == 2


def test_layers_command(tiny):
    code, out, _ = run("layers", "--layers", tiny, "--format", "json")
    assert code == 0
    d = json.loads(out)
    by_id = {lr["id"]: lr for lr in d["layers"]}
    assert by_id["green_heart_2024"]["features"] == 3
    assert by_id["green_heart_2024"]["zones"]["core"]["area_km2"] == pytest.approx(1.0)   # union, not 1.2
    assert by_id["red_line"]["overlaps"] == []       # the reserve core lies inside the red line by design
    assert len(by_id["corridors"]["sha256"]) == 64
    code, out, _ = run("layers", "--layers", tiny)
    assert code == 0 and "sha256" in out and "overlaps between zones" in out
