"""The resource pages in a real headless Chromium (Playwright); the query page is in test_query_browser.py."""

from __future__ import annotations


import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


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
