"""Headless Chromium for the tests: open generated HTML (folium maps, reports) offline and record what went wrong.

Debian's Chromium (``apt-get install chromium``) is driven by Playwright through ``executable_path``; Playwright's
own browser downloads are never used.  Test modules use it like this::

    from browser import page_opener            # noqa: F401  (a pytest fixture)

    def test_map(page_opener, tmp_path):
        with page_opener(tmp_path / "map.html") as p:
            p.page.wait_for_selector(".leaflet-container")
            p.assert_clean()                   # no console errors, uncaught exceptions, dialogs or external requests

Outside pytest, ``open_page`` works on its own (the browser starts lazily and is closed at exit).

Network is offline by construction: every request goes through a route handler that passes file:, data: and
requests to 127.0.0.1/localhost through, answers map-tile requests with an in-memory transparent 256x256 PNG,
and aborts (and records in ``external_requests``) every other http(s) request.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS / "artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",                     # required when running as root (CI containers)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",          # small /dev/shm in containers
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TILE_HOSTS = ("tianditu", "autonavi", "amap", "tile")
# .../{z}/{x}/{y}.png, also {y}@2x.png and .jpg/.jpeg/.webp
_ZXY = re.compile(r"/\d+/\d+/\d+(@\d+(\.\d+)?x)?\.(png|jpe?g|webp)$", re.I)
# resource types that can never be a raster tile, even if "tile" is in the URL (leaflet.tilelayer.js, ...)
_NOT_TILE_TYPES = {"document", "script", "stylesheet", "font", "manifest", "texttrack", "eventsource", "websocket"}
INSTALL_HINT = "apt-get install -y chromium fonts-noto-cjk poppler-utils  (or source .ci/browser.sh)"


# ------------------------------------------------------------------------------------------------ small helpers
def chromium_path() -> str:
    """The Chromium binary: $ZONING_CHROMIUM, else /usr/bin/chromium (Debian's package)."""
    return os.environ.get("ZONING_CHROMIUM") or DEFAULT_CHROMIUM


def require_chromium() -> str:
    """chromium_path(), or fail the current test with a clear message if it or Playwright is missing."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"Chromium not found at {path!r} (set ZONING_CHROMIUM or run: {INSTALL_HINT})", pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("the Python package 'playwright' is missing: pip install -e '.[test]' "
                    "(never run 'playwright install': Debian's Chromium is used)", pytrace=False)
    return path


def _png(width: int, height: int) -> bytes:
    """A fully transparent RGBA PNG, built in memory without Pillow."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = (b"\x00" + b"\x00" * (4 * width)) * height          # filter byte 0 + transparent pixels, per row
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


TILE_PNG = _png(256, 256)


def is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in LOCAL_HOSTS


def is_tile(url: str, resource_type: str = "image") -> bool:
    """A raster map tile: an {z}/{x}/{y}.png|jpg path, "tile" anywhere in the URL, or a tianditu/autonavi/amap
    host -- unless the request is for a script, stylesheet, document, font, ... (those are never tiles)."""
    if resource_type in _NOT_TILE_TYPES:
        return False
    parts = urlsplit(url)
    host, rest = (parts.hostname or "").lower(), (parts.path + "?" + parts.query).lower()
    return bool(_ZXY.search(parts.path)) or "tile" in rest or any(h in host for h in TILE_HOSTS)


def to_url(path_or_url: str | os.PathLike) -> str:
    s = os.fspath(path_or_url)
    if re.match(r"^(https?|file|data|about|blob):", s, re.I):
        return s
    p = Path(s).resolve()
    if not p.exists():
        raise FileNotFoundError(f"no such page: {p}")
    return p.as_uri()


# ------------------------------------------------------------------------------------------------ the browser
class _Browser:
    """One Playwright + one Chromium per process, started on first use."""

    def __init__(self):
        self.pw = None
        self.browser = None

    def get(self):
        if self.browser is None or not self.browser.is_connected():
            from playwright.sync_api import sync_playwright
            self.close()
            self.pw = sync_playwright().start()
            try:
                # plain launch: Playwright gives Chromium a fresh temporary --user-data-dir and removes it on close
                self.browser = self.pw.chromium.launch(
                    executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, timeout=30_000)
            except Exception:
                self.close()
                raise
        return self.browser

    def close(self):
        for thing, method in ((self.browser, "close"), (self.pw, "stop")):
            if thing is not None:
                with contextlib.suppress(Exception):
                    getattr(thing, method)()
        self.browser = self.pw = None


_BROWSER = _Browser()
atexit.register(_BROWSER.close)


@dataclass
class OpenedPage:
    """What open_page yields: the Playwright page and everything the page did that a clean page must not."""
    page: object                                               # playwright.sync_api.Page
    url: str
    console_errors: list[str] = field(default_factory=list)    # console messages of type "error" (text)
    console_messages: list[tuple[str, str]] = field(default_factory=list)  # every console message: (type, text)
    page_errors: list[str] = field(default_factory=list)       # uncaught exceptions ("Name: message")
    dialogs: list[str] = field(default_factory=list)           # alert/confirm/prompt messages (all dismissed)
    external_requests: list[str] = field(default_factory=list)  # aborted non-local http(s) requests
    tile_requests: list[str] = field(default_factory=list)     # tile requests answered with the blank PNG

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"uncaught exception: {m}" for m in self.page_errors]
                + [f"dialog: {m}" for m in self.dialogs]
                + [f"external request: {u}" for u in self.external_requests])

    def assert_clean(self):
        problems = self.problems()
        assert not problems, f"{self.url}:\n  " + "\n  ".join(problems)

    def settle(self, timeout_ms: int = 10_000):
        """Wait until the network is idle (500 ms without requests) and one more frame has been painted."""
        self.page.wait_for_load_state("networkidle", timeout=timeout_ms)
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def screenshot(self, name: str, **kw) -> Path:
        return screenshot(self.page, name, **kw)


@contextlib.contextmanager
def open_page(path_or_url: str | os.PathLike, *, viewport: tuple[int, int] = (1280, 900),
              wait_until: str = "networkidle", timeout_ms: int = 15_000) -> Iterator[OpenedPage]:
    """Open a local file (path) or URL in a fresh browser context of the shared headless Chromium.

    Listeners and the offline route are installed before navigation, so everything from the first byte on is
    recorded.  wait_until: "load", "domcontentloaded", "networkidle" (default; tiles added by Leaflet after the
    load event are then already answered) or "commit".  The context is closed on exit.
    """
    url = to_url(path_or_url)
    browser = _BROWSER.get()
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  service_workers="block", ignore_https_errors=True)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    opened = OpenedPage(page=page, url=url)

    def on_console(msg):
        opened.console_messages.append((msg.type, msg.text))
        if msg.type == "error":
            opened.console_errors.append(msg.text)

    def on_pageerror(err):
        opened.page_errors.append(f"{getattr(err, 'name', '') or 'Error'}: {getattr(err, 'message', err)}")

    def on_dialog(dialog):
        opened.dialogs.append(dialog.message)
        with contextlib.suppress(Exception):
            dialog.dismiss()

    def on_route(route):
        request = route.request
        req_url = request.url
        try:
            scheme = urlsplit(req_url).scheme.lower()
            if scheme not in ("http", "https") or is_local(req_url):
                route.continue_()
            elif is_tile(req_url, request.resource_type):
                opened.tile_requests.append(req_url)
                route.fulfill(status=200, body=TILE_PNG, content_type="image/png",
                              headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"})
            else:
                opened.external_requests.append(req_url)
                route.abort("blockedbyclient")
        except Exception:   # context closing under a pending request: nothing left to do
            pass

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("dialog", on_dialog)
    context.route("**/*", on_route)   # context-wide: covers popups and workers too, same as page.route
    try:
        page.goto(url, wait_until=wait_until, timeout=timeout_ms)
        yield opened
    finally:
        with contextlib.suppress(Exception):
            context.unroute_all(behavior="ignoreErrors")
        with contextlib.suppress(Exception):
            context.close()


# ------------------------------------------------------------------------------------------------ artifacts
def _safe_name(name: str) -> str:
    stem = name[:-4] if name.lower().endswith(".png") else name
    return (re.sub(r"[^\w.\-]+", "_", stem).strip("._") or "screenshot") + ".png"


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save a PNG of the page as tests/artifacts/<name>.png (directory created) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / _safe_name(name)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _require_tool(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        pytest.fail(f"{tool} not found (Debian package poppler-utils; run: {INSTALL_HINT})", pytrace=False)
    return exe


def fits_the_window(page) -> None:
    """No element makes the page wider than the window (no horizontal scrolling)."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, width


def pdf_to_png_nonblank(pdf_path: str | os.PathLike, *, page: int = 1, dpi: int = 50,
                        out_dir: str | os.PathLike | None = None) -> tuple[Path, float]:
    """Render one page of a PDF with pdftoppm and return (png_path, fraction of non-white pixels).

    The PNG is written next to the PDF (or into out_dir) as <stem>-p<page>.png.  A pixel is non-white when
    any channel is below 245.  A blank page gives 0.0.
    """
    import numpy as np
    from PIL import Image

    pdf = Path(pdf_path)
    out = Path(out_dir) if out_dir is not None else pdf.parent
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / f"{pdf.stem}-p{page}"
    res = subprocess.run([_require_tool("pdftoppm"), "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                          "-singlefile", str(pdf), str(prefix)], capture_output=True, text=True, timeout=60)
    png = prefix.parent / (prefix.name + ".png")      # not with_suffix: the stem may contain dots
    if res.returncode != 0 or not png.exists():
        raise RuntimeError(f"pdftoppm failed on {pdf} (exit {res.returncode}): {res.stderr.strip()}")
    with Image.open(png) as im:
        darkest = np.asarray(im.convert("RGB")).min(axis=2)
    return png, float((darkest < 245).mean())


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def browser():
    """The shared Playwright Browser (Debian's Chromium); closed at the end of the session."""
    require_chromium()
    yield _BROWSER.get()
    _BROWSER.close()


@pytest.fixture(scope="session")
def page_opener():
    """open_page itself, after checking that Chromium and Playwright are there (fails clearly otherwise).

    Import it into a test module with ``from browser import page_opener``.  It does not depend on the
    ``browser`` fixture by name, so that one import is enough; the browser is closed at session end.
    """
    require_chromium()
    _BROWSER.get()
    yield open_page
    _BROWSER.close()


__all__ = ["ARTIFACTS", "CHROMIUM_ARGS", "TILE_PNG", "OpenedPage", "browser", "chromium_path", "is_tile",
           "open_page", "page_opener", "pdf_to_png_nonblank", "require_chromium", "screenshot"]
