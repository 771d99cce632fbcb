"""The usual English and Chinese column headers for site attributes."""
from __future__ import annotations

ID = ("id", "编号", "项目编号", "项目代码", "code", "project_id", "fid_")
NAME = ("name", "项目名称", "名称", "project_name", "project", "项目")
CATEGORY = ("category", "类型", "项目类型", "类别", "项目类别", "project_type")
NATIONAL_MAJOR = ("national_major", "国家重大项目", "是否国家重大项目", "重大项目")

TRUE = {"1", "true", "yes", "y", "是", "t"}
FALSE = {"0", "false", "no", "n", "否", "f", ""}


def find(columns, candidates) -> str | None:
    """The first column whose name matches a candidate (case-insensitive, trimmed)."""
    lowered = {str(c).strip().casefold(): c for c in columns}
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
