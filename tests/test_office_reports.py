"""Reports as offices file them: the Word report, the 界址点成果表 in every report, and the 界址点 TXT export."""
from __future__ import annotations

import re

import shapely
from click.testing import CliRunner

import applicant_files as A
import zoning
from conftest import DEMO_DATE as DATE, REPO
from zoning.cli import main
from zoning.geometry.project import reproject
from zoning.render.boundary_points import boundary_points
from zoning.render.report import report_html

HOTEL = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"


def _docx_text(path):
    import docx
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return d, "\n".join([p.text for p in d.paragraphs] + cells)


def test_word_report_has_verdict_findings_coordinates_and_map(tmp_path):
    out = tmp_path / "report.docx"
    r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--report", str(out)])
    assert r.exit_code == 0, r.output
    result = zoning.check(HOTEL, category="commercial", date=DATE)
    doc, text = _docx_text(out)
    assert doc.paragraphs[1].text.startswith("结论 VERDICT: 禁止 PROHIBITED")          # the verdict first
    for f in result.findings:
        if f.rule:
            assert f.rule in text
    assert "界址点成果表" in text and "第38带" in text
    pts = boundary_points(result.site_geometry)
    for label, x, y in pts.rings[0].points[:-1]:
        assert f"{x:.3f}" in text and f"{y:.3f}" in text and label in text
    coords_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "点号 Point")
    assert coords_table.rows[0]._tr.trPr is not None                      # the header repeats on each page
    assert len(doc.inline_shapes) == 1                                   # the static map
    for layer in result.layers:
        assert layer.id in text and (layer.sha256 or "") in text
    assert result.disclaimer in text
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def test_boundary_points_of_a_site_with_a_hole_and_two_parts():
    geom = reproject(A.TWO_PARTS, A.GK, "EPSG:4490")
    pts = boundary_points(geom)
    assert pts.zone == 38 and pts.epsg == 4526
    assert [(r.part, r.hole) for r in pts.rings] == [(1, False), (1, True), (2, False)]
    assert pts.count == 12 and pts.rings[1].points[0][0] == "J5" and pts.rings[1].points[-1][0] == "J5"
    first = pts.rings[0]
    x, y = first.points[0][1:]
    assert abs(x - A.Y0) < 0.002 and abs(y - (A.PREFIX + A.X0)) < 0.002        # X northing, Y with zone prefix
    assert abs(first.edges[0] - 200.0) < 0.002 and abs(pts.area_m2 - A.TWO_PARTS.area) < 0.05


def test_html_report_lists_boundary_points_with_repeating_headers():
    result = zoning.check(HOTEL, category="commercial", date=DATE)
    from zoning.api import make_context
    html = report_html(result, make_context(date=DATE), static_png=b"")
    assert 'id="boundary-points"' in html and "thead{display:table-header-group}" in html
    assert html.count("<tr><td>J1</td>") == 2                            # first row and the closing row


def test_coords_out_reads_back_within_a_millimetre(tmp_path):
    for enc in ("gbk", "utf-8"):
        out = tmp_path / f"site-{enc}.txt"
        r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--coords-out",
                                      str(out), "--coords-encoding", enc])
        assert r.exit_code == 0, r.output
        raw = out.read_bytes()
        assert "[地块坐标]".encode(enc) in raw and "带号=38".encode(enc) in raw
        a = zoning.check(HOTEL, category="commercial", date=DATE)
        b = zoning.check(out, category="commercial", date=DATE)
        ga, gb = (reproject(x.site_geometry, "EPSG:4490", "EPSG:4547") for x in (a, b))
        assert shapely.hausdorff_distance(ga, gb) < 0.001
        assert b.verdict == a.verdict and not any("states" in w for w in b.warnings)


def test_web_result_page_offers_the_word_report(tmp_path):
    from fastapi.testclient import TestClient

    from zoning.web.app import create_app
    client = TestClient(create_app(auth=False, db=tmp_path / "register.sqlite"))
    with open(HOTEL, "rb") as fh:
        r = client.post("/check", data={"date": DATE, "category": "commercial"},
                        files={"file": (HOTEL.name, fh)}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    assert f'href="/checks/{cid}/report.docx"' in client.get(f"/checks/{cid}").text
    doc = client.get(f"/checks/{cid}/report.docx")
    assert doc.status_code == 200 and doc.content.startswith(b"PK")
    path = tmp_path / "w.docx"
    path.write_bytes(doc.content)
    assert "禁止 PROHIBITED" in _docx_text(path)[1] and "界址点成果表" in _docx_text(path)[1]


def test_html_report_reads_as_a_filed_document(tmp_path):
    from zoning.api import make_context
    from zoning.render.report import report_html
    ctx = make_context(date=DATE)
    result = zoning.check(HOTEL, category="commercial", date=DATE)
    html = report_html(result, ctx, static_png=b"", report_no="湘绿审〔2026〕0042号")
    assert 'id="report-no"' in html and "湘绿审〔2026〕0042号" in html
    assert "经办人 Prepared by" in html and "审核人 Reviewed by" in html
    assert ">None<" not in html and "None –" not in html and "None" not in html.split('id="appendix"')[0]
    assert str(REPO) not in html                                   # no machine path; the manifest's title instead
    assert result.manifest["title"] in html
    body, appendix = html.split('id="appendix"')
    for layer in result.layers:                                   # hashes in the appendix, not in the body
        if layer.sha256:
            assert layer.sha256 not in body and layer.sha256 in appendix
    assert "不限 no limit" in html and "2024-09-01 至 今 now" in html


def test_raster_statistics_rows_show_the_statistics():
    from zoning.api import make_context
    from zoning.render.report import report_html
    r = zoning.check(REPO / "seeds" / "sites" / "shiyanhu_tea_plantation.geojson", date=DATE)
    stats = [f for f in r.findings if f.type == "raster_stats"]
    assert stats
    html = report_html(r, make_context(date=DATE), static_png=b"")
    assert "平均坡度 mean slope" in html or "m² (" in html.split("其他发现")[1]


def test_pdf_report_numbers_its_pages(tmp_path):
    import shutil
    import subprocess

    import pytest
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = tmp_path / "r.pdf"
    r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--report", str(out),
                                  "--report-no", "ZN-1"])
    if r.exit_code != 0 and "Chromium" in r.output:
        pytest.skip("no Chromium")
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):                     # 第 N 页 / 共 M 页 on every page
        assert re.search(rf"第\s*{n}\s*页\s*/\s*共\s*{len(pages)}\s*页", page.replace("\xa0", " ")), (n, page[-200:])
    # nothing runs past the 10 mm side margins: every word's box inside the text width
    bbox = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True).stdout
    margin = 10 / 25.4 * 72 - 1
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', bbox, re.S):
        width = float(page.group(1))
        for word in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', page.group(3)):
            assert float(word.group(1)) >= margin and float(word.group(2)) <= width - margin, word.group(0)


def test_map_sheet_on_every_paper_and_as_a_page_of_the_pdf(tmp_path):
    """`--map-sheet`: A4 and A3, portrait and landscape, at the paper's size; and the last page of a PDF report."""
    import shutil
    import subprocess

    import pytest
    from PIL import Image
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) not installed")
    points = {"A4": (595, 842), "A3": (842, 1191)}
    for paper in ("A4", "A3"):
        for orientation in ("portrait", "landscape"):
            out = tmp_path / f"{paper}-{orientation}.pdf"
            r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--map-sheet",
                                          str(out), "--paper", paper, "--orientation", orientation])
            assert r.exit_code == 0, r.output
            info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
            w, h = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
            want = points[paper] if orientation == "portrait" else points[paper][::-1]
            assert abs(w - want[0]) < 2 and abs(h - want[1]) < 2, (paper, orientation, w, h)
            text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
            assert "图例" in text and "位置" in text and "N" in text       # legend, location inset, north arrow
    png = tmp_path / "sheet.png"
    assert CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--map-sheet",
                                     str(png)]).exit_code == 0
    with Image.open(png) as im:
        assert abs(im.width / im.height - 297 / 210) < 0.01          # A4 landscape
    report = tmp_path / "r.pdf"
    r = CliRunner().invoke(main, ["check", str(HOTEL), "-c", "commercial", "--date", DATE, "--report", str(report)])
    if r.exit_code != 0 and "Chromium" in r.output:
        pytest.skip("no Chromium")
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(report)], capture_output=True,
                                                          text=True).stdout).group(1))
    images = subprocess.run(["pdfimages", "-list", "-f", str(n), "-l", str(n), str(report)], capture_output=True,
                            text=True).stdout.splitlines()[2:]
    sizes = [(int(line.split()[3]), int(line.split()[4])) for line in images]
    # the report's last page is the A4 portrait sheet, as one image (110 dpi)
    assert any(w >= 800 and abs(h / w - 297 / 210) < 0.01 for w, h in sizes), sizes
