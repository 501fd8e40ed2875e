"""Real clients against the live server: SPARQLWrapper, rdflib's SPARQLStore, SERVICE, `sciplan serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from conftest import server_free_port, server_start, server_stop
from sciplan.cli import main

NANSHA = "https://w3id.org/sciplan/plan/440115/2022-2025"
TASKS_PER_PLAN = """
PREFIX sp: <https://w3id.org/sciplan/def/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?plan (COUNT(DISTINCT ?task) AS ?n) WHERE {
  ?plan a sp:Plan ; eli:has_part/eli:has_part/eli:has_part ?task . ?task a sp:TaskPoint .
} GROUP BY ?plan"""


def counts(bindings) -> dict[str, int]:
    return {b["plan"]["value"]: int(b["n"]["value"]) for b in bindings}


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(server_live, method):
    client = SPARQLWrapper(server_live + "/sparql")
    client.setQuery(TASKS_PER_PLAN)
    client.setReturnFormat(JSON)
    client.setMethod(method)
    result = client.query().convert()
    assert counts(result["results"]["bindings"])[NANSHA] == 39


def test_sparqlwrapper_ask_xml_and_construct_turtle(server_live):
    client = SPARQLWrapper(server_live + "/sparql")
    client.setQuery(f"ASK {{ <{NANSHA}> a <https://w3id.org/sciplan/def/Plan> }}")
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "true"
    client.setQuery(f"CONSTRUCT {{ <{NANSHA}> ?p ?o }} WHERE {{ <{NANSHA}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert any("南沙" in str(o) for o in graph.objects(rdflib.URIRef(NANSHA), rdflib.URIRef("http://purl.org/dc/terms/title")))


def test_rdflib_sparqlstore_queries_and_reads_triples(server_live):
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=server_live + "/sparql"))
    rows = list(graph.query(TASKS_PER_PLAN))
    assert {str(plan): int(n) for plan, n in rows}[NANSHA] == 39
    titles = list(graph.objects(rdflib.URIRef(NANSHA), rdflib.URIRef("http://purl.org/dc/terms/title")))
    assert titles and "南沙" in str(titles[0])
    assert (rdflib.URIRef(NANSHA), rdflib.RDF.type, rdflib.URIRef("https://w3id.org/sciplan/def/Plan")) in graph


def test_rdflib_sparqlstore_cannot_update(server_live):
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=server_live + "/sparql"))
    with pytest.raises(TypeError):  # SPARQLStore itself is read-only; the endpoint refuses too (see W3C tests)
        graph.add((rdflib.URIRef("http://x/s"), rdflib.URIRef("http://x/p"), rdflib.Literal("o")))


def test_allowlisted_service_is_called(server_live):
    """The live server allowlists its own endpoint: a federated query goes out and comes back."""
    query = f"""SELECT ?title WHERE {{
      SERVICE <{server_live}/sparql> {{ <{NANSHA}> <http://purl.org/dc/terms/title> ?title }} }}"""
    request = urllib.request.Request(
        server_live + "/sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert "南沙" in response.read().decode()


def test_curl_style_request_without_accept_gets_json(server_live):
    request = urllib.request.Request(server_live + "/sparql?query=ASK%7B%7D", headers={"Accept": "*/*"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"].startswith("application/sparql-results+json")


def test_sciplan_serve_development_server(server_store, tmp_path):
    port = server_free_port()
    proc = server_start(["--store", str(server_store), "serve"], port, tmp_path / "dev.log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{NANSHA[len('https://w3id.org/sciplan/'):]}?format=turtle",
                                    timeout=30) as response:
            assert "南沙" in response.read().decode()
    finally:
        server_stop(proc)
    assert "GET /plan/440115/2022-2025 200" in (tmp_path / "dev.log").read_text(errors="replace")


@pytest.mark.parametrize("args, message", [
    (["serve", "--port", "0"], "--port"),
    (["serve", "--port", "70000"], "--port"),
    (["serve", "--workers", "-1"], "--workers"),
])
def test_serve_usage_errors_exit_2(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_serve_on_a_missing_store_exits_2(tmp_path, capsys):
    assert main(["--store", str(tmp_path / "none"), "serve", "--port", str(server_free_port())]) == 2
    assert "no store at" in capsys.readouterr().err


def test_serve_is_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--host" in out and "--workers" in out


def test_chinese_iri_over_http(server_live):
    with urllib.request.urlopen(server_live + "/org/440115/%E5%8C%BA%E6%95%99%E8%82%B2%E5%B1%80", timeout=30) as response:
        assert '<h1 id="label">区教育局</h1>' in response.read().decode()


def test_load_script_reports_percentiles(server_live, capsys):
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("load_endpoint", ROOT / "benchmarks" / "load_endpoint.py")
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    assert load.main(["--url", server_live + "/sparql", "--clients", "3", "--requests", "30", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["requests"] == 30 and report["statuses"] == {"200": 30}
    assert 0 < report["p50_ms"] <= report["p99_ms"]
    with pytest.raises(SystemExit):
        load.main(["--url", "http://example.org/sparql"])
    with pytest.raises(SystemExit):
        load.main(["--url", server_live + "/sparql", "--requests", "100000"])
