"""The usual English and Chinese column headers for site attributes and coordinates."""
from __future__ import annotations

ID = ("id", "项目编号", "项目代码", "地块编号", "编号", "code", "project_id", "序号")
NAME = ("name", "项目名称", "名称", "地块名称", "project_name", "project", "项目")
CATEGORY = ("category", "类型", "项目类型", "类别", "项目类别", "project_type", "行业类别")
NATIONAL_MAJOR = ("national_major", "国家重大项目", "是否国家重大项目", "重大项目")
DATE = ("date", "application_date", "申请日期", "受理日期", "日期")
WKT = ("wkt", "geometry", "geom", "the_geom", "shape", "坐标", "几何", "范围", "wkt坐标")
LON = ("lon", "lng", "long", "longitude", "经度", "东经", "x坐标经度")
LAT = ("lat", "latitude", "纬度", "北纬")

TRUE = {"1", "true", "yes", "y", "是", "t", "1.0"}
FALSE = {"0", "false", "no", "n", "否", "f", "", "0.0"}


def find(columns, candidates, named: str | None = None) -> str | None:
    """The column named by an option, else the first whose header matches a candidate (trimmed, case-folded)."""
    lowered = {str(c).strip().casefold(): c for c in columns}
    if named:
        return lowered.get(named.strip().casefold())
    for cand in candidates:
        if cand.casefold() in lowered:
            return lowered[cand.casefold()]
    for cand in candidates:       # a shapefile's header: the name cut at the DBF limit of 10 bytes
        for cut in _dbf_cuts(cand.casefold()):
            if cut in lowered:
                return lowered[cut]
    return None


DBF_NAME_BYTES = 10


def _dbf_cuts(name: str) -> set[str]:
    """`name` as a .dbf header holds it when longer than 10 bytes: cut there in UTF-8 or GBK, a character
    split by the cut dropped."""
    out = set()
    for enc in ("utf-8", "gbk"):
        try:
            raw = name.encode(enc)
        except UnicodeEncodeError:
            continue
        if len(raw) > DBF_NAME_BYTES:
            out.add(raw[:DBF_NAME_BYTES].decode(enc, errors="ignore"))
    out.discard("")
    return out


def parse_flag(value, *, source=None, row=None, field=None) -> bool:
    from ..errors import InputError
    text = "" if value is None else str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InputError(f"'{value}' is not a yes/no flag", source=source, row=row, field=field,
                     expected="1/0, true/false, yes/no or 是/否")


EXCEL_EPOCH = (1899, 12, 30)          # Excel's serial day 0 (1900 date system, after its 1900 leap-year bug)
SERIAL_RANGE = (3_000, 110_000)       # serial days that are dates 1908-2201; other numbers are not dates


def parse_date_cell(value, *, source=None, row=None, field=None):
    """A row's date as its calendar date, whatever the cell holds: ISO or Chinese text (2025-06-01, 2025/6/1,
    2025.6.1, 2025年6月1日, 20250601), a datetime or timestamp (with or without a time zone: its date as
    written), a numpy datetime64, or an Excel serial day number. None for an empty cell; InputError naming the
    column otherwise."""
    import datetime as dt
    import re

    import numpy as np
    from ..errors import InputError
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return value.astype("datetime64[D]").item()
    number = None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                         r"(?:[T ].*)?", text)
        if m is None:
            m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        elif re.fullmatch(r"\d+(\.\d+)?", text):
            number = float(text)
    if number is not None and SERIAL_RANGE[0] <= number < SERIAL_RANGE[1]:
        return dt.date(*EXCEL_EPOCH) + dt.timedelta(days=int(number))
    raise InputError(f"'{value}' is not a date", source=source, row=row, field=field,
                     expected="a date such as 2025-06-01 (text, a date cell or an Excel date number)")
