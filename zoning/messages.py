"""The message catalogue (messages.toml): every label and message users read, Chinese first and English beside."""
from __future__ import annotations

import functools
import tomllib
from importlib.resources import files


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    return tomllib.loads(files("zoning").joinpath("messages.toml").read_text(encoding="utf-8"))


def section(name: str) -> dict:
    """One section as a dict; the `none` key also answers for None (a missing verdict)."""
    words: dict = dict(catalogue()[name])
    if "none" in words:
        words[None] = words["none"]
    return words


def text(key: str, **values) -> str:
    """A message from [text], filled in."""
    return catalogue()["text"][key].format(**values)


def error(key: str, **values) -> str:
    """An error message (or its `_expected` companion) from [error], filled in."""
    return catalogue()["error"][key].format(**values)


def note(key: str, **values) -> str:
    """A finding's note or an incompleteness reason from [note], filled in."""
    return catalogue()["note"][key].format(**values)


def said(key: str, **values) -> str:
    """A line the command line prints about what it did, from [said]."""
    return catalogue()["said"][key].format(**values)


def warning(key: str, **values) -> str:
    """A warning from [warning], filled in."""
    return catalogue()["warning"][key].format(**values)


def column_label(name: str) -> str:
    """A spreadsheet header: `中文 machine_name`. Per-layer columns (`red_line_overlap_m2`) name the layer too."""
    columns, layers = catalogue()["column"], catalogue()["layer"]
    if name in columns:
        return f"{columns[name]} {name}"
    for suffix in sorted(columns, key=len, reverse=True):
        if name.endswith("_" + suffix):
            layer = name[: -len(suffix) - 1]
            return f"{layers.get(layer, layer)}{columns[suffix]} {name}"
    return name
