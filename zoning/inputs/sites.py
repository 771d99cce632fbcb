"""A site as given, and reading sites from any supported file: one reader per format, one row mapping."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import shapely
from shapely.errors import GEOSException

from ..errors import InputError, ZoningError
from .. import values
from . import fields as F
from .options import ReadOptions


@dataclass
class SiteInput:
    geometry: object                 # shapely geometry in `crs` (None when the row is bad)
    crs: object                      # CRS key, "gcj02"/"bd09", a GKSpec, or None (not declared)
    source: str                      # file path or "--wkt"
    id: str | None = None
    name: str | None = None
    category: str | None = None      # raw text from the file, if any
    national_major: object = None    # raw flag from the file, if any
    row: int | None = None
    warnings: list = field(default_factory=list)
    error: ZoningError | None = None
    declared_area_m2: float | None = None   # an area the file states (界址点 TXT), checked against the geometry
    declared_area_text: str | None = None   # where and how the file states it, for the warning
    date: object = None              # the row's application date, if the list carries one


def site_from_wkt(text: str) -> SiteInput:
    try:
        geom = shapely.from_wkt(text)
    except (GEOSException, TypeError, ValueError) as exc:
        raise InputError(f"not valid WKT: {exc}", source="--wkt",
                         expected="e.g. POLYGON((113.0 27.9, 113.01 27.9, 113.01 27.91, 113.0 27.9))") from None
    if geom is None or geom.is_empty:
        raise InputError("empty geometry", source="--wkt", expected="a non-empty polygon, line or point")
    return SiteInput(geometry=geom, crs=None, source="--wkt")


def _clean(v):
    if type(v) is str:
        return v.strip() or None
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))        # an id typed as 12 in Excel is the number 12.0: named '12' on the command line
    text = str(v).strip()
    return text or None


@lru_cache(maxsize=64)
def _columns(cols: tuple, opts: ReadOptions):
    """The id, name, category and flag columns of a header (resolved once per header, not per row)."""
    named = (opts.id_field, opts.name_field, opts.category_field, opts.national_major_field, opts.date_field)
    missing = [n for n in named if n and F.find(cols, (), n) is None]
    return (F.find(cols, F.ID, opts.id_field), F.find(cols, F.NAME, opts.name_field),
            F.find(cols, F.CATEGORY, opts.category_field), F.find(cols, F.NATIONAL_MAJOR, opts.national_major_field),
            F.find(cols, F.DATE, opts.date_field), missing)


def make_site(attrs: dict, geometry, crs, source: str, row: int, opts: ReadOptions, *, default_id=None,
              error: ZoningError | None = None, warnings=None) -> SiteInput:
    """A SiteInput from one row's attributes, finding id, name, category and flag columns by their headers."""
    return make_sites(list(attrs), [[v] for v in attrs.values()], [geometry], crs, source, [row], opts,
                      default_ids=[default_id], errors=[error], warnings=warnings)[0]


def make_sites(names, columns, geometries, crs, source: str, rows, opts: ReadOptions, *,
               default_ids=None, errors=None, warnings=None) -> list[SiteInput]:
    """SiteInputs of rows that share a header: `columns[k]` holds the values of column `names[k]`, row by row;
    `rows` are their row numbers.

    The id, name, category, flag and date columns are found once for the header, not once per row."""
    n = len(geometries)
    id_col, name_col, cat_col, flag_col, date_col, missing = _columns(tuple(names), opts)
    by_name = dict(zip(names, columns))

    def cleaned(col):
        return [None] * n if col is None else [_clean(v) for v in by_name[col]]

    ids, site_names, cats, flags = (cleaned(c) for c in (id_col, name_col, cat_col, flag_col))
    dates, date_errors = [None] * n, [None] * n
    if date_col is not None:       # dates keep their type until read as calendar dates (str() of one is not)
        for i, (v, row) in enumerate(zip(by_name[date_col], rows)):
            try:
                dates[i] = values.date(v, source=source, row=row, field=str(date_col))
            except InputError as exc:
                date_errors[i] = exc
    not_found = InputError(f"column(s) {missing} not found", source=source,
                           expected="one of " + ", ".join(map(str, names))) if missing else None
    empty = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    out = []
    for i, row in enumerate(rows):
        error = (errors[i] if errors else None) or not_found or date_errors[i]
        if error is None and empty[i]:
            error = InputError("empty or missing geometry", source=source, row=row,
                               expected="a polygon, a line (with --width) or a point (with --radius)")
        default = default_ids[i] if default_ids else None
        out.append(SiteInput(geometry=geometries[i], crs=crs, source=source, row=row,
                             id=ids[i] if ids[i] is not None else (default if default is not None else str(row)),
                             name=site_names[i], category=cats[i], national_major=flags[i], date=dates[i],
                             error=error, warnings=list(warnings or [])))
    return out


def iter_sites(path, opts: ReadOptions = ReadOptions()) -> Iterator[SiteInput]:
    """Every site of a file, in order; a bad row is yielded with its `error` set, never dropped."""
    from .detect import detect_format
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", source=str(path), expected="a path to a site file")
    fmt = detect_format(path, opts.format_in)
    if fmt == "table":
        from .table import iter_table
        return iter_table(path, opts)
    if fmt == "jzd_txt":
        from .jzd_txt import iter_jzd
        return iter_jzd(path, opts)
    if fmt == "dxf":
        from .dxf import iter_dxf
        return iter_dxf(path, opts)
    if fmt == "parquet":
        from .parquet import iter_parquet
        return iter_parquet(path, opts)
    from .vector import iter_vector
    return iter_vector(path, opts, zipped=fmt == "zip")


def _choices(sites) -> str:
    """How to name each of the first sites on the command line: its id, or its position when ids repeat."""
    counts: dict = {}
    for s in sites:
        counts[str(s.id)] = counts.get(str(s.id), 0) + 1
    shown = [str(s.id) if counts[str(s.id)] == 1 else f"#{k}" for k, s in enumerate(sites[:20], start=1)]
    return ", ".join(shown) + (" ..." if len(sites) > 20 else "")


def choose_site(sites: list, site_id, src: str) -> SiteInput:
    """The site `site_id` names: its id, else its name (KML placemarks), else `#N`, its position in the file."""
    key = str(site_id).strip()
    for attr in ("id", "name"):
        matches = [s for s in sites if getattr(s, attr) is not None and str(getattr(s, attr)) == key]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            positions = [f"#{sites.index(s) + 1}" for s in matches[:10]]
            raise InputError(f"{len(matches)} sites have {attr} '{site_id}'", source=src,
                             expected="--id with a site's position in the file instead: " + ", ".join(positions))
    if key.startswith("#") and key[1:].isdigit() and 1 <= int(key[1:]) <= len(sites):
        return sites[int(key[1:]) - 1]
    raise InputError(f"no site with id or name '{site_id}'", source=src,
                     expected=f"one of {_choices(sites)}, or #1 to #{len(sites)} by position in the file")


def read_site(path, *, site_id=None, opts: ReadOptions = ReadOptions()) -> SiteInput:
    """One site from a file; a file with several sites needs `site_id`: an id, a name, or '#N' (the N-th site)."""
    sites = list(iter_sites(path, opts))
    src = str(path)
    if not sites:
        raise InputError("the file holds no sites", source=src, expected="at least one polygon, line or point")
    if site_id is None:
        if len(sites) > 1:
            raise InputError(f"the file holds {len(sites)} sites; choose one with --id", source=src,
                             expected=f"--id one of {_choices(sites)} (an id, a name, or #N for the N-th site)")
        chosen = sites[0]
    else:
        chosen = choose_site(sites, site_id, src)
    if chosen.error is not None:
        raise chosen.error
    return chosen
