"""The demo layers: rebuilt by the recipe exactly as committed, meeting their targets, clean in `zoning layers`."""
from __future__ import annotations

import subprocess
import sys

import pyogrio
import pytest

from conftest import REPO
from zoning.layers import load_manifest
from zoning.overlay.prepared import load_layer
from zoning.layers.inspect import inspect_layer
from zoning.rules import load_catalogue

TABLES = ["green_heart_2013", "green_heart_2024", "red_line", "corridors", "coverage_demo"]


def read(path):
    meta, _, wkb, cols = pyogrio.raw.read(path)
    return list(meta["fields"]), list(wkb), [list(map(str, c)) for c in cols]


@pytest.mark.slow
def test_recipe_rebuilds_the_committed_layers(tmp_path):
    subprocess.run([sys.executable, str(REPO / "seeds" / "build_demo_layers.py"), "--out", str(tmp_path), "--quiet"],
                   check=True, timeout=300)
    for name in TABLES:
        assert read(tmp_path / f"{name}.gpkg") == read(REPO / "layers" / f"{name}.gpkg"), name
    assert (tmp_path / "layers.toml").read_text(encoding="utf-8") == \
        (REPO / "layers" / "layers.toml").read_text(encoding="utf-8")


def test_demo_layers_meet_their_targets():
    p = subprocess.run([sys.executable, str(REPO / "seeds" / "check_demo_layers.py")], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "all checks passed" in p.stdout


@pytest.fixture(scope="module")
def inventory():
    cat, manifest = load_catalogue(), load_manifest(REPO / "layers" / "layers.toml")
    return {s.id: inspect_layer(load_layer(s, cat.rule_set(s.rule_set))) for s in manifest.layers
            if not s.is_raster}, manifest


def test_demo_manifest_is_marked_demo(inventory):
    _, manifest = inventory
    assert manifest.demo and "演示数据" in manifest.notice and "not official" in manifest.notice


def test_demo_layers_are_clean_and_at_the_published_areas(inventory):
    inv, _ = inventory
    for entry in inv.values():
        assert entry["invalid_geometries"] == [] and entry["overlaps"] == [], entry["id"]
        assert len(entry["sha256"]) == 64 and entry["version"] == "demo-2026.11"
    gh13, gh24 = inv["green_heart_2013"]["zones"], inv["green_heart_2024"]["zones"]
    assert sum(z["area_km2"] for z in gh13.values()) == pytest.approx(528.32, rel=0.005)
    assert sum(z["area_km2"] for z in gh24.values()) == pytest.approx(529.79, rel=0.005)
    assert gh24["core"]["area_km2"] == pytest.approx(301.35, rel=0.01)
    assert gh13["prohibited"]["area_km2"] / 528.32 == pytest.approx(0.5, abs=0.03)
    assert inv["red_line"]["zones"]["nature_reserve_core"]["features"] == 1
    assert inv["corridors"]["features"] == 4


@pytest.mark.slow
def test_raster_recipe_rebuilds_the_committed_rasters(tmp_path):
    subprocess.run([sys.executable, str(REPO / "seeds" / "build_demo_rasters.py"), "--out", str(tmp_path), "--quiet"],
                   check=True, timeout=300)
    for name in ("dem_demo.tif", "landcover_demo.tif"):
        assert (tmp_path / name).read_bytes() == (REPO / "layers" / name).read_bytes(), name
