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
