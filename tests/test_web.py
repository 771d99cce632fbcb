"""The web app through the framework's test client: pages, API, register, overrides, limits and error paths."""
from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from conftest import REPO
from fixtures import jzd_txt
from zoning.web.app import create_app

DATE = "2026-11-21"
HOTEL = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"
SQUARE = {"type": "Polygon", "coordinates": [[[113.05, 27.95], [113.051, 27.95], [113.051, 27.951], [113.05, 27.95]]]}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(auth=False, db=tmp_path_factory.mktemp("db") / "register.sqlite")


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app, raise_server_exceptions=False)


def post_file(client, path, **data):
    with open(path, "rb") as fh:
        return client.post("/check", data={"date": DATE, **data}, files={"file": (path.name, fh)},
                           follow_redirects=False)


def test_index_page_and_static_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and "商业服务 Commercial" in r.text or "商业服务" in r.text
    assert 'name="case_ref"' in r.text and "L.Control.Draw" in r.text
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/leaflet-draw/leaflet.draw.js").status_code == 200
    assert client.get("/docs").status_code == 200 and "/api/check" in client.get("/openapi.json").text


def test_form_check_result_page_and_downloads(client, app):
    r = post_file(client, HOTEL, category="commercial", case_ref="湘绿准〔2026〕17号")
    assert r.status_code == 303
    url = r.headers["location"]
    page = client.get(url).text
    assert 'id="verdict-banner"' in page and "PROHIBITED" in page and 'id="interactive-map"' in page
    assert "湘绿准〔2026〕17号" in page
    cid = int(url.rsplit("/", 1)[1])
    assert client.get(f"/checks/{cid}/report.html").text.startswith("<!DOCTYPE html>")
    pdf = client.get(f"/checks/{cid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    result = client.get(f"/checks/{cid}/result.json").json()
    assert result["verdict"] == "prohibited" and result["site"]["category"] == "commercial"
    site = client.get(f"/checks/{cid}/site.geojson").json()
    assert site["geometry"]["type"] in ("Polygon", "MultiPolygon") and site["properties"]["verdict"] == "prohibited"
    rec = app.state.register.get(cid)
    assert rec["input_bytes"] == HOTEL.read_bytes() and rec["input_name"] == "zhaoshan_hotel.geojson"
    assert json.loads(rec["layer_versions"])["red_line"] == "demo-2026.11"
    assert rec["report_html"] and "verdict-banner" in rec["report_html"]


def test_reopen_shows_the_report_exactly_as_stored(client, app):
    r = post_file(client, HOTEL, category="commercial")
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    first = client.get(f"/checks/{cid}").text
    assert client.get(f"/checks/{cid}").text == first
    import html as html_lib

    from zoning.web.app import SRCDOC
    stored = app.state.register.get(cid)["report_html"]
    # the page is the stored report, its map served from its own sandboxed address, exactly as stored
    shown = SRCDOC.sub(f'src="/checks/{cid}/map.html" sandbox="allow-scripts allow-popups"', stored, count=1)
    assert shown in first.replace(first[first.index('<div id="zoning-toolbar"'):
                                        first.index("</div>", first.index("Override one finding")) + 6], "")
    assert client.get(f"/checks/{cid}/map.html").text == html_lib.unescape(SRCDOC.search(stored).group(1))


def test_pasted_gcj02_coordinates_txt_and_drawn(client):
    r = client.post("/check", data={"category": "industrial", "date": DATE, "crs": "gcj02",
                                    "coords": "113.0558,27.9468\n113.0658,27.9468\n113.0658,27.9568"},
                    follow_redirects=False)
    assert r.status_code == 303
    result = client.get(r.headers["location"] + "/result.json").json()
    assert any("GCJ-02" in w for w in result["warnings"])
    r = client.post("/check", data={"category": "public_facility", "date": DATE, "coords": jzd_txt(True)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get(r.headers["location"] + "/result.json").json()["site"]["id"] == "XM-2026-001"
    drawn = json.dumps({"type": "Feature", "properties": {}, "geometry": SQUARE})
    r = client.post("/check", data={"category": "industrial", "date": DATE, "drawn": drawn}, follow_redirects=False)
    assert r.status_code == 303


def test_api_check_json_and_multipart_and_get(client):
    r = client.post("/api/check", json={"site": SQUARE, "category": "工业", "date": DATE, "case_ref": "API-1"})
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "prohibited" and body["site"]["category"] == "industrial" and body["check_id"] > 0
    with open(HOTEL, "rb") as fh:
        r = client.post("/api/check", data={"category": "commercial", "date": DATE}, files={"file": ("h.geojson", fh)})
    assert r.status_code == 200 and r.json()["verdict"] == "prohibited"
    got = client.get(f"/api/checks/{body['check_id']}").json()
    assert got["case_ref"] == "API-1" and got["result"]["findings"] == body["findings"] and got["overrides"] == []
    page = client.get(f"/checks/{body['check_id']}").text        # an API check's report is rendered on first open
    assert 'id="verdict-banner"' in page


def test_api_screen(client):
    csv = (
        '编号,项目名称,项目类型,wkt\nA,甲,工业,"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\n'
        'B,乙,飞船,"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\n'
    )
    r = client.post("/api/screen", data={"date": DATE}, files={"file": ("list.csv", csv.encode("utf-8"))})
    assert r.status_code == 200
    body = r.json()
    assert body["summary"]["rows"] == 2 and body["summary"]["rows_in_error"] == 1
    assert body["rows"][0]["verdict"] == "prohibited" and "飞船" in body["rows"][1]["error"]
    assert client.get(body["summary"]["outputs"][1]).status_code == 200
    page = client.post("/screen", data={"date": DATE}, files={"file": ("list.csv", csv.encode("utf-8"))})
    assert page.status_code == 200 and 'id="screen-table"' in page.text


def test_override_keeps_the_original(client, app):
    r = client.post("/api/check", json={"site": SQUARE, "category": "industrial", "date": DATE})
    cid = r.json()["check_id"]
    before = client.get(f"/checks/{cid}/result.json").json()
    r = client.post(f"/checks/{cid}/override", data={"finding": 0, "decision": "no_conflict", "reviewer": "张工",
                                                     "reason": "现场核实为边界接触"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/checks/{cid}").text
    assert 'id="overrides"' in page and "张工" in page and "现场核实为边界接触" in page
    assert client.get(f"/checks/{cid}/result.json").json() == before
    # a report downloaded after the override is the filed document: register number, the override beside the finding
    report = client.get(f"/checks/{cid}/report.html").text
    assert f"ZN-{cid:06d}" in report and 'id="overrides"' in report
    assert "张工" in report and "现场核实为边界接触" in report and 'class="override-note"' in report
    import io

    import docx
    word = docx.Document(io.BytesIO(client.get(f"/checks/{cid}/report.docx").content))
    text = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        c.text for t in word.tables for row in t.rows for c in row.cells)
    assert f"ZN-{cid:06d}" in text and "现场核实为边界接触" in text
    rec = app.state.register.get(cid)
    assert rec["verdict"] == before["verdict"] and rec["overrides"][0]["decision"] == "no_conflict"
    bad = client.post(f"/checks/{cid}/override", data={"finding": 999, "decision": "no_conflict", "reviewer": "x",
                                                       "reason": "y"})
    assert bad.status_code == 400


def test_register_search_and_export(client, app, tmp_path):
    client.post("/api/check", json={"site": SQUARE, "category": "industrial", "date": DATE, "case_ref": "FIND-ME",
                                    "name": "搜索测试项目"})
    page = client.get("/checks", params={"q": "FIND-ME"}).text
    assert page.count('class="open-check"') == 1
    assert client.get("/checks", params={"q": "搜索测试"}).text.count('class="open-check"') == 1
    assert 'class="open-check"' not in client.get("/checks", params={"q": "FIND-ME", "verdict": "permitted"}).text
    assert client.get("/checks", params={"date_from": "2999-01-01"}).text.count('class="open-check"') == 0
    from click.testing import CliRunner
    from zoning.cli import main
    for ext in ("csv", "xlsx"):
        out = tmp_path / f"register.{ext}"
        res = CliRunner().invoke(main, ["register", "export", "--db", str(app.state.register.path), "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert out.exists()
    text = (tmp_path / "register.csv").read_text(encoding="utf-8-sig")
    assert "FIND-ME" in text and "case_ref" in text


@pytest.mark.parametrize("case", ["big_upload", "big_api", "vertices", "zip_traversal", "bad_type", "no_category",
                                  "unknown_category", "no_site", "missing_check", "bad_json"])
def test_error_paths(tmp_path, case):
    app = create_app(auth=False, db=tmp_path / "r.sqlite", max_upload_mb=0.05, max_vertices=20)
    c = TestClient(app, raise_server_exceptions=False)
    if case == "big_upload":
        r = c.post("/check", data={"category": "industrial"}, files={"file": ("big.geojson", b"x" * 60_000)})
        expected = 413
    elif case == "big_api":
        r = c.post("/api/check", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"})
        expected = 413
    elif case == "vertices":
        r = c.post(
            "/api/check",
            json={
                "site": {
                    "type": "Polygon",
                    "coordinates": [[[113 + i * 1e-4, 27.95 + (i % 2) * 1e-4] for i in range(30)] + [[113, 27.95]]],
                },
                "category": "industrial",
            },
        )
        expected = 413
    elif case == "zip_traversal":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("../../evil.shp", b"x")
        r = c.post("/check", data={"category": "industrial"}, files={"file": ("evil.zip", buf.getvalue())})
        expected = 400
    elif case == "bad_type":
        r = c.post("/check", data={"category": "industrial"}, files={"file": ("x.exe", b"MZ")})
        expected = 400
    elif case == "no_category":
        r = c.post("/check", data={"coords": "113,28\n113.01,28\n113.01,28.01"})
        expected = 422
    elif case == "unknown_category":
        r = c.post("/api/check", json={"site": SQUARE, "category": "宇宙港"})
        expected = 400
    elif case == "no_site":
        r = c.post("/check", data={"category": "industrial"})
        expected = 400
    elif case == "missing_check":
        r = c.get("/checks/9999")
        expected = 404
    else:
        r = c.post("/api/check", content=b"{not json", headers={"content-type": "application/json"})
        expected = 400
    assert r.status_code == expected, (case, r.status_code, r.text[:300])
    assert "Traceback" not in r.text and "File \"" not in r.text
    if r.headers["content-type"].startswith("application/json"):
        assert r.json()["error"]
    else:
        assert 'id="error"' in r.text
    if case == "zip_traversal":
        assert "outside its folder" in r.text and not (tmp_path.parent / "evil.shp").exists()


def test_internal_error_is_a_friendly_page(tmp_path, monkeypatch):
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    monkeypatch.setattr(app.state.register, "search", lambda **kw: 1 / 0)
    r = TestClient(app, raise_server_exceptions=False).get("/checks")
    assert r.status_code == 500 and "Internal error" in r.text and "ZeroDivisionError" not in r.text


def test_user_strings_are_escaped_in_pages(client):
    evil = "<script>alert(1)</script>"
    r = client.post(
        "/check",
        data={
            "category": "industrial",
            "date": DATE,
            "coords": "113.05,27.95\n113.06,27.95\n113.06,27.96",
            "name": evil,
            "case_ref": evil,
        },
        follow_redirects=False,
    )
    page = client.get(r.headers["location"]).text
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert evil not in client.get("/checks").text


def test_fifty_concurrent_checks_make_fifty_complete_rows(tmp_path):
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)

    def one(i):
        square = {"type": "Polygon", "coordinates": [[[113.0 + i * 0.003, 27.95], [113.001 + i * 0.003, 27.95],
                                                      [113.001 + i * 0.003, 27.951], [113.0 + i * 0.003, 27.95]]]}
        return c.post("/api/check", json={"site": square, "category": "commercial", "date": DATE,
                                          "case_ref": f"C{i:02d}"}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(one, range(50)))
    assert codes == [200] * 50
    reg = app.state.register
    rows = reg.search(limit=100)
    assert len(rows) == 50 and sorted(r["case_ref"] for r in rows) == [f"C{i:02d}" for i in range(50)]
    for r in rows:
        rec = reg.get(r["id"])
        assert rec["result"]["verdict"] == rec["verdict"] and rec["site_geojson"] and rec["input_bytes"]


def test_serve_binds_to_localhost_by_default():
    from zoning.cli import serve
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
