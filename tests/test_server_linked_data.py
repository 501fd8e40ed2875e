"""Every IRI under the base resolves: RDF for programs, generic pages plus views for people."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import rdflib

from server import create_app
from server.linked_data import _ESCAPES, _decode_escapes

BASE = "https://w3id.org/sciplan/"
NANSHA = "plan/440115/2022-2025"
TASK = NANSHA + "/part/actions/section/1/point/1"
BODY = "org/440115/区教育局"
PLACE = "place/440115"
RDF_PARSERS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}
ACCEPT = {"turtle": "text/turtle", "jsonld": "application/ld+json", "ntriples": "application/n-triples",
          "rdfxml": "application/rdf+xml"}
DCT_TITLE = rdflib.URIRef("http://purl.org/dc/terms/title")


def page(client, path: str, **headers):
    return client.get("/" + quote(path, safe="/%"), headers={"Accept": "text/html", **headers})


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


@pytest.mark.parametrize("fmt", list(RDF_PARSERS))
def test_plan_iri_gives_rdf_by_accept_and_by_format(server_client, fmt):
    by_accept = server_client.get("/" + NANSHA, headers={"Accept": ACCEPT[fmt]})
    by_param = server_client.get("/" + NANSHA, query_string={"format": fmt}, headers={"Accept": "text/html"})
    for response in (by_accept, by_param):
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(ACCEPT[fmt])
        graph = rdflib.Graph().parse(data=response.data, format=RDF_PARSERS[fmt])
        titles = [str(o) for o in graph.objects(rdflib.URIRef(BASE + NANSHA), DCT_TITLE)]
        assert any("南沙" in t for t in titles)
        assert (None, rdflib.URIRef("http://data.europa.eu/eli/ontology#based_on"), rdflib.URIRef(BASE + NANSHA)) in graph \
            or (rdflib.URIRef(BASE + NANSHA), rdflib.URIRef("http://data.europa.eu/eli/ontology#based_on"), None) in graph
    assert "Accept" in by_accept.headers["Vary"]
    assert 'rel="alternate"' in by_accept.headers["Link"]


def test_plan_page_shows_title_structure_with_39_task_points_and_the_chain(server_client):
    response = page(server_client, NANSHA)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert re.search(r'<h1 id="label">[^<]*南沙[^<]*</h1>', html)
    tasks = {h for h in links(html) if re.fullmatch(rf"/{NANSHA}/part/[^/]+/section/\d+/point/\d+", h)}
    assert len(tasks) == 39
    assert "/plan/cn/2021-2035" in links(html), "the based-on chain reaches the national plan"
    assert "Based on" in html and "Plans based on this one" in html


def test_national_plan_lists_the_plans_based_on_it(server_client):
    html = page(server_client, "plan/cn/2021-2035").get_data(as_text=True)
    section = html.split("Plans based on this one")[1].split("</section>")[0]
    assert "/" + NANSHA in links(section)


def test_task_point_page_shows_units_section_and_source(server_client):
    html = page(server_client, TASK).get_data(as_text=True)
    assert "将弘扬科学精神贯穿于育人全链条" in html
    assert "/" + quote(BODY) in links(html), "the lead unit links to its page, percent-encoded"
    assert "牵头 lead" in html and "配合 cooperating" in html
    assert "区教育局\t区科协" in html.replace("&#9;", "\t"), "the source row is quoted"
    assert "Corresponding task points in other plans" in html


def test_body_page_under_a_chinese_path_lists_its_tasks_across_plans(server_client):
    response = server_client.get("/" + quote(BODY), headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="label">区教育局</h1>' in html
    for _name, value in response.headers.items():  # WSGI servers send headers as latin-1
        value.encode("latin-1")
    assert f"/{TASK}" in links(html)


def test_sections_that_carry_units_count_for_the_body(server_client):
    """江门 states units once per section: those sections appear on the body's page."""
    response = server_client.get("/sparql", query_string={"query": """
        PREFIX sp: <def/> SELECT ?body ?section WHERE { ?section a sp:Section ; sp:leadUnit ?body } LIMIT 1"""})
    row = response.json["results"]["bindings"][0]
    body, section = (row[k]["value"][len(BASE):] for k in ("body", "section"))
    html = server_client.get("/" + quote(body), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "/" + quote(section) in links(html)


def test_jurisdiction_page_lists_plans_and_bodies(server_client):
    html = page(server_client, PLACE).get_data(as_text=True)
    assert "/" + NANSHA in links(html)
    assert "/" + quote(BODY) in links(html)


@pytest.mark.parametrize("term, view_text", [
    ("def/TaskPoint", "instances"),
    ("def/leadUnit", "subjects"),
    ("def/sourceRow", "example"),
])
def test_ontology_terms_have_a_generic_page_and_usage(server_client, term, view_text):
    html = page(server_client, term).get_data(as_text=True)
    assert "Usage" in html and view_text in html
    assert "/def/" in html


def test_named_graph_iri_gives_its_triples(server_client):
    graph = "graph/plans/nansha-2022-2025"
    rdf = server_client.get("/" + graph, query_string={"format": "turtle"})
    assert rdf.status_code == 200
    parsed = rdflib.Graph().parse(data=rdf.data, format="turtle")
    assert len(parsed) > 1000
    html = page(server_client, graph).get_data(as_text=True)
    assert "Named graph with" in html


def test_ascii_escapes_in_iris_survive_the_round_trip(server_settings, tmp_path):
    import pyoxigraph as ox

    store = ox.Store()
    iri = BASE + "org/1/a%28b%29 区"
    store.add(ox.Quad(ox.NamedNode(iri.replace(" ", "")), ox.NamedNode(BASE + "p"), ox.Literal("x"),
                      ox.NamedNode(BASE + "g")))
    client = create_app(server_settings, store=store).test_client()
    assert client.get("/org/1/a%28b%29%E5%8C%BA", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.get("/org/1/a(b)%E5%8C%BA", headers={"Accept": "text/turtle"}).status_code == 404


def test_uri_to_iri_decodes_only_non_ascii():
    def convert(path):
        return _ESCAPES.sub(_decode_escapes, path)

    assert convert("/org/%E5%8C%BA%E6%95%99") == "/org/区教"
    assert convert("/a%28b%2fc") == "/a%28b%2Fc"
    assert convert("/%FF%E5%8C") == "/%FF%E5%8C"


@pytest.mark.parametrize("path, accept, status", [
    ("/nothing/here", "text/turtle", 404),
    ("/nothing/here", "text/html", 404),
    ("/" + NANSHA, "image/png", 406),
    ('/a"b', "text/turtle", 404),
])
def test_resource_errors(server_client, path, accept, status):
    response = server_client.get(path, headers={"Accept": accept})
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    if status == 404 and accept == "text/html":
        assert response.mimetype == "text/html" and "nothing is known about" in body


def test_unknown_format_parameter_is_400(server_client):
    response = server_client.get("/" + NANSHA, query_string={"format": "pdf"})
    assert response.status_code == 400 and "'format'" in response.get_data(as_text=True)


def test_a_broken_view_shows_its_error_and_the_page_still_renders(server_settings, tmp_path):
    (tmp_path / "Plan").mkdir()
    (tmp_path / "Plan" / "broken.rq").write_text("# title: Broken view\nSELECT * WHERE { ?this", encoding="utf-8")
    (tmp_path / "Plan" / "fine.rq").write_text("SELECT ?part WHERE { ?this <http://data.europa.eu/eli/ontology#has_part> ?part }")
    app = create_app(server_settings.with_server(views_dir=tmp_path, query_processes=1))
    try:
        response = app.test_client().get("/" + NANSHA, headers={"Accept": "text/html"})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Broken view" in html and "syntax error" in html.lower()
        assert "<h2>fine</h2>" in html, "a view without a title header is titled by its file name"
        assert f"/{NANSHA}/part/actions" in links(html)
    finally:
        app.extensions["sciplan"].close()


def test_a_register_plans_sources_are_the_pages_its_facts_cite_each_once(server_client):
    """A plan known from the register has no parts: its sources are the pages its sourced statements quote."""
    html = page(server_client, "plan/440100/2022-2025").get_data(as_text=True)
    section = html.split("Source documents")[1].split("</section>")[0]
    cited = re.findall(r'href="(https?://[^"]+)"', section)
    assert "https://kexie.thnet.gov.cn/kexie/zcfg/202206/dc0ea6df2caa41aea3254fb9adda0908.shtml" in cited
    assert len(cited) >= 3 and len(cited) == len(set(cited)), "each page once"
    assert section.count('href="/source/register"') == 1, "the register, titled in zh and en, once"
