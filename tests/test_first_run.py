"""A first run as a new user makes it (issue #16): clear one-line errors for bad sites, degenerate sites refused,
a bow-tie repaired with a warning, no raw warnings, no `None` shown, the extras named, versions and a doctor."""
from __future__ import annotations

import json
import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoning.cli import main

DATE = "2026-11-21"


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True, **kw)


def one_line_error(result):
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zoning: error:") and "Traceback" not in result.output, lines
    return lines[0]


@pytest.mark.parametrize("coords,words", [
    ([[113, 27.9], [113.01, 27.9], [113.01, 27.91], [113, 27.91]], "closed"),                  # unclosed ring
    ([[113, 27.9], [113.01, 27.9], [113.02, 27.9], [113, 27.9]], "no area"),                   # collinear
    ([[113, 27.9], [113, 27.9], [113.01, 27.9], [113, 27.9]], "no area"),                      # two distinct
    ([[1e20, 1e20], [2e20, 1e20], [2e20, 2e20], [1e20, 1e20]], "not longitude/latitude"),
])
def test_bad_sites_get_one_line_naming_file_and_row(tmp_path, coords, words):
    path = tmp_path / "site.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [coords]}))
    line = one_line_error(run("check", path, "-c", "industrial", "--date", DATE, "--crs", "cgcs2000"))
    assert str(path) in line and words in line
    assert "row 1" in line or "longitude" in line


def test_degenerate_rows_of_a_list_are_errors_and_the_rest_verdicts(tmp_path):
    from zoning.screen import ScreenOptions, screen
    lst = tmp_path / "list.csv"
    lst.write_text("编号,wkt\n"
                   'A,"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\n'
                   'B,"POLYGON((113 27.9,113.01 27.9,113.02 27.9,113 27.9))"\n', encoding="utf-8")
    summary = screen(lst, tmp_path / "out.csv", ScreenOptions(default_category="industrial", quiet=True,
                                                                workers=1, date=DATE))
    assert summary["rows_in_error"] == 1
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "no area" in text


def test_a_bow_tie_is_repaired_with_a_warning(tmp_path):
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [[[113, 27.9], [113.01, 27.91], [113.01, 27.9],
                                                                    [113, 27.91], [113, 27.9]]]}))
    r = run("check", path, "-c", "industrial", "--date", DATE, "--format", "json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert any("repaired" in w for w in result["warnings"]) and result["site"]["area_m2"] > 500_000


def test_no_raw_warning_and_no_none_shown(tmp_path):
    r = run("check", "--wkt", "POLYGON((113.05 27.95, 113.06 27.95, 113.06 27.96, 113.05 27.95))", "-c", "工业",
            "--date", DATE, "--report", tmp_path / "r.html")
    assert r.exit_code == 0 and "Warning" not in r.stderr, r.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert ">None<" not in html and "None –" not in html and "未命名 unnamed" in html
    r = run("check", "--wkt", "POLYGON((1e20 1e20, 2e20 1e20, 2e20 2e20, 1e20 1e20))", "--crs", "cgcs2000-gk3:114",
            "-c", "industrial")
    assert "Warning" not in r.stderr
    one_line_error(r)


def test_a_missing_extra_is_named_in_one_line(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    line = one_line_error(run("serve", "--port", "1"))
    assert 'pip install "zoning[web]"' in line and "uvicorn" in line


def test_version_names_the_libraries_and_rule_sets():
    r = run("--version")
    assert r.exit_code == 0
    for word in ("zoning 0.1.0", "GDAL", "GEOS", "PROJ", "rule set green_heart_2024", "rule set red_line_2022"):
        assert word in r.output, word


def test_doctor_reports_each_part(tmp_path, monkeypatch):
    r = run("doctor")
    assert r.exit_code == 0, r.output
    for word in ("demo layers", "layer manifest", "cache folder", "Chromium", "CJK font", "extra [web]"):
        assert word in r.output
    bad = tmp_path / "layers.toml"
    bad.write_text('[[layers]]\nid = "x"\nkind = "red_line"\nrule_set = "red_line_2022"\npath = "gone.gpkg"\n')
    r = run("doctor", "--layers", bad)
    assert r.exit_code == 1 and "gone.gpkg not found" in r.output


SITEISH = st.one_of(
    st.text(max_size=200),
    st.builds(lambda t, c: json.dumps({"type": t, "coordinates": c}),
              st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "Feature", "Nonsense"]),
              st.recursive(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=3),
                                     st.none()), lambda inner: st.lists(inner, max_size=5), max_leaves=30)),
    st.builds(lambda rows: "[属性描述]\n坐标系=2000国家大地坐标系\n带号=38\n[地块坐标]\n" + "\n".join(rows),
              st.lists(st.text(alphabet=string.digits + ".,J@面-\n ", max_size=40), max_size=8)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(text=SITEISH, suffix=st.sampled_from([".geojson", ".txt", ".json"]))
def test_fuzzed_site_text_gets_a_result_or_one_line(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"site{suffix}"
    path.write_text(text, encoding="utf-8")
    r = run("check", path, "-c", "industrial", "--date", DATE)
    if r.exit_code == 0:
        assert "VERDICT" in r.stdout
    else:
        one_line_error(r)
