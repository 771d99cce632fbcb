"""The `zoning` command: sub-commands over the library, in the style of fio and rio."""
from __future__ import annotations

import contextlib
import functools
import json
import sys
import warnings

import click

from .errors import ZoningError
from .values import cli_types

TYPES = cli_types()      # dates, tolerances, distances and extents: one parser each, shared with the API and web

EXIT_USER_ERROR = 2
EXIT_FAIL_ON = 1
LEVELS = ("prohibited", "conditional", "permitted")


def user_errors(fn):
    """Print a user mistake as one line on stderr and exit 2: never a traceback for a user mistake."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ZoningError as exc:
            fail(exc)
    return wrapper


def fail(exc: ZoningError):
    """Exit 2 with the mistake on one line, whatever the input held: control characters (a form feed in a
    header) shown escaped."""
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in str(exc))
    click.echo(f"zoning: error: {text}", err=True)
    sys.exit(EXIT_USER_ERROR)


@contextlib.contextmanager
def terminate_raises():
    """SIGTERM stops a long command as Ctrl-C does (its state kept, its exit code 143), not mid-write."""
    import signal

    from .screen.run import Terminated

    def handler(signum, frame):
        raise Terminated()
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def input_options(fn):
    """The options of the site reader, shared by every command that reads sites; they arrive as `read_options`."""
    opts = [
        click.option("--format-in", type=click.Choice(["geojson", "gpkg", "shp", "zip", "kml", "kmz", "parquet",
                                                       "fgb", "csv", "xlsx", "txt", "dxf"]),
                     help="Force the input format (default: by extension and content)."),
        click.option("--encoding", "in_encoding", help="Text encoding of the input: utf-8, gbk, gb18030, utf-16, 936 ... (default: detected per file, UTF-8 or GBK line by line)."),
        click.option("--in-layer", help="Table of a GeoPackage, sheet of a workbook, shapefile in a zip, CAD layer."),
        click.option("--wkt-field", help="CSV/Excel column with WKT (default: wkt, geometry, 坐标 ...)."),
        click.option("--lon-field", help="CSV/Excel longitude column (default: lon, lng, 经度 ...)."),
        click.option("--lat-field", help="CSV/Excel latitude column (default: lat, 纬度 ...)."),
        click.option("--id-field", help="Id column (default: id, 编号, 项目编号 ...)."),
        click.option("--name-field", help="Name column (default: name, 项目名称, 名称 ...)."),
        click.option("--category-field", help="Category column (default: category, 类型, 项目类型 ...)."),
        click.option("--national-major-field", help="National-major flag column (default: national_major, 国家重大项目)."),
        click.option("--date-field", help="Application-date column of a list (default: date, 申请日期 ...)."),
    ]

    @functools.wraps(fn)
    def wrapper(*args, format_in, in_encoding, in_layer, wkt_field, lon_field, lat_field, id_field, name_field,
                category_field, national_major_field, date_field, **kwargs):
        from .inputs import ReadOptions
        try:
            kwargs["read_options"] = ReadOptions(
                format_in=format_in, encoding=in_encoding, layer=in_layer, wkt_field=wkt_field, lon_field=lon_field,
                lat_field=lat_field, id_field=id_field, name_field=name_field, category_field=category_field,
                national_major_field=national_major_field, date_field=date_field)
        except ZoningError as exc:
            fail(exc)
        return fn(*args, **kwargs)
    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper


def basemap_options(fn):
    fn = click.option("--overlay", type=click.Path(dir_okay=False),
                      help="A suitability PNG from `zoning suitability` to show on the map.")(fn)
    fn = click.option("--tianditu-key", help="Tianditu (天地图) key for its vector and imagery basemaps "
                                             "(default: $TIANDITU_KEY).")(fn)
    return click.option("--basemap", type=click.Choice(["osm", "amap"]), default="osm", show_default=True,
                        help="osm: OpenStreetMap + imagery (+ Tianditu with a key); amap: AMap tiles with every "
                             "overlay shifted to GCJ-02 for display only.")(fn)


def _write_outputs(result, ctx, map_path, report_paths, basemap, tianditu_key, overlay=None):
    from .render.basemaps import tianditu_key as key_of
    from .render.report import write_report
    from .render.site_map import build_site_map, map_html, write_text
    from .errors import InputError
    bad = [p for p in report_paths if not p.lower().endswith((".html", ".htm", ".pdf", ".docx"))]
    if bad:
        raise InputError("unknown report format", source=bad[0], expected="report.html, report.pdf or report.docx")
    html_text = None
    if map_path or any(p.lower().endswith((".html", ".htm")) for p in report_paths):   # one map for both
        html_text = map_html(build_site_map(result, ctx, basemap=basemap, tianditu_key=key_of(tianditu_key),
                                            overlay=overlay))
    if map_path:
        write_text(map_path, html_text)
        click.echo(f"wrote {map_path}", err=True)
    for path in report_paths:
        write_report(result, ctx, path, map_html=html_text)
        click.echo(f"wrote {path}", err=True)


layers_option = click.option("--layers", "layers_path", type=click.Path(dir_okay=False), default=None,
                             help="Layer manifest (TOML). Default: $ZONING_LAYERS or layers/layers.toml.")


def _print_versions(ctx, _param, value):
    if not value or ctx.resilient_parsing:
        return
    from .doctor import versions
    for name, version in versions():
        click.echo(f"{name} {version}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_versions,
              help="Versions of zoning, GDAL, GEOS, PROJ and the rule sets, then exit.")
def main():
    """Admission checks for the Chang-Zhu-Tan Ecological Green Heart (长株潭生态绿心), ecological red
    lines (生态保护红线) and ecological corridors (生态廊道).

    \b
    zoning check SITE --category CODE    verdict for one site
    zoning screen LIST --out OUT.gpkg    a verdict per row of a project list
    zoning atlas --out maps/atlas.html   the layers as one web map
    zoning serve                         the web app for approvals staff
    zoning layers                        the layers of the manifest, with hashes and problems
    zoning rules                         the admission matrix the tool applies
    """
    # numeric noise of hostile coordinates is answered by the error that follows, never shown as a raw warning
    for module in ("numpy", "shapely", "pyogrio", "rasterio", "pyproj"):
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=module)
    warnings.filterwarnings("ignore", message="Non closed ring detected", category=RuntimeWarning)


@main.command()
@click.argument("site", required=False, type=click.Path(dir_okay=True))
@click.option("--wkt", help="The site as WKT instead of a file (lon/lat CGCS2000 unless --crs).")
@click.option("--category", "-c", help="Project category: a code, its Chinese name or a synonym (工业, 厂房 ...). "
                                       "Default: the site file's category column.")
@click.option("--national-major/--no-national-major", default=None,
              help="The project is a 国家重大项目 (national major project).")
@click.option("--date", "date_", metavar="YYYY-MM-DD", type=TYPES["date"],
              help="Application date (default today); picks the rule sets in force.")
@layers_option
@click.option("--crs", help="Site CRS when the file has none or it is wrong: EPSG code, cgcs2000, wgs84, gcj02 "
                            "(AMap/Gaode/Tencent), bd09 (Baidu), xian80, beijing54, cgcs2000-gk3:38 (zone), "
                            "cgcs2000-gk3:114 (central meridian), cgcs2000-gk3 (zone from the easting prefix).")
@click.option("--tolerance-m", type=TYPES["tolerance"], default=0.5, show_default=True,
              help="Boundary tolerance: overlaps that vanish when the site shrinks by this are boundary contacts.")
@click.option("--radius", "radius_m", type=TYPES["metres"], help="For a point site: check a circle of this radius (m).")
@click.option("--width", "width_m", type=TYPES["metres"], help="For a line site: check a corridor of this width (m).")
@click.option("--id", "site_id",
              help="Pick one site of a multi-site file: its id, its name, or #N (the N-th site in the file).")
@click.option("--name", help="Project name shown in the result.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["prohibited", "conditional", "incomplete"]),
              help="Exit 1 when the verdict is this level or worse (or, for 'incomplete', not complete).")
@click.option("--suggest", is_flag=True, help="For a prohibited site: find the nearest place where the same "
                                             "footprint would be conditional or permitted (verified by a full check).")
@click.option("--suggest-radius", type=TYPES["metres"], default=3000.0, show_default=True, help="Search radius (m).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), help="Write the interactive site map (HTML).")
@click.option("--report", "report_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Write the report: report.html (with the interactive map), report.pdf and/or report.docx "
                   "(Word, to edit and file) (repeatable).")
@click.option("--coords-out", type=click.Path(dir_okay=False),
              help="Write the site's boundary points as a 界址点 coordinate TXT (CGCS2000 3-degree GK).")
@click.option("--coords-encoding", type=click.Choice(["gbk", "utf-8"]), default="gbk", show_default=True,
              help="Encoding of --coords-out.")
@basemap_options
@input_options
@user_errors
def check(site, wkt, category, national_major, date_, layers_path, crs, tolerance_m, radius_m, width_m,
          site_id, name, fmt, fail_on, suggest, suggest_radius, map_path, report_paths, coords_out, coords_encoding,
          basemap, tianditu_key, overlay, read_options):
    """Check one SITE against every layer: the verdict with its legal basis.

    SITE is GeoJSON, GeoPackage, Shapefile (file, folder or .zip), KML/KMZ, GeoParquet, FlatGeobuf, CSV or Excel
    (WKT or lon/lat columns), a 界址点 coordinate TXT, or a CAD DXF; or give --wkt.

    Exit codes: 0 verdict produced; 1 --fail-on matched; 2 user error (bad input, unknown category, bad CRS).
    """
    from .api import check as run_check
    from .errors import InputError
    if site is None and wkt is None:
        raise InputError("no site given", expected="a site file argument or --wkt 'POLYGON((...))'")
    from .api import make_context
    ctx = make_context(layers=layers_path, date=date_, tolerance_m=tolerance_m)
    result = run_check(site, wkt=wkt, category=category, national_major=national_major, crs=crs,
                       radius_m=radius_m, width_m=width_m, site_id=site_id, name=name, read_options=read_options,
                       context=ctx)
    if suggest and result.verdict == "prohibited":
        from .suggest import suggest as find_place
        result.suggestion = find_place(result, ctx, radius_m=suggest_radius)
    if map_path or report_paths:
        _write_outputs(result, ctx, map_path, report_paths, basemap, tianditu_key, overlay)
    if coords_out:
        from .render.boundary_points import boundary_points
        from .render.jzd_txt_out import write_jzd
        write_jzd(boundary_points(result.site_geometry), coords_out, number=result.site.get("id") or "1",
                  name=result.site.get("name") or "", encoding=coords_encoding)
        click.echo(f"wrote {coords_out}", err=True)
    if fmt == "json":
        click.echo(result.to_json(indent=2))
    else:
        from .render.text import render_text
        click.echo(render_text(result))
    if fail_on == "incomplete":
        failed = not result.complete
    elif fail_on:
        failed = LEVELS.index(result.verdict) <= LEVELS.index(fail_on)
    else:
        failed = False
    sys.exit(EXIT_FAIL_ON if failed else 0)


@main.command()
@click.argument("list_path", metavar="LIST", type=click.Path(exists=False))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False),
              help="Output: .csv, .xlsx, .gpkg (with geometries and a findings table) or .parquet.")
@layers_option
@click.option("--date", "date_", metavar="YYYY-MM-DD", type=TYPES["date"],
              help="Application date for rows without their own.")
@click.option("--default-category", help="Category for rows without one (code, Chinese name or synonym).")
@click.option("--national-major/--no-national-major", default=None, help="Set the flag for every row.")
@click.option("--crs", help="CRS of the list's coordinates when it has none (as for check).")
@click.option("--tolerance-m", type=TYPES["tolerance"], default=0.5, show_default=True)
@click.option("--radius", "radius_m", type=TYPES["metres"], help="Radius (m) for point rows.")
@click.option("--width", "width_m", type=TYPES["metres"], help="Width (m) for line rows.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), help="Write an overview map of all sites (HTML).")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), help="Write each row's check report here.")
@click.option("--reports-for", help="Only these verdicts get reports, e.g. prohibited,conditional.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--workers", type=int, help="Worker processes (local) or dask workers (default: all cores).")
@click.option("--scheduler", help="Address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--chunk-size", type=int, default=5000, show_default=True, help="Rows per chunk.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run of the same command.")
@click.option("--restart", is_flag=True,
              help="With --resume: start over when the list, options, layers or rules changed (default: refuse).")
@click.option("--fail-on", type=click.Choice(["prohibited", "conditional", "incomplete"]), multiple=True,
              help="Exit 1 when any row is prohibited, conditional (or worse) or incomplete (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary on stderr.")
@click.option("--findings/--no-findings", default=True, show_default=True,
              help="Write the findings table. --no-findings: rows only, faster (no nearest zone, adjacency, raster "
                   "statistics, corridor residual width or corridor tests that cannot change the verdict); the "
                   "verdicts and row columns are the same.")
@input_options
@user_errors
def screen(list_path, out, layers_path, date_, default_category, national_major, crs, tolerance_m, radius_m, width_m,
           map_path, reports_dir, reports_for, engine, workers, scheduler, chunk_size, resume, restart, fail_on, quiet,
           findings, read_options):
    """Screen a project LIST (CSV, Excel, GeoPackage, Shapefile, GeoJSON, GeoParquet, FlatGeobuf, 界址点 TXT ...):
    one verdict per row, in input order, streamed in chunks, resumable with --resume.

    Exit codes: 0 every row screened; 1 some rows in error (each says why in its `error` column), a layer failed
    for every row, or --fail-on matched; 2 a user error or a disk fault that stops the run (the state is kept
    for --resume); 130 / 143 interrupted by Ctrl-C / SIGTERM (the state is kept for --resume).
    """
    from .screen import ScreenOptions
    from .screen import screen as run_screen
    from .errors import InputError
    levels = None
    if reports_for:
        levels = tuple(v.strip() for v in reports_for.split(",") if v.strip())
        bad = [v for v in levels if v not in LEVELS]
        if bad:
            raise InputError(f"unknown verdicts {bad}", source="--reports-for", expected=", ".join(LEVELS))
    if chunk_size < 1:
        raise InputError(f"chunk size {chunk_size}", source="--chunk-size", expected="a positive number of rows")
    from .screen.run import Interrupted
    try:
        with terminate_raises():
            summary = run_screen(list_path, out, ScreenOptions(
                layers=layers_path, date=date_, tolerance_m=tolerance_m, read=read_options,
                default_category=default_category, national_major=national_major, crs=crs, radius_m=radius_m,
                width_m=width_m, chunk_size=chunk_size, workers=workers, engine=engine, scheduler=scheduler,
                resume=resume, restart=restart, quiet=quiet, map_path=map_path, reports_dir=reports_dir,
                reports_for=levels, findings=findings))
    except Interrupted as exc:
        click.echo(f"zoning: {exc.message}", err=True)
        sys.exit(exc.code)
    if not quiet:
        click.echo(f"{summary['rows']} rows in {summary['seconds']:.1f} s ({summary['rows_per_second']:,.0f} rows/s); "
                   f"verdicts {summary['verdicts']}; rows in error {summary['rows_in_error']}; "
                   f"incomplete {summary['incomplete']}", err=True)
        click.echo("wrote " + ", ".join(summary["outputs"]), err=True)
    for lid in summary["failed_layers"]:
        click.echo(f"zoning: layer {lid} failed for every row: {summary['versions']['layers'][lid].get('failed')}",
                   err=True)
    v = summary["verdicts"]
    matched = (("prohibited" in fail_on and v.get("prohibited", 0))
               or ("conditional" in fail_on and (v.get("conditional", 0) or v.get("prohibited", 0)))
               or ("incomplete" in fail_on and summary["incomplete"]))
    sys.exit(EXIT_FAIL_ON if summary["rows_in_error"] or summary["failed_layers"] or matched else 0)


@main.command()
@layers_option
@click.option("--results", type=click.Path(exists=True, dir_okay=False),
              help="A zoning screen result (.gpkg or .parquet) to show as verdict-coloured sites.")
@click.option("--out", "-o", default="maps/atlas.html", show_default=True, type=click.Path(dir_okay=False))
@click.option("--date", "date_", metavar="YYYY-MM-DD", type=TYPES["date"],
              help="Which rule sets are in force (shown switched on).")
@click.option("--tiles", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="Draw the layers from vector tiles written beside the page (<name>_tiles/); auto: when the "
                   "layers have more than 300,000 vertices (official-size layers).")
@basemap_options
@user_errors
def atlas(layers_path, results, out, date_, tiles, basemap, tianditu_key, overlay):
    """Publish the layers as a web map: styled, toggleable, searchable, with a table of area per zone, and
    optionally the sites of a screening result. Small layer sets give one self-contained HTML file; official-size
    ones a page and a folder of vector tiles, to publish together on any web server (or `zoning serve --atlas`)."""
    from .api import make_context
    from .render.atlas import write_atlas
    from .render.basemaps import tianditu_key as key_of
    ctx = make_context(layers=layers_path, date=date_)
    path = write_atlas(ctx, out, tiles=tiles, results=results, basemap=basemap, tianditu_key=key_of(tianditu_key),
                       overlay=overlay)
    folder = path.with_name(f"{path.stem}_tiles")
    extra = f" and its vector tiles in {folder}/" if tiles != "no" and folder.is_dir() else ""
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB){extra}", err=True)


@main.command()
@layers_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost by default).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--db", type=click.Path(dir_okay=False), help="Register database (default: ~/.local/share/zoning/register.sqlite).")
@click.option("--max-upload-mb", default=20.0, show_default=True, type=float)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(0, 64),
              help="Worker processes for checks, reports and screens (each loads the layers; a dead one is "
                   "replaced). 0: in the server process, one at a time.")
@click.option("--no-auth", is_flag=True,
              help="Open mode for one person's own machine: nobody logs in (only on a loopback address).")
@click.option("--atlas", "atlas_dir", type=click.Path(exists=True, file_okay=False),
              help="A folder with a published atlas (zoning atlas --out DIR/atlas.html) to serve at /atlas/.")
@user_errors
def serve(layers_path, host, port, db, max_upload_mb, workers, no_auth, atlas_dir):
    """Start the web app for approvals staff: check a site in the browser, file the report, keep a register.

    Everyone logs in with an account (`zoning users add`); --no-auth is open access on 127.0.0.1 only."""
    from .errors import InputError
    from .extras import require
    require("web", "zoning serve")
    if no_auth and host not in LOOPBACK:
        raise InputError(f"--no-auth with --host {host}", source="zoning serve",
                         expected="--no-auth only on a loopback address (127.0.0.1, ::1, localhost); "
                                  "an office server runs with accounts")
    if not no_auth:
        from .web.accounts import Accounts
        from .web.register import Register, default_db
        reg = Register(db or default_db())
        if Accounts(reg).count() == 0:
            raise InputError("no accounts yet", source=str(reg.path),
                             expected=f"add the first admin: zoning users add NAME --role admin --db {reg.path} "
                                      "(or --no-auth for one person's own machine)")
    import uvicorn

    from .web.app import create_app
    app = create_app(layers=layers_path, db=db, max_upload_mb=max_upload_mb, workers=workers, auth=not no_auth,
                     atlas=atlas_dir)
    click.echo(f"zoning web app on http://{host}:{port}/  (register: {app.state.register.path}; "
               f"{workers or 'no'} worker process{'es' if workers != 1 else ''}"
               f"{'; OPEN MODE, nobody logs in' if no_auth else ''})", err=True)
    # keep-alive longer than clients keep idle connections (httpx 5 s, browsers 60 s), so that the server never
    # closes one just as a client reuses it
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=30, timeout_keep_alive=75)


@main.command()
@layers_option
def doctor(layers_path):
    """Check the installation: data files, the layer manifest, the cache, Chromium and fonts for PDFs, PostGIS,
    the optional extras. Each line is ok or says what to do; exit 1 when something needs doing."""
    from .doctor import diagnose
    checks = diagnose(layers_path)
    width = max(len(c.name) for c in checks)
    for c in checks:
        click.echo(f"{'ok ' if c.ok else '-- '} {c.name.ljust(width)}  {c.detail}")
    optional = {c.name for c in checks if c.name.startswith("extra [") or c.name.startswith("Chromium")}
    sys.exit(0 if all(c.ok or c.name in optional for c in checks) else 1)


LOOPBACK = ("127.0.0.1", "::1", "localhost")
db_option = click.option("--db", type=click.Path(dir_okay=False),
                         help="Register database (default: ~/.local/share/zoning/register.sqlite).")


def _accounts(db):
    from .extras import require
    require("web", "zoning users")
    from .web.accounts import Accounts
    from .web.register import Register, default_db
    return Accounts(Register(db or default_db()))


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)


@main.group()
def users():
    """Accounts of the web app: checker, reviewer, admin."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["checker", "reviewer", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@db_option
@user_errors
def users_add(name, role, password_stdin, db):
    """Add an account (the password is asked for, or read from standard input)."""
    _accounts(db).add(name, role, _password(password_stdin))
    click.echo(f"added {name} ({role})", err=True)


@users.command("list")
@db_option
@user_errors
def users_list(db):
    """The accounts, their roles and states."""
    for u in _accounts(db).list():
        click.echo(f"{u['name']}\t{u['role']}\t{'disabled' if u['disabled'] else 'active'}\t{u['created']}")


@users.command("disable")
@click.argument("name")
@db_option
@user_errors
def users_disable(name, db):
    """Disable an account: its sessions end and its tokens are revoked."""
    _accounts(db).disable(name)
    click.echo(f"disabled {name}", err=True)


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (one line).")
@db_option
@user_errors
def users_passwd(name, password_stdin, db):
    """Set a new password."""
    _accounts(db).set_password(name, _password(password_stdin))
    click.echo(f"password of {name} changed", err=True)


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every token of NAME instead.")
@db_option
@user_errors
def users_token(name, revoke, db):
    """Issue an API token for NAME (printed alone on standard output; send it as `Authorization: Bearer TOKEN`)."""
    acc = _accounts(db)
    if revoke:
        acc.revoke_tokens(name)
        click.echo(f"revoked the tokens of {name}", err=True)
        return
    click.echo(acc.token(name))


@main.group()
def register():
    """The register of checks kept by `zoning serve`."""


@register.command("verify")
@db_option
@user_errors
def register_verify(db):
    """Recompute the register's hash chain: exit 0 with the number of intact rows, or exit 1 naming the first row
    that does not match (changed, removed or added outside the app)."""
    from pathlib import Path

    from .errors import InputError
    from .web.register import Register, default_db
    path = Path(db) if db else default_db()
    if not path.exists():
        raise InputError("no register database", source=str(path), expected="--db PATH of a register")
    ok, message = Register(path).verify()
    click.echo(("register intact: " if ok else "register TAMPERED: ") + message)
    sys.exit(0 if ok else 1)


@register.command("export")
@click.option("--db", type=click.Path(dir_okay=False), help="Register database (default as for serve).")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="register.csv or register.xlsx")
@user_errors
def register_export(db, out):
    """Write every check of the register (with overrides) to CSV or Excel for the archive."""
    from pathlib import Path

    from .errors import InputError
    from .web.register import Register, default_db
    path = Path(db) if db else default_db()
    if not path.exists():
        raise InputError("no register database", source=str(path), expected="--db PATH of a register")
    if Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("unknown export format", source=out, expected="a .csv or .xlsx path")
    reg = Register(path)
    reg.export(Path(out))
    click.echo(f"wrote {out} ({reg.count()} checks)", err=True)


@main.command()
@click.option("--category", "-c", required=True, help="Project category (code, Chinese name or synonym).")
@layers_option
@click.option("--date", "date_", metavar="YYYY-MM-DD", type=TYPES["date"],
              help="Which rule sets are in force (default today).")
@click.option("--cell", type=TYPES["metres"], default=20.0, show_default=True, help="Cell size in metres.")
@click.option("--national-major/--no-national-major", default=False)
@click.option("--extent", type=TYPES["extent"], help="minx,miny,maxx,maxy in EPSG:4547 (default: the green heart plus 3 km).")
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="GeoTIFF (default maps/suitability_CODE.tif).")
@user_errors
def suitability(category, layers_path, date_, cell, national_major, extent, out):
    """Where could this category go: the verdict level per cell (GeoTIFF in CGCS2000 GK, and a PNG overlay)."""
    from .api import make_context
    from .errors import InputError
    from .suitability import build
    ctx = make_context(layers=layers_path, date=date_)
    cat = ctx.catalogue.categories.match(category, source="--category")
    box = extent
    from .screen.run import Terminated
    try:
        with terminate_raises():
            info = build(ctx, cat.code, out or f"maps/suitability_{cat.code}.tif", cell=cell, extent=box,
                         national_major=national_major)
    except (KeyboardInterrupt, Terminated) as exc:
        # the GeoTIFF is written to a temporary file and renamed at the end: nothing half-written is left
        click.echo("zoning: interrupted; no raster written (run the command again)", err=True)
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    click.echo(json.dumps(info, ensure_ascii=False), err=False)


@main.command()
@click.option("--old", "old_path", required=True, type=click.Path(dir_okay=False), help="The manifest in use.")
@click.option("--new", "new_path", required=True, type=click.Path(dir_okay=False), help="The updated manifest.")
@click.option("--register", "register_path", type=click.Path(dir_okay=False),
              help="Re-run every check of the web app's register (register.sqlite).")
@click.option("--results", "results_path", type=click.Path(dir_okay=False),
              help="Re-run every row of a screen's results (.gpkg from `zoning screen --out`).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the changed rows (.xlsx).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), help="Write them as a web map (HTML).")
@click.option("--tolerance-m", type=TYPES["tolerance"], default=0.5, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes of each screen.")
@user_errors
def impact(old_path, new_path, register_path, results_path, out_path, map_path, tolerance_m, workers):
    """Which past checks or screened rows get another verdict on new layers: each is re-run on OLD and NEW (with
    its own category, flag and application date) and those whose verdict, completeness, driving findings or
    overlap areas change are listed. Rows that do not change are counted."""
    from .errors import InputError
    from .render.impact_out import impact_text, write_impact_map, write_impact_xlsx
    from .screen.impact import impact as run_impact
    from .screen.impact import sites_from_register, sites_from_results
    if bool(register_path) == bool(results_path):
        raise InputError("give one of --register and --results", source="zoning impact",
                         expected="--register register.sqlite or --results results.gpkg")
    if out_path and not out_path.lower().endswith(".xlsx"):
        raise InputError("--out must be a workbook", source=out_path, expected="impact.xlsx")
    sites, source = sites_from_register(register_path) if register_path else sites_from_results(results_path)
    result = run_impact(old_path, new_path, sites, source, tolerance_m=tolerance_m, workers=workers)
    if out_path:
        write_impact_xlsx(result, out_path)
        click.echo(f"wrote {out_path}", err=True)
    if map_path:
        write_impact_map(result, sites, map_path)
        click.echo(f"wrote {map_path}", err=True)
    click.echo(impact_text(result))


@main.group(invoke_without_command=True)
@layers_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@user_errors
def layers(ctx, layers_path, fmt):
    """List the manifest's layers: version, features, CRS, content hash, zones, invalid geometries and
    overlaps between zones that should not overlap. `zoning layers push` copies them into PostGIS."""
    if ctx.invoked_subcommand is not None:
        return
    from .errors import LayerError, RuleSetError
    from .layers import load_layer, load_manifest
    from .layers.inspect import inspect_layer
    from .render.layers_report import layers_text
    from .rules import load_catalogue
    catalogue = load_catalogue()
    manifest = load_manifest(layers_path)
    entries = []
    for spec in manifest.layers:
        try:
            if spec.is_raster:
                from .layers.raster import describe, load_raster
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

    from .errors import LayerError, RuleSetError
    from .layers import load_manifest, prepare
    from .layers.prepared import extent_epsgs, store_path
    from .rules import load_catalogue
    catalogue = load_catalogue()
    manifest = load_manifest(layers_path)
    failed = 0
    for spec in manifest.layers:
        if spec.is_raster:
            continue
        t = time.perf_counter()
        try:
            layer = prepare(spec, catalogue.rule_set(spec.rule_set), list(epsgs) or None)
        except (LayerError, RuleSetError) as exc:
            click.echo(f"{spec.id}: failed: {exc}", err=True)
            failed += 1
            continue
        for epsg in (list(epsgs) or extent_epsgs(layer)):
            path = store_path(layer, epsg)
            size = f"{path.stat().st_size / 1e6:,.1f} MB" if path.exists() else "in memory (store not writable)"
            click.echo(f"{spec.id}: EPSG:{epsg} {path} ({size})")
        click.echo(f"{spec.id}: {len(layer.zones):,} features, sha256 {layer.sha256[:12]}, "
                   f"{time.perf_counter() - t:.1f} s", err=True)
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
def layers_diff(old, new, out_path, map_path, fmt):
    """Compare two manifests layer by layer: features added, removed and changed (matched by the name field,
    else by geometry), the area each zone gains and loses, and rule-set changes."""
    import dataclasses

    from .errors import InputError
    from .layers.diff import diff_manifests
    from .render.layer_diff import diff_text, write_diff_gpkg, write_diff_map
    if out_path and not out_path.lower().endswith(".gpkg"):
        raise InputError("--out must be a GeoPackage", source=out_path, expected="diff.gpkg")
    diffs = diff_manifests(old, new)
    if out_path:
        write_diff_gpkg(diffs, out_path)
        click.echo(f"wrote {out_path}", err=True)
    if map_path:
        write_diff_map(diffs, map_path)
        click.echo(f"wrote {map_path}", err=True)
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
    from .errors import LayerError
    from .layers import load_manifest
    from .layers.postgis import push_layers
    try:
        text = push_layers(load_manifest(layers_path), url, schema=schema, say=lambda m: click.echo(m, err=True))
    except LayerError as exc:
        click.echo(f"zoning: error: {exc}", err=True)
        sys.exit(EXIT_USER_ERROR)
    if manifest_out:
        from pathlib import Path
        Path(manifest_out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {manifest_out}", err=True)
    else:
        click.echo(text)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "markdown"]), default="text", show_default=True)
@click.option("--rule-set", "rule_sets", multiple=True, help="Only this rule set (repeatable).")
@click.option("--categories", is_flag=True, help="List the category codes with Chinese names and synonyms.")
@user_errors
def rules(fmt, rule_sets, categories):
    """Print the admission matrix (zone x category) exactly as the engine applies it."""
    from .render import rules_table
    from .rules import load_catalogue
    from .errors import InputError
    catalogue = load_catalogue()
    unknown = [r for r in rule_sets if r not in catalogue.rule_sets]
    if unknown:
        raise InputError(f"unknown rule set(s) {unknown}", source="--rule-set",
                         expected=", ".join(catalogue.rule_sets))
    if categories:
        click.echo(rules_table.categories_text(catalogue))
        return
    render = {"text": rules_table.to_text, "csv": rules_table.to_csv, "markdown": rules_table.to_markdown}[fmt]
    click.echo(render(catalogue, set(rule_sets) or None), nl=fmt != "csv")


if __name__ == "__main__":
    main()
