"""Reading sites from any supported file: the reader for each format, and choosing one site of a file."""
from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator

from ..errors import InputError
from .detect import detect_format
from .dxf import iter_dxf
from .jzd_txt import iter_jzd
from .options import ReadOptions
from .parquet import iter_parquet
from .sites import SiteInput
from .table import iter_table
from .vector import iter_vector
from ..messages import error


def iter_sites(path, opts: ReadOptions = ReadOptions()) -> Iterator[SiteInput]:
    """Every site of a file, in order; a bad row is yielded with its `error` set, never dropped."""
    path = Path(path)
    if not path.exists():
        raise InputError(error("file_not_found"), source=str(path), expected="a path to a site file")
    fmt = detect_format(path, opts.format_in)
    if fmt == "table":
        return iter_table(path, opts)
    if fmt == "jzd_txt":
        return iter_jzd(path, opts)
    if fmt == "dxf":
        return iter_dxf(path, opts)
    if fmt == "parquet":
        return iter_parquet(path, opts)
    return iter_vector(path, opts, zipped=fmt == "zip")


def _choices(sites) -> str:
    """How to name each of the first sites on the command line: its id, or its position when ids repeat."""
    counts: dict = {}
    for s in sites:
        counts[str(s.id)] = counts.get(str(s.id), 0) + 1
    shown = [str(s.id) if counts[str(s.id)] == 1 else f"#{k}" for k, s in enumerate(sites[:20], start=1)]
    return ", ".join(shown) + (" ..." if len(sites) > 20 else "")


def choose_site(sites: list, site_id, src: str) -> SiteInput:
    """The site `site_id` names: its id, else its name (KML placemarks), else `#N`, its position in the file."""
    key = str(site_id).strip()
    for attr in ("id", "name"):
        matches = [s for s in sites if getattr(s, attr) is not None and str(getattr(s, attr)) == key]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            positions = [f"#{sites.index(s) + 1}" for s in matches[:10]]
            raise InputError(error("ambiguous_id", count=len(matches), attr=attr, site_id=site_id), source=src,
                             expected="--id with a site's position in the file instead: " + ", ".join(positions))
    if key.startswith("#") and key[1:].isdigit() and 1 <= int(key[1:]) <= len(sites):
        return sites[int(key[1:]) - 1]
    raise InputError(error("no_such_id", site_id=site_id), source=src,
                     expected=f"one of {_choices(sites)}, or #1 to #{len(sites)} by position in the file")


def read_site(path, *, site_id=None, opts: ReadOptions = ReadOptions()) -> SiteInput:
    """One site from a file; a file with several sites needs `site_id`: an id, a name, or '#N' (the N-th site)."""
    sites = list(iter_sites(path, opts))
    src = str(path)
    if not sites:
        raise InputError(error("no_sites"), source=src, expected="at least one polygon, line or point")
    if site_id is None:
        if len(sites) > 1:
            raise InputError(error("choose_site", count=len(sites)), source=src,
                             expected=f"--id one of {_choices(sites)} (an id, a name, or #N for the N-th site)")
        chosen = sites[0]
    else:
        chosen = choose_site(sites, site_id, src)
    if chosen.error is not None:
        raise chosen.error
    return chosen
