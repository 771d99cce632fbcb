"""Writing a site as a 界址点 coordinate TXT ([属性描述] / [地块坐标]), the exchange format of land pre-examination
(GBK by default, as the receiving systems expect; UTF-8 on request). The tool's own reader reads it back."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..atomic import write_bytes
from .boundary_points import BoundaryPoints


def jzd_text(points: BoundaryPoints, *, number: str, name: str, producer: str = "zoning") -> str:
    lines = ["[属性描述]", "格式版本号=1.01版本", f"数据产生单位={producer}",
             f"数据产生日期={dt.date.today().isoformat()}", "坐标系=2000国家大地坐标系", "几度分带=3",
             "投影类型=高斯克吕格", "计量单位=米", f"带号={points.zone}", "精度=0.001", "转换参数=,,,,,,", "[地块坐标]"]
    count = sum(len(r.points) for r in points.rings)
    clean = [str(v or "").replace(",", "，").replace("@", "") for v in (number, name)]
    lines.append(f"{count},{points.area_m2 / 10_000:.4f},{clean[0]},{clean[1]},面,,,,@")
    for ring in points.rings:
        lines += [f"{label},{ring.number},{x:.3f},{y:.3f}" for label, x, y in ring.points]
    return "\r\n".join(lines) + "\r\n"


def write_jzd(points: BoundaryPoints, path, *, number: str, name: str, encoding: str = "gbk") -> Path:
    """Write the TXT atomically; names a GBK file cannot hold are written with GB18030 characters."""
    text = jzd_text(points, number=number, name=name)
    data = text.encode("gb18030" if encoding.lower() in ("gbk", "gb2312", "cp936") else encoding)
    return write_bytes(Path(path), data)
