"""The query page and the resource pages in a real headless Chromium (Playwright)."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no browser at {CHROMIUM} (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.fixture(scope="module")
def browser_page():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def test_run_an_example_and_see_rows(browser_page, server_live):
    page = browser_page
    page.goto(server_live + "/")
    page.click('a.example[data-name="tasks-per-plan"]')
    page.wait_for_selector("#result-table tbody tr")
    rows = page.locator("#result-table tbody tr")
    assert rows.count() >= 4
    assert "南沙" in page.locator("#result-table").inner_text()
    shared = parse_qs(urlsplit(page.url).query)["query"][0]
    assert "TaskPoint" in shared, "the query is kept in the address"
    csv_link = page.get_attribute("#download-csv", "href")
    assert "format=csv" in csv_link and "TaskPoint" in unquote(csv_link)


def type_and_run(page, server_live: str, query: str, wait_for: str) -> None:
    page.goto(server_live + "/")
    page.fill("#query", query)
    page.click("#run")
    page.wait_for_selector(wait_for)


def test_type_a_query_run_it_and_share_it(browser_page, server_live):
    page = browser_page
    type_and_run(page, server_live, 'SELECT ?x WHERE { VALUES ?x { "甲" "乙" "丙" } }', "#result-table tbody tr")
    assert page.locator("#result-table tbody tr").count() == 3
    assert "VALUES" in parse_qs(urlsplit(page.url).query)["query"][0]
    page.reload()  # the shared address runs the query again
    page.wait_for_selector("#result-table tbody tr")
    assert page.locator("#result-table tbody tr").count() == 3


def test_a_bad_query_shows_the_error(browser_page, server_live):
    type_and_run(browser_page, server_live, "SELECT * WHERE {", "#results pre.error")
    assert "syntax error" in browser_page.inner_text("#results pre.error")


def test_open_a_plan_page_and_follow_links(browser_page, server_live):
    page = browser_page
    page.goto(server_live + "/plan/440115/2022-2025")
    assert "南沙" in page.inner_text("h1")
    page.click("section.view >> a[href$='/section/1/point/1']")
    page.wait_for_url("**/section/1/point/1")
    assert page.inner_text("h1") == "将弘扬科学精神贯穿于育人全链条"
    page.click("section.view >> text=区教育局")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "区教育局"
    assert "/org/440115/" in page.url


def test_result_iris_link_to_resource_pages(browser_page, server_live):
    page = browser_page
    page.goto(server_live + "/?query=" + "SELECT%20%3Fp%20WHERE%20%7B%20%3Fp%20a%20%3Chttps%3A%2F%2Fw3id.org%2Fsciplan%2Fdef%2FPlan%3E%20%7D")
    page.wait_for_selector("#result-table tbody tr a")
    href = page.get_attribute("#result-table tbody tr a", "href")
    assert href.startswith("/plan/")
    page.click("#result-table tbody tr a")
    page.wait_for_selector("h1#label")
    assert "规划/实施方案" in page.inner_text("p.types")
