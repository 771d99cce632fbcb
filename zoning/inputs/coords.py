"""Coordinate values as people type them: decimal degrees, degrees-minutes-seconds, hemisphere marks."""
from __future__ import annotations

import re
from ..messages import error

# marks as word processors and keyboards type them: curly quotes for ′ ″, the ordinal º and ring ˚ for °
_MARKS = str.maketrans({"’": "′", "‘": "′", "´": "′", "`": "′", "”": "″", "“": "″", "º": "°", "˚": "°",
                        "，": ".", "＂": '"', "：": ":", "＇": "'"})
_HEMI = re.compile(r"^\s*(东经|北纬|西经|南纬|[NSEWnsew])?\s*(.*?)\s*([NSEWnsew]|东经|北纬)?\s*$")
_DMS = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:°|度|:|\s)\s*(?:(\d+(?:\.\d+)?)\s*(?:′|'|分|:|\s)?\s*)?"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:″|\"|''|秒)?)?$")


def parse_coordinate(value) -> float:
    """A longitude or latitude as a float; raises ValueError saying what was wrong."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value:
            raise ValueError("empty")
        return float(value)
    text = "" if value is None else str(value).strip().translate(_MARKS)
    if not text:
        raise ValueError("empty")
    m = _HEMI.match(text)
    if m is None:
        raise ValueError(error("not_coordinate", value=value))
    pre, body, post = m.group(1), m.group(2), m.group(3)
    sign = -1.0 if (pre or post or "").upper() in ("S", "W", "西经", "南纬") else 1.0
    try:
        return sign * float(body)
    except ValueError:
        pass
    d = _DMS.match(body)
    if not d:
        raise ValueError(error("not_coordinate", value=value))
    deg, minutes, seconds = float(d.group(1)), float(d.group(2) or 0), float(d.group(3) or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(error("minutes_seconds", value=value))
    return sign * (deg + minutes / 60 + seconds / 3600)
