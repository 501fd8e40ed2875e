"""Slow clients against real gunicorn (the production worker class, server/slow_clients.py): 8 connections
that send half a request line and 16 that send 3 bytes of a 1,000-byte body do not keep a cheap query from
being answered; each slow one gets 408 or is closed. Bounds are generous multiples of the read deadline."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from types import SimpleNamespace

import pytest

from conftest import ROOT, one_worker_server, server_free_port, server_stop
from server.slow_clients import DeadlineSocket, SlowClient

READ_TIMEOUT = 2
BOUND = READ_TIMEOUT + 15


@pytest.fixture(scope="module")
def gunicorn_one_worker(server_store, tmp_path_factory):
    """`sciplan serve --workers 1`: one gunicorn worker, 2 query processes, 8 threads — the fewest threads."""
    for port, _ in one_worker_server(server_store, tmp_path_factory.mktemp("slow"),
                                     {"SCIPLAN_READ_TIMEOUT": str(READ_TIMEOUT), "SCIPLAN_QUERY_PROCESSES": "2"}):
        yield port


def cheap_query(port: int) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=BOUND + 10) as response:
        return response.status, time.monotonic() - started


def open_slow(port: int, count: int, data: bytes) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND + 10)
        sock.sendall(data)
        socks.append(sock)
    return socks


def answer_of(sock: socket.socket) -> bytes:
    """What the server sent before closing (b"" if it closed without a word)."""
    try:
        data = sock.recv(200)
    except OSError:
        data = b""
    sock.close()
    return data


SLOW_LINE = b"GET /sparql?query=ASK"  # half a request line, never finished
SLOW_BODY = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
             b"Content-Length: 1000\r\n\r\nASK")  # 3 bytes of 1,000


def cheap_query_despite(port: int, *slow: tuple[int, bytes]) -> list[list[bytes]]:
    """Open the slow connections, check a cheap query is answered meanwhile; what each slow one got."""
    groups = [open_slow(port, count, data) for count, data in slow]
    time.sleep(0.5)  # every thread has taken a slow connection
    status, took = cheap_query(port)
    assert status == 200 and took < BOUND
    return [[answer_of(sock) for sock in group] for group in groups]


def test_eight_slow_request_lines_do_not_block_a_cheap_query(gunicorn_one_worker):
    [answers] = cheap_query_despite(gunicorn_one_worker, (8, SLOW_LINE))
    assert all(a == b"" or a.startswith(b"HTTP/1.1 408") for a in answers), answers


def test_sixteen_slow_bodies_get_408_and_do_not_block_a_cheap_query(gunicorn_one_worker):
    [answers] = cheap_query_despite(gunicorn_one_worker, (16, SLOW_BODY))
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers


def test_a_complete_post_is_still_answered(gunicorn_one_worker):
    request = urllib.request.Request(f"http://127.0.0.1:{gunicorn_one_worker}/sparql", data=b"ASK {}",
                                     headers={"Content-Type": "application/sparql-query"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and b"true" in response.read()


def test_a_read_past_the_deadline_raises_then_reads_nothing():
    left, right = socket.socketpair()
    try:
        sock = DeadlineSocket(left)
        right.sendall(b"ab")
        sock.start(0.2)
        assert sock.recv(10) == b"ab"
        with pytest.raises(SlowClient):
            sock.recv(10)  # nothing more comes
        assert sock.recv(10) == b"" and sock.expired
        sock.start(5)
        right.sendall(b"c")
        assert sock.recv(10) == b"c", "a new request gets a new deadline"
    finally:
        left.close()
        right.close()


# ---- the same through nginx with docs/nginx.conf ------------------------------------------------------

@pytest.fixture(scope="module")
def nginx_in_front(gunicorn_one_worker, tmp_path_factory):
    import os
    import shutil
    import subprocess

    from conftest import ROOT

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx); docs/nginx.conf is not run")
    tmp = tmp_path_factory.mktemp("nginx")
    port = server_free_port()
    site = (ROOT / "docs" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in [("listen 80;", f"listen 127.0.0.1:{port};"), ("server 127.0.0.1:8080;", f"server 127.0.0.1:{gunicorn_one_worker};"),
                     ("client_header_timeout 10s;", f"client_header_timeout {READ_TIMEOUT}s;"),
                     ("client_body_timeout 10s;", f"client_body_timeout {READ_TIMEOUT}s;")]:
        assert old in site, old
        site = site.replace(old, new)
    temp_paths = "".join(f"{kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
        + f"events {{ worker_connections 512; }}\nhttp {{\naccess_log off;\n{temp_paths}{site}\n}}\n",
        encoding="utf-8")
    proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            cheap_query(port)
            break
        except OSError:
            time.sleep(0.2)
    if proc.poll() is not None:
        pytest.fail(f"nginx did not start with docs/nginx.conf: {proc.stderr.read().decode(errors='replace')}")
    yield port
    proc.terminate()
    proc.wait(timeout=15)


def test_through_nginx_slow_request_lines_and_bodies_do_not_block_a_cheap_query(nginx_in_front):
    for answers in cheap_query_despite(nginx_in_front, (8, SLOW_LINE), (16, SLOW_BODY)):
        assert all(a == b"" or a.startswith(b"HTTP/1.1 408") for a in answers), answers


# ---- a thread waits on its keep-alive connection for the next request (slow_clients.Lingering) ----

KEEPALIVE = 60  # far longer than any bound below: a thread that waited it out would fail them


def test_a_thread_answers_its_connections_next_request_itself(monkeypatch):
    """Worker.handle: after a keep-alive answer the same call serves the connection's next request, and
    closes it when the client does; without the waiting, the second request would go back to the poller."""
    from gunicorn.workers.gthread import ThreadWorker

    from server import slow_clients

    left, right = socket.socketpair()
    served: list[bytes] = []

    def one_request(self, conn):  # stands in for gunicorn's handle: read a "request", keep-alive unless EOF
        data = conn.sock.recv(100)
        served.append(data)
        if data == b"one":
            threading.Timer(0.2, right.sendall, [b"two"]).start()
        elif data == b"two":
            threading.Timer(0.2, right.close).start()
        return bool(data)

    monkeypatch.setattr(ThreadWorker, "handle", one_request)
    worker = slow_clients.Worker.__new__(slow_clients.Worker)
    worker.cfg, worker.alive, worker.wsgi = SimpleNamespace(is_ssl=False, keepalive=KEEPALIVE), True, None
    worker.lingering = slow_clients.Lingering(2)
    conn = SimpleNamespace(sock=left, parser=None)
    right.sendall(b"one")
    try:
        assert worker.handle(conn) is False
        assert served == [b"one", b"two", b""]
        assert worker.lingering.busy == 0 and worker.lingering.lingering == 0
    finally:
        left.close()


def test_a_gunicorn_without_the_read_buffer_it_knows_gets_its_connection_back(monkeypatch):
    """Worker.handle reads gunicorn's parser buffer to see whether the next request came already; where a
    gunicorn keeps it elsewhere the connection goes back to the poller at once, never waited on."""
    from gunicorn.workers.gthread import ThreadWorker

    from server import slow_clients

    monkeypatch.setattr(ThreadWorker, "handle", lambda self, conn: True)
    worker = slow_clients.Worker.__new__(slow_clients.Worker)
    worker.cfg, worker.alive, worker.wsgi = SimpleNamespace(is_ssl=False, keepalive=KEEPALIVE), True, None
    worker.lingering = slow_clients.Lingering(2)
    left, right = socket.socketpair()
    try:
        conn = SimpleNamespace(sock=left, parser=SimpleNamespace(reader=None))  # no unreader.buf
        started = time.monotonic()
        assert worker.handle(conn) is True and time.monotonic() - started < KEEPALIVE / 2
        assert slow_clients._buffered(SimpleNamespace(parser=SimpleNamespace(unreader=SimpleNamespace(buf=io.BytesIO(b"GET"))))) is True
        assert worker.lingering.busy == 0 and worker.lingering.lingering == 0
    finally:
        left.close()
        right.close()


def waiting(lingering, sock, results: list) -> threading.Thread:
    def wait():
        lingering.taken()
        try:
            results.append(lingering.wait(sock, KEEPALIVE))
        finally:
            lingering.done()

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    deadline = time.monotonic() + BOUND
    while lingering.lingering == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return thread


def test_a_waiting_thread_gives_way_to_a_queued_connection_when_no_thread_is_free():
    from server.slow_clients import CALLED, READABLE, Lingering

    lingering = Lingering(threads=2)
    socks = [socket.socketpair() for _ in range(2)]
    try:
        results: list[str] = []
        first = waiting(lingering, socks[0][0], results)
        lingering.queue()  # the second thread is free: nobody is called back
        lingering.taken()  # ... and takes it
        time.sleep(0.3)
        assert results == [] and first.is_alive()
        lingering.queue()  # no thread free now: the waiting one gives its connection back
        first.join(BOUND)
        assert results == [CALLED]
        lingering.done()
        second = waiting(lingering, socks[1][0], results)
        socks[1][1].sendall(b"GET")
        second.join(BOUND)
        assert results == [CALLED, READABLE]
    finally:
        for pair in socks:
            for sock in pair:
                sock.close()


@pytest.fixture(scope="module")
def gunicorn_two_threads(server_store, tmp_path_factory):
    """gunicorn by hand: one worker of 2 threads and a keep-alive timeout of a minute."""
    port = server_free_port()
    log = tmp_path_factory.mktemp("linger") / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "server.wsgi:app", "--bind", f"127.0.0.1:{port}",
                                 "--workers", "1", "--threads", "2", "--worker-class", "server.slow_clients.Worker",
                                 "--keep-alive", str(KEEPALIVE)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "SCIPLAN_STORE": str(server_store), "SCIPLAN_QUERY_PROCESSES": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                cheap_query(port)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                time.sleep(0.2)
        yield port
    finally:
        server_stop(proc)


def keep_alive_ask(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/sparql-results+json\r\n\r\n")
    data = b""
    while b"true" not in data:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    return data


def test_connections_waited_on_do_not_keep_a_new_one_waiting(gunicorn_two_threads):
    """Both threads wait on a kept-alive connection; a third connection is still answered at once (long
    before the keep-alive minute), and the first two go on answering afterwards (through the poller)."""
    port = gunicorn_two_threads
    kept = [socket.create_connection(("127.0.0.1", port), timeout=BOUND) for _ in range(2)]
    try:
        for sock in kept:
            assert keep_alive_ask(sock).startswith(b"HTTP/1.1 200 OK")
        time.sleep(0.3)  # both threads now wait on their connection
        for _ in range(3):
            status, took = cheap_query(port)
            assert status == 200 and took < BOUND
        for sock in kept:
            assert keep_alive_ask(sock).startswith(b"HTTP/1.1 200 OK")
    finally:
        for sock in kept:
            sock.close()
