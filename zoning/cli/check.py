"""`zoning check`: one site's verdict with its legal basis, and its map, reports and 界址点 TXT."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from ..messages import error
from .options import (
    basemap_options,
    date_option,
    EXIT_FAIL_ON,
    footprint_options,
    input_options,
    layers_option,
    LEVELS,
    national_major_option,
    stdout_file,
    TYPES,
    user_errors,
    writes,
    wrote,
)


@contextlib.contextmanager
def _stdin_site(site):
    """`-`: the site from standard input, kept in a temporary file for the reader while the check runs."""
    if site != "-":
        yield site
        return
    import tempfile

    from ..errors import InputError
    data = sys.stdin.buffer.read()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    suffix = (".geojson" if head.startswith((b"{", b"[")) else ".kml" if head.startswith(b"<")
              else ".txt" if "[地块坐标]".encode() in data or "[地块坐标]".encode("gbk") in data else None)
    if suffix is None:
        raise InputError(error("stdin_not_site"), source="-",
                         expected="e.g. cat site.geojson | zoning check - -c 工业")
    with tempfile.TemporaryDirectory(prefix="zoning-stdin-") as tmp:
        path = Path(tmp) / f"stdin{suffix}"
        path.write_bytes(data)
        yield str(path)


def _write_outputs(result, ctx, map_path, report_paths, basemap, tianditu_key, overlay=None, report_no=None):
    from ..errors import InputError
    from ..render.basemaps import tianditu_key as key_of
    from ..render.report import write_report
    from ..render.site_map import build_site_map, map_html, write_text
    bad = [p for p in report_paths if not p.lower().endswith((".html", ".htm", ".pdf", ".docx"))]
    if bad:
        raise InputError(error("unknown_report_format"), source=bad[0],
                         expected="report.html, report.pdf or report.docx")
    html_text = None
    if map_path or any(p.lower().endswith((".html", ".htm")) for p in report_paths):   # one map for both
        html_text = map_html(build_site_map(result, ctx, basemap=basemap, tianditu_key=key_of(tianditu_key),
                                            overlay=overlay))
    if map_path:
        write_text(map_path, html_text)
        wrote(map_path)
    for path in report_paths:
        write_report(result, ctx, path, map_html=html_text, report_no=report_no)
        wrote(path)


DASH_NAMES = {"map": "site.html", "report": "report.html", "map_sheet": "sheet.pdf", "coords_out": "coords.txt"}


@contextlib.contextmanager
def _dash_output(map_path, report_paths, map_sheet, coords_out):
    """One output given as `-` goes to standard output: written to a private file under its format's name (the map
    and report as HTML, the map sheet as PDF, the coordinates as TXT), then copied there."""
    from ..errors import InputError
    given = {"map": map_path, "report": "-" if "-" in report_paths else None, "map_sheet": map_sheet,
             "coords_out": coords_out}
    dashed = [k for k, v in given.items() if v == "-"]
    if len(dashed) > 1:
        raise InputError(error("one_stdout"), source="-",
                         expected="one of " + ", ".join("--" + k.replace("_", "-") for k in dashed))
    if not dashed:
        yield map_path, report_paths, map_sheet, coords_out, False
        return
    with stdout_file(DASH_NAMES[dashed[0]]) as path:
        yield (path if map_path == "-" else map_path, tuple(path if p == "-" else p for p in report_paths),
               path if map_sheet == "-" else map_sheet, path if coords_out == "-" else coords_out, True)


@click.command()
@click.argument("site", required=False, type=click.Path(dir_okay=True))
@click.option("--wkt", help="The site as WKT instead of a file (lon/lat CGCS2000 unless --crs).")
@click.option("--category", "-c", help="Project category: a code, its Chinese name or a synonym (工业, 厂房 ...). "
                                       "Default: the site file's category column.")
@national_major_option
@date_option("Application date (default today); picks the rule sets in force.")
@layers_option
@footprint_options
@click.option("--id", "site_id",
              help="Pick one site of a multi-site file: its id, its name, or #N (the N-th site in the file).")
@click.option("--name", help="Project name shown in the result.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["prohibited", "conditional", "incomplete"]),
              help="Exit 1 when the verdict is this level or worse (or, for 'incomplete', not complete).")
@click.option("--suggest", is_flag=True, help="For a prohibited site: find the nearest place where the same "
                                             "footprint would be conditional or permitted (verified by a full check).")
@click.option("--suggest-radius", type=TYPES["metres"], default=3000.0, show_default=True, help="Search radius (m).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the interactive site map (HTML; - for standard output).")
@click.option("--report", "report_paths", multiple=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the report: report.html (with the interactive map), report.pdf and/or report.docx "
                   "(Word, to edit and file) (repeatable).")
@click.option("--map-sheet", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write a printable map sheet (PDF, or PNG by its name): title, verdict, legend, scale bar, north "
                   "arrow, zone labels, location inset.")
@click.option("--paper", type=click.Choice(["A4", "A3"]), default="A4", show_default=True, help="Map sheet paper.")
@click.option("--orientation", type=click.Choice(["landscape", "portrait"]), default="landscape", show_default=True)
@click.option("--report-no", help="The report's number (报告编号), printed in the report with the sign-off lines.")
@click.option("--coords-out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the site's boundary points as a 界址点 coordinate TXT (CGCS2000 3-degree GK).")
@click.option("--coords-encoding", type=click.Choice(["gbk", "utf-8"]), default="gbk", show_default=True,
              help="Encoding of --coords-out.")
@basemap_options
@input_options
@user_errors
@writes("map_path", "report_paths", "coords_out", "map_sheet")
def check(site, wkt, category, national_major, date_, layers_path, crs, tolerance_m, radius_m, width_m,
          site_id, name, fmt, fail_on, suggest, suggest_radius, map_path, map_sheet, paper, orientation, report_paths,
          report_no, coords_out, coords_encoding, basemap, tianditu_key, overlay, read_options):
    """Check one SITE against every layer: the verdict with its legal basis.

    SITE is GeoJSON, GeoPackage, Shapefile (file, folder or .zip), KML/KMZ, GeoParquet, FlatGeobuf, CSV or Excel
    (WKT or lon/lat columns), a 界址点 coordinate TXT, or a CAD DXF; `-` reads GeoJSON, KML or a 界址点 TXT from
    standard input; or give --wkt.

    Exit codes: 0 verdict produced; 1 --fail-on matched; 2 user error (bad input, unknown category, bad CRS).
    """
    from ..api import check as run_check
    from ..errors import InputError
    if site is None and wkt is None:
        raise InputError(error("no_site"), expected="a site file argument or --wkt 'POLYGON((...))'")
    from ..engine import make_context
    ctx = make_context(layers=layers_path, date=date_, tolerance_m=tolerance_m)
    with _stdin_site(site) as read_from:
        result = run_check(read_from, wkt=wkt, category=category, national_major=national_major, crs=crs,
                           radius_m=radius_m, width_m=width_m, site_id=site_id, name=name,
                           read_options=read_options, context=ctx)
        if read_from != site:        # the temporary file is named as the user gave it
            result.site["source"] = "<stdin>"
            result.warnings = [w.replace(read_from, "<stdin>") for w in result.warnings]
    if suggest and result.verdict == "prohibited":
        from ..suggest import suggest as find_place
        result.suggestion = find_place(result, ctx, radius_m=suggest_radius)
    with _dash_output(map_path, report_paths, map_sheet, coords_out) as (map_path, report_paths, map_sheet,
                                                                           coords_out, dash):
        if map_path or report_paths:
            _write_outputs(result, ctx, map_path, report_paths, basemap, tianditu_key, overlay, report_no)
        if map_sheet:
            from ..render.map_sheet import write_map_sheet
            write_map_sheet(result, ctx, map_sheet, paper=paper, orientation=orientation)
            wrote(map_sheet)
        if coords_out:
            from ..render.boundary_points import boundary_points
            from ..render.jzd_txt_out import write_jzd
            write_jzd(boundary_points(result.site_geometry), coords_out, number=result.site.get("id") or "1",
                      name=result.site.get("name") or "", encoding=coords_encoding)
            wrote(coords_out)
        if fmt == "json":
            click.echo(result.to_json(indent=2), err=dash)     # with an output on stdout, the verdict goes to stderr
        else:
            from ..render.text import render_text
            click.echo(render_text(result), err=dash)
    if fail_on == "incomplete":
        failed = not result.complete
    elif fail_on:
        failed = LEVELS.index(result.verdict) <= LEVELS.index(fail_on)
    else:
        failed = False
    sys.exit(EXIT_FAIL_ON if failed else 0)
