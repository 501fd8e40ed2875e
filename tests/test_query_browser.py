"""The query editor and the examples gallery in a real headless Chromium (Playwright).

Every page is loaded under the Content-Security-Policy the server promises (scripts from 'self'
only: no inline script, no eval), added here to each response, so the editor is tested as it runs.
With SCIPLAN_SCREENSHOTS=DIR the tests also save the README's screenshots there
(`SCIPLAN_SCREENSHOTS=docs/img python -m pytest tests/test_query_browser.py`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

import server.query_page as query_page

expect = pytest.importorskip("playwright.sync_api", reason="The playwright Python package is not installed.").expect

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
       "img-src 'self' data:; frame-ancestors 'none'")
SHOTS = os.environ.get("SCIPLAN_SCREENSHOTS")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not query_page.editor_installed(),
                       reason="the query editor's files are not installed (run `npm ci` in the repository)"),
]


@pytest.fixture
def page(browser, server_live):
    """A fresh page whose responses carry the CSP; it records requests to other hosts and script errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.outside = []
    page.errors = []

    def with_csp(route):
        if not route.request.url.startswith(server_live):
            page.outside.append(route.request.url)
            route.abort()
            return
        response = route.fetch(max_redirects=0)  # the browser follows redirects itself
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route("**/*", with_csp)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    page.unroute_all(behavior="ignoreErrors")
    assert not page.outside, f"the page fetched from other hosts: {page.outside}"
    assert not page.errors, f"script errors: {page.errors}"
    context.close()


def open_editor(page, server_live: str, query: str = "", run: bool = True) -> None:
    url = server_live + "/query"
    if query:
        url += "?query=" + quote(query) + ("" if run else "&run=0")
    page.goto(url)
    page.wait_for_selector("#editor .CodeMirror")


def set_text(page, text: str) -> None:
    page.evaluate("text => window.sciplanEditor.yasqe.setValue(text)", text)


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=False)


def complete(page, typed: str, offered: str, what: str, ask: bool = True) -> None:
    """Type, open the completion list (by itself, or Ctrl+Space), require `offered` in it and take it."""
    page.keyboard.type(typed)
    if ask:
        page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints")
    assert offered in page.inner_text(".CodeMirror-hints"), what
    page.keyboard.press("Enter")


def test_type_complete_and_run_with_ctrl_enter(page, server_live):
    open_editor(page, server_live)
    page.click("#editor .CodeMirror")
    complete(page, "PREFIX sp", "sp: <https://w3id.org/sciplan/def/>", "prefix completion", ask=False)
    page.keyboard.press("End")
    complete(page, "\nSELECT ?task ?unit WHERE { ?task a sp:TaskPoi", "sp:TaskPoint", "class completion from our ontology")
    complete(page, " ; sp:leadU", "sp:leadUnit", "property completion from our ontology")
    page.keyboard.type(" ?unit } LIMIT 7")
    text = page.evaluate("window.sciplanEditor.yasqe.getValue()")
    assert text.startswith("PREFIX sp: <https://w3id.org/sciplan/def/>") and "sp:TaskPoint ; sp:leadUnit ?unit" in text
    assert page.locator(".cm-keyword").count() >= 2, "the query is highlighted"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#results table.dataTable tbody tr a.iri")
    assert page.locator("#results table.dataTable tbody tr").count() == 7
    assert re.search(r"7 results in \d+\.\d+ seconds", page.inner_text("#results")), "row count and time"
    assert "sp:leadUnit" in parse_qs(urlsplit(page.url).query)["query"][0], "the query is kept in the address"
    box = page.locator("#results").bounding_box()
    assert box and box["y"] < 900, "the results start on the first screen"
    shot(page, "query-editor.png")
    page.reload()  # the address runs the query again
    page.wait_for_selector("#results table.dataTable tbody tr")
    assert page.locator("#results table.dataTable tbody tr").count() == 7


def test_syntax_error_marked_by_the_editor_and_by_the_endpoint(page, server_live):
    open_editor(page, server_live)
    set_text(page, "SELECT *\nWHERE { ?s ?p ?o FILTR }")
    page.wait_for_selector(".CodeMirror-gutter-elt .parseErrorIcon, .CodeMirror-gutter-elt [class*=rror]")
    page.click("#editor .CodeMirror")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".endpoint-error")
    message = page.inner_text("#results")
    match = re.search(r"line (\d+), column (\d+)", message)
    assert match, message
    line = int(match.group(1))
    assert line == 2
    marked = page.locator(".endpoint-error").first
    assert marked.inner_text() in "FILTR }"
    assert page.locator(".CodeMirror-code > div").nth(line - 1).locator(".endpoint-error").count() == 1
    set_text(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert page.locator(".endpoint-error").count() == 0, "an edit clears the endpoint's marker"


def test_result_iris_show_labels_and_open_local_pages(page, server_live):
    open_editor(page, server_live, "SELECT ?plan WHERE { ?plan a <https://w3id.org/sciplan/def/Plan> ; "
                                   "<https://w3id.org/sciplan/def/periodStart> ?y } ORDER BY ?y")
    page.wait_for_function("() => /[\\u4e00-\\u9fff]/.test(document.querySelector('#results a.iri')?.textContent || '')")
    link = page.locator("#results a.iri").first
    assert "纲要" in link.inner_text(), "a plan shows its title, not its IRI"
    href = link.get_attribute("href")
    assert href.startswith("/plan/"), "an IRI under the base opens this server's page"
    assert link.get_attribute("title").startswith("https://w3id.org/sciplan/plan/")
    link.click()
    page.wait_for_selector("h1")
    assert page.url.startswith(server_live + "/plan/")


def test_only_web_iris_become_links(page, server_live):
    query = 'SELECT ?x ?y WHERE { BIND(IRI("javascript:alert(1)") AS ?x) BIND(<https://example.org/a> AS ?y) }'
    page.goto(server_live + "/?query=" + quote(query))  # an old shared link: redirected to the editor, and run
    page.wait_for_selector("#results table.dataTable tbody tr")
    assert urlsplit(page.url).path == "/query"
    assert page.locator("#results a[href^='javascript']").count() == 0
    assert page.locator("#results span.iri", has_text="javascript:alert(1)").count() == 1
    assert page.locator("#results a.iri[href='https://example.org/a']").count() == 1


def test_sorting_and_paging(page, server_live):
    numbers = " ".join(str(n) for n in range(1, 121))
    open_editor(page, server_live, f"SELECT ?n WHERE {{ VALUES ?n {{ {numbers} }} }}")
    page.wait_for_selector("#results table.dataTable tbody tr")
    rows = page.locator("#results table.dataTable tbody tr")
    assert rows.count() == 50, "one page of 50 rows, not all 120"
    assert "120" in page.inner_text("#results .dataTables_info, #results .dt-info")
    first = rows.first.locator("td").last  # the table redraws after each click: wait for the first cell to change
    page.locator("#results .paginate_button.next, #results .dt-paging-button.next").first.click()
    expect(first).to_have_text("51")
    assert cell_values(rows)[:2] == ["51", "52"], "the second page"
    header = page.locator("#results table.dataTable thead th", has_text="n").first
    header.click()
    header.click()
    expect(first).to_have_text("120")
    assert cell_values(rows)[:3] == ["120", "119", "118"], "sorted descending, as numbers"
    page.locator("#results .tableFilter").press_sequentially("11")
    expect(first).to_have_text("119")
    assert cell_values(rows)[:3] == ["119", "118", "117"], "filtered"


def cell_values(rows) -> list[str]:
    return [rows.nth(i).locator("td").last.inner_text().strip() for i in range(min(rows.count(), 5))]


def test_download_links_follow_the_edited_query(page, server_live):
    open_editor(page, server_live, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", run=False)
    assert page.locator("#results table").count() == 0, "run=0 opens without running"
    page.click("#editor .CodeMirror")
    page.keyboard.press("Control+End")
    page.keyboard.type(" OFFSET 3")
    for name in ("json", "xml", "csv", "tsv"):
        href = page.get_attribute(f"#download-{name}", "href")
        query = parse_qs(urlsplit(href).query)
        assert query["format"] == [name] and query["query"] == ["SELECT * WHERE { ?s ?p ?o } LIMIT 1 OFFSET 3"]
        assert page.is_visible(f"#download-{name}")
    assert not page.is_visible("#download-turtle")
    set_text(page, "CONSTRUCT WHERE { ?s a ?o } LIMIT 2")
    for name in ("turtle", "ntriples", "rdfxml", "jsonld"):
        assert page.is_visible(f"#download-{name}")
        assert "CONSTRUCT" in unquote(page.get_attribute(f"#download-{name}", "href"))
    assert not page.is_visible("#download-json")
    response = page.request.get(server_live + page.get_attribute("#download-turtle", "href"))
    assert response.ok and response.headers["content-type"].startswith("text/turtle")


def test_a_chart_of_an_aggregate(page, server_live, repo_settings):
    query = (repo_settings.queries_dir / "tasks-per-plan.rq").read_text(encoding="utf-8")
    open_editor(page, server_live, query)
    page.wait_for_selector("#results table.dataTable tbody tr")
    page.click("#results .select_chart")
    page.wait_for_selector("#results svg.bar-chart-svg")
    bars = page.locator("#results svg.bar-chart-svg .bar-rect")
    assert bars.count() == page.evaluate("window.sciplanEditor.yasr.results.getBindings().length") >= 4
    assert re.search(r"[\u4e00-\u9fff]", page.text_content("#results svg.bar-chart-svg")), "bars are named by label"
    shot(page, "query-chart.png")
    page.click("#results .select_table")


def test_gallery_search_run_and_open(page, server_live, repo_settings):
    page.goto(server_live + "/queries")
    cards = page.locator(".example-card")
    total = len(list(repo_settings.queries_dir.glob("*.rq")))
    assert cards.count() == total
    shot(page, "gallery.png")
    page.fill("#gallery-filter", "target")
    visible = page.locator(".example-card:not([hidden])")
    names = {visible.nth(i).get_attribute("data-name") for i in range(visible.count())}
    assert "literacy-rate-by-level" in names and "tasks-per-plan" not in names
    assert page.is_visible("#targets") and not page.is_visible("#derivation")
    page.fill("#gallery-filter", "nothing-matches-this")
    assert page.is_visible("#gallery-none")
    page.fill("#gallery-filter", "")
    assert page.locator(".example-card:not([hidden])").count() == total
    page.click("#q-plans-and-bases a.run")
    page.wait_for_selector("#results table.dataTable tbody tr")
    assert page.locator("#results table.dataTable tbody tr").count() >= 4
    page.goto(server_live + "/queries")
    page.click("#q-tasks-per-plan a.open")
    page.wait_for_selector("#editor .CodeMirror")
    expected = (repo_settings.queries_dir / "tasks-per-plan.rq").read_text(encoding="utf-8")
    assert page.evaluate("window.sciplanEditor.yasqe.getValue()") == expected
    page.wait_for_timeout(300)  # nothing may start: no request is awaited, so give a run the chance to show
    assert page.locator("#results table").count() == 0


def test_phone_width_has_no_horizontal_overflow(browser, server_live, repo_settings):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    query = (repo_settings.queries_dir / "trace-task-to-national.rq").read_text(encoding="utf-8")
    page.goto(server_live + "/query?query=" + quote(query))
    page.wait_for_selector("#results table.dataTable tbody tr")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    shot(page, "query-phone.png")
    page.goto(server_live + "/queries")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_without_the_editor_the_plain_page_still_runs_queries(page, server_live):
    page.route("**/query/assets/**", lambda route: route.abort())
    page.goto(server_live + "/query?query=" + quote('SELECT ?x WHERE { VALUES ?x { "甲" "乙" } }'))
    page.wait_for_selector("#result-table tbody tr")
    assert page.locator("#result-table tbody tr").count() == 2
    assert page.is_visible("textarea#query")
    page.fill("#query", "ASK { }")
    assert "ASK" in unquote(page.get_attribute("#download-csv", "href"))
    page.focus("#query")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#results pre.boolean")
    assert page.inner_text("#results pre.boolean") == "true"
    page.errors.clear()  # the aborted assets are logged as failed loads, which is the point here


def test_the_plain_page_links_only_web_iris_too(page, server_live):
    page.route("**/query/assets/**", lambda route: route.abort())
    query = 'SELECT ?x ?y WHERE { BIND(IRI("javascript:alert(1)") AS ?x) BIND(<https://example.org/a> AS ?y) }'
    page.goto(server_live + "/query?query=" + quote(query))
    page.wait_for_selector("#result-table tbody tr")
    assert page.locator("#results a[href^='javascript']").count() == 0
    assert page.locator("#results span", has_text="javascript:alert(1)").count() == 1
    assert page.locator("#results a[href='https://example.org/a']").count() == 1
    page.errors.clear()  # the aborted assets are logged as failed loads
