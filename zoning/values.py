"""The values people type, parsed in one place: yes/no flags, dates, tolerances, distances and extents.

The command line (as click parameter types, `cli_types`), the Python API, the columns of a list and the web app
all call these functions, so that one spelling gives one value everywhere; a value that is not one is a
ZoningError naming where it came from (exit 2 on the command line, 4xx on the web)."""
from __future__ import annotations

import datetime as dt
import math
import re

from .errors import InputError
from .messages import error

TRUE = frozenset({"1", "true", "yes", "y", "是", "t", "on", "1.0", "x", "√", "✓"})
FALSE = frozenset({"0", "false", "no", "n", "否", "f", "off", "", "0.0"})
EXCEL_EPOCH = dt.date(1899, 12, 30)   # Excel's serial day 0 (1900 date system, after its 1900 leap-year bug)
SERIAL_RANGE = (3_000, 110_000)       # serial days that are dates 1908-2201; other numbers are not dates
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?")


def flag(value, *, source=None, row=None, field=None) -> bool:
    """A yes/no value: a bool, 1/0 (also 1.0), or 1/0, true/false, yes/no, y/n, t/f, on/off, 是/否 in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InputError(error("not_flag", value=value), source=source, row=row, field=field,
                     expected="1/0, true/false, yes/no, y/n or 是/否")


def date(value, *, source=None, row=None, field=None) -> dt.date | None:
    """A calendar date, whatever holds it: ISO or Chinese text (2025-06-01, 2025/6/1, 2025.6.1, 2025年6月1日,
    20250601), a datetime or timestamp (its date as written), a numpy datetime64, or an Excel serial day number.
    None for an empty value."""
    import numpy as np
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").item()
    number = None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        m = _DATE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        elif re.fullmatch(r"\d+(\.\d+)?", text):
            number = float(text)
    if number is not None and SERIAL_RANGE[0] <= number < SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    raise InputError(error("not_date", value=value), source=source, row=row, field=field,
                     expected=error("not_date_expected"))


def application_date(value, *, source="--date") -> dt.date:
    """The application date of a check or run: today when none is given."""
    return date(value, source=source) or dt.date.today()


def _number(value, source, what) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(error("not_number", value=value), source=source, expected=what) from None
    if not math.isfinite(x):
        raise InputError(error("not_finite", value=value), source=source, expected=what)
    return x


def tolerance(value, *, source="--tolerance-m") -> float:
    """A boundary tolerance in metres: a number >= 0."""
    x = _number(value, source, "metres, 0 or more")
    if x < 0:
        raise InputError(error("bad_tolerance", value=value), source=source, expected=error("bad_tolerance_expected"))
    return x


def metres(value, *, source, top: float | None = None) -> float:
    """A distance in metres: more than 0 (and at most `top`)."""
    what = "metres, more than 0" + (f" and at most {top:,.0f}" if top else "")
    x = _number(value, source, what)
    if x <= 0 or (top is not None and x > top):
        raise InputError(error("bad_metres", value=value), source=source, expected=what)
    return x


def extent(value, *, source="--extent") -> tuple[float, float, float, float]:
    """minx,miny,maxx,maxy: four finite numbers with min below max."""
    parts = [p for p in re.split(r"[,\s]+", str(value).strip()) if p] if not isinstance(value, (tuple, list)) \
        else list(value)
    expected = "minx,miny,maxx,maxy: four numbers, each min below its max"
    if len(parts) != 4:
        raise InputError(error("extent_count", value=value, count=len(parts)), source=source, expected=expected)
    x0, y0, x1, y1 = (_number(p, source, expected) for p in parts)
    if not (x0 < x1 and y0 < y1):
        raise InputError(error("extent_order", value=value), source=source, expected=expected)
    return x0, y0, x1, y1


def cli_types():
    """click parameter types over these parsers: a bad value is click's usage error (exit 2), with our message."""
    import click

    class Parsed(click.ParamType):
        def __init__(self, name, fn):
            self.name, self.fn = name, fn

        def convert(self, value, param, ctx):
            if not isinstance(value, str):       # a default, or a value already parsed
                return value
            try:
                return self.fn(value, source=f"--{param.name.replace('_', '-')}" if param else None)
            except InputError as exc:
                self.fail(exc.message + (f" (expected: {exc.expected})" if exc.expected else ""), param, ctx)

    return {"date": Parsed("date", date), "tolerance": Parsed("tolerance", tolerance),
            "metres": Parsed("metres", lambda v, source: metres(v, source=source)),
            "extent": Parsed("extent", extent)}
