"""Pages that read like the document: printed order everywhere, a plan's nested contents with its
units as links, section and body pages, source texts with line anchors, and no datatype or
language-tag noise (sciplan/views/, server/linked_data.py, server/browse.py)."""

from __future__ import annotations

import hashlib
import html as html_module
import re
from urllib.parse import quote, unquote

import pytest

BASE = "https://w3id.org/sciplan/"
NANSHA = "plan/440115/2022-2025"
JIANGMEN = "plan/440700/2016-2020"
ACTIONS = NANSHA + "/part/actions"
ELDERLY = ACTIONS + "/section/4"
NATIONAL_TASK = "plan/cn/2021-2035/part/actions/section/老年人科学素质提升行动/point/实施银龄科普行动"
SP = BASE + "def/"
ELI = "http://data.europa.eu/eli/ontology#"


def get(client, path: str, accept: str = "text/html"):
    return client.get(quote(path, safe="/%?=&#"), headers={"Accept": accept})


def text_of(fragment: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment))


def section_html(page: str, name: str) -> str:
    found = re.search(rf'<section class="view" id="view-{re.escape(name)}">(.*?)</section>', page, re.S)
    assert found, f"no view {name} on the page"
    return found.group(1)


def hrefs(fragment: str) -> list[str]:
    return [unquote(html_module.unescape(h)) for h in re.findall(r'href="([^"]+)"', fragment)]


def ordered(kg_store, query: str) -> list[str]:
    prefix = f"PREFIX sp: <{SP}> PREFIX eli: <{ELI}> PREFIX dcterms: <http://purl.org/dc/terms/> "
    return [row[0].value for row in kg_store.query(prefix + query, use_default_graph_as_union=True)]


def test_plan_contents_nest_parts_sections_and_task_points_in_printed_order(server_client, kg_store):
    page = get(server_client, "/" + NANSHA).get_data(as_text=True)
    toc = section_html(page, "1-structure")
    assert toc.count("<details") >= 2 + 11, "parts and sections fold (<details>)"
    expected_parts = ordered(kg_store, f"SELECT ?t WHERE {{ <{BASE}{NANSHA}> eli:has_part ?p . ?p sp:order ?o ; dcterms:title ?t }} ORDER BY ?o")
    shown_parts = re.findall(r'<ul class="toc depth-0">.*', toc, re.S)[0]
    positions = [shown_parts.find(title) for title in expected_parts]
    assert -1 not in positions and positions == sorted(positions), expected_parts
    tasks = re.findall(r'<div class="leaf"><span class="node"><a href="([^"]+)"', toc)
    assert len(tasks) == 39
    expected_tasks = ordered(kg_store, f"""SELECT ?task WHERE {{ <{BASE}{NANSHA}> eli:has_part ?p . ?p sp:order ?po ; eli:has_part ?s .
        ?s sp:order ?so ; eli:has_part ?task . ?task sp:order ?to }} ORDER BY ?po ?so ?to""")
    assert ["/" + t.removeprefix(BASE) for t in expected_tasks] == [unquote(t) for t in tasks]


def test_a_section_without_task_points_lists_nothing_of_other_plans(server_client, kg_store):
    """The national plan's 农民科学素质提升行动 has no task point in the graph: its entry holds no flag,
    unit or page of another record (an unbound ?task once joined every flagged record of the register)."""
    page = get(server_client, "/plan/cn/2021-2035").get_data(as_text=True)
    toc = section_html(page, "1-structure")
    linked = {h for h in hrefs(toc)}
    national = "/plan/cn/2021-2035/"
    assert linked and all(h.startswith(national) for h in linked), sorted(h for h in linked if not h.startswith(national))[:5]
    tasks = ordered(kg_store, f"SELECT ?t WHERE {{ <{BASE}plan/cn/2021-2035> eli:has_part/eli:has_part/eli:has_part ?t }}")
    plan = f"<{BASE}plan/cn/2021-2035>"
    parts_and_sections = ordered(kg_store, f"SELECT ?s WHERE {{ {{ {plan} eli:has_part ?s }} UNION {{ {plan} eli:has_part/eli:has_part ?s }} }}")
    assert linked == {"/" + x.removeprefix(BASE) for x in tasks + parts_and_sections}


def test_plan_contents_link_each_tasks_units_in_printed_order_and_show_flags(server_client, kg_store):
    toc = section_html(get(server_client, "/" + NANSHA).get_data(as_text=True), "1-structure")
    task = NANSHA + "/part/projects/section/3/point/2"  # 创新现代科技馆体系: six cooperating units, garbled cell
    leaf = re.search(rf'<div class="leaf">(<span class="node"><a href="/{re.escape(quote(task, safe="/"))}".*?)</div>', toc, re.S)
    assert leaf, "the task point is in the contents"
    cooperating = re.search(r'detail-cooperating">(.*?)</span></span>|detail-cooperating">(.*?)</span>\s*(?:<span|$)', leaf.group(1), re.S)
    assert cooperating
    units = [h for h in hrefs(leaf.group(1)) if h.startswith("/org/")]
    expected = ordered(kg_store, f"""SELECT ?unit WHERE {{ <{BASE}{task}> sp:assignment ?a . ?a sp:unit ?unit ; sp:position ?n ; sp:role ?r .
        BIND(IF(STRENDS(STR(?r), "lead"), 0, 1) AS ?rank) }} ORDER BY ?rank ?n""")
    assert units == ["/" + u.removeprefix(BASE) for u in expected] and len(units) == 7
    assert "乱码" in text_of(leaf.group(1)), "the garbled flag shows on the task"


def test_a_unit_link_of_the_contents_opens_the_body_page(server_client):
    toc = section_html(get(server_client, "/" + NANSHA).get_data(as_text=True), "1-structure")
    body = next(h for h in hrefs(toc) if h.startswith("/org/"))
    response = get(server_client, body)
    assert response.status_code == 200 and "Tasks it leads or joins" in response.get_data(as_text=True)


def test_jiangmen_units_stated_per_section_show_on_the_section(server_client):
    toc = section_html(get(server_client, "/" + JIANGMEN).get_data(as_text=True), "1-structure")
    assert 'detail-sectionLead' in toc and 'detail-sectionCooperating' in toc


def test_a_part_page_lists_its_sections_in_printed_order(server_client, kg_store):
    page = get(server_client, "/" + ACTIONS).get_data(as_text=True)
    view = section_html(page, "1-sections")
    expected = ordered(kg_store, f"SELECT ?s WHERE {{ <{BASE}{ACTIONS}> eli:has_part ?s . ?s sp:order ?o }} ORDER BY ?o")
    shown = [h for h in dict.fromkeys(hrefs(view)) if re.fullmatch(r"/" + re.escape(ACTIONS) + r"/section/[^/]+", h)]
    assert shown == ["/" + s.removeprefix(BASE) for s in expected]
    # the generic table lists has-part values in printed order too, not by their names
    properties = page[page.index('id="properties"'):]
    generic = [h for h in dict.fromkeys(hrefs(properties)) if re.fullmatch(r"/" + re.escape(ACTIONS) + r"/section/[^/]+", h)]
    assert generic == shown


def test_a_section_page_has_its_plan_level_neighbours_and_ordered_tasks(server_client):
    page = get(server_client, "/" + ELDERLY).get_data(as_text=True)
    place = section_html(page, "1-place")
    assert "/" + NANSHA in hrefs(place) and "县级" in text_of(place)
    assert "/" + ACTIONS + "/section/3" in hrefs(place) and "/" + ACTIONS + "/section/5" in hrefs(place)
    assert "previous section" in place and "next section" in place
    tasks = [h for h in hrefs(section_html(page, "2-tasks")) if "/point/" in h]
    assert tasks == [f"/{ELDERLY}/point/{n}" for n in (1, 2, 3)]
    based = text_of(section_html(page, "3-based-on"))
    assert "国家级" in based and "地级" in based, "each basis says its plan's level"


def test_the_first_section_has_no_previous(server_client):
    place = section_html(get(server_client, "/" + ACTIONS + "/section/1").get_data(as_text=True), "1-place")
    assert "/" + ACTIONS + "/section/2" in hrefs(place)
    assert not [h for h in hrefs(place) if h.startswith("/" + ACTIONS + "/section/") and not h.endswith("/2")]


def test_a_body_page_lists_its_tasks_by_plan_with_counterparts(server_client):
    page = get(server_client, "/org/440115/区教育局").get_data(as_text=True)
    view = section_html(page, "1-tasks")
    assert "/" + NANSHA in hrefs(view)
    first = NANSHA + "/part/actions/section/1/point/1"
    assert "/" + first in hrefs(view)
    assert "/plan/440114/2022-2025/part/actions/section/1/point/1" in hrefs(view), "its counterpart in 花都"
    assert "牵头单位 lead unit" in text_of(view) and "配合单位 cooperating unit" in text_of(view)


def test_a_national_task_lists_the_district_tasks_based_on_it(server_client):
    view = section_html(get(server_client, "/" + NATIONAL_TASK).get_data(as_text=True), "5-based-on-it")
    assert "/" + NANSHA + "/part/actions/section/4/point/3" in hrefs(view)
    assert "县级" in text_of(view)


def test_plan_page_shows_its_sources_with_sha256_and_its_flags(server_client, repo_settings):
    page = get(server_client, "/" + NANSHA).get_data(as_text=True)
    sources = section_html(page, "4-sources")
    digest = hashlib.sha256((repo_settings.sources_dir / "000_e37b814599954b21.txt").read_bytes()).hexdigest()
    assert digest in sources and "/sources/000_e37b814599954b21.txt" in hrefs(sources)
    flags = text_of(section_html(page, "5-flags"))
    assert "文号格式不规范" in flags and "乱码" in flags


def test_every_cited_line_links_to_its_anchor_on_the_source_page(server_client, kg_store, repo_settings):
    task = NANSHA + "/part/actions/section/4/point/3"
    view = section_html(get(server_client, "/" + task).get_data(as_text=True), "3-source")
    cited = [h for h in hrefs(view) if h.startswith("/sources/")]
    line = ordered(kg_store, f"SELECT ?n WHERE {{ <{BASE}{task}> sp:sourceLine ?n }}")[0]
    assert f"/sources/000_e37b814599954b21.txt#L{line}" in cited and len(cited) == 2
    for href in cited:
        path, _, anchor = href.partition("#")
        source = get(server_client, path)
        assert source.status_code == 200
        body = source.get_data(as_text=True)
        number = int(anchor[1:])
        row = re.search(rf'<li id="{anchor}"><a class="line-number" href="#{anchor}">{number}</a><span class="line">(.*?)</span>', body)
        assert row, anchor
        expected = (repo_settings.sources_dir / "000_e37b814599954b21.txt").read_text(encoding="utf-8").splitlines()[number - 1]
        assert html_module.unescape(row.group(1)) == expected
    assert "实施银龄科普行动" in expected


def test_source_pages_show_the_files_digest_and_serve_plain_text(server_client, repo_settings):
    name = "001_04ac0dd97a26a9d2.txt"
    data = (repo_settings.sources_dir / name).read_bytes()
    page = get(server_client, "/sources/" + name).get_data(as_text=True)
    assert hashlib.sha256(data).hexdigest() in page
    assert page.count('<li id="L') == len(data.decode("utf-8").splitlines())
    assert "/source/seed-jiangmen" in hrefs(page), "the page links the resource that describes the file"
    plain = get(server_client, "/sources/" + name, accept="text/plain")
    assert plain.mimetype == "text/plain" and plain.data == data
    assert get(server_client, "/sources/" + name + "?format=text").data == data


@pytest.mark.parametrize("name", ["nothere.txt", "..%2Fpyproject.toml", ".hidden"])
def test_unknown_source_files_are_404(server_client, name):
    response = server_client.get("/sources/" + name, headers={"Accept": "text/html"})
    assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)


def test_downloads_list_the_source_files(server_client, repo_settings):
    page = server_client.get("/downloads").get_data(as_text=True)
    for path in sorted(repo_settings.sources_dir.iterdir()):
        assert f'href="/sources/{path.name}"' in page
        assert hashlib.sha256(path.read_bytes()).hexdigest() in page


@pytest.mark.parametrize("path", [NANSHA, ELDERLY, NANSHA + "/part/actions/section/4/point/3", "org/440115/区教育局", "place/440115"])
def test_pages_have_no_datatype_or_language_noise_and_headings_in_words(server_client, path):
    page = get(server_client, "/" + path).get_data(as_text=True)
    assert "xsd:" not in page
    assert not re.search(r'<span class="note">(zh|en)</span>', page)
    headings = re.findall(r"<th>([^<]*)</th>", page)
    assert not [h for h in headings if re.fullmatch(r"[a-z]+[A-Z]\w*", h)], headings


def test_home_lists_plans_by_level_places_and_bodies(server_client, kg_store):
    page = server_client.get("/").get_data(as_text=True)
    plans = section_html(page, "1-plans")
    expected = ordered(kg_store, "SELECT ?p WHERE { ?p a sp:Plan }")
    assert sorted(h for h in set(hrefs(plans)) if h.startswith("/plan/")) == sorted("/" + p.removeprefix(BASE) for p in expected)
    assert text_of(plans).index("国家级") < text_of(plans).index("省级") < text_of(plans).index("县级"), "national first"
    assert "/place/440115" in hrefs(section_html(page, "2-places"))
    bodies = section_html(page, "3-bodies")
    assert "/org/440115/区教育局" in hrefs(bodies) and "<details open" not in bodies, "the long list starts folded"


def test_home_search_keeps_what_matches_with_its_groups(server_client):
    page = server_client.get("/", query_string={"q": "南沙"}).get_data(as_text=True)
    plans = hrefs(section_html(page, "1-plans"))
    assert "/" + NANSHA in plans and "/" + JIANGMEN not in plans
    assert "/org/440115/区教育局" in hrefs(section_html(page, "3-bodies")), "a matching place keeps its bodies"
    assert re.search(r'id="search-summary"[^>]*>\d+ 条匹配', page)
    bodies = hrefs(section_html(server_client.get("/", query_string={"q": "教育局"}).get_data(as_text=True), "3-bodies"))
    assert "/org/440115/区教育局" in bodies and "/org/440115/区科协" not in bodies
    none = server_client.get("/", query_string={"q": "no such name"}).get_data(as_text=True)
    assert "nothing matches" in none and "/" + NANSHA not in hrefs(section_html(none, "1-plans"))


def test_the_old_browse_address_leads_to_the_home_page(server_client):
    moved = server_client.get("/browse", query_string={"q": "南沙"})
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/?q=%E5%8D%97%E6%B2%99")


def test_home_search_escapes_what_it_repeats(server_client):
    page = server_client.get("/", query_string={"q": "<b>x</b>"}).get_data(as_text=True)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_void_answers_a_browser_with_a_page_in_words(server_client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = server_client.get("/void", headers={"Accept": browser})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<th>triples</th>" in page and "<th>license</th>" in page
    assert "xsd:" not in page and not re.search(r"<th>[a-z]+[A-Z]\w*</th>", page)
    assert server_client.get("/void", headers={"Accept": "*/*"}).mimetype == "text/turtle", "machines still get RDF"
