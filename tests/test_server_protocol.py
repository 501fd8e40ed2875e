"""The SPARQL endpoint through the Flask test client: formats, negotiation and every refusal."""

from __future__ import annotations

import csv
import io
import json
import logging

import pyoxigraph as ox
import pytest

NANSHA = "https://w3id.org/sciplan/plan/440115/2022-2025"
COUNT_PLANS = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/sciplan/def/Plan> }"
CONSTRUCT = f"CONSTRUCT {{ <{NANSHA}> ?p ?o }} WHERE {{ <{NANSHA}> ?p ?o }}"
SELECT_MIXED = """SELECT ?iri ?zh ?num ?plain ?none WHERE {
  VALUES (?iri ?zh ?num ?plain) { (<http://example.org/a,b> "区教育局\\t\\"x\\"\\n"@zh 42 "a,b") }
}"""

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def mimetype(response) -> str:
    return response.headers["Content-Type"].split(";")[0]


# ---- answers in every format -------------------------------------------------

def test_get_select_defaults_to_json_over_the_union_of_all_graphs(server_client):
    response = server_client.get("/sparql", query_string={"query": COUNT_PLANS})
    assert response.status_code == 200
    assert mimetype(response) == "application/sparql-results+json"
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) >= 3
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("media_type", [t for t in RESULT_TYPES if t != "text/csv"])
def test_select_result_formats_match_pyoxigraphs_own_answer(server_client, media_type):
    response = server_client.get("/sparql", query_string={"query": SELECT_MIXED}, headers={"Accept": media_type})
    assert response.status_code == 200 and mimetype(response) == media_type
    parsed = ox.parse_query_results(response.data, format=RESULT_TYPES[media_type])
    expected = ox.Store().query(SELECT_MIXED)
    assert [v.value for v in parsed.variables] == [v.value for v in expected.variables]
    got, want = list(parsed)[0], list(expected)[0]
    for name in ("iri", "zh", "num", "plain"):
        assert got[name] == want[name]
    assert got["none"] is None


def test_select_as_csv_gives_plain_values(server_client):
    """CSV drops datatypes and languages by definition (pyoxigraph cannot parse it back)."""
    response = server_client.get("/sparql", query_string={"query": SELECT_MIXED, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows == [["iri", "zh", "num", "plain", "none"], ["http://example.org/a,b", '区教育局\t"x"\n', "42", "a,b", ""]]
    assert response.data.endswith(b"\r\n")


@pytest.mark.parametrize("media_type", list(RESULT_TYPES))
def test_ask_in_every_result_format(server_client, media_type):
    response = server_client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": media_type})
    assert response.status_code == 200
    if media_type in ("text/csv", "text/tab-separated-values"):
        assert response.data == b"true"
    else:
        assert bool(ox.parse_query_results(response.data, format=RESULT_TYPES[media_type])) is True


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_construct_in_every_rdf_format(server_client, media_type):
    response = server_client.post(
        "/sparql", data=CONSTRUCT.encode(), content_type="application/sparql-query", headers={"Accept": media_type}
    )
    assert response.status_code == 200 and mimetype(response) == media_type
    triples = list(ox.parse(response.data, format=RDF_TYPES[media_type]))
    titles = [t.object.value for t in triples if t.predicate.value == "http://purl.org/dc/terms/title"]
    assert any("南沙" in title for title in titles)


def test_describe_answers_rdf(server_client):
    response = server_client.get("/sparql", query_string={"query": f"DESCRIBE <{NANSHA}>"})
    assert response.status_code == 200 and mimetype(response) == "text/turtle"
    assert "南沙" in response.get_data(as_text=True)


# ---- negotiation ------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("text/*", "text/csv"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
])
def test_accept_q_values_pick_the_format(server_client, accept, expected):
    response = server_client.get("/sparql", query_string={"query": "SELECT * {}"}, headers={"Accept": accept})
    assert response.status_code == 200 and mimetype(response) == expected


@pytest.mark.parametrize("fmt, expected", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
])
def test_format_parameter_overrides_accept(server_client, fmt, expected):
    response = server_client.get(
        "/sparql", query_string={"query": "SELECT * {}", "format": fmt}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200 and mimetype(response) == expected


@pytest.mark.parametrize("fmt, expected", [
    ("turtle", "text/turtle"), ("ntriples", "application/n-triples"),
    ("rdfxml", "application/rdf+xml"), ("jsonld", "application/ld+json"),
])
def test_format_parameter_for_graph_results(server_client, fmt, expected):
    response = server_client.get("/sparql", query_string={"query": CONSTRUCT, "format": fmt})
    assert response.status_code == 200 and mimetype(response) == expected


@pytest.mark.parametrize("params, accept, message", [
    ({"query": "SELECT * {}"}, "image/png", "no acceptable format"),
    ({"query": "SELECT * {}"}, "text/turtle", "SELECT result is a SPARQL result set"),
    ({"query": CONSTRUCT}, "application/sparql-results+json", "CONSTRUCT/DESCRIBE result is RDF"),
    ({"query": CONSTRUCT, "format": "csv"}, None, "CONSTRUCT/DESCRIBE result is RDF"),
    ({"query": "SELECT * {}", "format": "turtle"}, None, "SELECT result"),
])
def test_nothing_acceptable_is_406(server_client, params, accept, message):
    headers = {"Accept": accept} if accept else {}
    response = server_client.get("/sparql", query_string=params, headers=headers)
    assert response.status_code == 406
    assert message in response.get_data(as_text=True)


def test_browser_asking_the_endpoint_is_sent_to_the_query_page(server_client):
    response = server_client.get(
        "/sparql", query_string={"query": "ASK {}"},
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/query?query=ASK")


# ---- the dataset of a request -------------------------------------------------

def test_default_graph_uri_replaces_the_union(server_client):
    plans_graph = "https://w3id.org/sciplan/graph/plans/nansha-2022-2025"
    query = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/sciplan/def/Plan> }"
    only = server_client.get("/sparql", query_string={"query": query, "default-graph-uri": plans_graph})
    union = server_client.get("/sparql", query_string={"query": query})
    assert only.json["results"]["bindings"][0]["n"]["value"] == "1"
    assert int(union.json["results"]["bindings"][0]["n"]["value"]) > 1


def test_named_graph_uri_limits_graph_patterns(server_client):
    graph = "https://w3id.org/sciplan/graph/organizations"
    response = server_client.get(
        "/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph}
    )
    assert [b["g"]["value"] for b in response.json["results"]["bindings"]] == [graph]


def test_relative_iris_resolve_against_the_base(server_client):
    response = server_client.get("/sparql", query_string={"query": "PREFIX sp: <def/> SELECT (sp:Plan AS ?c) {}"})
    assert response.json["results"]["bindings"][0]["c"]["value"] == "https://w3id.org/sciplan/def/Plan"


# ---- refusals ----------------------------------------------------------------

UPDATE_REQUESTS = [
    ("get update param", dict(method="GET", query_string={"update": "CLEAR ALL"})),
    ("form update param", dict(method="POST", data={"update": "CLEAR ALL"})),
    ("update body", dict(method="POST", data=b"CLEAR ALL", content_type="application/sparql-update")),
    ("update text as query", dict(method="POST", data=b"INSERT DATA { <a:s> <a:p> <a:o> }",
                                  content_type="application/sparql-query")),
    ("update text in GET", dict(method="GET", query_string={"query": "DROP ALL"})),
]


@pytest.mark.parametrize("name, request_args", UPDATE_REQUESTS, ids=[n for n, _ in UPDATE_REQUESTS])
def test_updates_are_refused_with_403(server_client, name, request_args):
    response = server_client.open("/sparql", **request_args)
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    still_there = server_client.get("/sparql", query_string={"query": COUNT_PLANS})
    assert int(still_there.json["results"]["bindings"][0]["n"]["value"]) >= 3


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
    "PREFIX x: <http://127.0.0.1:22/> SELECT * WHERE { SERVICE x:ssh { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://localhost/admin> { ?s ?q ?v } } }",
    "BASE <http://internal.example/> SELECT * WHERE { FILTER EXISTS { SERVICE <sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { BIND(<http://evil.example/> AS ?svc) SERVICE ?svc { ?s ?p ?o } }",
])
def test_service_outside_the_allowlist_is_refused(server_client, query):
    response = server_client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.get_data(as_text=True)


def test_the_word_service_in_a_string_or_comment_is_no_service(server_client):
    query = 'SELECT ("SERVICE <http://x/>" AS ?s) WHERE { # SERVICE <http://y/> { }\n }'
    assert server_client.get("/sparql", query_string={"query": query}).status_code == 200


def test_failed_allowlisted_service_is_502(server_settings):
    from server import create_app

    app = create_app(server_settings.with_server(service_allowlist=("http://127.0.0.1:1/sparql",), query_processes=1))
    try:
        response = app.test_client().get(
            "/sparql", query_string={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"}
        )
        assert response.status_code == 502
        assert "SERVICE call failed" in response.get_data(as_text=True)
    finally:
        app.extensions["sciplan"].close()


@pytest.mark.parametrize("query, fragment", [
    ("ASK {", "line 1, column 6"),
    ("SELECT * WHERE {\n  ?s ?p\n}", "line 3, column 2"),
    ("SELECT ?x WHERE { ?x ?p ?o } GROUP BY ?p", "syntax error"),
    ("SELECT * WHERE { " + "{" * 400 + "}" * 400 + " }", "nests 401 deep; the limit is 64"),
])
def test_malformed_query_is_400_with_the_parsers_position(server_client, query, fragment):
    response = server_client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert fragment in text and "Traceback" not in text


@pytest.mark.parametrize("kwargs, status, fragment", [
    (dict(method="POST", data=b"query=ASK%20%7B%7D"), 415, "no Content-Type"),
    (dict(method="POST", data=b"ASK {}", content_type="text/plain"), 415, "text/plain"),
    (dict(method="POST", data="ASK {}".encode("utf-16"), content_type="application/sparql-query; charset=UTF-16"),
     415, "UTF-8"),
    (dict(method="POST", data=b"ASK { \xff }", content_type="application/sparql-query"), 400, "not valid UTF-8"),
    (dict(method="POST", data=b"", content_type="application/sparql-query"), 400, "'query' is empty"),
    (dict(method="POST", data={"format": "json"}), 400, "'query' is missing"),
    (dict(method="POST", data=b"ASK {}", content_type="application/sparql-query", query_string={"query": "ASK {}"}),
     400, "must not be in the URL"),
    (dict(method="GET", query_string=[("query", "ASK {}"), ("query", "SELECT * {}")]), 400, "given 2 times"),
    (dict(method="GET", query_string={"query": "ASK {}", "format": "yaml"}), 400, "'format'"),
    (dict(method="GET", query_string=[("query", "ASK {}"), ("format", "json"), ("format", "xml")]), 400, "'format'"),
    (dict(method="GET", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"}), 400,
     "'default-graph-uri'"),
    (dict(method="GET", query_string={"query": "ASK {}", "named-graph-uri": "rel/x"}), 400, "'named-graph-uri'"),
    (dict(method="PUT", data=b"ASK {}"), 405, "not allowed"),
    (dict(method="DELETE"), 405, "not allowed"),
])
def test_protocol_errors_name_the_problem(server_client, kwargs, status, fragment):
    response = server_client.open("/sparql", **kwargs)
    assert response.status_code == status
    assert fragment in response.get_data(as_text=True)


def test_405_says_which_methods_are_allowed(server_client):
    assert set(server_client.put("/sparql").headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_oversized_requests_are_refused(server_client, server_app):
    limit = server_app.extensions["sciplan"].options.max_request_bytes
    padding = "#" + "x" * limit + "\nASK {}"
    body = server_client.post("/sparql", data=padding.encode(), content_type="application/sparql-query")
    form = server_client.post("/sparql", data={"query": padding})
    url = server_client.get("/sparql", query_string={"query": padding})
    assert body.status_code == 413 and form.status_code == 413
    assert url.status_code == 414 and "POST" in url.get_data(as_text=True)


# ---- limits, CORS, log ---------------------------------------------------------

@pytest.fixture(scope="module")
def small_limits_client(server_settings):
    from server import create_app

    app = create_app(server_settings.with_server(max_rows=5, query_processes=1))
    yield app.test_client()
    app.extensions["sciplan"].close()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",  # the cross product comes back cut, quickly
])
def test_results_are_cut_at_max_rows_and_say_so(small_limits_client, query):
    response = small_limits_client.get("/sparql", query_string={"query": query, "format": "ntriples"}
                                       if query.startswith("CONSTRUCT") else {"query": query})
    assert response.status_code == 200
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    if query.startswith("CONSTRUCT"):
        assert len(response.data.decode().strip().splitlines()) == 5
    else:
        assert len(response.json["results"]["bindings"]) == 5


def test_small_results_carry_no_cut_header(small_limits_client):
    response = small_limits_client.get("/sparql", query_string={"query": "SELECT * { VALUES ?x { 1 2 } }"})
    assert "X-SPARQL-MaxRows" not in response.headers


def test_cors_lets_any_origin_read_results(server_client):
    response = server_client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://example.org")
    preflight = server_client.options(
        "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


def test_one_access_log_line_per_request_with_hash_status_rows_and_time(server_client, caplog):
    import hashlib

    query = "SELECT * { VALUES ?x { 1 2 3 } }"
    with caplog.at_level(logging.INFO, logger="sciplan.access"):
        server_client.get("/sparql", query_string={"query": query})
        server_client.get("/sparql", query_string={"query": "ASK {"})
    lines = [r.getMessage() for r in caplog.records if r.name == "sciplan.access"]
    assert len(lines) == 2
    digest = hashlib.sha256(query.encode()).hexdigest()[:12]
    assert f" 200 rows=3 query={digest} " in lines[0] and lines[0].endswith("ms")
    assert " 400 rows=- query=" in lines[1]


# ---- service description ---------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


def test_service_description_describes_the_union_default_graph(server_client):
    response = server_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and mimetype(response) == "text/turtle"
    triples = list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    by_predicate = {}
    for t in triples:
        by_predicate.setdefault(t.predicate.value, []).append(t.object)
    assert by_predicate[SD + "endpoint"] == [ox.NamedNode("https://w3id.org/sciplan/sparql")]  # the base, not Host
    assert ox.NamedNode(SD + "UnionDefaultGraph") in by_predicate[SD + "feature"]
    assert by_predicate[SD + "supportedLanguage"] == [ox.NamedNode(SD + "SPARQL11Query")]
    assert ox.NamedNode("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in by_predicate[SD + "resultFormat"]
    names = {o.value for o in by_predicate[SD + "name"]}
    assert "https://w3id.org/sciplan/graph/plans/nansha-2022-2025" in names


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_service_description_in_every_rdf_format(server_client, accept):
    response = server_client.get("/sparql/", headers={"Accept": accept})
    assert response.status_code == 200 and mimetype(response) == accept
    assert list(ox.parse(response.data, format=RDF_TYPES[accept]))


def test_service_description_refusals_and_browser(server_client):
    assert server_client.get("/sparql", headers={"Accept": "image/png"}).status_code == 406

def test_a_browser_reads_the_service_description_as_a_page(server_client):
    browser = server_client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 200 and mimetype(browser) == "text/html" and "Accept" in browser.headers["Vary"]
    page = browser.get_data(as_text=True)
    assert '<h1 id="label">SPARQL 服务描述 Service description</h1>' in page
    assert 'href="/query"' in page, "the page leads on to the editor"
    assert "<code>https://w3id.org/sciplan/sparql</code>" in page and "union of all named graphs" in page
    described = list(ox.parse(server_client.get("/sparql", headers={"Accept": "text/turtle"}).data, format=ox.RdfFormat.TURTLE))
    names = [t.object.value for t in described if t.predicate.value == SD + "name"]
    assert names and all(f"<td><code>{name}</code></td>" in page for name in names), "every named graph, as the RDF says"
    assert f"Named graphs ({len(names)})" in page
    assert "?format=turtle" in page, "the machine formats are offered"


def test_json_results_keep_chinese_readable(server_client):
    response = server_client.get("/sparql", query_string={"query": 'SELECT ("区教育局" AS ?x) {}'})
    assert "区教育局" in response.get_data(as_text=True)
    assert json.loads(response.data)["results"]["bindings"][0]["x"]["value"] == "区教育局"
