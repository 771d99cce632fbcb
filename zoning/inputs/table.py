"""Sites from CSV and Excel rows: a WKT column, or longitude/latitude columns (points, with --radius)."""
from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator
from typing import IO

import shapely
from shapely.errors import GEOSException
from shapely.geometry import Point

from ..errors import InputError
from . import fields as F
from .coords import parse_coordinate
from .encoding import LineDecoder, is_utf, sniff_encoding
from .options import ReadOptions
from .sites import SiteInput, make_sites
from .. import messages

csv.field_size_limit(1 << 30)   # WKT of a detailed polygon easily exceeds the default 128 KB


def _csv_rows(path: Path, opts: ReadOptions):
    """(header, iterator of (values, line issue)) of a CSV: UTF-16 as text; any other file line by line, each
    line in the encoding its bytes fit (see LineDecoder), so one pasted GBK row is that row's warning."""
    src = str(path)
    enc = sniff_encoding(path, opts.encoding)
    fh: IO
    lines: Iterator[str]
    if is_utf(enc) and not enc.startswith("utf-8"):                      # UTF-16 / UTF-32: one encoding
        fh = open(path, newline="", encoding=enc, errors="strict")   # noqa: SIM115 - closed by rows()
        lines, decoder = fh, None
    else:
        fh = open(path, "rb")      # noqa: SIM115 - closed by rows()
        decoder = LineDecoder(fh, enc, strict=bool(opts.encoding), source=src)
        lines = iter(decoder)
    try:
        first = next(lines)
    except StopIteration:
        fh.close()
        raise InputError(messages.error("empty_table"), source=src,
                         expected=messages.error("empty_table_expected")) from None
    except UnicodeError:
        fh.close()
        raise InputError(messages.error("cannot_decode"), source=src, expected=f"{enc} text (or --encoding)") from None
    except InputError:
        fh.close()
        raise
    try:       # only the delimiter is sniffed (from the header); quoting is Excel's: "", doubled inside
        delimiter = csv.Sniffer().sniff(first.lstrip("\ufeff").rstrip("\r\n") + "\n",
                                        delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(itertools.chain([first], lines), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError(messages.error("empty_table"), source=src,
                         expected=messages.error("empty_table_expected")) from None
    odd = decoder.odd if decoder is not None else {}
    if 1 in odd and odd[1] is None:
        fh.close()
        raise InputError(messages.error("header_undecodable"), source=src,
                         expected="UTF-8 or GBK text, or the file's --encoding")

    def rows():
        done = reader.line_num
        with fh:
            try:
                for values in reader:
                    now = reader.line_num
                    yield values, (_line_issue(odd, range(done + 1, now + 1), decoder) if odd else None)
                    done = now
            except UnicodeError as exc:
                raise InputError(messages.error("decode_after_line", line=reader.line_num, encoding=enc,
                                                why=exc.reason),
                                 source=src, expected="one encoding for the whole file (or --encoding)") from None
    return header, rows()


def _line_issue(odd: dict, lines, decoder) -> tuple | None:
    """('error' | 'warning', text) for a row some of whose lines were not in the file's main encoding."""
    if not odd:
        return None
    hit = [ln for ln in lines if ln in odd]
    if not hit:
        return None
    if any(odd[ln] is None for ln in hit):
        bad = [ln for ln in hit if odd[ln] is None]
        return ("error", messages.error("line_undecodable", line=bad[0]))
    return ("warning", messages.warning("line_other_encoding", line=hit[0], encoding=_ENC_NAMES[odd[hit[0]]],
                                        main=_ENC_NAMES[decoder.main]))


_ENC_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030"}


def _xlsx_rows(path: Path, opts: ReadOptions):
    import openpyxl

    from .guard import check_archive
    check_archive(path, str(path)).close()      # an .xlsx is a zip: bounded before openpyxl unpacks it
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many types for a damaged workbook
        raise InputError(messages.error("not_xlsx", why=exc), source=str(path), expected="an .xlsx file") \
            from None
    if opts.layer and opts.layer not in wb.sheetnames:
        raise InputError(messages.error("no_sheet", name=opts.layer), source=str(path),
                         expected="one of " + ", ".join(wb.sheetnames))
    it = wb[opts.layer or wb.sheetnames[0]].iter_rows(values_only=True)
    for header in it:
        if any(v is not None and str(v).strip() for v in header):
            break
    else:
        raise InputError(messages.error("empty_sheet"), source=str(path), expected="a header row and one row per site")
    return [("" if h is None else str(h)) for h in header], ((values, None) for values in it)


@dataclass(frozen=True)
class TableMeta:
    """What the rows of one table share: enough to make SiteInputs from its raw rows anywhere."""
    source: str
    header: tuple
    wkt_col: str | None
    lon_col: str | None
    lat_col: str | None
    opts: ReadOptions


def iter_table(path: Path, opts: ReadOptions) -> Iterator[SiteInput]:
    meta, rows = table_rows(path, opts)
    for row in rows:
        yield from table_sites(meta, [row])


def table_rows(path: Path, opts: ReadOptions):
    """(TableMeta, iterator of (row number, values, encoding issue or None)) of a CSV or Excel list; blank rows
    are left out."""
    src = str(path)
    header, rows = (_xlsx_rows if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows)(path, opts)
    header = [str(h).strip().lstrip("\ufeff") for h in header]
    wkt_col = F.find(header, F.WKT, opts.wkt_field)
    lon_col, lat_col = F.find(header, F.LON, opts.lon_field), F.find(header, F.LAT, opts.lat_field)
    if opts.wkt_field and wkt_col is None or (opts.lon_field or opts.lat_field) and None in (lon_col, lat_col):
        raise InputError(messages.error("geometry_column_missing"), source=src,
                         expected="one of " + ", ".join(header))
    if wkt_col is None and None in (lon_col, lat_col):
        raise InputError(messages.error("no_geometry_columns"), source=src,
                         expected="a WKT column (wkt, geometry, 坐标 ...) or longitude and latitude columns "
                                  "(经度/纬度, lon/lat ...), or --wkt-field / --lon-field --lat-field; header: "
                                  + ", ".join(header))

    def numbered():
        for n, (values, issue) in enumerate(rows, start=2):
            values = list(values)
            if any(v is not None and str(v).strip() for v in values):
                yield n, values + [None] * (len(header) - len(values)), issue
    return TableMeta(src, tuple(header), wkt_col, lon_col, lat_col, opts), numbered()


def table_sites(meta: TableMeta, rows) -> list[SiteInput]:
    """The SiteInputs of raw (row number, values, issue) rows of a table: geometry parsed, a bad one on its row."""
    src, wkt_col, lon_col, lat_col = meta.source, meta.wkt_col, meta.lon_col, meta.lat_col
    at = {name: k for k, name in enumerate(meta.header)}    # a repeated header keeps its last column
    numbers: list[int] = []
    table: list = []
    geoms: list = []
    errors: list = []
    notes: dict = {}
    for n, values, issue in rows:
        geom, error = None, None
        try:
            if issue is not None and issue[0] == "error":
                raise InputError(issue[1], source=src, row=n, expected="UTF-8 or GBK text (or --encoding)")
            if issue is not None:
                notes[len(numbers)] = f"{src}: {issue[1]}"
            if wkt_col is not None:
                text = values[at[wkt_col]]
                if text is None or not str(text).strip():
                    raise InputError(messages.error("empty_geometry"), source=src, row=n, field=wkt_col, expected="WKT")
                geom = shapely.from_wkt(str(text).strip())
            else:
                lon = _coord(values[at[lon_col]], src, n, lon_col)
                lat = _coord(values[at[lat_col]], src, n, lat_col)
                geom = Point(lon, lat)
        except InputError as exc:
            error = exc
        except (GEOSException, ValueError, TypeError) as exc:
            error = InputError(messages.error("bad_wkt", why=exc), source=src, row=n, field=wkt_col,
                               expected="WKT such as POLYGON((113.0 27.9, ...))")
        numbers.append(n)
        table.append(values)
        geoms.append(geom)
        errors.append(error)
    columns = [[values[k] for values in table] for k in at.values()]
    sites = make_sites(list(at), columns, geoms, None, src, numbers, meta.opts, errors=errors)
    for k, note in notes.items():
        sites[k].warnings.append(note)
    return sites


def _coord(value, src, row, col) -> float:
    try:
        return parse_coordinate(value)
    except ValueError as exc:
        raise InputError(str(exc), source=src, row=row, field=col,
                         expected="decimal degrees (113.05) or degrees-minutes-seconds (113°03′00″)") from None
