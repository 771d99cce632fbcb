"""Sites from CSV and Excel rows: a WKT column, or longitude/latitude columns (points, with --radius)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import shapely
from shapely.errors import GEOSException
from shapely.geometry import Point

from ..errors import InputError
from . import fields as F
from .coords import parse_coordinate
from .encoding import sniff_encoding
from .options import ReadOptions
from .sites import SiteInput, make_sites

csv.field_size_limit(1 << 30)   # WKT of a detailed polygon easily exceeds the default 128 KB


def _csv_rows(path: Path, opts: ReadOptions):
    enc = sniff_encoding(path, opts.encoding)
    fh = open(path, newline="", encoding=enc, errors="strict")
    sample = fh.read(64 * 1024)
    fh.seek(0)
    try:       # only the delimiter is sniffed (from the header); quoting is Excel's: "", doubled inside
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(fh, csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError("the file is empty", source=str(path), expected="a header row and one row per site")
    except UnicodeDecodeError:
        fh.close()
        raise InputError("cannot decode the text", source=str(path), expected="UTF-8 or GBK (or --encoding)")

    def rows():
        with fh:
            try:
                for values in reader:
                    yield values
            except UnicodeDecodeError as exc:
                raise InputError(f"cannot decode the text at byte {exc.start} as {enc}", source=str(path),
                                 expected="one encoding for the whole file (or --encoding)") from None
    return header, rows()


def _xlsx_rows(path: Path, opts: ReadOptions):
    import openpyxl

    from .guard import check_archive
    check_archive(path, str(path)).close()      # an .xlsx is a zip: bounded before openpyxl unpacks it
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many types for a damaged workbook
        raise InputError(f"cannot read as an Excel workbook: {exc}", source=str(path), expected="an .xlsx file") \
            from None
    if opts.layer and opts.layer not in wb.sheetnames:
        raise InputError(f"no sheet '{opts.layer}'", source=str(path), expected="one of " + ", ".join(wb.sheetnames))
    it = wb[opts.layer or wb.sheetnames[0]].iter_rows(values_only=True)
    for header in it:
        if any(v is not None and str(v).strip() for v in header):
            break
    else:
        raise InputError("the sheet is empty", source=str(path), expected="a header row and one row per site")
    return [("" if h is None else str(h)) for h in header], it


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
    """(TableMeta, iterator of (row number, values)) of a CSV or Excel list; blank rows are left out."""
    src = str(path)
    header, rows = (_xlsx_rows if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows)(path, opts)
    header = [str(h).strip().lstrip("\ufeff") for h in header]
    wkt_col = F.find(header, F.WKT, opts.wkt_field)
    lon_col, lat_col = F.find(header, F.LON, opts.lon_field), F.find(header, F.LAT, opts.lat_field)
    if opts.wkt_field and wkt_col is None or (opts.lon_field or opts.lat_field) and None in (lon_col, lat_col):
        raise InputError("the named geometry column is not in the header", source=src,
                         expected="one of " + ", ".join(header))
    if wkt_col is None and None in (lon_col, lat_col):
        raise InputError("no geometry columns", source=src,
                         expected="a WKT column (wkt, geometry, 坐标 ...) or longitude and latitude columns "
                                  "(经度/纬度, lon/lat ...), or --wkt-field / --lon-field --lat-field; header: "
                                  + ", ".join(header))

    def numbered():
        for n, values in enumerate(rows, start=2):
            values = list(values)
            if any(v is not None and str(v).strip() for v in values):
                yield n, values + [None] * (len(header) - len(values))
    return TableMeta(src, tuple(header), wkt_col, lon_col, lat_col, opts), numbered()


def table_sites(meta: TableMeta, rows) -> list[SiteInput]:
    """The SiteInputs of raw (row number, values) rows of a table: geometry parsed, a bad one on its row."""
    src, wkt_col, lon_col, lat_col = meta.source, meta.wkt_col, meta.lon_col, meta.lat_col
    at = {name: k for k, name in enumerate(meta.header)}    # a repeated header keeps its last column
    numbers, table, geoms, errors = [], [], [], []
    for n, values in rows:
        geom, error = None, None
        try:
            if wkt_col is not None:
                text = values[at[wkt_col]]
                if text is None or not str(text).strip():
                    raise InputError("empty geometry", source=src, row=n, field=wkt_col, expected="WKT")
                geom = shapely.from_wkt(str(text).strip())
            else:
                lon = _coord(values[at[lon_col]], src, n, lon_col)
                lat = _coord(values[at[lat_col]], src, n, lat_col)
                geom = Point(lon, lat)
        except InputError as exc:
            error = exc
        except (GEOSException, ValueError, TypeError) as exc:
            error = InputError(f"not valid WKT: {exc}", source=src, row=n, field=wkt_col,
                               expected="WKT such as POLYGON((113.0 27.9, ...))")
        numbers.append(n)
        table.append(values)
        geoms.append(geom)
        errors.append(error)
    columns = [[values[k] for values in table] for k in at.values()]
    return make_sites(list(at), columns, geoms, None, src, numbers, meta.opts, errors=errors)


def _coord(value, src, row, col) -> float:
    try:
        return parse_coordinate(value)
    except ValueError as exc:
        raise InputError(str(exc), source=src, row=row, field=col,
                         expected="decimal degrees (113.05) or degrees-minutes-seconds (113°03′00″)") from None
