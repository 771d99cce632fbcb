"""What the sub-commands share: user errors as one line and exit 2, the site-reader options, the basemap and
layer options, the parameter types of values.py, and SIGTERM handled as Ctrl-C."""
from __future__ import annotations

import contextlib
import functools
import sys

import click

from ..messages import error, text

from ..errors import ZoningError
from ..values import cli_types

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

    from ..screen.run import Terminated

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
        click.option("--encoding", "in_encoding",
                     help="Text encoding of the input: utf-8, gbk, gb18030, utf-16, 936 ... (default: detected per "
                          "file, UTF-8 or GBK line by line)."),
        click.option("--in-layer", help="Table of a GeoPackage, sheet of a workbook, shapefile in a zip, CAD layer."),
        click.option("--wkt-field", help="CSV/Excel column with WKT (default: wkt, geometry, 坐标 ...)."),
        click.option("--lon-field", help="CSV/Excel longitude column (default: lon, lng, 经度 ...)."),
        click.option("--lat-field", help="CSV/Excel latitude column (default: lat, 纬度 ...)."),
        click.option("--id-field", help="Id column (default: id, 编号, 项目编号 ...)."),
        click.option("--name-field", help="Name column (default: name, 项目名称, 名称 ...)."),
        click.option("--category-field", help="Category column (default: category, 类型, 项目类型 ...)."),
        click.option("--national-major-field",
                     help="National-major flag column (default: national_major, 国家重大项目)."),
        click.option("--date-field", help="Application-date column of a list (default: date, 申请日期 ...)."),
    ]

    @functools.wraps(fn)
    def wrapper(*args, format_in, in_encoding, in_layer, wkt_field, lon_field, lat_field, id_field, name_field,
                category_field, national_major_field, date_field, **kwargs):
        from ..inputs import ReadOptions
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


layers_option = click.option("--layers", "layers_path", type=click.Path(dir_okay=False), default=None,
                             help="Layer manifest (TOML). Default: $ZONING_LAYERS or layers/layers.toml.")

db_option = click.option("--db", type=click.Path(dir_okay=False),
                         help="Register database (default: ~/.local/share/zoning/register.sqlite).")


def date_option(help_text: str):
    return click.option("--date", "date_", metavar="YYYY-MM-DD", type=TYPES["date"], help=help_text)


national_major_option = click.option(
    "--national-major/--no-national-major", default=None,
    help="The project is a 国家重大项目 (national major project); for a list, every row is.")
crs_option = click.option(
    "--crs", help="CRS of the site's coordinates when the file has none or it is wrong: EPSG code, cgcs2000, wgs84, "
                  "gcj02 (AMap/Gaode/Tencent), bd09 (Baidu), xian80, beijing54, cgcs2000-gk3:38 (zone), "
                  "cgcs2000-gk3:114 (central meridian), cgcs2000-gk3 (zone from the easting prefix).")
tolerance_option = click.option(
    "--tolerance-m", type=TYPES["tolerance"], default=0.5, show_default=True,
    help="Boundary tolerance: overlaps that vanish when the site shrinks by this are boundary contacts.")


def footprint_options(fn):
    """--crs, --tolerance-m, --radius and --width: how a site's coordinates become the footprint checked."""
    for opt in reversed([
            crs_option, tolerance_option,
            click.option("--radius", "radius_m", type=TYPES["metres"],
                         help="For a point site (point rows): check a circle of this radius (m)."),
            click.option("--width", "width_m", type=TYPES["metres"],
                         help="For a line site (line rows): check a corridor of this width (m).")]):
        fn = opt(fn)
    return fn


def quiet() -> bool:
    """Whether the global -q was given."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().obj or {}).get("quiet"))


STDOUT_PATHS: set[str] = set()      # private files that stand for `-` (copied to standard output at the end)


@contextlib.contextmanager
def stdout_file(name: str, *, strip_bom: bool = False):
    """A private file standing for `-`: its path is yielded, and the file is copied to standard output when the
    block ends without an error (a failed command prints nothing there). `strip_bom`: the UTF-8 BOM written for
    Excel is left out of a pipe."""
    import shutil
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory(prefix="zoning-stdout-") as folder:
        path = str(Path(folder) / name)
        STDOUT_PATHS.add(path)
        yield path
        with open(path, "rb") as fh:
            if not strip_bom or fh.read(3) != b"\xef\xbb\xbf":
                fh.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()


def wrote(path, extra: str = "") -> None:
    """`wrote PATH` on stderr, unless -q."""
    if not quiet():
        click.echo(text("wrote", paths="<stdout>" if str(path) in STDOUT_PATHS else f"{path}{extra}"), err=True)


overwrite_option = click.option("--overwrite", is_flag=True,
                                help="Replace output files that exist (without it, an existing output is an error).")


def refuse_existing(*paths, overwrite: bool) -> None:
    """An output that exists is kept unless --overwrite: a second run never replaces a filed report silently."""
    from pathlib import Path

    from ..errors import InputError
    if overwrite:
        return
    for p in paths:
        if p and str(p) != "-" and Path(p).exists():
            raise InputError(error("output_exists"), source=str(p), expected=error("output_exists_expected"))


def writes(*names: str, unless: str | None = None):
    """The command writes the files named by these parameters: it takes --overwrite and refuses an existing one
    without it (`unless`: a flag under which existing outputs are expected, such as --resume)."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, overwrite, **kwargs):
            if not (unless and kwargs.get(unless)):
                paths: list = []
                for name in names:
                    v = kwargs.get(name)
                    paths += list(v) if isinstance(v, (list, tuple)) else [v]
                refuse_existing(*paths, overwrite=overwrite)
            return fn(*args, **kwargs)
        return overwrite_option(wrapper)
    return deco
