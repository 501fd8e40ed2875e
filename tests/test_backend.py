"""The pluggable backend (sciplan/backend.py): a remote SPARQL store behind the Store interface.

The remote store here is our own live server (`server_live`, gunicorn on loopback), so no
third-party store is needed; tests/test_backend_virtuoso.py does the same against Virtuoso.
"""

from __future__ import annotations

import json
import socket
import threading

import pyoxigraph as ox
import pytest

from conftest import server_free_port as free_port
from conftest import ROOT
from sciplan.backend import Remote, RemoteError, RemoteTruncated, has_from, open_backend, query_form
from sciplan.cli import main
from sciplan.config import RemoteOptions, Settings, load_settings
from sciplan.export import export

QUERIES = sorted(p for p in (ROOT / "queries").glob("*.rq") if "# service:" not in p.read_text(encoding="utf-8"))
NANSHA = "https://w3id.org/sciplan/plan/440115/2022-2025"


def answer(result) -> object:
    """A comparable form of a pyoxigraph answer: a bool, a sorted list of rows, or a sorted list of triples."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(tuple(str(row[n]) if row[n] is not None else "" for n in names) for row in result)
    return sorted(str(t) for t in result)


def remote(url: str, **extra) -> Remote:
    return open_backend(Settings().with_remote(url + "/sparql", **extra), url + "/sparql")


@pytest.mark.parametrize("dataset", ["graphs", "union"])
def test_competency_queries_give_the_embedded_answers(server_live, kg_store, dataset):
    backend = remote(server_live, dataset=dataset)
    assert isinstance(backend, Remote)
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert answer(backend.query(text, use_default_graph_as_union=True)) == \
            answer(kg_store.query(text, use_default_graph_as_union=True)), path.name


def test_query_forms_and_datasets(server_live, kg_store):
    backend = remote(server_live)
    assert bool(backend.query(f"ASK {{ <{NANSHA}> a <https://w3id.org/sciplan/def/Plan> }}", use_default_graph_as_union=True))
    construct = f"CONSTRUCT {{ <{NANSHA}> ?p ?o }} WHERE {{ <{NANSHA}> ?p ?o }}"
    triples = backend.query(construct, use_default_graph_as_union=True)
    assert triples and all(isinstance(t, ox.Triple) for t in triples)
    assert answer(triples) == answer(kg_store.query(construct, use_default_graph_as_union=True))
    # The protocol dataset is passed through; GRAPH ?g sees only our graphs (not the W3C test graphs).
    graph = "https://w3id.org/sciplan/graph/plans/nansha-2022-2025"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = backend.query(count, default_graph=[ox.NamedNode(graph)], named_graphs=[])
    assert answer(one) == answer(kg_store.query(count, default_graph=[ox.NamedNode(graph)], named_graphs=[]))
    ours = {g.value for g in kg_store.named_graphs()}
    assert set(backend.graph_iris()) == ours
    assert {g.value for g in backend.named_graphs()} == ours and len(backend) == len(kg_store)
    # A relative IRI resolves against the base the caller gives.
    rel = backend.query("ASK { <plan/440115/2022-2025> ?p ?o }", base_iri=Settings().base, use_default_graph_as_union=True)
    assert bool(rel)


def test_export_from_the_remote_store_is_the_embedded_export(server_live, kg_store, tmp_path):
    backend = remote(server_live, page=1000)  # several pages for the larger graphs
    settings = Settings()
    for fmt in ("nquads", "csv"):
        ours, theirs = export(backend, fmt, settings), export(kg_store, fmt, settings)
        assert sorted(ours.splitlines()) == sorted(theirs.splitlines()), fmt
    out = tmp_path / "dump.trig"
    assert main(["export", "--format", "trig", "--endpoint", server_live + "/sparql", "-o", str(out)]) == 0
    loaded = ox.Store()
    loaded.load(path=str(out), format=ox.RdfFormat.TRIG)
    assert len(loaded) == len(kg_store)


def test_query_command_with_endpoint_prints_what_the_store_gives(server_live, kg_settings, capsys):
    query = str(ROOT / "queries" / "tasks-per-plan.rq")
    assert main(["--store", str(kg_settings.store), "query", query, "--format", "csv"]) == 0
    local = capsys.readouterr().out
    assert main(["query", query, "--format", "csv", "--endpoint", server_live + "/sparql"]) == 0
    assert sorted(capsys.readouterr().out.splitlines()) == sorted(local.splitlines())
    assert main(["query", f"CONSTRUCT {{ <{NANSHA}> ?p ?o }} WHERE {{ <{NANSHA}> ?p ?o }}",
                 "--endpoint", server_live + "/sparql"]) == 0
    assert "南沙" in capsys.readouterr().out


def test_truncated_answers_are_an_error_for_the_commands(server_live, capsys):
    backend = remote(server_live)
    with pytest.raises(RemoteTruncated, match="10000 rows"):
        backend.query("SELECT * WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert main(["query", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", server_live + "/sparql"]) == 1
    assert "cut the answer" in capsys.readouterr().err


def test_errors_of_the_store_and_the_network(server_live, capsys):
    with pytest.raises(ValueError, match="refused the query"):
        remote(server_live).query("SELECT * WHERE { ?s ?p }")
    port = free_port()
    with pytest.raises(RemoteError, match="cannot be reached"):
        remote(f"http://127.0.0.1:{port}").query("ASK {}")
    assert main(["query", "ASK {}", "--endpoint", f"http://127.0.0.1:{port}/sparql"]) == 1
    assert "cannot be reached" in capsys.readouterr().err


def test_settings_choose_the_backend(kg_settings):
    env = {"SCIPLAN_STORE": str(kg_settings.store)}
    assert load_settings(env).remote_store() is None
    assert isinstance(open_backend(load_settings(env)), ox.Store)
    env.update(SCIPLAN_SPARQL_URL="http://127.0.0.1:1/sparql", SCIPLAN_SPARQL_DATASET="union")
    options = load_settings(env).remote_store()
    assert options.dataset == "union" and options.graph_prefix == kg_settings.base + "graph/"
    env["SCIPLAN_SPARQL_DATASET"] = "everything"
    with pytest.raises(ValueError, match="SCIPLAN_SPARQL_DATASET"):
        load_settings(env)
    with pytest.raises(ValueError, match="http"):
        RemoteOptions(url="ftp://x")


@pytest.mark.parametrize("query, form, from_", [
    ("PREFIX a: <http://x/#SELECT> # CONSTRUCT\nASK { ?s ?p 'SELECT' }", "ASK", False),
    ("BASE <http://x/> prefix sp: <def/>\nconstruct { ?s ?p ?o } FROM <g> WHERE { ?s ?p ?o }", "CONSTRUCT", True),
    ("DESCRIBE <http://x/from>", "DESCRIBE", False),
    ('SELECT ("FROM" AS ?x) WHERE {}', "SELECT", False),
])
def test_query_form_and_from_are_read_past_iris_strings_and_comments(query, form, from_):
    assert query_form(query) == form and has_from(query) == from_


# ---- the server with the remote backend ------------------------------------------------------

@pytest.fixture(scope="module")
def remote_app(server_live):
    from server import create_app

    app = create_app(Settings().with_remote(server_live + "/sparql"))
    yield app
    app.extensions["sciplan"].close()


def test_the_server_answers_from_the_remote_store(remote_app, server_client):
    client = remote_app.test_client()
    for path in QUERIES[:6]:
        text = path.read_text(encoding="utf-8")
        ours = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
        embedded = server_client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
        assert ours.status_code == 200, ours.get_data(as_text=True)
        rows = lambda r: sorted(json.dumps(b, sort_keys=True) for b in r.get_json()["results"]["bindings"])  # noqa: E731
        assert rows(ours) == rows(embedded), path.name
    page = client.get("/plan/440115/2022-2025", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "南沙" in page.get_data(as_text=True)
    turtle = client.get("/plan/440115/2022-2025", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"440115" in turtle.data
    assert client.get("/void", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    assert client.get("/sparql", query_string={"query": "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"}).status_code == 403


def test_the_server_maps_store_failures_to_502_and_timeouts_to_503(tmp_path):
    from server import create_app

    silent = socket.socket()  # accepts connections and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    threading.Thread(target=lambda: [silent.accept() for _ in range(8)], daemon=True).start()
    try:
        slow = create_app(Settings().with_remote(f"http://127.0.0.1:{silent.getsockname()[1]}/sparql", timeout=1))
        response = slow.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/json"})
        assert response.status_code == 503 and b"did not answer within 1 s" in response.data
        down = create_app(Settings().with_remote(f"http://127.0.0.1:{free_port()}/sparql"))
        response = down.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/json"})
        assert response.status_code == 502 and b"cannot be reached" in response.data
    finally:
        silent.close()
