"""A site as given (SiteInput), and the one mapping from a row's attributes to a site: every reader uses it."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import shapely
from shapely.errors import GEOSException

from ..errors import InputError, ZoningError
from .. import values
from . import fields as F
from .options import ReadOptions
from .. import messages


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
        raise InputError(messages.error("bad_wkt", why=exc), source="--wkt",
                         expected="e.g. POLYGON((113.0 27.9, 113.01 27.9, 113.01 27.91, 113.0 27.9))") from None
    if geom is None or geom.is_empty:
        raise InputError(messages.error("empty_geometry"), source="--wkt",
                         expected="a non-empty polygon, line or point")
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
    by_name = dict(zip(names, columns, strict=False))

    def cleaned(col):
        return [None] * n if col is None else [_clean(v) for v in by_name[col]]

    ids, site_names, cats, flags = (cleaned(c) for c in (id_col, name_col, cat_col, flag_col))
    dates: list = [None] * n
    date_errors: list = [None] * n
    if date_col is not None:       # dates keep their type until read as calendar dates (str() of one is not)
        for i, (v, row) in enumerate(zip(by_name[date_col], rows, strict=False)):
            try:
                dates[i] = values.date(v, source=source, row=row, field=str(date_col))
            except InputError as exc:
                date_errors[i] = exc
    not_found = InputError(messages.error("columns_missing", columns=missing), source=source,
                           expected="one of " + ", ".join(map(str, names))) if missing else None
    empty = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    out = []
    for i, row in enumerate(rows):
        error = (errors[i] if errors else None) or not_found or date_errors[i]
        if error is None and empty[i]:
            error = InputError(messages.error("missing_geometry"), source=source, row=row,
                               expected="a polygon, a line (with --width) or a point (with --radius)")
        default = default_ids[i] if default_ids else None
        out.append(SiteInput(geometry=geometries[i], crs=crs, source=source, row=row,
                             id=ids[i] if ids[i] is not None else (default if default is not None
                                                                   else None if row is None else str(row)),
                             name=site_names[i], category=cats[i], national_major=flags[i], date=dates[i],
                             error=error, warnings=list(warnings or [])))
    return out
