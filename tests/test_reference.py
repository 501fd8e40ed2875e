"""The vocabulary reference at /def/: complete, its examples run, built with the store, served to browsers.

    examples    every skos:example of ontology/examples.ttl runs on the built graph and returns a row
                (a term the shipped data does not use says so, and then indeed returns none)
    content     every term of ours and every reused term with a note is on the page with both labels, what it
                specializes and its example; every concept of every scheme; every IRI pattern; every named query
    serving     `sciplan build` publishes the page; /def/ gives it to browsers and the ontology to RDF clients,
                also for a store without a published page; every page links to /def/; scheme pages list concepts
"""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, quote, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
import yaml

from conftest import ROOT
from sciplan import iris, reference, vocab
from sciplan.store import build

BASE = "https://w3id.org/sciplan/"
SP = BASE + "def/"


@pytest.fixture(scope="module")
def ref(kg_store, repo_settings) -> reference.Reference:
    return reference.collect(kg_store, repo_settings)


@pytest.fixture(scope="module")
def page(ref) -> str:
    return reference.render(ref)


def examples(ref) -> list[tuple[str, reference.Example]]:
    return [(t.short, t.example) for t in ref.terms() if t.example is not None]


# ---------------------------------------------------------------- examples

def test_every_term_of_ours_has_an_example(ref):
    own = [t for _, _, _, terms in ref.groups for t in terms]
    assert len(own) > 60
    assert [t.short for t in own if t.example is None] == []
    assert len(examples(ref)) > 85


def test_every_example_runs_on_the_built_graph_and_returns_a_row(ref, kg_store):
    empty, unused = [], []
    for short, example in examples(ref):
        rows = list(vocab.solutions(kg_store, example.query, use_default_graph_as_union=True))
        if example.expect_rows and not rows:
            empty.append(short)
        if not example.expect_rows:
            iri = short.replace("sp:", SP)
            used = bool(list(kg_store.quads_for_pattern(None, ox.NamedNode(iri), None)))
            unused.append((short, len(rows), used))
    assert empty == []
    assert unused and all(n == 0 and not used for _, n, used in unused), unused  # the mark is true of the data


def test_examples_carry_only_the_prefixes_they_use(ref):
    _, example = next(e for e in examples(ref) if e[0] == "sp:leadUnit")
    prefixes = re.findall(r"^PREFIX (\w+):", example.query, flags=re.M)
    assert set(prefixes) == {"sp", "skos", "dcterms"}
    assert parse_qs(urlsplit(example.run).query)["query"][0] == example.query
    assert example.question_en and example.question_zh


# ---------------------------------------------------------------- content

def anchors(page: str) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page))


def test_every_term_is_on_the_page_with_both_labels_and_its_definitions(ref, page):
    text = htmllib.unescape(page)
    ids = anchors(page)
    for t in ref.terms():
        assert reference.anchor(t.short) in ids, t.short
        if t.short.startswith("sp:"):
            assert t.label.get("zh") and t.label.get("en"), t.short
            assert t.label["zh"] in text and t.label["en"] in text and t.definition["zh"] in text, t.short
        else:
            assert t.scope["en"] in text and t.scope["zh"] in text, t.short


def test_terms_show_what_they_specialize_domain_range_and_literal_form(ref, page):
    terms = {t.short: t for t in ref.terms()}
    assert [s.short for s in terms["sp:Plan"].supers] == ["eli:LegalResource"]
    assert {s.short for s in terms["sp:Body"].supers} == {"org:Organization", "eli:Agent"}
    assert [s.short for s in terms["sp:sourceRow"].supers] == ["sp:sourceText"]
    assert [s.short for s in terms["sp:issuedBy"].domain] == ["sp:Plan"] and [s.short for s in terms["sp:issuedBy"].range] == ["sp:Body"]
    assert terms["sp:nameAsWritten"].form == "text" and terms["sp:gbCode"].form == "code"
    assert terms["sp:targetYear"].form == vocab.XSD + "gYear"
    assert all(s.short.endswith("@zh") and not s.href for s in terms["sp:nameAsWritten"].samples)
    assert terms["sp:gbCode"].samples and all(re.fullmatch(r'"\d{6}"', s.short) for s in terms["sp:gbCode"].samples)
    assert all(s.href.startswith("../org/") for s in terms["sp:leadUnit"].samples)
    assert terms["sp:TaskPoint"].count == 113 + 5  # the seeds' task points and the national ones quoted
    assert "http://data.europa.eu/eli/ontology#LegalResource" in page
    assert "sp:leadUnit" in {link.short for link in terms["sp:Body"].range_of}


def test_every_concept_of_every_scheme_is_listed_in_order(ref, page, kg_store, repo_settings):
    text = htmllib.unescape(page)
    schemes = {s.name: s for s in ref.schemes}
    assert {"level", "part-kind", "role", "flag", "comparator", "indicator", "function", "translation", "jurisdiction",
            "match-method", "decision"} <= set(schemes)
    rows = vocab.select(kg_store, "SELECT ?c ?n WHERE { ?c a skos:Concept ; skos:notation ?n }", repo_settings.base)
    assert len(rows) > 70
    for s in schemes.values():
        assert f'id="scheme-{s.name}"' in page and s.label["zh"] in text and s.label["en"] in text
        for c in s.concepts:
            assert c.label["zh"] in text and (c.label.get("en") or "") in text, c.link.iri
    # Only the places the register adds (named as printed or by GB/T 2260) have no English label: a
    # translation of ours is curated in jurisdictions.yaml, never made up at extract time
    register = f"<{repo_settings.base}source/register>"
    from_register = set(vocab.column(
        kg_store, f"SELECT ?p WHERE {{ ?p a sp:Jurisdiction ; <http://www.w3.org/ns/prov#wasDerivedFrom> {register} }}",
        repo_settings.base))
    untranslated = {c.link.iri for s in schemes.values() for c in s.concepts if not c.label.get("en")}
    assert untranslated and untranslated <= from_register
    assert [c.notation for c in schemes["role"].concepts] == ["lead", "cooperating"]
    assert [c.notation for c in schemes["level"].concepts] == ["national", "provincial", "prefectural", "county"]
    assert all(c.definition.get("zh") and c.definition.get("en") for c in schemes["flag"].concepts)


def test_the_iri_patterns_are_on_the_page_and_their_examples_exist(ref, page, kg_store):
    kinds = {kind for kind, _ in iris._PATTERNS}
    documented = {iris.parse(d.example).kind for d in iris.DOCUMENTED}
    assert kinds - {"ontology", "derivation"} <= documented  # def/ itself is the term row's; derivation shares the proposal's
    assert any("alignment/derivation/" in d.pattern for d in iris.DOCUMENTED)
    for d, href in ref.patterns:
        assert htmllib.escape(d.pattern) in page
        assert list(kg_store.quads_for_pattern(ox.NamedNode(BASE + d.example), None, None)) \
            or list(kg_store.quads_for_pattern(None, None, ox.NamedNode(BASE + d.example))) \
            or d.example.startswith("graph/"), d.example
        assert href == "../" + quote(d.example, safe="/:@!$&'()*+,;=-._~%")


def test_every_named_query_is_listed_with_the_terms_it_uses(ref, repo_settings):
    names = {q.name for q in ref.queries}
    assert names == {p.stem for p in repo_settings.queries_dir.glob("*.rq")}
    trace = next(q for q in ref.queries if q.name == "trace-task-to-national")
    assert {"sp:derivesFrom", "sp:number"} <= {t.short for t in trace.terms}


def test_the_groups_name_only_terms_that_exist(ref):
    own = {t.name for _, _, _, terms in ref.groups for t in terms}
    listed = {n for _, _, _, names in reference.GROUPS for n in names}
    assert listed <= own
    assert all(key != reference.OTHER[0] for key, _, _, _ in ref.groups), "every term of ours is placed in a group"


def test_the_literal_convention_is_stated_first(page):
    text = htmllib.unescape(page)
    literals_at, model_at = text.index('id="literals"'), text.index('id="model"')
    assert literals_at < model_at
    assert '"区科协"@zh' in text and 'FILTER(STR(?name) = "区科协")' in text and 'eli:id_local "穗南府[2022]7号"' in text


# ---------------------------------------------------------------- publishing and serving

def test_build_publishes_the_page_beside_the_store(kg_store_path):
    published = kg_store_path.resolve() / "published" / reference.DIRECTORY / reference.INDEX
    assert published.is_file()
    assert reference.published(kg_store_path.resolve() / "published") == published.read_bytes()
    assert b'id="leadUnit"' in published.read_bytes()


def test_a_build_without_publishing_has_no_page(tmp_path, repo_settings):
    settings = repo_settings.with_(store=tmp_path / "store")
    build(settings, published=False)
    assert reference.published(settings.store.resolve() / "published") is None


def html(client, path: str):
    return client.get(path, headers={"Accept": "text/html"})


def test_def_gives_browsers_the_reference_and_machines_the_ontology(server_client):
    response = html(server_client, "/def/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b'id="leadUnit"' in response.data and "Accept" in response.headers["Vary"]
    rdf = server_client.get("/def/", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 200 and rdf.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=rdf.data, format="turtle")
    assert (rdflib.URIRef(SP), rdflib.RDF.type, rdflib.OWL.Ontology) in g
    assert server_client.get("/def/", query_string={"format": "jsonld"}).mimetype == "application/ld+json"


def test_a_term_keeps_its_own_page_which_links_back_to_the_reference(server_client):
    response = html(server_client, "/def/leadUnit")
    assert response.status_code == 200
    assert 'href="/def/"' in response.get_data(as_text=True)  # rdfs:isDefinedBy, and the header


def test_every_page_and_the_query_page_link_to_the_reference(server_client):
    for path in ("/", "/downloads", "/" + quote("org/440115/区科协"), "/plan/440115/2022-2025", "/scheme/flag"):
        body = html(server_client, path).get_data(as_text=True)
        assert '<a href="/def/">词汇 Vocabulary</a>' in body, path


def test_a_store_without_a_published_page_gets_one_made(repo_settings, kg_store):
    from server import create_app

    memory = ox.Store()
    memory.extend(kg_store.quads_for_pattern(None, None, None))
    app = create_app(repo_settings, store=memory)
    response = html(app.test_client(), "/def/")
    assert response.status_code == 200 and b'id="leadUnit"' in response.data
    app.extensions["sciplan"].close()


def test_a_scheme_page_lists_its_concepts_in_order_with_both_labels(server_client):
    body = html(server_client, "/scheme/flag").get_data(as_text=True)
    assert "Concepts of this scheme" in body
    order = [body.index(code) for code in (">garbled<", ">truncated<", ">duplicate-unit<", ">unreviewed-body<")]
    assert order == sorted(order)
    assert "乱码" in body and "garbled" in body and "名称残缺" in body and "truncated name" in body


@pytest.mark.parametrize("path, zh, en", [
    ("org/440115/区科协", "区科协", "District Association for Science and Technology"),
    ("place/440114", "花都区", "Huadu District"),
    ("plan/440115/2022-2025", "广州市南沙区全民科学素质行动规划纲要实施方案(2022-2025年)",
     "Implementation Plan of Nansha District, Guangzhou, for the Outline"),
    ("plan/440115/2022-2025/part/actions/section/4", "实施老年人科学素质提升行动",
     "Implement the action to improve the science literacy of older people"),
])
def test_pages_show_the_english_label_beside_the_chinese(server_client, path, zh, en):
    body = htmllib.unescape(html(server_client, "/" + quote(path)).get_data(as_text=True))
    title = re.search(r'<h1 id="label">(.*?)</h1>\s*<p class="other-labels">(.*?)</p>', body, flags=re.S)
    assert title is not None and title.group(1) == zh and en in title.group(2)  # under the title, beside the Chinese
    assert "非官方译名" in body  # its sp:englishLabelStatus: the concept of scheme/translation that says so


# ---------------------------------------------------------------- in a browser, at desktop and phone width


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_reference_reads_in_a_browser(browser, server_live, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server_live + "/")
    page.click('header a[href="/def/"]')
    page.wait_for_selector("#leadUnit")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing overflows the page sideways"
    if not page.locator("nav.toc details").evaluate("d => d.open"):  # folded on a phone
        assert width < 820
        page.click("nav.toc summary")
    page.click('nav.toc a[href="#schemes"]')
    flags = yaml.safe_load((ROOT / "data" / "curation" / "schemes.yaml").read_text(encoding="utf-8"))["flag"]["concepts"]
    assert page.locator("#scheme-flag table tbody tr").count() == len(flags) == 12
    page.goto(server_live + "/def/#nameAsWritten")
    block = page.locator("#nameAsWritten")
    assert block.is_visible() and "原文名称" in block.inner_text() and "name as written" in block.inner_text()
    block.locator("summary").click()
    with page.expect_navigation():
        block.locator("a.run").click()
    assert "nameAsWritten" in parse_qs(urlsplit(page.url).query)["query"][0]
    context.close()
