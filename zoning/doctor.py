"""`zoning --version` and `zoning doctor`: what is installed, and whether this installation can do its work."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ._version import __version__


def versions() -> list[tuple[str, str]]:
    """(component, version) of zoning, the libraries under it and the rule sets it applies."""
    import pyogrio
    import pyproj
    import shapely

    from .rules import load_catalogue
    rows = [("zoning", __version__), ("GDAL (pyogrio)", pyogrio.__gdal_version_string__),
            ("GEOS (shapely)", shapely.geos_version_string), ("PROJ (pyproj)", pyproj.proj_version_str),
            ("shapely", shapely.__version__), ("pyogrio", pyogrio.__version__), ("pyproj", pyproj.__version__)]
    try:
        import rasterio
        rows.append(("GDAL (rasterio)", rasterio.__gdal_version__))
    except ImportError:
        pass
    cat = load_catalogue()
    rows += [(f"rule set {rs.id}", rs.version) for rs in cat.rule_sets.values()]
    rows.append(("categories", cat.categories.version))
    return rows


@dataclass
class Check:
    name: str
    ok: bool
    detail: str            # what was found, or what to do


def _manifest_checks(layers) -> list[Check]:
    from .errors import ZoningError
    from .layers import load_manifest
    try:
        m = load_manifest(layers)
    except ZoningError as exc:
        return [Check("layer manifest", False, f"{exc}")]
    out = [Check("layer manifest", True, f"{m.path} ({len(m.layers)} layers{', demo data' if m.demo else ''})")]
    for spec in m.layers:
        if spec.is_database:
            out.append(_postgis(spec))
            continue
        src = Path(spec.source)
        out.append(Check(f"layer {spec.id}", src.exists(),
                         str(src) if src.exists() else f"{src} not found: fix `path` in {m.path}"))
    return out


def _postgis(spec) -> Check:
    from .extras import installed
    if not installed("postgis"):
        return Check(f"layer {spec.id} (PostGIS)", False, 'pip install "zoning[postgis]"')
    import psycopg
    from .layers.postgis import redact
    try:
        with psycopg.connect(spec.path, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
        return Check(f"layer {spec.id} (PostGIS)", True, f"{redact(spec.path)} reachable")
    except Exception as exc:     # noqa: BLE001 - any failure to connect is the answer
        return Check(f"layer {spec.id} (PostGIS)", False,
                     f"{redact(spec.path)}: {str(exc).strip().splitlines()[0]} (check the server, PGUSER/PGPASSWORD "
                     "or ~/.pgpass)")


def _chromium() -> Check:
    from .extras import installed
    from .render.report import chromium_path
    exe = chromium_path()
    if not Path(exe).exists():
        return Check("Chromium (PDF reports)", False,
                     f"not at {exe}: apt-get install chromium (or set ZONING_CHROMIUM); HTML reports work without")
    if not installed("pdf"):
        return Check("Chromium (PDF reports)", False, f'{exe} found; pip install "zoning[pdf]" to drive it')
    return Check("Chromium (PDF reports)", True, exe)


def _cjk_font() -> Check:
    from matplotlib import font_manager
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = sorted(n for n in names if "CJK" in n or n in ("WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei"))
    return Check("CJK font (static maps, PDFs)", bool(found),
                 found[0] if found else "apt-get install fonts-noto-cjk: Chinese would print as boxes")


def _cache() -> Check:
    root = Path(os.environ.get("ZONING_CACHE") or Path.home() / ".cache" / "zoning")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root):
            pass
        free = shutil.disk_usage(root).free / 2 ** 30
        stores = list((root / "stores").glob("*.gpkg"))
        size = sum(p.stat().st_size for p in stores) / 1e6
        return Check("cache folder (prepared layer stores)", True,
                     f"{root} writable, {free:.1f} GiB free; {len(stores)} prepared stores, {size:,.0f} MB")
    except OSError as exc:
        return Check("cache folder (prepared layer stores)", False,
                     f"{root}: {exc.strerror}; set ZONING_CACHE (or the manifest's `store`) to a writable folder "
                     "(layers are otherwise built in memory by every process)")


def _data_files() -> list[Check]:
    from importlib import resources

    from .render.style import DEFAULT as style
    from .resources import data_file
    assets = Path(str(resources.files("zoning.render"))) / "assets" / "leaflet" / "leaflet.js"
    rules = Path(str(resources.files("zoning.rules"))) / "data" / "categories.toml"
    out = []
    for name, p in (("demo layers", data_file("layers", "layers.toml")), ("map style", style),
                    ("map assets", assets), ("rule files", rules)):
        out.append(Check(name, p.exists(), str(p) if p.exists() else f"{p} missing: reinstall zoning"))
    return out


def _extras() -> list[Check]:
    from .extras import EXTRAS, WHAT, installed
    return [Check(f"extra [{e}]", installed(e), WHAT[e] if installed(e) else
                  f'not installed ({WHAT[e]}): pip install "zoning[{e}]" when needed') for e in EXTRAS]


def diagnose(layers=None) -> list[Check]:
    return _data_files() + _manifest_checks(layers) + [_cache(), _chromium(), _cjk_font()] + _extras()
