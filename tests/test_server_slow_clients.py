"""Slow clients against real gunicorn (the production worker class, server/slow_clients.py): 8 connections
that send half a request line and 16 that send 3 bytes of a 1,000-byte body do not keep a cheap query from
being answered; each slow one gets 408 or is closed. Bounds are generous multiples of the read deadline."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from conftest import one_worker_server, server_free_port
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
