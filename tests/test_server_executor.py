"""Query workers: the timeout kills a runaway query while others are answered; safety checks."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from server import create_app
from server.executors import ProcessPool
from server.jobs import Job
from server.safety import bind_this
from sciplan.config import load_settings
from server.safety import QueryFailed, check_query

CROSS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BASE = "https://w3id.org/sciplan/"


@pytest.fixture(scope="module")
def short_timeout_app(server_settings):
    app = create_app(server_settings.with_server(query_timeout=2, query_processes=2))
    yield app
    app.extensions["sciplan"].close()


def test_runaway_query_is_stopped_by_the_timeout_while_a_simple_query_is_answered(short_timeout_app):
    client = short_timeout_app.test_client()
    slow = {}
    thread = threading.Thread(target=lambda: slow.update(r=client.get("/sparql", query_string={"query": CROSS_COUNT})))
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)  # let the runaway query reach a worker
    other = {"REMOTE_ADDR": "192.0.2.7"}  # another client: the runaway one holds its own client's share
    fast = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, environ_base=other)
    assert fast.status_code == 200 and fast.json["boolean"] is True
    assert "r" not in slow, "the simple query was answered while the runaway one was still running"
    thread.join(timeout=30)
    assert slow["r"].status_code == 503
    assert "time limit of 2 s" in slow["r"].get_data(as_text=True)
    assert time.monotonic() - started < 10
    again = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert again.status_code == 200, "the pool recovered after killing the worker"


def test_a_worker_that_dies_mid_query_gives_503_and_is_replaced(short_timeout_app):
    client = short_timeout_app.test_client()
    pool = short_timeout_app.extensions["sciplan"].executor
    slow = {}
    thread = threading.Thread(target=lambda: slow.update(r=client.get("/sparql", query_string={"query": CROSS_COUNT})))
    thread.start()
    time.sleep(0.5)
    for pid in pool.pids:
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=30)
    assert slow["r"].status_code == 503
    assert "ended unexpectedly" in slow["r"].get_data(as_text=True)
    # Both are replaced in the background (the idle one when a request finds it dead); a request meanwhile
    # waits for them within its own time limit, so on a loaded machine the first ones may still get 503.
    deadline = time.monotonic() + 60
    while client.get("/sparql", query_string={"query": "ASK {}"}).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_busy_pool_answers_503(server_store):
    pool = ProcessPool(server_store, size=1, timeout=0.2)
    try:
        taken = pool._idle.pop()
        with pytest.raises(QueryFailed) as caught:
            pool.run(Job("ASK {}", BASE))
        assert caught.value.status == 503 and "busy" in caught.value.message and caught.value.retry_after
        pool._idle.append(taken)
        pool.timeout = 30  # room for the worker's start-up
        assert pool.run(Job("ASK {}", BASE)).boolean is True
    finally:
        pool.close()


def test_a_worker_is_stopped_once_when_two_threads_stop_it(server_store):
    """close() and the spawner's thread (a worker that failed to start) may stop the same worker together:
    its pipe is closed once, not twice (closed twice at once, one close met a closed descriptor: EBADF)."""
    pool = ProcessPool(server_store, size=1, timeout=5)
    try:
        worker = next(iter(pool._workers))
        proc, conn = worker
        closes = []
        real_close = conn.close

        class Counting:
            def close(self):
                closes.append(1)
                real_close()

            def __getattr__(self, name):
                return getattr(conn, name)

        counted = (proc, Counting())
        with pool._lock:
            pool._workers.discard(worker)
            pool._workers.add(counted)
            pool._idle = [counted]
        pool._stop(counted)
        pool._stop(counted)
        assert closes == [1] and not proc.is_alive() and counted not in pool._workers
    finally:
        pool.close()


def test_a_query_process_that_cannot_be_executed_names_the_environment_variable(server_store, monkeypatch):
    """The cause of the 'exit code 255 at start' seen under pytest 8: exec refuses an environment string
    over 128 KiB (E2BIG) and multiprocessing does not say so; the start-up error names the variable."""
    from multiprocessing import resource_tracker

    from server.sandbox import SandboxError

    resource_tracker.ensure_running()  # started now, with an ordinary environment (it is exec'd too)
    monkeypatch.setenv("SCIPLAN_TEST_HUGE", "x" * 140_000)
    with pytest.raises(SandboxError) as caught:
        ProcessPool(server_store, size=1, timeout=5)
    assert "exit code 255" in str(caught.value) and "SCIPLAN_TEST_HUGE" in str(caught.value)
    monkeypatch.delenv("SCIPLAN_TEST_HUGE")
    pool = ProcessPool(server_store, size=1, timeout=30)  # the same start succeeds once the variable is gone
    try:
        assert pool.run(Job("ASK {}", BASE)).boolean is True
    finally:
        pool.close()


def test_unexpected_error_inside_a_worker_is_a_plain_500(server_store):
    pool = ProcessPool(server_store, size=1, timeout=30)
    try:
        with pytest.raises(QueryFailed) as caught:
            pool.run(Job("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", BASE, rdf_format="NO_SUCH_FORMAT"))
        assert caught.value.status == 500
        assert caught.value.message == "internal error while running the query"
    finally:
        pool.close()


def test_inline_executor_serves_an_in_memory_store(server_settings):
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(BASE + "x"), ox.NamedNode(BASE + "p"), ox.Literal("v"), ox.NamedNode(BASE + "g")))
    app = create_app(server_settings, store=store)
    response = app.test_client().get("/sparql", query_string={"query": "SELECT ?o WHERE { ?s ?p ?o }"})
    assert response.json["results"]["bindings"] == [{"o": {"type": "literal", "value": "v"}}]
    assert app.test_client().get("/x", headers={"Accept": "text/turtle"}).status_code == 200


def test_missing_store_fails_at_startup_with_its_path(server_settings, tmp_path):
    with pytest.raises(FileNotFoundError, match="no store at"):
        create_app(server_settings.with_(store=tmp_path / "nothing"))


# ---- safety ---------------------------------------------------------------------

@pytest.mark.parametrize("query, allowed, status", [
    ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", (), 403),
    ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ("http://a.example/sparql",), None),
    ("PREFIX a: <http://a.example/> SELECT * { SERVICE a:sparql { ?s ?p ?o } }", ("http://a.example/sparql",), None),
    ("SELECT * { SERVICE <http://a.example/sparql/> { ?s ?p ?o } }", ("http://a.example/sparql",), 403),
    ("SELECT * { SERVICE ?x { ?s ?p ?o } }", ("http://a.example/sparql",), 403),
    ("LOAD <http://a.example/data>", (), 403),
    ("SELECT * WHERE { ?s ?p \"x }", (), 400),
])
def test_check_query(query, allowed, status):
    if status is None:
        assert check_query(query, BASE, frozenset(allowed)) == ["http://a.example/sparql"]
    else:
        with pytest.raises(QueryFailed) as caught:
            check_query(query, BASE, frozenset(allowed))
        assert caught.value.status == status


@pytest.mark.parametrize("iri", [BASE + "a> } DROP ALL { <x", BASE + 'a"b', BASE + "a b", "not an iri"])
def test_bind_this_refuses_what_could_break_out_of_the_iri(iri):
    with pytest.raises(QueryFailed) as caught:
        bind_this("SELECT * { ?this ?p ?o }", iri)
    assert caught.value.status == 400


def test_bind_this_replaces_only_the_variable_this():
    query = "SELECT ?thisOne WHERE { ?this ?p ?thisOne . $this ?q ?o }"
    assert bind_this(query, BASE + "区") == f"SELECT ?thisOne WHERE {{ <{BASE}区> ?p ?thisOne . <{BASE}区> ?q ?o }}"


# ---- options ---------------------------------------------------------------------

def test_options_come_from_the_environment_and_overrides_win():
    env = {"SCIPLAN_QUERY_TIMEOUT": "3.5", "SCIPLAN_MAX_ROWS": "7", "SCIPLAN_SERVICE_ALLOWLIST": "http://a/ http://b/",
           "SCIPLAN_PROXY_FIX": "yes"}
    options = load_settings(env).with_server(max_rows=9).server
    assert options.query_timeout == 3.5 and options.max_rows == 9
    assert options.service_allowlist == ("http://a/", "http://b/") and options.proxy_fix is True


def test_bad_option_value_names_the_variable():
    with pytest.raises(ValueError, match="SCIPLAN_MAX_ROWS"):
        load_settings({"SCIPLAN_MAX_ROWS": "many"})
