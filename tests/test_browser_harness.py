"""The headless-Chromium harness (tests/browser.py) records what it promises, on small pages written here."""
from __future__ import annotations

import struct
import subprocess
import zlib

from browser import ARTIFACTS, TILE_PNG, is_tile, page_opener, pdf_to_png_nonblank  # noqa: F401

# each character drawn alone on a canvas: real glyphs all differ, tofu (.notdef boxes, no CJK font) are identical
DISTINCT_GLYPHS = """(text) => {
  const c = document.createElement('canvas'); c.width = c.height = 64;
  const g = c.getContext('2d'); g.font = '48px sans-serif'; g.textBaseline = 'top';
  return new Set([...text].map(ch => { g.clearRect(0, 0, 64, 64); g.fillText(ch, 8, 8);
                                        return Array.from(g.getImageData(0, 0, 64, 64).data).join(); })).size;
}"""


def write(tmp_path, name, body, head=""):
    path = tmp_path / name
    path.write_text(f'<!doctype html><html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>',
                    encoding="utf-8")
    return path


def test_tile_png_is_a_valid_transparent_256_png():
    assert TILE_PNG[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", TILE_PNG[16:26])
    assert (width, height, depth, colour) == (256, 256, 8, 6)        # 8-bit RGBA
    idat = TILE_PNG[TILE_PNG.index(b"IDAT") + 4:TILE_PNG.index(b"IEND") - 8]
    assert set(zlib.decompress(idat)) == {0}                         # filter 0 + fully transparent pixels


def test_tile_recognition():
    tiles = ["https://tile.openstreetmap.org/1/1/1.png",
             "https://a.basemaps.cartocdn.com/light_all/5/26/13@2x.png",
             "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/5/13/26",
             "http://t3.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&TILEMATRIX=5&TILEROW=13&TILECOL=26",
             "https://webrd02.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x=26&y=13&z=5",
             "https://wprd01.is.autonavi.com/appmaptile?x=1&y=1&z=1&style=7"]
    assert all(is_tile(u) for u in tiles)
    assert not is_tile("https://cdn.example.com/x.js", "script")
    assert not is_tile("https://cdn.example.com/leaflet.tilelayer.js", "script")
    assert not is_tile("https://cdn.example.com/leaflet.css", "stylesheet")


def test_console_error_is_recorded(page_opener, tmp_path):
    page = write(tmp_path, "console.html", "<p>x</p><script>console.error('boom 42'); console.log('fine')</script>")
    with page_opener(page, wait_until="load") as p:
        assert any("boom 42" in m for m in p.console_errors)
        assert not any("fine" in m for m in p.console_errors)
        assert ("log", "fine") in p.console_messages
        assert p.page_errors == [] and p.dialogs == [] and p.external_requests == []


def test_uncaught_exception_is_recorded(page_opener, tmp_path):
    page = write(tmp_path, "throw.html", "<script>throw new TypeError('kaput')</script>")
    with page_opener(page, wait_until="load") as p:
        assert len(p.page_errors) == 1 and "kaput" in p.page_errors[0]


def test_alert_is_recorded_and_dismissed(page_opener, tmp_path):
    page = write(tmp_path, "alert.html", "<script>alert(1); document.title = 'after alert'</script>")
    with page_opener(page, wait_until="load") as p:
        assert p.dialogs == ["1"]
        assert p.page.title() == "after alert"       # the dialog was dismissed, the script went on
    clean = write(tmp_path, "noalert.html", "<p>no alert</p>")
    with page_opener(clean, wait_until="load") as p:
        assert p.dialogs == []
        p.assert_clean()


def test_map_tile_is_stubbed_offline(page_opener, tmp_path):
    page = write(tmp_path, "tile.html", '<img id="t" src="https://tile.openstreetmap.org/1/1/1.png">'
                 '<img id="d" src="http://t0.tianditu.gov.cn/vec_w/wmts?REQUEST=GetTile&TILEMATRIX=1">')
    with page_opener(page) as p:
        sizes = p.page.evaluate("() => [...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        assert sizes == [[True, 256, 256], [True, 256, 256]]
        assert p.console_errors == [] and p.external_requests == []
        assert len(p.tile_requests) == 2
        p.assert_clean()


def test_external_script_is_blocked_and_recorded(page_opener, tmp_path):
    page = write(tmp_path, "cdn.html", "<p>cdn</p>",
                 head='<script src="https://cdn.example.com/x.js"></script>')
    with page_opener(page) as p:
        assert p.external_requests == ["https://cdn.example.com/x.js"]
        assert p.tile_requests == []
        assert p.problems()                          # not a self-contained page


def test_screenshot_is_written(page_opener, tmp_path):
    page = write(tmp_path, "shot.html", '<div style="width:300px;height:200px;background:#2a7"></div>')
    with page_opener(page, viewport=(400, 300)) as p:
        path = p.screenshot("harness shot")
    assert path.parent == ARTIFACTS and path.name == "harness_shot.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (400, 300)


def test_pdf_with_chinese_text_is_not_blank(page_opener, tmp_path):
    page = write(tmp_path, "cjk.html", '<h1 style="font-size:72px">生态绿心</h1>')
    with page_opener(page, wait_until="load") as p:
        pdf = tmp_path / "cjk.pdf"
        p.page.pdf(path=str(pdf), format="A4")
        # a real CJK font is installed (fonts-noto-cjk), so the text is not tofu boxes
        assert p.page.evaluate(DISTINCT_GLYPHS, "生态绿心") == 4
    png, fraction = pdf_to_png_nonblank(pdf)
    assert png.exists() and png.suffix == ".png"
    assert fraction > 0.001
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "生态绿心" in text

    blank = write(tmp_path, "blank.html", "")
    with page_opener(blank, wait_until="load") as p:
        p.page.pdf(path=str(tmp_path / "blank.pdf"), format="A4")
    assert pdf_to_png_nonblank(tmp_path / "blank.pdf")[1] == 0.0
