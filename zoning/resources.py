"""Where the data files that ship with zoning are: in the installed package (`zoning/_data/`, a wheel) or, in a
checkout, at their source (`layers/`, `maps/`)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def data_file(folder: str, name: str) -> Path:
    """`layers/layers.toml`, `maps/style.toml`, ...: the installed copy, else the checkout's."""
    packaged = Path(str(resources.files("zoning"))) / "_data" / folder / name
    if packaged.exists():
        return packaged
    return CHECKOUT / folder / name
