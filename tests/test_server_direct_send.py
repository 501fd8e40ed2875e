"""Under real gunicorn the query process writes a 200 answer to the client itself (server/direct_send.py).

The answer is the one the Flask handler gives (headers but gunicorn's own Date/Server/Connection, body);
the row cap holds; keep-alive goes on; a client that stops reading or goes away, and a query process
killed while it writes, end in a closed connection after part of a 200, never in a 503 after it, and
the server goes on answering.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import one_worker_server

TIMEOUT = 2
BOUND = 60
PAD = "x" * 2000
BIG = f'SELECT ?s ?p ?o ?x {{ ?s ?p ?o BIND(CONCAT("{PAD}", STR(?o)) AS ?x) }}'  # 10,000 rows (the cap) of ≈ 2 KB
CAPPED = "SELECT ?s ?p ?o { ?s ?p ?o }"
SMALL = "SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p ORDER BY ?p LIMIT 5"


@pytest.fixture(scope="module")
def gunicorn(server_store, tmp_path_factory):
    yield from one_worker_server(server_store, tmp_path_factory.mktemp("direct"),
                                 {"SCIPLAN_QUERY_TIMEOUT": str(TIMEOUT), "SCIPLAN_QUERY_PROCESSES": "2"})


def request(query: str, accept: str = "application/sparql-results+json") -> bytes:
    return (f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n\r\n").encode()


def read_answer(sock: socket.socket) -> tuple[bytes, dict[str, str], bytes]:
    """One response off a keep-alive connection: (status line, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    while len(body) < int(headers["Content-Length"]):
        chunk = sock.recv(65536)
        assert chunk, "closed inside the body"
        body += chunk
    return status.encode(), headers, body


def read_to_close(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def stalled(port: int, query: str) -> socket.socket:
    """A connection that asks for a large answer and reads only its first bytes."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(BOUND)
    sock.connect(("127.0.0.1", port))
    sock.sendall(request(query))
    first = sock.recv(4096)
    assert first.startswith(b"HTTP/1.1 200 OK\r\n"), first[:200]
    return sock


def query_processes(parent: int) -> list[int]:
    """The query processes under the server process `parent` (multiprocessing spawn children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            ancestors, pid = [], int(entry.name)
            while pid > 1 and len(ancestors) < 5:
                pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
                ancestors.append(pid)
        except (OSError, ValueError, IndexError):
            continue
        if b"spawn_main" in cmdline and parent in ancestors:
            found.append(int(entry.name))
    return found


def answered_after(port: int, query: str = SMALL) -> bytes:
    """A fresh connection's answer once the query processes are back (a killed one is replaced in the background)."""
    deadline = time.monotonic() + BOUND
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
            sock.sendall(request(query))
            status, _, body = read_answer(sock)
        if status == b"HTTP/1.1 200 OK" or time.monotonic() > deadline:
            assert status == b"HTTP/1.1 200 OK", status
            return body
        time.sleep(0.2)


def test_the_answer_is_the_flask_handlers_and_keep_alive_goes_on(gunicorn, server_client):
    port, _ = gunicorn
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        for query, accept in [(SMALL, "application/sparql-results+json"), (CAPPED, "text/csv"),
                              (SMALL, "application/sparql-results+xml"), ("ASK {}", "text/tab-separated-values")]:
            sock.sendall(request(query, accept))
            status, headers, body = read_answer(sock)  # the same connection each time: keep-alive
            flask = server_client.get("/sparql?query=" + quote(query), headers={"Accept": accept})
            assert status == b"HTTP/1.1 200 OK"
            assert list(headers)[:3] == ["Server", "Date", "Connection"] and headers["Connection"] == "keep-alive"
            assert [(k, v) for k, v in headers.items() if k not in ("Server", "Date", "Connection")] == \
                [(k, v) for k, v in flask.headers.items()]
            assert body == flask.get_data()
            if query == CAPPED:
                assert headers["X-SPARQL-MaxRows"] == "10000" and body.count(b"\r\n") == 10001


def test_refusals_still_come_from_flask(gunicorn):
    port, _ = gunicorn
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        sock.sendall(request('SELECT ?x { BIND("a\\u0001b" AS ?x) }', "application/sparql-results+xml"))
        status, headers, body = read_answer(sock)
        assert status == b"HTTP/1.1 406 NOT ACCEPTABLE" and b"XML 1.0" in body
        sock.sendall(request("SELECT * { ?s ?p }"))
        status, _, body = read_answer(sock)
        assert status == b"HTTP/1.1 400 BAD REQUEST" and b"syntax error" in body


def test_a_client_that_stops_reading_is_cut_off_at_the_time_limit(gunicorn):
    port, _ = gunicorn
    sock = stalled(port, BIG)
    time.sleep(TIMEOUT + 1)  # the query process gives up writing at the time limit
    rest = read_to_close(sock)  # then the connection closes: part of a 200, nothing after it
    sock.close()
    assert b"HTTP/1.1 503" not in rest and len(rest) < 10_000 * len(PAD)
    answered_after(port)


def test_a_query_process_killed_while_it_writes_closes_the_connection(gunicorn):
    port, proc = gunicorn
    sock = stalled(port, BIG)
    pids = query_processes(proc.pid)
    assert len(pids) == 2, pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    rest = read_to_close(sock)
    sock.close()
    assert b"HTTP/1.1 503" not in rest and len(rest) < 10_000 * len(PAD)
    answered_after(port)
    assert not set(query_processes(proc.pid)) & set(pids)


def test_clients_that_go_away_leave_the_server_answering(gunicorn):
    port, _ = gunicorn
    for _ in range(4):  # more than the query processes
        sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
        sock.sendall(request(BIG))
        sock.close()
    assert answered_after(port).startswith(b'{"head"')


def test_a_gunicorn_whose_response_internals_differ_answers_through_the_pipe():
    """direct_send leans on gunicorn's Response (headers_sent, cfg, default_headers, force_close):
    where a release lacks one, the answer goes the ordinary way instead of failing the request."""
    from server import direct_send

    class Response:  # stands in for gunicorn.http.wsgi.Response
        headers_sent = False

        def start_response(self, status, headers):
            pass

    Response.__module__ = "gunicorn.http.wsgi"
    environ = {"gunicorn.socket": socket.socket()}
    try:
        assert direct_send.gunicorn_response(environ, Response().start_response) is None  # no cfg
        Response.cfg = type("Cfg", (), {"is_ssl": False})()
        Response.default_headers = lambda self: []
        assert direct_send.gunicorn_response(environ, Response().start_response) is None  # no force_close
        Response.force_close = lambda self: None
        assert direct_send.gunicorn_response(environ, Response().start_response) is not None
    finally:
        environ["gunicorn.socket"].close()


# ---- writing the answer (direct_send.write) --------------------------------------------------

def test_an_answer_is_written_whole_through_a_small_buffer():
    """direct_send.write picks up where a partial send stopped."""
    from server import direct_send

    ours, client = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    head, body = b"HTTP/1.1 200 OK\r\n\r\n", bytes(range(256)) * 4000  # 1 MB: many partial sends
    got = bytearray()
    reader = threading.Thread(target=lambda: got.extend(read_to_close(client)))
    reader.start()
    try:
        assert direct_send.write(ours.fileno(), head + body, time.monotonic() + BOUND)
    finally:
        ours.close()
        reader.join(BOUND)
        client.close()
    assert bytes(got) == head + body


def test_a_write_nobody_reads_stops_at_the_deadline():
    from server import direct_send

    ours, client = socket.socketpair()
    try:
        assert not direct_send.write(ours.fileno(), b"x" * (8 << 20), time.monotonic() + 0.5)
    finally:
        ours.close()
        client.close()


# ---- the job and the client's socket, in one message (direct_send.send_job / receive_job) ----------

@pytest.mark.parametrize("size, partial", [(10, False), (3 << 20, False), (3 << 20, True)])
def test_a_job_and_its_socket_arrive_together(size, partial, monkeypatch):
    """A job of 3 MB goes on past the pipe's buffer; `partial`: the sendmsg with the socket sends only part of it
    (a signal may cut a blocking send short), and the rest follows."""
    import multiprocessing

    from server import direct_send

    if partial:
        send_fds = socket.send_fds
        monkeypatch.setattr(direct_send.socket, "send_fds", lambda sock, buffers, fds: send_fds(sock, [buffers[0][:100]], fds))

    web, query_process = multiprocessing.get_context("spawn").Pipe()
    client, other_end = socket.socketpair()
    job = ("x" * size, {"head": 1})
    try:
        sender = threading.Thread(target=direct_send.send_job, args=(web, job, client.fileno()))
        sender.start()
        got, fd = direct_send.receive_job(query_process)
        sender.join(BOUND)
        assert got == job and fd >= 0
        assert os.fstat(fd).st_ino == os.fstat(client.fileno()).st_ino  # the client's socket itself
        os.write(fd, b"answer")
        os.close(fd)
        assert other_end.recv(16) == b"answer"
        direct_send.send_job(web, "no socket")
        assert direct_send.receive_job(query_process) == ("no socket", -1)
        web.send("framed as Connection.send frames it")  # the query process's reading is the pipe's own
        assert direct_send.receive_job(query_process) == ("framed as Connection.send frames it", -1)
    finally:
        for end in (web, query_process, client, other_end):
            end.close()


def test_a_job_cut_off_by_the_web_process_ending_is_an_eof_and_closes_its_socket():
    import multiprocessing
    import struct

    from server import direct_send

    web, query_process = multiprocessing.get_context("spawn").Pipe()
    client, other_end = socket.socketpair()
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=web.fileno())
    socket.send_fds(unix, [struct.pack("!i", 100) + b"only part"], [client.fileno()])
    unix.detach()
    web.close()
    client.close()
    try:
        with pytest.raises(EOFError):
            direct_send.receive_job(query_process)
        other_end.settimeout(BOUND)
        assert other_end.recv(16) == b""  # the passed copy was closed too: the client sees the end
        with pytest.raises(EOFError):
            direct_send.receive_job(query_process)
    finally:
        query_process.close()
        other_end.close()


@pytest.mark.parametrize("max_rows, rows", [(10_000, 7), (3, 3)])
def test_the_query_process_reports_the_rows_of_the_answer_it_sent(server_store, max_rows, rows):
    """A JSON answer under the row limit is counted after it is sent (server/results.py `counted`); the web process
    still learns its rows, for the access log, as for a cut answer."""
    import json
    import types

    from server import direct_send, worker
    from server.jobs import Job
    from server.store_handle import StoreHandle

    head = direct_send.Head(b"HTTP/1.1 200 OK\r\n", "application/sparql-results+json", "", False, False, max_rows)
    job = Job("SELECT ?s WHERE { ?s ?p ?o } LIMIT 7", "http://example.org/", results_format="JSON", max_rows=max_rows)
    ours, client = socket.socketpair()
    try:
        kind, outcome = worker.answer(types.SimpleNamespace(value=0), StoreHandle(server_store), job, head, ours.fileno(),
                                      time.monotonic() + BOUND)
        ours.close()
        sent = read_to_close(client)
    finally:
        ours.close()
        client.close()
    assert (kind, outcome.sent, outcome.count, outcome.truncated) == ("sent", direct_send.WHOLE, rows, max_rows < 7)
    assert len(json.loads(sent.split(b"\r\n\r\n", 1)[1])["results"]["bindings"]) == rows
