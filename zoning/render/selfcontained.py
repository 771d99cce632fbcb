"""Self-contained folium HTML: inline the vendored copies of the CDN scripts and stylesheets.

folium writes ``<script src="https://cdn...">`` and ``<link rel="stylesheet" href="https://cdn...">``
tags for Leaflet, jQuery, Bootstrap and its plugins; on a machine without network such a map is a blank
page.  :func:`inline_assets` swaps each of those tags for an inline ``<script>`` / ``<style>`` holding the
copy vendored under ``zoning/render/assets/`` (refresh them with ``python maps/vendor_assets.py``).

Only the ``src`` of ``<script>`` tags and the ``href`` of ``<link>`` tags are looked at; the code inside
inline scripts (tile URL templates such as ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``, attribution
links, popup HTML) is never read or changed.  An external script or link whose URL is not in
:data:`CDN_ASSETS` raises :class:`ValueError`, so a new folium version or plugin cannot silently bring a
CDN back.
"""

from __future__ import annotations

import html as _html
import re
from functools import lru_cache
from importlib import resources

__all__ = ["ASSET_VERSIONS", "CDN_ASSETS", "inline_assets", "read_asset"]

#: Vendored folder under ``assets/`` -> the npm package (or other source) and version it was taken from.
ASSET_VERSIONS: dict[str, str] = {
    "leaflet": "leaflet@1.9.3",
    "jquery": "jquery@3.7.1",
    "bootstrap": "bootstrap@5.2.2",
    "bootstrap3-glyphicons": "bootstrap@3.1.1",  # 3.0.0 is not on npm; Glyphicons rules + WOFF font only
    "fontawesome-free": "@fortawesome/fontawesome-free@6.2.0",  # CSS only, @font-face rules dropped
    "leaflet-awesome-markers": "drmonty-leaflet-awesome-markers@2.0.2",
    "folium": "folium@0.20.0",  # leaflet.awesome.rotate.min.css, generated
    "leaflet-measure": "leaflet-measure@2.1.7",
    "leaflet.fullscreen": "leaflet.fullscreen@3.0.0",
    "leaflet-minimap": "leaflet-minimap@3.6.1",
    "leaflet-mouse-position": "leaflet-mouse-position@1.2.0",
    "leaflet.markercluster": "leaflet.markercluster@1.1.0",
    "leaflet-search": "leaflet-search@2.9.7",
    "leaflet.vectorgrid": "leaflet.vectorgrid@1.3.0",
}

#: CDN URL emitted by folium 0.20 -> vendored file(s) under ``assets/``, concatenated in order.
CDN_ASSETS: dict[str, tuple[str, ...]] = {
    # Leaflet; the second file points L.Icon.Default at data: URIs (Leaflet would look for image files).
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": (
        "leaflet/leaflet.js",
        "leaflet/leaflet-default-icons.js",
    ),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet/leaflet.css",),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery/jquery.min.js",),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap/bootstrap.bundle.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": ("bootstrap/bootstrap.min.css",),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "bootstrap3-glyphicons/bootstrap-glyphicons.min.css",
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "fontawesome-free/all.min.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        "leaflet-awesome-markers/leaflet.awesome-markers.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        "leaflet-awesome-markers/leaflet.awesome-markers.css",
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (
        "folium/leaflet.awesome.rotate.min.css",
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": (
        "leaflet-measure/leaflet-measure.min.js",
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": (
        "leaflet-measure/leaflet-measure.css",
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen/Control.FullScreen.js",
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen/Control.FullScreen.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.js": (
        "leaflet-minimap/Control.MiniMap.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css": (
        "leaflet-minimap/Control.MiniMap.min.css",
    ),
    "https://cdn.jsdelivr.net/gh/ardhi/Leaflet.MousePosition/src/L.Control.MousePosition.min.js": (
        "leaflet-mouse-position/L.Control.MousePosition.js",
    ),
    "https://cdn.jsdelivr.net/gh/ardhi/Leaflet.MousePosition/src/L.Control.MousePosition.min.css": (
        "leaflet-mouse-position/L.Control.MousePosition.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet.markercluster/leaflet.markercluster.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster/MarkerCluster.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet.markercluster/MarkerCluster.Default.css",
    ),
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js": (
        "leaflet-search/leaflet-search.min.js",
    ),
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css": (
        "leaflet-search/leaflet-search.min.css",
    ),
    # folium's VectorGridProtobuf asks for @latest; the vendored copy pins 1.3.0 (the latest published)
    "https://unpkg.com/leaflet.vectorgrid@latest/dist/Leaflet.VectorGrid.bundled.js": (
        "leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    ),
}

# Lookup key without the scheme, so http://, https:// and protocol-relative // spellings all match.
_BY_KEY = {re.sub(r"^https?:", "", url, flags=re.I): url for url in CDN_ASSETS}

# One left-to-right scan.  Whole <script>...</script>, <style>...</style> and comments are consumed as
# single tokens, so nothing inside inline JS/CSS is ever matched as a tag.
_TOKEN = re.compile(
    r"""
      (?P<comment><!--.*?-->)
    | (?P<script><script\b(?P<sattrs>[^>]*)>(?P<sbody>.*?)</script\s*>)
    | (?P<style><style\b[^>]*>.*?</style\s*>)
    | (?P<link><link\b(?P<lattrs>[^>]*)>)
    """,
    re.S | re.I | re.X,
)
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
_NOT_EXTERNAL_SCHEMES = re.compile(r"^\s*(?:data|blob|javascript|about):", re.I)


def _attrs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        name = m.group(1).lower()
        value = next((g for g in m.group(2, 3, 4) if g is not None), "")
        out.setdefault(name, _html.unescape(value))
    return out


def _is_external(url: str) -> bool:
    return bool(_EXTERNAL.match(url)) and not _NOT_EXTERNAL_SCHEMES.match(url)


def _lookup(url: str, kind: str) -> str:
    key = re.sub(r"^https?:", "", url.strip(), flags=re.I)
    canonical = _BY_KEY.get(key)
    if canonical is None:
        raise ValueError(
            f"external {kind} {url!r} has no vendored copy; the map would need the network. "
            "Add it to CDN_ASSETS in zoning/render/selfcontained.py and to maps/vendor_assets.py."
        )
    suffix = ".js" if kind == "script" else ".css"
    if not all(p.endswith(suffix) for p in CDN_ASSETS[canonical]):
        raise ValueError(f"{url!r} is vendored as {CDN_ASSETS[canonical]}, not usable as a {kind}")
    return canonical


def read_asset(relpath: str) -> str:
    """Text of one vendored file, ``relpath`` relative to ``zoning/render/assets/``."""
    return _read_asset(relpath)


@lru_cache(maxsize=256)
def _read_asset(relpath: str) -> str:
    node = resources.files(__package__).joinpath("assets")
    for part in relpath.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def _label(url: str) -> str:
    folder = CDN_ASSETS[url][0].split("/", 1)[0]
    return ASSET_VERSIONS.get(folder, folder)


@lru_cache(maxsize=256)
def _inline_script(url: str) -> str:
    js = "\n;\n".join(_read_asset(p) for p in CDN_ASSETS[url])
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)
    return f'<script data-vendored="{_html.escape(_label(url))}">\n{js}\n</script>'


@lru_cache(maxsize=256)
def _inline_style(url: str) -> str:
    css = "\n".join(_read_asset(p) for p in CDN_ASSETS[url])
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)  # cannot occur in the vendored files; be safe
    return f'<style data-vendored="{_html.escape(_label(url))}">\n{css}\n</style>'


def inline_assets(html: str) -> str:
    """Return ``html`` with every known CDN ``<script src>`` / stylesheet ``<link href>`` inlined.

    * ``<script src="URL"></script>`` -> ``<script>`` + vendored JS (``</script`` escaped as ``<\\/script``).
    * ``<link rel="stylesheet" href="URL"/>`` -> ``<style>`` + vendored CSS (images already data: URIs).
    * A URL met a second time is dropped (the first inline copy already defines it).
    * Any other external (``http:``, ``https:``, ``//``) script src or link href raises ``ValueError``
      naming the URL.  Relative and ``data:`` URLs are left as they are.
    * Inline scripts, styles and comments are copied unchanged.
    """
    seen: set[str] = set()

    def replace(m: re.Match[str]) -> str:
        if m.group("script") is not None:
            src = _attrs(m.group("sattrs")).get("src")
            if src is None or not _is_external(src):
                return m.group(0)
            url = _lookup(src, "script")
            if url in seen:
                return ""
            seen.add(url)
            return _inline_script(url)
        if m.group("link") is not None:
            attrs = _attrs(m.group("lattrs"))
            href = attrs.get("href")
            if href is None or not _is_external(href):
                return m.group(0)
            rels = attrs.get("rel", "").lower().split()
            if "stylesheet" not in rels:
                raise ValueError(f"external <link rel={attrs.get('rel', '')!r}> {href!r} would need the network")
            url = _lookup(href, "stylesheet")
            if url in seen:
                return ""
            seen.add(url)
            return _inline_style(url)
        return m.group(0)  # comment or inline <style>

    return _TOKEN.sub(replace, html)
