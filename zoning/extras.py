"""Optional parts of zoning and the pip extra that brings each: a command that needs a missing one says so in one
line (exit 2), never an ImportError."""
from __future__ import annotations

import importlib.util

from .errors import ZoningError

EXTRAS = {"web": ("fastapi", "uvicorn", "multipart", "argon2"), "dask": ("dask", "distributed", "dask_geopandas"),
          "postgis": ("psycopg",), "pdf": ("playwright",)}
WHAT = {"web": "the web app (zoning serve)", "dask": "the dask engine (--engine dask)",
        "postgis": "PostGIS layers", "pdf": "PDF reports"}


class MissingExtra(ZoningError):
    """An optional part that is not installed."""


def installed(extra: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in EXTRAS[extra])


def require(extra: str, source: str | None = None) -> None:
    if not installed(extra):
        missing = [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]
        raise MissingExtra(f"{WHAT[extra]} needs {', '.join(missing)}, which is not installed",
                           source=source, expected=f'pip install "zoning[{extra}]"')
