"""The usual English and Chinese column headers for site attributes and coordinates."""
from __future__ import annotations

ID = ("id", "编号", "项目编号", "项目代码", "地块编号", "code", "project_id", "序号")
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
    return None


def parse_flag(value, *, source=None, row=None, field=None) -> bool:
    from ..errors import InputError
    text = "" if value is None else str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InputError(f"'{value}' is not a yes/no flag", source=source, row=row, field=field,
                     expected="1/0, true/false, yes/no or 是/否")
