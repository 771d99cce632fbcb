"""The map style file (`maps/style.toml`): colours, fills and labels per zone code and verdict."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from ..errors import InputError

from ..resources import data_file

DEFAULT = data_file("maps", "style.toml")


@lru_cache(maxsize=8)
def load_style(path: str | None = None) -> dict:
    """The style table; $ZONING_STYLE or maps/style.toml by default."""
    p = Path(path or os.environ.get("ZONING_STYLE") or DEFAULT)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the style file: {exc}", source=str(p),
                         expected="a TOML file like maps/style.toml") from None


def zone_style(style: dict, code: str) -> dict:
    base = dict(style.get("default", {}))
    base.update(style.get("zone", {}).get(code, {}))
    return base


def verdict_style(style: dict, verdict: str | None) -> dict:
    base = dict(style.get("default", {}))
    base.update(style.get("verdict", {}).get(verdict or "", {}))
    return base
