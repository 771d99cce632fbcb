"""Faults leave nothing behind (issue #25): killed runs leave no worker, a full disk or an unwritable folder is one
line and a resumable state, Ctrl-C and SIGTERM keep the state, a resume is one run, incomplete shows in the exit
code, and the work per site is bounded."""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conftest import REPO
from zoning.cli import main

sys.path.insert(0, str(REPO / "seeds"))
from random_sites import write_list  # noqa: E402

DATE = "2026-11-21"


def _rows(path):
    return pq.read_table(path).drop_columns(["geometry"]).to_pylist()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"          # a zombie is gone, only not yet reaped


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


@pytest.fixture(scope="module")
def lst(tmp_path_factory):
    return write_list(tmp_path_factory.mktemp("faults") / "list.gpkg", 1500, seed=25, vertices=12)


@pytest.fixture(scope="module")
def reference(lst, tmp_path_factory):
    ref = tmp_path_factory.mktemp("ref") / "ref.parquet"
    r = CliRunner().invoke(main, ["screen", str(lst), "--out", str(ref), "--date", DATE, "--chunk-size", "100",
                                  "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    return ref


@pytest.mark.skipif(not Path("/proc").exists(), reason="finds worker processes through /proc")
def test_workers_die_with_their_run_and_resume_is_identical(lst, reference, tmp_path):
    out = tmp_path / "out.parquet"
    cmd = [sys.executable, "-m", "zoning", "screen", str(lst), "--out", str(out), "--date", DATE, "--chunk-size",
           "100", "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd)
    work = tmp_path / ".out.parquet.zoning-run"
    deadline = time.time() + 120
    workers = []
    while time.time() < deadline and len(list(work.glob("chunk-*.rows.arrow"))) < 2:
        workers = _children(proc.pid) or workers
        time.sleep(0.05)
    workers = [p for p in _children(proc.pid) if _alive(p)] or workers
    assert len(workers) >= 2, workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)], "workers outlived their run"
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert _rows(out) == _rows(reference)
    assert pq.read_table(out.with_suffix(".findings.parquet")).equals(
        pq.read_table(reference.with_suffix(".findings.parquet")))


def test_a_full_disk_is_one_line_keeps_the_state_and_resumes(lst, reference, tmp_path, monkeypatch):
    from zoning.screen import state as state_module
    out = tmp_path / "out.parquet"
    real = state_module.feather.write_feather
    calls = {"n": 0}

    def full_after_some(table, path, **kw):
        calls["n"] += 1
        if calls["n"] > 6:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(table, path, **kw)
    monkeypatch.setattr(state_module.feather, "write_feather", full_after_some)
    args = ["screen", str(lst), "--out", str(out), "--date", DATE, "--chunk-size", "100", "--workers", "1",
            "--quiet"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0] and "--resume" in lines[0], lines
    assert ".zoning-run" in lines[0] and "free space" in lines[0]
    assert not out.exists() and not list(tmp_path.glob(".out.*.tmp.*"))
    monkeypatch.undo()
    r = CliRunner().invoke(main, args + ["--resume"])
    assert r.exit_code == 0, r.output
    assert _rows(out) == _rows(reference)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="needs root to mount a tmpfs")
def test_a_real_full_tmpfs(lst, reference, tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("tmpfs cannot be mounted here")
    try:
        out = mnt / "out.parquet"
        cmd = [sys.executable, "-m", "zoning", "screen", str(lst), "--out", str(out), "--date", DATE,
               "--chunk-size", "100", "--workers", "2", "--quiet"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "No space left" in r.stderr and "--resume" in r.stderr
        # free space by moving the run to a larger folder is not the same run; here: enlarge the tmpfs
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
        r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert _rows(out) == _rows(reference)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_an_unwritable_output_folder_is_refused_before_work(lst, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):       # root writes anywhere: use a path under a file instead
            target = tmp_path / "afile"
            target.write_text("x")
            out = target / "out.csv"
        else:
            out = ro / "out.csv"
        r = CliRunner().invoke(main, ["screen", str(lst), "--out", str(out), "--date", DATE, "--quiet"])
        assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1, r.output
    finally:
        ro.chmod(0o700)


@pytest.mark.slow
def test_sigterm_and_ctrl_c_keep_the_state_and_say_how_to_resume(lst, reference, tmp_path):
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        out = tmp_path / f"out{code}.parquet"
        cmd = [sys.executable, "-m", "zoning", "screen", str(lst), "--out", str(out), "--date", DATE,
               "--chunk-size", "100", "--workers", "2", "--quiet"]
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        work = tmp_path / f".{out.name}.zoning-run"
        deadline = time.time() + 120
        while time.time() < deadline and len(list(work.glob("chunk-*.rows.arrow"))) < 2:
            time.sleep(0.05)
        workers = [p for p in _children(proc.pid) if _alive(p)]
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == code, err
        assert "interrupted after" in err and "of 1,500 rows" in err and "--resume" in err, err
        assert "Traceback" not in err and "Aborted" not in err
        assert not out.with_suffix(".summary.json").exists() and not out.exists()
        time.sleep(1.5)
        assert not [p for p in workers if _alive(p)]
        r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert _rows(out) == _rows(reference)


@pytest.fixture
def fresh_catalogue():
    from zoning.rules import catalogue
    yield
    catalogue.load_catalogue.cache_clear()      # later tests read the shipped rule files again


def test_a_resume_under_changed_rules_is_refused(lst, tmp_path, monkeypatch, fresh_catalogue):
    out = tmp_path / "out.parquet"
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "zoning" / "rules" / "data", rules)
    from zoning.rules import catalogue
    monkeypatch.setattr(catalogue, "DATA", rules)
    catalogue.load_catalogue.cache_clear()
    args = ["screen", str(lst), "--out", str(out), "--date", DATE, "--chunk-size", "100", "--workers", "1",
            "--quiet"]
    from zoning.screen import run as run_module
    real = run_module._run_local

    def stop_after_three(chunks, *a, **kw):
        def some():
            for k, item in enumerate(chunks):
                if k == 3:
                    raise KeyboardInterrupt
                yield item
        return real(some(), *a, **kw)
    monkeypatch.setattr(run_module, "_run_local", stop_after_three)
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 130 and "interrupted after 300 of 1,500 rows" in r.stderr, r.output
    monkeypatch.setattr(run_module, "_run_local", real)
    gh = rules / "green_heart_2024.toml"
    gh.write_text(gh.read_text(encoding="utf-8").replace('version = "1.0.0"', 'version = "1.0.1"', 1),
                  encoding="utf-8")
    catalogue.load_catalogue.cache_clear()           # a new process reads the rule files again
    r = CliRunner().invoke(main, args + ["--resume"])
    assert r.exit_code == 2, r.output
    line = r.stderr.strip()
    assert "rule files (green_heart_2024) changed" in line and "--restart" in line, line
    r = CliRunner().invoke(main, args + ["--resume", "--restart"])
    assert r.exit_code == 0, r.output
    summary = json.loads(out.with_suffix(".summary.json").read_text(encoding="utf-8"))
    assert summary["versions"]["rule_sets"]["green_heart_2024"]["version"] == "1.0.1"
    assert summary["rows"] == 1500


def test_incomplete_shows_in_the_exit_code(lst, tmp_path):
    manifest = (REPO / "layers" / "layers.toml").read_text(encoding="utf-8")
    for name in ("red_line.gpkg", "green_heart_2013.gpkg", "green_heart_2024.gpkg", "corridors.gpkg",
                 "coverage_demo.gpkg", "dem_demo.tif", "landcover_demo.tif"):
        shutil.copy(REPO / "layers" / name, tmp_path / name)
    (tmp_path / "layers.toml").write_text(manifest, encoding="utf-8")
    (tmp_path / "corridors.gpkg").unlink()                    # one layer gone
    out = tmp_path / "out.csv"
    base = ["screen", str(lst), "--out", str(out), "--date", DATE, "--layers", str(tmp_path / "layers.toml"),
            "--workers", "1", "--quiet"]
    r = CliRunner().invoke(main, base)
    assert r.exit_code == 1 and "layer corridors failed for every row" in r.stderr, r.output
    summary = json.loads(out.with_suffix(".summary.json").read_text(encoding="utf-8"))
    assert summary["failed_layers"] == ["corridors"] and summary["incomplete_by_layer"]["corridors"] == 1500
    shutil.copy(REPO / "layers" / "corridors.gpkg", tmp_path / "corridors.gpkg")
    assert CliRunner().invoke(main, base + ["--overwrite"]).exit_code == 0
    r = CliRunner().invoke(main, base + ["--overwrite", "--fail-on", "prohibited"])
    assert r.exit_code == 1


def test_work_per_site_is_bounded():
    import shapely

    import zoning
    from zoning.errors import InputError
    from zoning.geometry import normalise
    from zoning.geometry.project import reproject
    rng = __import__("numpy").random.default_rng(0)
    n = 5000
    pts = shapely.points(402_000 + rng.uniform(0, 20_000, n), 3_085_000 + rng.uniform(0, 20_000, n))
    site = reproject(shapely.multipolygons(list(shapely.buffer(pts, 10, quad_segs=2))), "EPSG:4547", "EPSG:4490")
    t = time.perf_counter()
    r = zoning.check(site, category="industrial", date=DATE)
    assert r.verdict and time.perf_counter() - t < 30
    too_many = shapely.multipolygons([shapely.box(113 + k * 1e-4, 27.9, 113 + k * 1e-4 + 5e-5, 27.90005)
                                      for k in range(normalise.MAX_SITE_PARTS + 1)])
    with pytest.raises(InputError, match="limit 50,000"):
        zoning.check(too_many, category="industrial", date=DATE)


@pytest.mark.slow
def test_the_dask_engine_survives_a_lost_worker(tmp_path, monkeypatch):
    """A LocalCluster worker killed while it works on a block: its tasks are run again elsewhere (its nanny starts
    a new worker), and the output equals the local engine's."""
    import threading

    from zoning.screen import ScreenOptions, dask_engine, screen
    monkeypatch.setattr(dask_engine, "BLOCK", 200)
    lst = write_list(tmp_path / "list.gpkg", 400, seed=9, vertices=10)
    local, dask_out = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    screen(lst, local, ScreenOptions(date=DATE, chunk_size=100, quiet=True, workers=1))
    real = dask_engine._run_block
    killed = []

    def with_a_kill(client, *a, **kw):
        if not killed:
            pids = client.run(os.getpid)
            victim = sorted(pids.values())[0]

            def kill():
                time.sleep(0.3)                   # while its tasks run
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
            threading.Thread(target=kill, daemon=True).start()
        return real(client, *a, **kw)
    monkeypatch.setattr(dask_engine, "_run_block", with_a_kill)
    screen(lst, dask_out, ScreenOptions(date=DATE, chunk_size=100, quiet=True, engine="dask", workers=2))
    assert killed and not _alive(killed[0])
    assert _rows(dask_out) == _rows(local)
    assert pq.read_table(dask_out.with_suffix(".findings.parquet")).equals(
        pq.read_table(local.with_suffix(".findings.parquet")))
