"""`zoning screen`: each row equals `check` of that site; bad rows are reported, not lost; every output format;
a run killed with SIGKILL resumes to exactly the output of an uninterrupted run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zoning
from conftest import REPO
from zoning.screen import ScreenOptions, screen

sys.path.insert(0, str(REPO / "seeds"))
from random_sites import write_list  # noqa: E402

DATE = "2026-11-21"


def _check_row(path, site_id):
    return zoning.check(path, site_id=site_id, date=DATE)


def _expected_row(r) -> dict:
    """What the screening row of a site must say, worked out one finding at a time from `check`'s result
    (independently of the columnar code that writes the rows)."""
    from zoning.rules.ruleset import VERDICTS
    from zoning.units import areas
    s = r.site
    out = {"id": s["id"], "category": s["category"], "category_name": s["category_name"],
           "national_major": s["national_major"], "date": r.date, "verdict": r.verdict, "complete": r.complete,
           "site_area_m2": areas(s["area_m2"])["m2"], "site_area_mu": s["area_mu"],
           "rules": ";".join(dict.fromkeys(f.rule for f in r.findings if f.drives_verdict and f.rule)),
           "incomplete_reasons": "; ".join(r.incomplete_reasons), "warnings": "; ".join(r.warnings), "error": "",
           "geometry_sha256": s["geometry_sha256"],
           "layer_versions": json.dumps({lr.id: lr.version for lr in r.layers}, ensure_ascii=False),
           "rule_versions": json.dumps({x["id"]: x["version"] for x in r.rule_sets}, ensure_ascii=False)}
    for layer in r.layers:
        hits = [f for f in r.findings if f.layer == layer.id and f.type in ("overlap", "boundary_contact")]
        drive = [f for f in hits if f.drives_verdict] or hits
        f = min(drive, key=lambda f: (VERDICTS.index(f.verdict) if f.verdict in VERDICTS else 9, -f.overlap_m2),
                default=None)
        a = areas(f.overlap_m2 if f else 0.0)
        out.update({f"{layer.id}_status": layer.status, f"{layer.id}_zone": f.zone if f else "",
                    f"{layer.id}_zone_name": f.zone_name if f else "", f"{layer.id}_overlap_m2": a["m2"],
                    f"{layer.id}_overlap_mu": a["mu"],
                    f"{layer.id}_share": round(f.overlap_share, 6) if f else 0.0})
    return out


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(5, 25))
def test_every_row_equals_check(tmp_path_factory, seed, n):
    folder = tmp_path_factory.mktemp("prop")
    lst = write_list(folder / "list.gpkg", n, seed=seed, vertices=12)
    out = folder / "out.gpkg"
    summary = screen(lst, out, ScreenOptions(date=DATE, chunk_size=7, workers=2, quiet=True))
    assert summary["rows"] == n and summary["rows_in_error"] == 0
    rows = pyogrio.read_dataframe(out, layer="screen").sort_values("row")
    findings = pyogrio.read_dataframe(out, layer="findings", read_geometry=False)
    for _, row in rows.iterrows():
        r = _check_row(lst, row["id"])
        expected = _expected_row(r)
        got = {k: (bool(row[k]) if isinstance(expected[k], bool) else row[k]) for k in expected}
        for k in expected:
            if isinstance(expected[k], float):
                assert got[k] == pytest.approx(expected[k], abs=1e-9), k
            else:
                assert got[k] == expected[k], k
        mine = findings[findings["row"] == row["row"]].drop(columns=["row", "id"]).to_dict("records")
        theirs = [f.to_dict() for f in r.findings]
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=False):
            assert json.loads(a.pop("features")) == b.pop("features")
            assert json.loads(a.pop("corridor")) == b.pop("corridor")
            assert json.loads(a.pop("stats")) == b.pop("stats")
            assert {k: (None if isinstance(v, float) and v != v else v) for k, v in a.items()} == b


def test_bad_rows_get_errors_and_the_rest_verdicts(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("编号,项目名称,项目类型,wkt\n"
                 'A,好项目,工业,"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\n'
                 'B,坏几何,工业,"POLYGON((113.05 27.95"\n'
                 'C,坏类型,飞船基地,"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\n'
                 'D,超范围,工业,"POLYGON((500 95,501 95,501 96,500 95))"\n'
                 'E,好项目2,commercial,"POLYGON((113.10 28.0,113.101 28.0,113.101 28.001,113.10 28.0))"\n',
                 encoding="gbk")
    out = tmp_path / "out.csv"
    r = subprocess.run([sys.executable, "-m", "zoning", "screen", str(p), "--out", str(out), "--date", DATE,
                        "--quiet"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    import csv
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [x["id"] for x in rows] == ["A", "B", "C", "D", "E"]
    errors = {x["id"]: x["error"] for x in rows}
    assert errors["A"] == "" and errors["E"] == ""
    assert "row 3" in errors["B"] and "WKT" in errors["B"]
    assert "飞船基地" in errors["C"] and "industrial" in errors["C"]
    assert "row 5" in errors["D"] and "--crs" in errors["D"]
    assert rows[0]["verdict"] == "prohibited" and rows[4]["verdict"]
    summary = json.loads(out.with_suffix(".summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == 5 and summary["rows_in_error"] == 3
    assert out.with_suffix(".findings.csv").exists()


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".gpkg", ".parquet"])
def test_output_formats(tmp_path, ext):
    lst = write_list(tmp_path / "list.parquet", 30, seed=3, vertices=10)
    out = tmp_path / f"out{ext}"
    summary = screen(lst, out, ScreenOptions(date=DATE, chunk_size=8, quiet=True, map_path=str(tmp_path / "m.html"),
                                             reports_dir=str(tmp_path / "rep"), reports_for=("prohibited",)))
    assert summary["rows"] == 30 and out.exists()
    if ext == ".csv":
        import pandas as pd
        df = pd.read_csv(out, encoding="utf-8-sig")
    elif ext == ".xlsx":
        import pandas as pd
        df = pd.read_excel(out, sheet_name="筛查 screen")
        # people's headers (`结论 verdict`) and verdicts (`禁止 prohibited`) end with the machine name and code
        df.columns = [c.split(" ")[-1] for c in df.columns]
        df["verdict"] = df["verdict"].str.split(" ").str[-1]
    elif ext == ".gpkg":
        df = pyogrio.read_dataframe(out, layer="screen")
        assert df.crs.to_epsg() == 4490 and df.geometry.notna().all()
    else:
        import geopandas as gpd
        df = gpd.read_parquet(out)
        assert df.crs.to_epsg() == 4490
    assert list(df["row"]) == list(range(1, 31))
    assert set(df["verdict"]) <= {"prohibited", "conditional", "permitted"}
    assert "演示数据" in (tmp_path / "m.html").read_text(encoding="utf-8")
    n_prohibited = int((df["verdict"] == "prohibited").sum())
    assert len(list((tmp_path / "rep").glob("*.txt"))) == n_prohibited


def test_no_findings_gives_the_same_rows(tmp_path):
    """--no-findings skips what only findings show (nearest zone, adjacency, statistics, residual width): the rows
    are identical to a full run's, and no findings sidecar is written."""
    lst = write_list(tmp_path / "list.gpkg", 300, seed=11, vertices=12)
    full, lean = tmp_path / "full.parquet", tmp_path / "lean.parquet"
    screen(lst, full, ScreenOptions(date=DATE, chunk_size=100, workers=2, quiet=True))
    r = subprocess.run([sys.executable, "-m", "zoning", "screen", str(lst), "--out", str(lean), "--date", DATE,
                        "--chunk-size", "100", "--workers", "2", "--no-findings", "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert _rows(lean) == _rows(full)
    assert full.with_suffix(".findings.parquet").exists() and not lean.with_suffix(".findings.parquet").exists()
    findings = pq.read_table(full.with_suffix(".findings.parquet")).to_pylist()
    corridor_tests = [f for f in findings if f["corridor"] not in (None, "[]")]
    assert len(corridor_tests) >= 3       # the list reaches corridor geometry tests that the lean run skips


def _rows(path):
    t = pq.read_table(path).drop_columns(["geometry"]).to_pylist()
    return t


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_output(tmp_path):
    lst = write_list(tmp_path / "list.gpkg", 1200, seed=11, vertices=12)
    cmd = [sys.executable, "-m", "zoning", "screen", str(lst), "--date", DATE, "--chunk-size", "60",
           "--workers", "1", "--quiet"]
    reference = tmp_path / "ref.parquet"
    subprocess.run(cmd + ["--out", str(reference)], check=False, timeout=600)
    out = tmp_path / "out.parquet"
    proc = subprocess.Popen(cmd + ["--out", str(out)])
    work = tmp_path / ".out.parquet.zoning-run"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(work.glob("chunk-*.rows.arrow"))) < 4:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(work.glob("chunk-*.rows.arrow")))
    assert 4 <= done_before < 20, done_before
    assert not out.exists()
    assert list(tmp_path.glob(".out.parquet.*.tmp.parquet"))       # the killed run was writing its output
    r = subprocess.run(cmd + ["--out", str(out), "--resume"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert _rows(out) == _rows(reference)
    assert len(_rows(out)) == 1200
    assert pq.read_table(out.with_suffix(".findings.parquet")).equals(
        pq.read_table(reference.with_suffix(".findings.parquet")))
    assert not work.exists()
    assert not list(tmp_path.glob(".out.*.tmp.*"))                  # its temporary files are gone


def test_dask_engine_equals_local(tmp_path, monkeypatch):
    from zoning.screen import dask_engine
    monkeypatch.setattr(dask_engine, "BLOCK", 30)       # blocks of two chunks: the list goes through in two blocks
    lst = write_list(tmp_path / "list.gpkg", 60, seed=5, vertices=10)
    local, dask_out = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    screen(lst, local, ScreenOptions(date=DATE, chunk_size=16, quiet=True))
    screen(lst, dask_out, ScreenOptions(date=DATE, chunk_size=16, quiet=True, engine="dask", workers=2))
    assert _rows(dask_out) == _rows(local)
    assert pq.read_table(dask_out.with_suffix(".findings.parquet")).equals(
        pq.read_table(local.with_suffix(".findings.parquet")))
