"""The reading pages in a real headless Chromium (Playwright): the home page's lists and search, a
plan's contents that fold and whose unit links open body pages, a source line anchor, a phone's
width without sideways scrolling, legible figures, and Chinese that renders (no tofu).

With SCIPLAN_SCREENSHOTS=docs/img the tests also save the README's screenshots there."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

pytestmark = pytest.mark.browser

HOME = "/"
NANSHA = "/plan/440115/2022-2025"
TASK = NANSHA + "/part/actions/section/4/point/3"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("SCIPLAN_SCREENSHOTS")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def screenshot(page, name: str, full_page: bool = False) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=full_page)


def test_home_lists_plans_places_and_bodies_and_searches_them(page, server_live):
    page.goto(server_live + HOME)
    for name in ("1-plans", "2-places", "3-bodies"):
        assert page.locator(f"#view-{name} a").count() > 3, name
    assert page.locator(f'#view-1-plans a[href="{NANSHA}"]').count() == 1
    screenshot(page, "home.png")
    page.fill("#q", "南沙")
    page.press("#q", "Enter")
    page.wait_for_selector("#search-summary")
    assert "南沙" in page.locator("#search-summary").inner_text()
    assert page.locator(f'#view-1-plans a[href="{NANSHA}"]').count() == 1
    assert page.locator('#view-1-plans a[href="/plan/440700/2016-2020"]').count() == 0, "江门's plan does not match"
    assert page.locator("#view-3-bodies a", has_text="区教育局").count() >= 1


def test_plan_contents_fold_and_unit_links_open_body_pages(page, server_live):
    page.goto(server_live + NANSHA)
    contents = page.locator("#view-1-structure")
    task = contents.locator(f'a[href="{quote(TASK, safe="/")}"]')
    assert task.is_visible()
    screenshot(page, "plan-contents.png")
    part = contents.locator("ul.toc.depth-0 > li > details > summary").first
    part.click()
    first_task = contents.locator("ul.toc.depth-0 > li").first.locator(".leaf a").first
    assert not first_task.is_visible(), "folding the part hides its task points"
    part.click()
    assert first_task.is_visible()
    unit = contents.locator(".detail-lead a").first
    name = unit.inner_text()
    unit.click()
    page.wait_for_load_state()
    assert unquote(page.url).split("/org/", 1)[1].endswith(name)
    assert page.locator("h1#label").inner_text() == name
    assert page.locator("#view-1-tasks a").count() > 0


def test_a_cited_line_opens_the_source_at_that_line(page, server_live):
    page.set_viewport_size(PHONE)
    page.goto(server_live + TASK)
    link = page.locator("#view-3-source a[href*='/sources/']").first
    target = link.get_attribute("href").split("#", 1)[1]
    link.click()
    page.wait_for_selector(f"li#{target}")
    assert page.url.endswith("#" + target)
    line = page.locator(f"li#{target}")
    assert page.evaluate("document.querySelector('li:target') && document.querySelector('li:target').id") == target
    box = line.bounding_box()
    assert box and -2 <= box["y"] < PHONE["height"], "the cited line is in view"
    from conftest import ROOT

    source = (ROOT / "data" / "sources" / "000_e37b814599954b21.txt").read_text(encoding="utf-8").splitlines()
    assert line.locator(".line").inner_text().strip() == source[int(target[1:]) - 1].strip()


@pytest.mark.parametrize("path", [HOME, "/", NANSHA, TASK, NANSHA + "/part/actions/section/4", "/org/440115/区教育局",
                                  "/sources/000_e37b814599954b21.txt", "/downloads"])
def test_pages_fit_a_phone_without_sideways_scrolling(page, server_live, path):
    page.set_viewport_size(PHONE)
    page.goto(server_live + quote(path, safe="/"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px screen"
    if path == NANSHA:
        screenshot(page, "plan-phone.png")


def test_the_service_descriptions_values_take_the_phones_width(page, server_live):
    """A long value (the features) beside its name would be a narrow column on a phone: it goes below it."""
    page.set_viewport_size(PHONE)
    page.goto(server_live + "/sparql", wait_until="load")
    assert page.title().startswith("SPARQL"), "the service description's page"
    widths = page.evaluate("() => [...document.querySelectorAll('table.facts.pairs td')].map(td => td.getBoundingClientRect().width)")
    assert widths and min(widths) >= 0.8 * PHONE["width"], widths
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "service-phone.png")


def test_figures_are_legible_on_a_phone_and_link_to_local_pages(page, server_live):
    page.set_viewport_size(PHONE)
    page.goto(server_live + NANSHA)
    chain = page.locator("#figure-0-chain svg")
    assert chain.is_visible()
    sizes = page.evaluate("""() => [...document.querySelectorAll('#figure-0-chain svg text')]
        .map(t => t.getBoundingClientRect().height)""")
    assert sizes and min(sizes) >= 10, sizes
    hrefs = page.evaluate("() => [...document.querySelectorAll('#figure-0-chain svg a')].map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("/plan/") for h in hrefs)
    chain.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(server_live + "/plan/"), "a node opens this server's page"


def test_chinese_renders_with_a_font_not_as_tofu(page, server_live):
    """Draw 中文 and a character no font has (U+0378 is unassigned) in the page's own font: if
    there is no CJK font, both come out as the same missing-glyph box."""
    page.goto(server_live + NANSHA)
    pixels = page.evaluate("""() => {
        const font = getComputedStyle(document.body).fontFamily;
        const draw = (text) => {
            const canvas = document.createElement('canvas');
            canvas.width = 80; canvas.height = 40;
            const ctx = canvas.getContext('2d');
            ctx.font = '32px ' + font;
            ctx.fillText(text, 0, 32);
            return Array.from(ctx.getImageData(0, 0, 80, 40).data).join(',');
        };
        return {font: font, zhong: draw('中'), wen: draw('文'), missing: draw('\\u0378')};
    }""")
    assert "Noto Sans CJK SC" in pixels["font"]
    assert pixels["zhong"] != pixels["missing"] and pixels["wen"] != pixels["missing"], "中 and 文 render as tofu"
    assert pixels["zhong"] != pixels["wen"]


def test_the_fallback_web_font_loads_under_the_pages_policy(page, server_live):
    import server.fonts as fonts

    if not fonts.font_installed():
        pytest.skip("The web font is not installed (run `npm ci` in the repository).")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(server_live + NANSHA)
    loaded = page.evaluate("""async () => (await document.fonts.load('16px "Noto Sans SC"', '南沙区')).length""")
    assert loaded > 0, "a browser without a system CJK font gets the glyphs from this server"
    assert not errors, errors
