"""The web app in headless Chromium against a real uvicorn server on loopback: upload a sample site, pick a
category, submit, see the verdict banner and the map, download the PDF, re-open the check from the register."""
from __future__ import annotations


import pytest

from browser import fits_the_window, page_opener  # noqa: F401
from conftest import REPO, live_server
from zoning.web.app import create_app

HOTEL = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = create_app(auth=False, db=tmp_path_factory.mktemp("web") / "register.sqlite")
    with live_server(app) as base:
        yield base


def test_upload_check_download_reopen(page_opener, server, tmp_path):
    with page_opener(server + "/") as opened:
        page = opened.page
        page.set_input_files("#file", str(HOTEL))
        page.select_option("#category", "commercial")
        page.fill("#case_ref", "湘绿准〔2026〕88号")
        opened.screenshot("web_form")
        page.click("#submit")
        page.wait_for_selector("#verdict-banner", timeout=60_000)
        assert "PROHIBITED" in page.locator("#verdict-banner").inner_text()
        frame = page.frame_locator("iframe#interactive-map")
        frame.locator(".folium-map").wait_for(timeout=20_000)
        assert frame.locator("path.zoning-zone").count() > 0
        opened.screenshot("web_result", full_page=False)
        with page.expect_download(timeout=60_000) as dl:
            page.click("#dl-pdf")
        pdf = tmp_path / "report.pdf"
        dl.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        page.goto(server + "/checks?q=湘绿准")
        page.locator("a.open-check").first.click()
        page.wait_for_selector("#verdict-banner")
        assert "湘绿准〔2026〕88号" in page.locator("#zoning-toolbar").inner_text()
        opened.screenshot("web_reopened")
        assert opened.page_errors == [] and opened.dialogs == [] and opened.external_requests == []
        assert [e for e in opened.console_errors if "favicon" not in e] == []


def test_every_page_works_under_the_content_security_policy(page_opener, server):
    """The strict policy (no eval, nothing from other origins but tile images) breaks no page: no console message
    of a violation, no uncaught error, on the form (its draw map), the register, the list page and the offline
    API documentation."""
    for path, ready in (("/", ".leaflet-container"), ("/checks", "form"), ("/screen", "form"),
                        ("/docs", ".swagger-ui .info")):
        with page_opener(server + path) as opened:
            opened.page.wait_for_selector(ready, timeout=20_000)
            opened.settle()
            csp = [t for _, t in opened.console_messages if "Content Security Policy" in t or "Refused" in t]
            assert csp == [] and opened.page_errors == [] and opened.external_requests == [], (path, csp,
                                                                                               opened.page_errors)
            assert [e for e in opened.console_errors if "favicon" not in e] == [], path


@pytest.fixture(scope="module")
def office_server(tmp_path_factory):
    """A server with accounts: one admin, added from the command line as an office would."""
    from click.testing import CliRunner

    from zoning.cli import main
    db = tmp_path_factory.mktemp("office") / "register.sqlite"
    r = CliRunner().invoke(main, ["users", "add", "chief", "--role", "admin", "--password-stdin", "--db", str(db)],
                           input="chief password 2026\n")
    assert r.exit_code == 0, r.output
    app = create_app(db=db)
    with live_server(app) as base:
        yield base, app


def _log_in(page, url, name, password):
    page.goto(url + "/")
    page.wait_for_selector("#login-form")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_selector("#whoami")


def test_an_office_with_accounts_in_the_browser(page_opener, office_server):
    url, app = office_server
    with page_opener(url + "/login") as opened:
        page = opened.page
        _log_in(page, url, "chief", "chief password 2026")
        page.goto(url + "/users")
        for name, role in (("wang.reviewer", "reviewer"), ("li.checker", "checker")):
            page.fill("#new-name", name)
            page.select_option("#new-role", role)
            page.fill("#new-password", "a long password 1")
            page.click("#add-user-button")
            page.wait_for_selector(f"text={name}")
        opened.screenshot("web_users")
        page.click("#logout")
        page.wait_for_selector("#login-form")
        # the checker checks a site and cannot override
        _log_in(page, url, "li.checker", "a long password 1")
        page.goto(url + "/")
        page.fill("#coords", "113.05,27.95\n113.051,27.95\n113.051,27.951")
        page.select_option("#category", "commercial")
        page.click("#submit")
        page.wait_for_selector("#verdict-banner", timeout=60_000)
        assert page.locator("#checked-by").inner_text() == "li.checker"
        assert page.locator("#override-form").count() == 0
        check_url = page.url
        page.click("#logout")
        page.wait_for_selector("#login-form")
        page.goto(check_url)
        page.wait_for_selector("#login-form")                 # logged out: the check needs a login again
        # the reviewer overrides; the page shows the reviewer's account
        _log_in(page, url, "wang.reviewer", "a long password 1")
        page.goto(check_url)
        page.locator("#override-form").evaluate("f => f.closest('details').open = true")
        page.fill("#override-form input[name=reason]", "现场核实无冲突 verified on site")
        page.click("#override-form button[type=submit]")
        page.wait_for_selector("#overrides")
        assert "wang.reviewer" in page.locator("#overrides").inner_text()
        opened.screenshot("web_override_by_account")
        assert opened.page_errors == [] and opened.external_requests == []
        assert [e for e in opened.console_errors if "favicon" not in e and "401" not in e] == []
    ok, message = app.state.register.verify()
    assert ok, message


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_pages_fit_two_window_sizes(page_opener, server, viewport):
    """The form, a result (its verdict banner), the register, the batch page and the impact page as seen at a
    laptop's and an office monitor's size: screenshots, and nothing wider than the window."""
    size = f"{viewport[0]}x{viewport[1]}"
    with page_opener(server + "/", viewport=viewport) as opened:
        page = opened.page
        page.wait_for_selector(".leaflet-container", timeout=20_000)
        fits_the_window(page)
        opened.screenshot(f"web_form_{size}")
        page.set_input_files("#file", str(HOTEL))
        page.select_option("#category", "commercial")
        page.click("#submit")
        page.wait_for_selector("#verdict-banner", timeout=60_000)
        banner = page.locator("#verdict-banner")
        assert banner.is_visible() and "结论" in banner.inner_text() and "PROHIBITED" in banner.inner_text()
        fits_the_window(page)
        opened.screenshot(f"web_result_{size}")
        for path, ready, name in (("/checks", "#checks", "register"), ("/screen", "form", "screen"),
                                  ("/impact", "h1", "impact")):
            page.goto(server + path)
            page.wait_for_selector(ready, timeout=20_000)
            fits_the_window(page)
            opened.screenshot(f"web_{name}_{size}")
        register = page.goto(server + "/checks").text()
        assert "禁止 prohibited" in register and "商业服务 commercial" in register      # words, not bare codes
        assert opened.page_errors == [] and opened.external_requests == []
