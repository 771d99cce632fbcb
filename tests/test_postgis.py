"""Layers in a real PostGIS server (started by .ci/postgis.sh): same verdicts as from the GeoPackages, clear
errors for every failure, never `clear` for a layer that failed to load."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import zoning
from conftest import REPO, write_manifest
from zoning.errors import ManifestError
from zoning.layers import load_manifest
from zoning.layers.postgis import push_layers

URL = os.environ.get("ZONING_TEST_PG")
if not URL:
    if os.environ.get("CI"):
        raise RuntimeError("CI must provide ZONING_TEST_PG (see .ci/postgis.sh)")
    pytest.skip("no PostGIS test server: run `. .ci/postgis.sh` first", allow_module_level=True)

SITES = sorted((REPO / "seeds" / "sites").glob("*.geojson"))
DATE = "2026-11-21"
SCHEMA = f"t{os.getpid()}"


@pytest.fixture(scope="module")
def pg_manifest(tmp_path_factory):
    text = push_layers(load_manifest(REPO / "layers" / "layers.toml"), URL, schema=SCHEMA, say=lambda m: None)
    path = tmp_path_factory.mktemp("pg") / "layers.toml"
    path.write_text(text, encoding="utf-8")
    yield path
    import psycopg
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


def _essence(r):
    d = r.to_dict()
    return (d["verdict"], d["complete"], d["findings"],
            [(lr["id"], lr["status"], lr["version"], lr["sha256"]) for lr in d["layers"]])


@pytest.mark.parametrize("site", SITES, ids=[p.stem for p in SITES])
def test_every_sample_same_as_geopackage(pg_manifest, site):
    from_pg = zoning.check(site, layers=pg_manifest, date=DATE)
    from_gpkg = zoning.check(site, date=DATE)
    assert _essence(from_pg) == _essence(from_gpkg)


def _one_layer(tmp_path, **kw):
    entry = dict(id="gh", kind="green_heart", rule_set="green_heart_2024", path=URL,
                 table=f"{SCHEMA}.green_heart_2024", zone_field="分区", name_field="名称", coverage="unbounded")
    entry.update(kw)
    return write_manifest(tmp_path, [entry])


def _layer_error(manifest):
    r = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", layers=manifest, date=DATE)
    (layer,) = r.layers
    assert layer.status == "failed" and not r.complete
    return layer.error


def test_server_down(tmp_path, pg_manifest):
    err = _layer_error(_one_layer(tmp_path, path="postgresql://zoning@127.0.0.1:1/zoning_test"))
    assert "cannot connect" in err and "layer 'gh'" in err and "running" in err


def test_wrong_password(tmp_path, pg_manifest, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "wrong")
    err = _layer_error(_one_layer(tmp_path))
    assert "authentication" in err or "password" in err


def test_missing_table(tmp_path, pg_manifest):
    err = _layer_error(_one_layer(tmp_path, table=f"{SCHEMA}.nope"))
    assert f"no table {SCHEMA}.nope" in err


def test_missing_geometry_column(tmp_path, pg_manifest):
    import psycopg
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE IF NOT EXISTS "{SCHEMA}".plain (id int, "分区" text, "名称" text)')
    err = _layer_error(_one_layer(tmp_path, table=f"{SCHEMA}.plain"))
    assert "no geometry column" in err


def test_unexpected_crs(tmp_path, pg_manifest):
    err = _layer_error(_one_layer(tmp_path, crs="EPSG:4547"))
    assert "EPSG:4490" in err and "EPSG:4547" in err


def test_version_from_query_and_column(tmp_path, pg_manifest):
    m = _one_layer(tmp_path, version_query="SELECT '2025-04-07 正式版'")
    r = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", layers=m, date=DATE)
    assert r.layers[0].version == "2025-04-07 正式版" and r.layers[0].status == "hit"
    m = _one_layer(tmp_path, version_column="编号")
    r = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", layers=m, date=DATE)
    assert r.layers[0].version.startswith("GH24-")


def test_where_filter_changes_the_rows_and_the_hash(tmp_path, pg_manifest):
    full = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", layers=_one_layer(tmp_path), date=DATE)
    part = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson",
                        layers=_one_layer(tmp_path, where='"分区" = \'融合发展区\''), date=DATE)
    assert part.layers[0].sha256 != full.layers[0].sha256
    assert full.verdict == "prohibited" and part.verdict == "permitted"


def test_password_in_manifest_is_refused(tmp_path):
    with pytest.raises(ManifestError, match="password"):
        load_manifest(_one_layer(tmp_path, path=URL.replace("zoning@", "zoning:secret@")))


def test_push_cli(tmp_path, pg_manifest):
    out = tmp_path / "pushed.toml"
    r = subprocess.run([sys.executable, "-m", "zoning", "layers", "push", "--to", URL, "--schema", SCHEMA + "b",
                        "--manifest-out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "GiST index" in r.stderr and "password" not in out.read_text(encoding="utf-8")
    import psycopg
    with psycopg.connect(URL, autocommit=True) as conn:
        n = conn.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexdef ILIKE %s",
                         (SCHEMA + "b", "%gist%")).fetchone()[0]
        conn.execute(f'DROP SCHEMA "{SCHEMA}b" CASCADE')
    assert n == 4


def test_layers_with_a_version_are_read_by_window_on_the_server(tmp_path, pg_manifest, monkeypatch):
    """With a version query, a PostGIS layer's fingerprint is read whole once per version; every check then asks
    the server only for the features around its site (&& and <->), with the GeoPackages' answers."""
    import numpy as np
    import shapely

    from zoning.api import make_context
    from zoning.engine import run
    from zoning.geometry.normalise import normalise_batch
    from zoning.inputs import SiteInput
    from zoning.layers import loader
    from zoning.overlay import prepared
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    text = pg_manifest.read_text(encoding="utf-8")
    versioned = tmp_path / "versioned.toml"
    versioned.write_text(text.replace('version = "demo-2026.11"', "version_query = \"SELECT 'demo-2026.11'\""),
                         encoding="utf-8")
    rng = np.random.default_rng(4)
    sites = [shapely.Point(113.0 + rng.uniform(0, 0.12), 27.92 + rng.uniform(0, 0.12)).buffer(rng.uniform(1e-4, 3e-3))
             for _ in range(12)]

    def outcomes(manifest):
        prepared._LOADED.clear()
        ctx = make_context(layers=manifest, date=DATE)
        rows = []
        for s in sites:           # one by one, as `check` asks
            batch = normalise_batch([SiteInput(geometry=s, crs="EPSG:4490", source="t")])
            o = run(batch, ["industrial"], [False], ctx).site(0)
            rows.append((o.verdict, [(r.status, r.sha256) for r in o.layers],
                         sorted((f.type, f.layer, f.zone, f.feature, round(f.overlap_m2 or 0, 3),
                                 None if f.distance_m is None else round(f.distance_m, 2)) for f in o.findings)))
        return rows, ctx
    want, _ = outcomes(REPO / "layers" / "layers.toml")
    got, ctx = outcomes(versioned)
    assert all(ctx.layer(s)[0].server for s in ctx.manifest.layers if not s.is_raster)
    assert got == want
    assert list((tmp_path / "cache" / "stores").glob("*.server.json"))
    real = loader.read_source

    def no_whole_read(spec, rule_set, **kw):
        assert kw.get("fetched") is not None, "a whole-table read"
        return real(spec, rule_set, **kw)
    monkeypatch.setattr(loader, "read_source", no_whole_read)
    monkeypatch.setattr(prepared, "read_source", no_whole_read)
    again, _ = outcomes(versioned)            # a new process: fingerprint kept, windows only
    assert again == want
