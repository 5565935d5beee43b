"""The try-it page and the report in a real browser: Debian's headless Chromium driven by
Playwright, against svcalc under gunicorn on a free loopback port (started and stopped here).

At 1280 and 390 pixels wide: no console error, no request to any host but the server's own,
the verdict and its headline visible without scrolling; each worked example runs and shows its
verdict; an API error appears beside the field its JSON pointer names; the PDF link downloads
the PDF. Screenshots go to the test's temporary folder (their paths are printed).

``make test`` installs Chromium first (``make system-deps``); without it, or without
Playwright, these tests skip and say why.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from svcalc.api import examples
from svcalc.report.examples import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import Server  # noqa: E402

#: What Chromium needs here (the machine's notes): no sandbox as root, and none of its
#: background connections, which this closed network refuses. Playwright gives it a fresh,
#: empty profile (--user-data-dir) at every launch.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WIDTHS = {1280: 800, 390: 844}
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server(workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (make system-deps installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots in {folder}")
    return folder


class Watched:
    """A page at one width that records console errors and requests to other hosts."""

    def __init__(self, browser: Any, server: Server, width: int) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": WIDTHS[width]})
        self.page.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.foreign: list[str] = []
        own = server.url + "/"
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.foreign.append(r.url) if not (
            r.url.startswith(own) or r.url.startswith(("data:", "blob:", "about:"))) else None)

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign

    def in_view(self, selector: str) -> bool:
        """Whether the element is inside the first screen: visible without scrolling."""
        box = self.page.locator(selector).bounding_box()
        size = self.page.viewport_size
        return (box is not None and box["height"] > 0 and box["y"] >= 0
                and box["y"] + box["height"] <= size["height"]
                and box["x"] + box["width"] <= size["width"] + 1)


def _wait_for_verdict(page: Any, example: dict[str, Any] | None = None) -> None:
    """Until the verdict is shown and the report of the same proposal is below it."""
    page.wait_for_selector("#verdict:not([hidden])")
    if example is not None:
        page.wait_for_selector(f"#verdict[data-rating={json.dumps(example['rating'])}]")
    # locators, not wait_for_function: the page's policy forbids evaluating strings
    heading = page.frame_locator("#report").locator("body:has(#reproduce) h1")
    if example is None:
        heading.wait_for()
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
        sync_api.expect(heading).to_have_text(example["proposal"]["name"], timeout=TIMEOUT_MS)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_tryit_page_shows_the_verdict_first(browser, server, shots, width):
    w = Watched(browser, server, width)
    w.page.goto(server.url + "/")
    _wait_for_verdict(w.page, EXAMPLES[0])
    w.page.screenshot(path=shots / f"tryit-{width}.png")
    w.page.screenshot(path=shots / f"tryit-{width}-full.png", full_page=True)
    assert w.in_view("#rating") and w.in_view("#headline")
    headline = w.page.text_content("#headline")
    assert headline.startswith("Viable with cautions:"), headline
    # the report below carries the same verdict, and its charts
    frame = w.page.frame_locator("#report")
    assert frame.locator("#verdict .headline").text_content() == headline
    # cumulative cash flow (two), tornado, stress, channel migration
    assert frame.locator("figure.chart svg").count() == 5
    w.clean()
    w.page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_report_reads_in_the_browser(browser, server, shots, width):
    """A report loaded as a page of its own (POST /v1/reports, as a form would send it)."""
    w = Watched(browser, server, width)
    body = json.dumps(examples.PROPOSAL)
    w.page.route(f"{server.url}/v1/reports?format=html", lambda route: route.continue_(
        method="POST", post_data=body, headers={"Content-Type": "application/json"}))
    response = w.page.goto(f"{server.url}/v1/reports?format=html")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    w.page.screenshot(path=shots / f"report-{width}.png")
    w.page.screenshot(path=shots / f"report-{width}-full.png", full_page=True)
    assert w.in_view("#verdict-rating") and w.in_view("#verdict .headline")
    assert w.page.locator("figure.chart svg").count() == 4
    w.clean()
    w.page.close()


def test_each_example_runs_and_shows_its_verdict(browser, server):
    w = Watched(browser, server, 1280)
    w.page.goto(server.url + "/")
    _wait_for_verdict(w.page, EXAMPLES[0])
    for example in EXAMPLES[1:] + EXAMPLES[:1]:
        w.page.select_option("#example", example["key"])
        _wait_for_verdict(w.page, example)
        shown = w.page.text_content("#headline")
        frame = w.page.frame_locator("#report")
        assert frame.locator("h1").text_content() == example["proposal"]["name"]
        assert frame.locator("#verdict .headline").text_content() == shown
    w.clean()
    w.page.close()


def test_api_errors_appear_beside_their_fields(browser, server, shots):
    w = Watched(browser, server, 390)
    w.page.goto(server.url + "/")
    _wait_for_verdict(w.page)
    w.page.fill("#f-term", "61")
    w.page.fill("[data-path='public.annual_payment']", "5000000, lots")
    w.page.fill("#rest", '{"risk": {"stage": "final"}}')
    w.page.click("button[type=submit]")
    w.page.wait_for_selector(".field.invalid")
    error = "[data-pointer='{}'] .error"
    assert "60" in w.page.text_content(error.format("#/term_years"))
    # "lots" is the list's second value: #/public/annual_payment/1
    assert w.page.text_content(error.format("#/public/annual_payment")).startswith("value 2:")
    assert "#/risk/stage" in w.page.text_content(error.format("#"))
    assert w.page.is_hidden("#verdict")
    w.page.locator(".field.invalid").first.scroll_into_view_if_needed()
    w.page.screenshot(path=shots / "tryit-390-errors.png")
    # the browser's console shows the 422 as a failed request; nothing else may go wrong
    assert all("422" in e for e in w.errors), w.errors
    assert w.foreign == []
    w.page.close()


def test_pdf_link_downloads_the_report(browser, server, tmp_path):
    w = Watched(browser, server, 1280)
    w.page.goto(server.url + "/")
    _wait_for_verdict(w.page)
    with w.page.expect_download() as download:
        w.page.click("#pdf")
    path = tmp_path / "appraisal.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    w.clean()
    w.page.close()
