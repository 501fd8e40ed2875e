"""The W3C SPARQL 1.1 Protocol and Service Description tests against a live server.

The tests are read from ../shared/w3c at run time (never copied here). The
endpoint is read-only, so for each update test only its first request, the
update itself, is run, and it must be refused with a 4xx.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS

from conftest import SERVER_PROTOCOL_TESTS

pytestmark = pytest.mark.w3c

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
}
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def protocol_tests() -> list:
    if not SERVER_PROTOCOL_TESTS.exists():  # one skipped case that says why, not pytest's "empty parameter set"
        return [pytest.param(None, id="suite-missing", marks=pytest.mark.skip(
            reason=f"The W3C protocol tests were not found: expected {SERVER_PROTOCOL_TESTS} (the shared/ folder beside the repository)."))]
    return json.loads(SERVER_PROTOCOL_TESTS.read_text(encoding="utf-8"))


def send(base_url: str, method: str, path: str, headers: dict, body: bytes | None):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def status_class_ok(status: int, classes: list[str]) -> bool:
    return any(status // 100 == int(c[len("StatusCode")]) for c in classes)


@pytest.mark.parametrize("test", protocol_tests(), ids=lambda t: t["id"])
def test_protocol(server_w3c_dir, server_live, test):
    requests = test["requests"][:1] if test["kind"] == "update" else test["requests"]
    for req in requests:
        body = req["body"].encode(req["body_encoding"] or "utf-8") if req["body"] is not None else None
        status, content_type, data = send(server_live, req["method"], req["path"], req["headers"], body)
        if test["kind"] == "update":
            assert 400 <= status < 500, f"update must be refused: got {status} {data[:200]!r}"
            continue
        assert status_class_ok(status, req["expect_status_classes"]), (status, data[:300])
        media_type = content_type.split(";")[0].strip()
        if req["expect_format"] in ("boolean", "tabular"):
            assert media_type in RESULT_TYPES, content_type
            result = ox.parse_query_results(data, format=RESULT_TYPES[media_type])
            if req["expect_format"] == "boolean":
                assert isinstance(result, ox.QueryBoolean)
                if req.get("expect_boolean") is not None:
                    assert bool(result) is req["expect_boolean"]
            else:
                assert isinstance(result, ox.QuerySolutions)
        elif req["expect_format"] == "RDF":
            assert media_type in RDF_TYPES, content_type
            list(ox.parse(data, format=RDF_TYPES[media_type]))


def test_the_suite_is_the_one_expected(server_w3c_dir):
    tests = protocol_tests()
    assert len(tests) == 34
    assert {t["kind"] for t in tests} == {"query", "update", "bad_query", "bad_update"}


# ---- service description: has-endpoint-triple, returns-rdf, conforms-to-schema ----

def service_description(base_url: str, path: str, accept: str | None) -> tuple[int, str, rdflib.Graph]:
    headers = {"Accept": accept} if accept else {}
    status, content_type, data = send(base_url, "GET", path, headers, None)
    media_type = content_type.split(";")[0]
    rdflib_format = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
                     "application/ld+json": "json-ld"}[media_type]
    return status, media_type, rdflib.Graph().parse(data=data, format=rdflib_format)


@pytest.mark.parametrize("path", ["/sparql", "/sparql/"])
def test_sd_has_endpoint_triple(server_w3c_dir, server_live, path):
    _, _, graph = service_description(server_live, path, "text/turtle")
    assert (None, SD.endpoint, rdflib.URIRef(server_live + path)) in graph


@pytest.mark.parametrize("accept", [None, "text/turtle", "application/rdf+xml", "application/ld+json",
                                    "application/n-triples", "application/rdf+xml;q=0.9, text/turtle;q=0.5"])
def test_sd_returns_rdf(server_w3c_dir, server_live, accept):
    status, media_type, graph = service_description(server_live, "/sparql", accept)
    assert status == 200 and media_type in RDF_TYPES
    assert (None, RDF.type, SD.Service) in graph


def test_sd_conforms_to_schema(server_w3c_dir, server_live):
    """Every sd: term used is defined by the vocabulary, and domains and ranges hold."""
    vocab_file = server_w3c_dir.parent / "reference" / "vocab" / "sparql-service-description.ttl"
    if not vocab_file.exists():
        pytest.skip(f"the SPARQL Service Description vocabulary is not at {vocab_file}")
    vocab = rdflib.Graph().parse(vocab_file)
    _, _, graph = service_description(server_live, "/sparql", "text/turtle")

    def defined(term) -> bool:
        return (term, None, None) in vocab

    def types_of(node) -> set:
        direct = set(graph.objects(node, RDF.type)) | set(vocab.objects(node, RDF.type))
        return {sup for t in direct for sup in vocab.transitive_objects(t, RDFS.subClassOf)} | direct

    used = {t for triple in graph for t in triple if isinstance(t, rdflib.URIRef) and t.startswith(SD)}
    assert used and all(defined(t) for t in used), sorted(t for t in used if not defined(t))
    for s, p, o in graph:
        if not str(p).startswith(str(SD)):
            continue
        for domain in vocab.objects(p, RDFS.domain):
            assert domain in types_of(s), f"{s} {p}: subject is not a {domain}"
        for range_ in vocab.objects(p, RDFS.range):
            if str(range_).startswith(str(SD)):
                assert range_ in types_of(o), f"{p} {o}: object is not a {range_}"
