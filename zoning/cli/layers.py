"""`zoning layers`: the manifest's layers; `prepare`, `diff` and `push`."""
from __future__ import annotations

import json
import sys

import click

from .options import EXIT_USER_ERROR, layers_option, user_errors, writes, wrote


@click.group(invoke_without_command=True)
@layers_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@user_errors
def layers(ctx, layers_path, fmt):
    """List the manifest's layers: version, features, CRS, content hash, zones, invalid geometries and
    overlaps between zones that should not overlap. `zoning layers push` copies them into PostGIS."""
    if ctx.invoked_subcommand is not None:
        return
    from ..errors import LayerError, RuleSetError
    from ..layers import load_manifest
    from ..overlay.prepared import load_layer
    from ..layers.inspect import inspect_layer
    from ..render.layers_report import layers_text
    from ..rules import load_catalogue
    catalogue = load_catalogue()
    manifest = load_manifest(layers_path)
    entries = []
    for spec in manifest.layers:
        try:
            if spec.is_raster:
                from ..layers.raster import describe, load_raster
                entries.append(describe(load_raster(spec, catalogue.rule_set(spec.rule_set))))
                continue
            entries.append(inspect_layer(load_layer(spec, catalogue.rule_set(spec.rule_set))))
        except (LayerError, RuleSetError) as exc:
            entries.append({"id": spec.id, "kind": spec.kind, "rule_set": spec.rule_set, "error": str(exc)})
    if fmt == "json":
        click.echo(json.dumps({"manifest": str(manifest.path), "title": manifest.title, "demo": manifest.demo,
                               "notice": manifest.notice, "layers": entries}, ensure_ascii=False, indent=2))
    else:
        click.echo(layers_text(manifest, entries))


@layers.command("prepare")
@layers_option
@click.option("--epsg", "epsgs", type=int, multiple=True,
              help="Analysis CRS to prepare (repeatable). Default: every CGCS2000 3-degree zone the layer meets.")
@user_errors
def layers_prepare(layers_path, epsgs):
    """Build each vector layer's prepared store (verified parts and R-tree, a GeoPackage per analysis CRS) where
    it is missing or stale, so that every later command reads only the windows it needs. The first use of a layer
    does the same; this does it ahead of time, e.g. after an official layer update."""
    import time

    from ..errors import LayerError, RuleSetError
    from ..layers import load_manifest
    from ..overlay.prepared import prepare
    from ..overlay.prepared import extent_epsgs, store_path
    from ..rules import load_catalogue
    catalogue = load_catalogue()
    manifest = load_manifest(layers_path)
    from ..progress import Progress
    failed = 0
    vectors = [spec for spec in manifest.layers if not spec.is_raster]
    with Progress(len(vectors), "layers", "准备图层 prepare") as bar:
        for spec in vectors:
            bar.stage(spec.id)
            t = time.perf_counter()
            try:
                layer = prepare(spec, catalogue.rule_set(spec.rule_set), list(epsgs) or None)
            except (LayerError, RuleSetError) as exc:
                bar.write(f"{spec.id}: failed: {exc}", sys.stderr)
                failed += 1
                bar.update()
                continue
            for epsg in (list(epsgs) or extent_epsgs(layer)):
                path = store_path(layer, epsg)
                size = f"{path.stat().st_size / 1e6:,.1f} MB" if path.exists() else "in memory (store not writable)"
                bar.write(f"{spec.id}: EPSG:{epsg} {path} ({size})", sys.stdout)
            bar.write(f"{spec.id}: {len(layer.zones):,} features, sha256 {layer.sha256[:12]}, "
                      f"{time.perf_counter() - t:.1f} s", sys.stderr)
            bar.update()
    if failed:
        sys.exit(1)


@layers.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the added and removed areas and the changed features (GeoPackage).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), help="Write them as a web map (HTML).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@user_errors
@writes("out_path", "map_path")
def layers_diff(old, new, out_path, map_path, fmt):
    """Compare two manifests layer by layer: features added, removed and changed (matched by the name field,
    else by geometry), the area each zone gains and loses, and rule-set changes."""
    import dataclasses

    from ..errors import InputError
    from ..layers.diff import diff_manifests
    from ..render.layer_diff import diff_text, write_diff_gpkg, write_diff_map
    if out_path and not out_path.lower().endswith(".gpkg"):
        raise InputError("--out must be a GeoPackage", source=out_path, expected="diff.gpkg")
    diffs = diff_manifests(old, new)
    if out_path:
        write_diff_gpkg(diffs, out_path)
        wrote(out_path)
    if map_path:
        write_diff_map(diffs, map_path)
        wrote(map_path)
    if fmt == "json":
        click.echo(json.dumps([{k: v for k, v in dataclasses.asdict(d).items() if k != "pieces"} for d in diffs],
                              ensure_ascii=False, indent=2))
    else:
        click.echo(diff_text(diffs))


@layers.command("push")
@click.option("--to", "url", required=True, help="postgresql://user@host:port/db (password from PGPASSWORD, "
                                                 "~/.pgpass or a service file, never in the URL).")
@layers_option
@click.option("--schema", default="public", show_default=True)
@click.option("--manifest-out", type=click.Path(dir_okay=False),
              help="Write a manifest that reads the pushed tables (default: print it).")
@user_errors
def layers_push(url, layers_path, schema, manifest_out):
    """Load the manifest's layers (the demo layers by default) into PostGIS tables with spatial indexes."""
    from ..errors import LayerError
    from ..layers import load_manifest
    from ..layers.postgis import push_layers
    try:
        text = push_layers(load_manifest(layers_path), url, schema=schema, say=lambda m: click.echo(m, err=True))
    except LayerError as exc:
        click.echo(f"zoning: error: {exc}", err=True)
        sys.exit(EXIT_USER_ERROR)
    if manifest_out:
        from pathlib import Path
        Path(manifest_out).write_text(text, encoding="utf-8")
        wrote(manifest_out)
    else:
        click.echo(text)
