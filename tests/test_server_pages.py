"""The example queries, the downloads page and its files, and the VoID/DCAT description."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

import server.browse
import server.pages
from sciplan import describe
from sciplan.store import open_store

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"


def test_examples_all_run(server_client, repo_settings):
    """Every example runs; one that calls a SERVICE off the allowlist is refused for that reason only."""
    for path in sorted(repo_settings.queries_dir.glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        response = server_client.post("/sparql", data={"query": query})
        if response.status_code == 403:
            assert "allowlist" in response.get_data(as_text=True), path
            continue
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("name", ["plans-and-bases", "tasks-per-plan", "lead-units-per-plan"])
def test_the_servers_own_examples_return_rows(server_client, repo_settings, name):
    query = (repo_settings.queries_dir / f"{name}.rq").read_text(encoding="utf-8")
    assert server_client.post("/sparql", data={"query": query}).json["results"]["bindings"]


def test_downloads_page_links_dumps_graphs_table_and_void(server_client):
    html = server_client.get("/downloads").get_data(as_text=True)
    for href in ("/downloads/sciplan.trig", "/downloads/sciplan.nq", "/downloads/tasks.csv", "/void?format=turtle",
                 "/graph/plans/nansha-2022-2025?format=turtle"):
        assert f'href="{href}"' in html


@pytest.mark.parametrize("name, fmt", [("sciplan.trig", ox.RdfFormat.TRIG), ("sciplan.nq", ox.RdfFormat.N_QUADS)])
def test_full_dumps_hold_every_quad(server_client, server_store, name, fmt):
    response = server_client.get(f"/downloads/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    quads = list(ox.parse(response.data, format=fmt))
    assert len(quads) == len(open_store(server_store))
    assert all(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads)


def test_task_table_csv(server_client):
    response = server_client.get("/downloads/tasks.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    nansha = [r for r in rows if r["task"].startswith("https://w3id.org/sciplan/plan/440115/2022-2025/")]
    assert len(nansha) == 39


def test_task_table_until_export_exists(server_client, monkeypatch):
    monkeypatch.setattr(server.pages, "export_function", lambda: None)
    response = server_client.get("/downloads/tasks.csv")
    assert response.status_code == 404
    assert "sciplan.export" in response.get_data(as_text=True)
    assert "not available yet" in server_client.get("/downloads").get_data(as_text=True)


def test_unknown_download_is_404(server_client):
    response = server_client.get("/downloads/passwords.txt")
    assert response.status_code == 404 and "/downloads" in response.get_data(as_text=True)


def void_triples(client, fmt="turtle"):
    response = client.get("/void", query_string={"format": fmt})
    assert response.status_code == 200
    rdf_format = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    return list(ox.parse(response.data, format=rdf_format))


def test_void_describes_licence_sources_counts_and_distributions(server_client, server_store, server_settings):
    triples = void_triples(server_client)
    dataset = ox.NamedNode(describe.dataset_iri(server_settings))
    about = {}
    for t in triples:
        if t.subject == dataset:
            about.setdefault(t.predicate.value, []).append(t.object)
    assert about[DCT + "license"] == [ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")]
    store = open_store(server_store)
    assert about[VOID + "triples"] == [ox.Literal(str(len(store)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))]
    assert int(about[VOID + "entities"][0].value) > 500
    sources = {o.value for o in about[DCT + "source"]}
    expected = {row[0].value for row in store.query(
        "SELECT DISTINCT ?d WHERE { ?d a <https://w3id.org/sciplan/def/SourceDocument> }", use_default_graph_as_union=True)}
    assert sources == expected and sources
    downloads = {o.value for o in about[DCAT + "distribution"]}
    assert "https://w3id.org/sciplan/downloads/sciplan.trig" in downloads
    assert len(about[VOID + "subset"]) == sum(1 for _ in store.named_graphs())


def test_void_in_json_ld_and_refusal(server_client):
    assert void_triples(server_client, "jsonld")
    assert server_client.get("/void", headers={"Accept": "image/png"}).status_code == 406


def test_unexpected_errors_are_a_plain_500_without_a_trace(server_client, monkeypatch, caplog):
    def explode(query):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(server.browse, "home_lists", explode)
    for accept in ("text/plain", "text/html"):
        response = server_client.get("/", headers={"Accept": accept})
        assert response.status_code == 500
        body = response.get_data(as_text=True)
        assert "secret internals" not in body and "Traceback" not in body
        assert "internal server error" in body
    assert "secret internals" in caplog.text, "the error is logged on the server"
