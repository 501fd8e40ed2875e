"""Hostile load: the deadline counts the wait, one client's runaway queries leave others a query process,
slow clients cannot hold a worker, and query processes do not outlive their parent (docs/server.md,
"Under load"). Bounds are generous multiples of the time limit; the assertions are on statuses."""

from __future__ import annotations

import os
import threading
import time

import pytest

from server import create_app

CROSS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMEOUT = 2.0
BOUND = TIMEOUT + 6  # the stated margin is 1 s; the rest is room for a loaded test machine


@pytest.fixture(scope="module")
def loaded_app(server_settings):
    app = create_app(server_settings.with_server(query_timeout=TIMEOUT, query_processes=2))
    yield app
    app.extensions["sciplan"].close()


def timed_get(client, query, address, out, key):
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": query}, environ_base={"REMOTE_ADDR": address})
    out[key] = (response, time.monotonic() - started)


def test_one_clients_runaway_queries_leave_another_client_a_query_process(loaded_app):
    client = loaded_app.test_client()
    results: dict = {}
    attackers = [threading.Thread(target=timed_get, args=(client, CROSS_COUNT, "192.0.2.1", results, n))
                 for n in range(6)]
    for thread in attackers:
        thread.start()
    time.sleep(0.3)  # the runaway queries have taken this client's share
    cheap: dict = {}
    timed_get(client, "ASK { ?s ?p ?o }", "192.0.2.2", cheap, "ask")
    for thread in attackers:
        thread.join(timeout=60)
    response, took = cheap["ask"]
    assert response.status_code == 200 and response.json["boolean"] is True
    assert took < BOUND
    statuses = sorted(r.status_code for r, _ in results.values())
    assert statuses == [503] * 6, statuses
    for response, took in results.values():
        assert response.headers.get("Retry-After", "").isdigit(), response.headers
        assert took < BOUND, f"answered after {took:.1f} s, past the time limit plus margin"
    texts = [r.get_data(as_text=True) for r, _ in results.values()]
    assert any("time limit" in t for t in texts)
    assert any("share" in t or "waiting" in t for t in texts), texts


def while_two_runaways_run(client, query: str):
    """Two clients' runaway queries hold both query processes; a third client sends `query` meanwhile:
    its (response, seconds) and the runaways' results."""
    results: dict = {}
    runaways = [threading.Thread(target=timed_get, args=(client, CROSS_COUNT, f"192.0.2.{10 + n}", results, n))
                for n in range(2)]
    for thread in runaways:
        thread.start()
    time.sleep(0.4)
    late: dict = {}
    timed_get(client, query, "192.0.2.20", late, "late")
    for thread in runaways:
        thread.join(timeout=60)
    return (*late["late"], results)


def test_when_every_query_process_is_busy_the_wait_counts_against_the_deadline(loaded_app):
    """Two clients' runaway queries hold both processes; a third client's query waits and is refused
    within the time limit of its own start, not after a wait plus a full time limit."""
    client = loaded_app.test_client()
    response, took, results = while_two_runaways_run(client, "ASK { ?s ?p ?o }")
    assert response.status_code in (200, 503)  # 200 if a process was free again in time
    assert took < BOUND
    if response.status_code == 503:
        assert response.headers["Retry-After"].isdigit() and "busy" in response.get_data(as_text=True)
    assert all(r.status_code == 503 for r, _ in results.values())
    # both were killed and are replaced in the background; on a loaded machine that can outlast one time limit
    deadline = time.monotonic() + 60
    while client.get("/sparql", query_string={"query": "ASK {}"}).status_code != 200:
        assert time.monotonic() < deadline, "the pool did not recover"
        time.sleep(0.2)


def test_a_runaway_query_that_waited_is_stopped_at_its_own_deadline_not_a_full_limit_later(server_settings):
    """All processes busy; a third client's runaway query waits, then may run only for what is left of its
    time limit: refused about `limit` after its start. Counting the run from when it got a process
    (the old rule) would answer after the wait plus a whole limit, about twice as late."""
    limit = 4.0
    app = create_app(server_settings.with_server(query_timeout=limit, query_processes=2))
    try:
        response, took, _ = while_two_runaways_run(app.test_client(), CROSS_COUNT)
        assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
        assert took < limit + 2.5, f"refused {took:.1f} s after its start; the time limit is {limit:g} s"
    finally:
        app.extensions["sciplan"].close()


def test_a_client_over_its_waiting_share_is_refused_at_once(server_store):
    from server.errors import QueryFailed
    from server.executors import ProcessPool
    from server.jobs import Job

    pool = ProcessPool(server_store, size=1, timeout=30)
    try:
        held = pool._idle.pop()  # the one process is busy
        pool._waiting["192.0.2.1"] = pool.size  # and this client already has its waiting share
        with pytest.raises(QueryFailed) as caught:
            pool.run(Job("ASK {}", "https://w3id.org/sciplan/"), client="192.0.2.1")
        assert caught.value.status == 503 and "waiting" in caught.value.message and caught.value.retry_after
        del pool._waiting["192.0.2.1"]
        pool._idle.append(held)
        assert pool.run(Job("ASK {}", "https://w3id.org/sciplan/"), client="192.0.2.1").boolean is True
    finally:
        pool.close()


# ---- query processes do not outlive their parent ------------------------------------------------------

PARENT = """
import os, sys, time, multiprocessing as mp
from server.jobs import Job
from server.worker import serve
if __name__ == "__main__":
    store, mode = sys.argv[1], sys.argv[2]
    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    # "pdeathsig": as the server starts them; "deadline": no death signal, so only the job's own deadline ends it
    proc = ctx.Process(target=serve, args=(theirs, store, 0, 60.0, False, os.getpid() if mode == "pdeathsig" else 0))
    proc.start()
    assert ours.recv()[0] == "ready"
    ours.send(Job(sys.argv[3], "https://w3id.org/sciplan/", time_limit=1.0 if mode == "deadline" else 60.0))
    print(proc.pid, flush=True)
    time.sleep(600)
"""


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie no one reaped has ended
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("mode, bound", [("pdeathsig", 10), ("deadline", 1 + 2 + 12)])
def test_a_query_process_ends_when_its_parent_is_killed(server_store, mode, bound):
    """kill -9 of the parent (as of a gunicorn worker): the runaway query process is gone within a bound,
    by the death signal, or without it by its own deadline (alarm and RLIMIT_CPU, time limit + 2 s)."""
    import signal
    import subprocess
    import sys

    from conftest import ROOT

    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(server_store), mode, CROSS_COUNT],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        time.sleep(0.5)
        assert not gone(pid), "the query process is running the cross product"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + bound
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert gone(pid), f"the query process outlived its killed parent by {bound} s ({mode})"
    finally:
        parent.kill()
        parent.wait()


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    return found


def test_kill_9_of_a_gunicorn_worker_ends_its_running_query_processes(server_store, tmp_path):
    import signal
    import urllib.parse
    import urllib.request

    from conftest import server_free_port, server_start, server_stop

    port = server_free_port()
    master = server_start(["--store", str(server_store), "serve", "--workers", "1"], port, tmp_path / "server.log",
                          env={"SCIPLAN_QUERY_TIMEOUT": "60", "SCIPLAN_QUERY_PROCESSES": "2"})
    try:
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": CROSS_COUNT})
        runaway = threading.Thread(target=lambda: _ignore_errors(lambda: urllib.request.urlopen(url, timeout=90)), daemon=True)
        runaway.start()
        time.sleep(1.5)  # the cross product is running in a query process
        workers = [pid for pid in children(master.pid) if children(pid)]
        assert len(workers) == 1, workers
        queries = children(workers[0])
        assert queries, "the gunicorn worker has query processes"
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not all(gone(pid) for pid in queries) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(gone(pid) for pid in queries), "query processes outlived their killed gunicorn worker"
    finally:
        server_stop(master)


def _ignore_errors(call) -> None:
    try:
        call()
    except OSError:
        pass
