"""Re-fetch the JS/CSS that folium's maps load from CDNs and vendor them into ``zoning/render/assets/``.

The rendered maps must work with no network, so :func:`zoning.render.selfcontained.inline_assets`
replaces folium's CDN ``<script>`` / ``<link>`` tags with these vendored copies.  This script is the
only way those files are produced; do not edit them by hand.

Usage (from the repository root; needs ``npm`` on PATH and the npm registry reachable)::

    python maps/vendor_assets.py            # rewrite zoning/render/assets/
    python maps/vendor_assets.py --check    # rebuild in a temp dir, fail if anything differs
    python maps/vendor_assets.py --dest DIR # write somewhere else

What it does, deterministically:

1. ``npm pack <name>@<version>`` for each pinned package in :data:`PACKAGES` (registry tarballs only, no
   install scripts) and checks the tarball against the pinned sha512 ``integrity``.
2. Copies the files listed in :data:`FILES` out of the tarballs (read in memory, never extracted), with a
   fixed transform per file:

   * ``js``: drop ``//# sourceMappingURL`` comments.
   * ``css``: drop ``/*# sourceMappingURL */``; every relative ``url(...)`` (images) becomes a base64
     ``data:`` URI read from the same tarball; any url() left that is not ``data:`` or ``#...`` is an error.
   * ``css-nofonts``: as ``css`` but ``@font-face`` rules are removed first (Font Awesome: we do not use
     its icons; 280 KB+ of fonts per map are not worth it).
   * ``glyphicons``: the ``@font-face`` + ``.glyphicon*`` rules cut out of bootstrap 3's CSS, with the
     WOFF font inlined (the netdna ``bootstrap-glyphicons.css`` of 3.0.0 is not on npm).
3. Generates two small files: ``leaflet/leaflet-default-icons.js`` (Leaflet's default marker PNGs as
   data: URIs on ``L.Icon.Default``; Leaflet otherwise derives an image *path* from its CSS) and
   ``folium/leaflet.awesome.rotate.min.css`` (the ``.fa-rotate-N`` classes folium's ``Icon(angle=)`` uses).
4. Writes ``licenses/<package>.txt``, ``LICENSES.md`` and ``SHA256SUMS``.

To move to new versions (e.g. after a folium upgrade emits other URLs): change :data:`PACKAGES` (name,
version, integrity from ``npm view <name>@<version> dist.integrity``) and :data:`FILES`, update
``CDN_ASSETS`` / ``ASSET_VERSIONS`` in ``zoning/render/selfcontained.py``, run this script and
``pytest tests/test_selfcontained.py``.
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import hashlib
import io
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEST = REPO / "zoning" / "render" / "assets"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # npm dist.integrity of the registry tarball
    license: str  # SPDX-ish, for LICENSES.md
    license_file: str  # path inside the tarball ("package/" stripped); "" = taken from another package
    source: str  # where the code lives upstream
    note: str = ""

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


def _keyed(*packages: Package) -> dict[str, Package]:
    """Key = npm name, except a second version of a name gets ``name@major``."""
    out: dict[str, Package] = {}
    for p in packages:
        key = p.name if p.name not in out else f"{p.name}@{p.version.split('.')[0]}"
        out[key] = p
    return out


#: Pinned npm packages; keys are what FILES refer to.
PACKAGES: dict[str, Package] = _keyed(
    Package("leaflet", "1.9.3",
            "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
            "BSD-2-Clause", "LICENSE", "https://github.com/Leaflet/Leaflet"),
    Package("jquery", "3.7.1",
            "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
            "MIT", "LICENSE.txt", "https://github.com/jquery/jquery"),
    Package("bootstrap", "5.2.2",
            "sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
            "MIT", "LICENSE", "https://github.com/twbs/bootstrap"),
    Package("bootstrap", "3.1.1",
            "sha512-TAzqS8E/ISpVHP29gYhy+1NSV+FJwApDVQhDfgLYsIuUDJiqJzH2DfORN5tiu+Ie2iBLrzEG34t4Rf465cigqg==",
            "MIT", "LICENSE", "https://github.com/twbs/bootstrap",
            "Only the Glyphicons Halflings rules and WOFF font (made available to Bootstrap free of cost "
            "by their creator, distributed with Bootstrap under its MIT license). bootstrap@3.0.0, the "
            "version of folium's netdna URL, was never published to npm; 3.1.1 is the oldest 3.x there."),
    Package("@fortawesome/fontawesome-free", "6.2.0",
            "sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==",
            "CC-BY-4.0 AND OFL-1.1 AND MIT", "LICENSE.txt", "https://github.com/FortAwesome/Font-Awesome",
            "CSS only (MIT part); the @font-face rules and webfonts (OFL-1.1) are not vendored, so "
            "Font Awesome icons render as empty boxes/blank."),
    Package("drmonty-leaflet-awesome-markers", "2.0.2",
            "sha512-g508pdnnHQr9l4kU6McvJzcSd0w1FvHFlZZCYc4oT+zjwYJi1qtj0fFBFEWMKoNfHK4UcBya1eccyjKfu4chjQ==",
            "MIT", "", "https://github.com/lvoogdt/Leaflet.awesome-markers",
            "npm mirror of Leaflet.awesome-markers 2.0.2 (the cdnjs files); its tarball has no license "
            "file, the MIT text is the original author's, taken from leaflet.awesome-markers@2.0.5."),
    Package("leaflet.awesome-markers", "2.0.5",
            "sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA==",
            "MIT", "LICENSE", "https://github.com/lvoogdt/Leaflet.awesome-markers",
            "Used only for its LICENSE (Copyright (C) 2013 L. Voogdt), no code vendored."),
    Package("leaflet-measure", "2.1.7",
            "sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug==",
            "MIT", "LICENSE", "https://github.com/ljagis/leaflet-measure"),
    Package("leaflet.fullscreen", "3.0.0",
            "sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/UcILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ==",
            "MIT", "LICENSE", "https://github.com/brunob/leaflet.fullscreen",
            "The tarball has no minified build; Control.FullScreen.js (8 KB) is vendored unminified."),
    Package("leaflet-minimap", "3.6.1",
            "sha512-6px8f6cfv1rKB6ACpL6bbUFGxipZOq4KsntJgBj9nOcW1RYa5+xFp8emOZwks9X+VtVVsQEwWwfgT1kTTL/LzA==",
            "BSD-2-Clause", "LICENSE.txt", "https://github.com/Norkart/Leaflet-MiniMap"),
    Package("leaflet-mouse-position", "1.2.0",
            "sha512-iKS25GZDRdoKZn0O5sjTyNcBYrq/wenLiOidj4jJ5iD4SfhyqVj+bJHgBwuMxOlf8Vc/9B1ZPlqYV4QA97nyFg==",
            "MIT", "MIT-LICENCE.txt", "https://github.com/ardhi/Leaflet.MousePosition",
            "npm wrapper (danwild) of ardhi/Leaflet.MousePosition, which is not on npm; same "
            "L.Control.MousePosition code as upstream src/ (formatter, wrapLng options) except upstream's "
            "later onRemove fix and cursor:pointer. Vendored unminified (2 KB)."),
    Package("leaflet.markercluster", "1.1.0",
            "sha512-eI+XkCiLiHwCC3uZ4/n4+Vq3rXcqEHN2lhHRVG1WVziy/3Q0TTipWkzEa1zO0dKZI2AnI5ppFDWrOjnQ7MJLKQ==",
            "MIT", "MIT-LICENCE.txt", "https://github.com/Leaflet/Leaflet.markercluster"),
    Package("leaflet-search", "2.9.7",
            "sha512-v7CxEbXyQXqLFjSkTpvM5i1cvmrcPOos57UmTnR94qqvVZykXyz/0SKEs3cbkFHjyrmMQ3Yk2Q5W6PvyuiSuPg==",
            "MIT", "license.txt", "https://github.com/stefanocudini/leaflet-search"),
    Package("leaflet-draw", "1.0.4",
            "sha512-rsQ6saQO5ST5Aj6XRFylr5zvarWgzWnrg46zQ1MEOEIHsppdC/8hnN8qMoFvACsPvTioAuysya/TVtog15tyAQ==",
            "MIT", "", "https://github.com/Leaflet/Leaflet.draw",
            "Served by `zoning serve` for drawing a site (not inlined into maps). The tarball carries no license "
            "file; its package.json says MIT."),
    Package("leaflet.vectorgrid", "1.3.0",
            "sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw==",
            "Beerware", "README.md", "https://github.com/Leaflet/Leaflet.VectorGrid",
            "Draws the atlas's vector tiles of official-size layers. The bundled build carries pbf (BSD-3-Clause) "
            "and @mapbox/vector-tile (BSD-3-Clause); the tarball has no license file, its README ends with "
            "the Beerware notice, kept whole as the license text."),
    Package("swagger-ui-dist", "5.35.0",
            "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
            "Apache-2.0", "LICENSE", "https://github.com/swagger-api/swagger-ui",
            "Served by `zoning serve` for its API documentation at /docs, so that it works without internet."),
)


@dataclass(frozen=True)
class File:
    dest: str  # relative to the assets dir
    package: str  # key of PACKAGES
    src: str  # path inside the tarball ("package/" stripped)
    kind: str  # js | js-served (never inlined) | css | css-nofonts | glyphicons


#: Every vendored file, in a fixed order.  Generated files are added by generate().
FILES: list[File] = [
    File("leaflet/leaflet.js", "leaflet", "dist/leaflet.js", "js"),
    File("leaflet/leaflet.css", "leaflet", "dist/leaflet.css", "css"),
    File("jquery/jquery.min.js", "jquery", "dist/jquery.min.js", "js"),
    File("bootstrap/bootstrap.bundle.min.js", "bootstrap", "dist/js/bootstrap.bundle.min.js", "js"),
    File("bootstrap/bootstrap.min.css", "bootstrap", "dist/css/bootstrap.min.css", "css"),
    File("bootstrap3-glyphicons/bootstrap-glyphicons.min.css", "bootstrap@3", "dist/css/bootstrap.css",
         "glyphicons"),
    File("fontawesome-free/all.min.css", "@fortawesome/fontawesome-free", "css/all.min.css", "css-nofonts"),
    File("leaflet-awesome-markers/leaflet.awesome-markers.min.js", "drmonty-leaflet-awesome-markers",
         "js/leaflet.awesome-markers.min.js", "js"),
    File("leaflet-awesome-markers/leaflet.awesome-markers.css", "drmonty-leaflet-awesome-markers",
         "css/leaflet.awesome-markers.css", "css"),
    File("leaflet-measure/leaflet-measure.min.js", "leaflet-measure", "dist/leaflet-measure.min.js", "js"),
    File("leaflet-measure/leaflet-measure.css", "leaflet-measure", "dist/leaflet-measure.css", "css"),
    File("leaflet.fullscreen/Control.FullScreen.js", "leaflet.fullscreen", "Control.FullScreen.js", "js"),
    File("leaflet.fullscreen/Control.FullScreen.css", "leaflet.fullscreen", "Control.FullScreen.css", "css"),
    File("leaflet-minimap/Control.MiniMap.min.js", "leaflet-minimap", "dist/Control.MiniMap.min.js", "js"),
    File("leaflet-minimap/Control.MiniMap.min.css", "leaflet-minimap", "dist/Control.MiniMap.min.css", "css"),
    File("leaflet-mouse-position/L.Control.MousePosition.js", "leaflet-mouse-position",
         "src/L.Control.MousePosition.js", "js"),
    File("leaflet-mouse-position/L.Control.MousePosition.css", "leaflet-mouse-position",
         "src/L.Control.MousePosition.css", "css"),
    File("leaflet.markercluster/leaflet.markercluster.js", "leaflet.markercluster",
         "dist/leaflet.markercluster.js", "js"),
    File("leaflet.markercluster/MarkerCluster.css", "leaflet.markercluster", "dist/MarkerCluster.css", "css"),
    File("leaflet.markercluster/MarkerCluster.Default.css", "leaflet.markercluster",
         "dist/MarkerCluster.Default.css", "css"),
    File("leaflet-search/leaflet-search.min.js", "leaflet-search", "dist/leaflet-search.min.js", "js"),
    File("leaflet-search/leaflet-search.min.css", "leaflet-search", "dist/leaflet-search.min.css", "css"),
    File("leaflet-draw/leaflet.draw.js", "leaflet-draw", "dist/leaflet.draw.js", "js"),
    File("leaflet-draw/leaflet.draw.css", "leaflet-draw", "dist/leaflet.draw.css", "css"),
    File("leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js", "leaflet.vectorgrid",
         "dist/Leaflet.VectorGrid.bundled.min.js", "js"),
    File("swagger-ui/swagger-ui-bundle.js", "swagger-ui-dist", "swagger-ui-bundle.js", "js-served"),
    File("swagger-ui/swagger-ui.css", "swagger-ui-dist", "swagger-ui.css", "css"),
]

# PACKAGES key whose license text stands for a package whose tarball has none
LICENSE_FROM = {
    "drmonty-leaflet-awesome-markers": "leaflet.awesome-markers",  # same author's MIT text (2.0.5 tarball)
}


def license_name(key: str) -> str:
    """licenses/<name>.txt for a PACKAGES key: '@fortawesome/fontawesome-free' -> 'fontawesome-free'."""
    key = LICENSE_FROM.get(key, key)
    return key.split("/")[-1].replace("@", "")

MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)""", re.I)


# --------------------------------------------------------------------------------------------- fetching
def npm_pack(pkg: Package, workdir: Path) -> dict[str, bytes]:
    """``npm pack`` one package; return {path without 'package/': bytes} after checking the integrity."""
    out = subprocess.run(
        ["npm", "pack", pkg.spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        check=True, capture_output=True, text=True, cwd=workdir,
    ).stdout
    filename = json.loads(out)[0]["filename"]
    tgz = (workdir / filename).read_bytes()
    got = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    if got != pkg.integrity:
        raise SystemExit(f"{pkg.spec}: tarball integrity {got} != pinned {pkg.integrity}")
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile():
                name = member.name.split("/", 1)[1] if "/" in member.name else member.name
                files[name] = tar.extractfile(member).read()
    return files


# ------------------------------------------------------------------------------------------ transforms
def strip_sourcemap_js(text: str) -> str:
    return re.sub(r"\n?//[#@] sourceMappingURL=\S*\s*$", "", text.rstrip()) + "\n"


def strip_sourcemap_css(text: str) -> str:
    return re.sub(r"/\*[#@] sourceMappingURL=[^*]*\*/", "", text).rstrip() + "\n"


def data_uri(path: str, files: dict[str, bytes]) -> str:
    ext = posixpath.splitext(path)[1].lower()
    if ext not in MIME:
        raise SystemExit(f"no MIME type for {path}")
    return f"data:{MIME[ext]};base64,{base64.b64encode(files[path]).decode()}"


def inline_urls(css: str, css_path: str, files: dict[str, bytes]) -> str:
    base = posixpath.dirname(css_path)

    def repl(m: re.Match[str]) -> str:
        url = next(g for g in m.groups() if g is not None).strip()
        if url.startswith(("data:", "#")):
            return m.group(0)
        if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I):
            raise SystemExit(f"{css_path}: absolute url({url}) cannot be vendored")
        path = posixpath.normpath(posixpath.join(base, re.split(r"[?#]", url)[0]))
        if path not in files:
            raise SystemExit(f"{css_path}: url({url}) -> {path} not in the tarball")
        return f'url("{data_uri(path, files)}")'

    return _URL.sub(repl, css)


def check_css(css: str, where: str) -> None:
    for m in _URL.finditer(css):
        url = next(g for g in m.groups() if g is not None).strip()
        if not url.startswith(("data:", "#")):
            raise SystemExit(f"{where}: url({url[:80]}) is not a data: URI")
    if re.search(r"</style", css, re.I) or "@import" in css:
        raise SystemExit(f"{where}: </style or @import in CSS")


def check_js(js: str, where: str) -> None:
    # "<!--" would switch an inline <script> into the HTML parser's escaped state; none of ours have it.
    if "<!--" in js:
        raise SystemExit(f"{where}: '<!--' inside JS; cannot inline safely")


def drop_font_faces(css: str) -> str:
    return re.sub(r"@font-face\s*\{[^{}]*\}", "", css)


def glyphicons(css: str, files: dict[str, bytes]) -> str:
    """The Glyphicons Halflings rules of bootstrap 3's (unminified) CSS, minified, WOFF inlined."""
    woff = data_uri("dist/fonts/glyphicons-halflings-regular.woff", files)
    out = [
        "/* Glyphicons Halflings rules from bootstrap@3.1.1 dist/css/bootstrap.css (MIT, (c) 2011-2014 "
        "Twitter, Inc.), font inlined as WOFF; stands in for netdna bootstrap 3.0.0 bootstrap-glyphicons.css */",
        "@font-face{font-family:'Glyphicons Halflings';"
        f"src:url(\"{woff}\") format('woff')}}",
    ]
    selector_ok = re.compile(r"^\.glyphicon(?:-[a-z0-9-]+:before)?$")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for m in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        selectors = [s.strip() for s in m.group(1).split(",")]
        if not all(selector_ok.match(s) for s in selectors):
            continue
        decls = [" ".join(d.split()) for d in m.group(2).split(";")]
        decls = [re.sub(r"\s*:\s*", ":", d, count=1) for d in decls if d]
        out.append(",".join(selectors) + "{" + ";".join(decls) + "}")
    if len(out) < 150:
        raise SystemExit(f"glyphicons: only {len(out) - 2} rules found")
    return "\n".join(out) + "\n"


def leaflet_default_icons(files: dict[str, bytes]) -> str:
    icons = {
        "iconUrl": data_uri("dist/images/marker-icon.png", files),
        "iconRetinaUrl": data_uri("dist/images/marker-icon-2x.png", files),
        "shadowUrl": data_uri("dist/images/marker-shadow.png", files),
    }
    body = ",\n".join(f"    {k}: \"{v}\"" for k, v in icons.items())
    return (
        "/* Generated by maps/vendor_assets.py: Leaflet 1.9.3 default marker icons (dist/images of the npm\n"
        " * package, BSD-2-Clause) as data: URIs.  Leaflet normally derives an image directory from the\n"
        " * .leaflet-default-icon-path background in its CSS, which fails for a data: URI; setting imagePath\n"
        " * to \"\" skips that and the full data: URIs below are used as they are. */\n"
        ";(function (L) {\n"
        "  if (!L || !L.Icon || !L.Icon.Default) { return; }\n"
        "  L.Icon.Default.imagePath = \"\";\n"
        "  L.Icon.Default.mergeOptions({\n"
        f"{body}\n"
        "  });\n"
        "})(window.L);\n"
    )


def awesome_rotate_css() -> str:
    rules = [
        f".fa-rotate-{n}{{-ms-transform:rotate({n}deg);-webkit-transform:rotate({n}deg);transform:rotate({n}deg)}}"
        for n in range(0, 361)
    ]
    return (
        "/* Generated by maps/vendor_assets.py: same rules as folium's templates/leaflet.awesome.rotate.css "
        "(folium, MIT): the classes fa-rotate-N that folium.Icon(angle=N) adds to awesome markers. */\n"
        + "".join(rules) + "\n"
    )


# -------------------------------------------------------------------------------------------- building
def build(dest: Path, workdir: Path) -> None:
    tarballs = {key: npm_pack(pkg, workdir) for key, pkg in PACKAGES.items()}
    written: dict[str, str] = {}

    def write(rel: str, text: str) -> None:
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written[rel] = text

    for f in FILES:
        files = tarballs[f.package]
        text = files[f.src].decode("utf-8")
        where = f"{PACKAGES[f.package].spec}/{f.src}"
        if f.kind in ("js", "js-served"):
            text = strip_sourcemap_js(text)
            if f.kind == "js":          # inlined into maps; a served file is loaded by <script src>
                check_js(text, where)
        elif f.kind in ("css", "css-nofonts"):
            text = strip_sourcemap_css(text)
            if f.kind == "css-nofonts":
                text = drop_font_faces(text)
            text = inline_urls(text, f.src, files)
            check_css(text, where)
        elif f.kind == "glyphicons":
            text = glyphicons(text, files)
            check_css(text, where)
        else:
            raise SystemExit(f"unknown kind {f.kind}")
        write(f.dest, text)

    write("leaflet/leaflet-default-icons.js", leaflet_default_icons(tarballs["leaflet"]))
    write("folium/leaflet.awesome.rotate.min.css", awesome_rotate_css())

    # licenses
    from importlib.metadata import distribution

    folium_dist = distribution("folium")
    folium_license = next(
        (p for p in folium_dist.files or [] if p.name.upper().startswith("LICENSE")), None
    )
    if folium_license is None:
        raise SystemExit("folium's LICENSE not found in its installed metadata")
    licenses: dict[str, str] = {}
    for key, pkg in PACKAGES.items():
        if not pkg.license_file:
            continue
        licenses[license_name(key)] = tarballs[key][pkg.license_file].decode("utf-8")
    licenses["folium"] = folium_license.read_text(encoding="utf-8")
    for name, text in sorted(licenses.items()):
        write(f"licenses/{name}.txt", text.rstrip() + "\n")
    write("LICENSES.md", licenses_md(folium_dist.version))

    # every file selfcontained.py names must exist
    sys.path.insert(0, str(REPO))
    from zoning.render.selfcontained import CDN_ASSETS

    missing = sorted({p for parts in CDN_ASSETS.values() for p in parts} - set(written))
    if missing:
        raise SystemExit(f"CDN_ASSETS names files this recipe does not produce: {missing}")

    sums = "".join(
        f"{hashlib.sha256(written[rel].encode()).hexdigest()}  {rel}\n" for rel in sorted(written)
    )
    (dest / "SHA256SUMS").write_text(sums, encoding="utf-8")


def licenses_md(folium_version: str) -> str:
    lines = [
        "# Third-party assets vendored for self-contained maps",
        "",
        "Generated by `maps/vendor_assets.py` (do not edit by hand). Each row: the npm package (fetched",
        "with `npm pack`, sha512 integrity pinned in the recipe), its license and the license text under",
        "`licenses/`. Images referenced by the CSS are inlined as base64 `data:` URIs.",
        "",
        "| Package | Version | License | License text | Vendored files | Notes |",
        "|---|---|---|---|---|---|",
    ]
    for key, pkg in PACKAGES.items():
        lic_name = license_name(key)
        dests = [f.dest for f in FILES if f.package == key]
        if key == "leaflet":
            dests.append("leaflet/leaflet-default-icons.js (generated)")
        lines.append(
            f"| [{pkg.name}]({pkg.source}) | {pkg.version} | {pkg.license} | `licenses/{lic_name}.txt` | "
            f"{'<br>'.join(f'`{d}`' for d in dests) or '-'} | {pkg.note} |"
        )
    lines.append(
        f"| [folium](https://github.com/python-visualization/folium) | {folium_version} | MIT | "
        "`licenses/folium.txt` | `folium/leaflet.awesome.rotate.min.css` (generated) | "
        "Rules of folium's `templates/leaflet.awesome.rotate.css` (fa-rotate-0..360), written by the recipe. |"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    ap.add_argument("--check", action="store_true", help="rebuild in a temp dir and compare with --dest")
    args = ap.parse_args(argv)
    if shutil.which("npm") is None:
        raise SystemExit("npm is not on PATH")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        work = tmp / "npm"
        work.mkdir()
        if args.check:
            fresh = tmp / "assets"
            build(fresh, work)
            diff = filecmp.dircmp(fresh, args.dest)
            problems: list[str] = []

            def walk(d: filecmp.dircmp, prefix: str = "") -> None:
                problems.extend(f"differs: {prefix}{n}" for n in d.diff_files)
                problems.extend(f"missing: {prefix}{n}" for n in d.left_only)
                problems.extend(f"not produced by the recipe: {prefix}{n}" for n in d.right_only
                                if not (prefix == "" and n == "README.md"))
                for name, sub in d.subdirs.items():
                    walk(sub, f"{prefix}{name}/")

            walk(diff)
            for line in problems:
                print(line)
            print("assets up to date" if not problems else f"{len(problems)} difference(s)")
            return 1 if problems else 0

        # keep README.md (hand-written); replace everything the recipe produces
        dest: Path = args.dest
        dest.mkdir(parents=True, exist_ok=True)
        for child in dest.iterdir():
            if child.name == "README.md":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        build(dest, work)
        total = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
        print(f"wrote {dest} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
