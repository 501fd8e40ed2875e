"""The lean front (server/lean_front.py): its reading of a request is gunicorn's, its answers are gunicorn's.

Three layers: the reading against gunicorn's own parser (generated requests: whatever the lean front
takes, gunicorn reads alike, to the byte where the request ends); the answer in-process on a socket
pair with the app's real query processes (the same status, headers and body as the Flask handler, a
query that the fast path ran and Flask answers runs once, a request the lean front leaves is still on
the socket); and real gunicorn by the production recipe, where a request answered by the lean front
(the second on a connection) is byte for byte the one gunicorn answers (the first), but the Date.
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections import deque
from types import SimpleNamespace

import pytest
from gunicorn import glogging
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.parser import RequestParser
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app

from conftest import ROOT, server_free_port, server_stop
from server import lean_front
from server.slow_clients import DeadlineSocket
from test_server_direct_send import read_answer
from test_server_fast_path import FAST, FLASK, RUN_THEN_FLASK, Probe

FORM = "application/x-www-form-urlencoded"
GOOD = b"POST /sparql HTTP/1.1\r\nHost: h\r\nContent-Type: " + FORM.encode() + b"\r\nContent-Length: 11\r\n\r\nquery=ASK{}"


def raw(case, connection: str | None = None) -> bytes:
    """A test case of tests/test_server_fast_path.py as the bytes an HTTP/1.1 client sends."""
    method, path, headers, body = case
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if method in ("POST", "PUT") or body:
        lines.append(f"Content-Length: {len(body)}")
    if connection:
        lines.append(f"Connection: {connection}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def lean_shaped(cases):
    return [c for c in cases if lean_front.parse(raw(c)) is not None]


# ---- the reading -----------------------------------------------------------------------------------

def gunicorns_reading(data: bytes):
    """(environ keys the fast path reads, body, bytes consumed, should_close) as gunicorn reads `data`."""
    cfg = Config()
    parser = RequestParser(cfg, iter([data]), ("127.0.0.1", 5000))
    req = next(parser)
    body = req.body.read()
    _, environ = wsgi.create(req, None, ("127.0.0.1", 5000), ("127.0.0.1", 80), cfg)
    read = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_ACCEPT",
            "HTTP_TRANSFER_ENCODING", "REMOTE_ADDR", *(f"HTTP_X_FORWARDED_{p}" for p in ("FOR", "PROTO", "HOST", "PORT", "PREFIX")))
    keys = {k: environ[k] for k in read if k in environ}
    return keys, body, len(data) - len(parser.unreader.buf.getvalue()), req.should_close()


def leans_reading(request: lean_front.Request):
    environ = request.environ(None, "127.0.0.1")
    keys = {k: v for k, v in environ.items() if k.isupper()}
    return keys, request.body, request.length, False


COMMON = ["Host", "Accept", "accept", "CONTENT-TYPE", "User-Agent", "X-Forwarded-For", "x-forwarded-prefix",
          "Accept-Encoding", "Cookie"]
ODD = ["Connection", "Transfer-Encoding", "Expect", "Upgrade", "X_Under", "Bad Name", "Content-Length", "Content-Type"]
NAMES = st.one_of(st.sampled_from(COMMON), st.sampled_from(COMMON), st.sampled_from(COMMON), st.sampled_from(ODD))
VALUES = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=12),
    st.sampled_from(["", "keep-alive", "Keep-Alive", "close", "chunked", "100-continue", "*/*", FORM,
                     "application/sparql-query", "text/csv;q=0.5, */*", "0", "5", "-1", "+11", "h2c", " padded ", "\tx\t"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xff), max_size=12),
)
FIELDS = st.lists(st.tuples(NAMES, VALUES), max_size=6, unique_by=lambda f: f[0].lower())
QUERY_CHARS = st.characters(codec="ascii", exclude_characters="\r\n")
URL_CHARS = st.sampled_from(list("aZ09-._~!$&'()*+,;=:@/?%") + ["%7B", "%E5%8C%97", "+"])
TARGETS = st.one_of(
    st.lists(URL_CHARS, max_size=30).map(lambda t: "/sparql?" + "".join(t)),
    st.lists(URL_CHARS, max_size=30).map(lambda t: "/sparql?" + "".join(t)),
    st.text(QUERY_CHARS, max_size=30).map(lambda t: "/sparql?" + t),
    st.text(QUERY_CHARS, max_size=30).map(lambda t: "/sparql/?" + t),
    st.sampled_from(["/sparql", "/sparql/", "/sparqlx", "/sparql%2F", "/", "/sparql?query=ASK%7B%7D",
                     "/sparql?query=ASK{}#frag", "/sparql?q=a+b&format=csv", "//sparql", "/sparql?a?b"]),
)


@st.composite
def requests(draw) -> bytes:
    """Requests near the lean front's shape: most of them in it, the rest one step off."""
    method = draw(st.sampled_from(["GET", "POST", "GET", "POST", "PUT", "get"]))
    version = draw(st.sampled_from(["HTTP/1.1"] * 5 + ["HTTP/1.0", "HTTP/2.0"]))
    body = draw(st.binary(max_size=20)) if method != "GET" or draw(st.integers(0, 9)) == 0 else b""
    head = f"{method} {draw(TARGETS)} {version}\r\n"
    for name, value in draw(FIELDS):
        head += f"{name}: {value}\r\n"
    if method != "GET" or body or draw(st.integers(0, 9)) == 0:
        head += f"Content-Length: {len(body) + draw(st.sampled_from([0, 0, 0, 0, 1, -1]))}\r\n"
    if draw(st.integers(0, 19)) == 0:
        head += " folded\r\n"
    data = head.encode("latin-1") + b"\r\n" + body
    return data + draw(st.sampled_from([b"", b"GET / HTTP/1.1\r\n\r\n", b"POST"]))


@settings(max_examples=400, deadline=None)
@given(requests())
@example(GOOD)
@example(GOOD + b"GET /sparql HTTP/1.1\r\n\r\n")
@example(GOOD.replace(b"Host: h", b"Connection: close"))
@example(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nAccept: */*\r\nConnection: Keep-Alive\r\n\r\n")
def test_what_the_lean_front_reads_gunicorn_reads_alike(data):
    request = lean_front.parse(data)
    if request is None:
        return  # gunicorn reads it, as before
    assert gunicorns_reading(data) == leans_reading(request)


HOST = b"Host: h"
OFF_SHAPE = [  # (what of GOOD to replace, by what, the shape): each twin of GOOD is left to gunicorn
    (HOST, b"Transfer-Encoding: chunked", "Transfer-Encoding"), (HOST, b"Expect: 100-continue", "Expect"),
    (HOST, b"Upgrade: h2c", "Upgrade"), (HOST, b"Connection: close", "Connection: close"),
    (HOST, b"X_Real_Ip: 1", "a name with '_'"), (HOST, b"Host: h\r\nHost: i", "a repeated name"),
    (HOST, b"Host: h\r\n folded", "a folded line"), (HOST, "Host: hé".encode("latin-1"), "a value that is not ASCII"),
    (HOST, b"Host: " + b"h" * 8200, "a header over gunicorn's limit"), (b"HTTP/1.1", b"HTTP/1.0", "HTTP/1.0"),
    (b"POST /sparql", b"POST /sparql%2F", "an escaped path"), (b"POST /sparql", b"PUT /sparql", "another method"),
    (b"POST /sparql", b"POST /sparql#x", "a fragment"),
    (b"Content-Length: 11", b"Content-Length: 12", "a body still coming"),
    (b"Content-Length: 11", b"Content-Length: +11", "a length that is not digits"),
    (b"Content-Length: 11\r\n", b"", "a POST without a length"),
    (b"\r\n\r\nquery=ASK{}", b"\r\n", "a head still coming"),
]


@pytest.mark.parametrize("old,new,shape", OFF_SHAPE, ids=[c[2] for c in OFF_SHAPE])
def test_other_shapes_are_left_to_gunicorn(old, new, shape):
    assert lean_front.parse(GOOD) is not None
    twin = GOOD.replace(old, new)
    assert twin != GOOD and lean_front.parse(twin) is None, shape


def test_a_get_with_a_body_is_left_to_gunicorn():
    get = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n\r\n"
    assert lean_front.parse(get) is not None
    assert lean_front.parse(get.replace(b"\r\n\r\n", b"\r\nContent-Length: 1\r\n\r\nx")) is None


def test_the_request_ends_where_its_body_ends():
    request = lean_front.parse(GOOD + GOOD)
    assert request is not None and request.length == len(GOOD) and request.body == b"query=ASK{}"


# ---- the answer, in-process ------------------------------------------------------------------------

class Connection:
    """What the lean front reads of gunicorn's TConn, over one end of a socket pair."""

    def __init__(self, sock: socket.socket, cfg: Config):
        self.sock = DeadlineSocket(sock)
        self.cfg = cfg
        self.client = ("127.0.0.1", 5000)
        self.initialized = True
        self.parser = SimpleNamespace(unreader=SimpleNamespace(buf=io.BytesIO()))


def a_worker(app) -> SimpleNamespace:
    cfg = Config()
    errors: list = []
    return SimpleNamespace(cfg=cfg, nr=0, max_requests=sys.maxsize, alive=True, keepalived_conns=deque(),
                           max_keepalived=1000, log=glogging.Logger(cfg), wsgi=app, errors=errors,
                           handle_error=lambda req, client, addr, exc: errors.append(exc))


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = read_answer(sock)
    return int(status.split()[1]), headers, body


class Responses:
    """The answers on one connection in order; bytes of the next answer that came with one are kept for it."""

    def __init__(self, sock: socket.socket):
        self.sock, self.data = sock, b""

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        assert chunk, f"closed with {self.data!r} unread"
        self.data += chunk

    def next(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.data:
            self._more()
        head, _, self.data = self.data.partition(b"\r\n\r\n")
        length = int(re.search(rb"\r\nContent-Length: (\d+)", head).group(1))
        while len(self.data) < length:
            self._more()
        body, self.data = self.data[:length], self.data[length:]
        return int(head.split()[1]), body


@pytest.fixture
def pair(server_app, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="sciplan.access")
    probe = Probe(server_app, monkeypatch)
    ours, theirs = socket.socketpair()
    ours.settimeout(30)
    theirs.settimeout(30)
    yield probe, a_worker(server_app), Connection(ours, Config()), theirs
    ours.close()
    theirs.close()


@pytest.mark.parametrize("case", lean_shaped(FAST), ids=lambda c: f"{c[0]} {c[1][:60]} {c[2]}")
def test_the_lean_front_answers_as_the_flask_handler(pair, case):
    probe, worker, conn, client = pair
    data = raw(case)
    client.sendall(data + b"GET /next HTTP/1.1\r\n\r\n")  # the next request stays where it is
    request = lean_front.peek(conn)
    assert request is not None and request.length == len(data)
    assert lean_front.answer(worker, conn, probe.fast, request) is True
    status, headers, body = read_response(client)
    runs, flask_calls = probe.runs, probe.flask_calls
    expected = probe.behind.open(case[1], method=case[0], headers=case[2], data=case[3])
    assert status == expected.status_code == 200
    assert headers.pop("Server") == "gunicorn" and headers.pop("Connection") == "keep-alive"
    assert {k: v for k, v in headers.items() if k != "Date"} == {k: v for k, v in expected.headers.items() if k != "Date"}
    assert body == expected.get_data()
    assert runs == 1 and flask_calls == 0 and worker.nr == 1 and not worker.errors
    assert conn.sock.recv(100, socket.MSG_PEEK) == b"GET /next HTTP/1.1\r\n\r\n"


def left_to_gunicorn(pair, case) -> None:
    """The lean front takes `case` up and leaves it to gunicorn: every byte still on the socket, not counted."""
    probe, worker, conn, client = pair
    data = raw(case)
    client.sendall(data)
    request = lean_front.peek(conn)
    assert request is not None
    assert lean_front.answer(worker, conn, probe.fast, request) is None
    assert conn.sock.recv(len(data) + 10, socket.MSG_PEEK) == data
    assert worker.nr == 0


@pytest.mark.parametrize("case", lean_shaped(RUN_THEN_FLASK), ids=lambda c: f"{c[0]} {c[1][:60]} {c[2]}")
def test_a_query_run_then_refused_goes_to_flask_with_its_outcome_and_runs_once(pair, case):
    probe, worker, conn, _ = pair
    left_to_gunicorn(pair, case)
    assert conn.sock.carried
    environ = EnvironBuilder(case[1], method=case[0], headers=case[2], data=case[3]).get_environ()
    environ["gunicorn.socket"] = conn.sock  # gunicorn reads the request again: the same connection
    body, status, _ = run_wsgi_app(probe.fast, environ, buffered=True)
    expected = probe.behind.open(case[1], method=case[0], headers=case[2], data=case[3])
    assert status == expected.status and b"".join(body) == expected.get_data()
    assert probe.runs == 2, "once by the lean front, once by the Flask handler alone for the expected answer"
    assert not conn.sock.carried


@pytest.mark.parametrize("case", lean_shaped(FLASK), ids=lambda c: f"{c[0]} {c[1][:60]} {c[2]}")
def test_what_flask_answers_is_left_on_the_socket(pair, case):
    probe, _, conn, _ = pair
    left_to_gunicorn(pair, case)
    assert not conn.sock.carried and probe.runs == 0


@pytest.mark.parametrize("held", [b"", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n\r\n"], ids=["nothing held", "a request held"])
def test_the_worker_leaves_to_gunicorns_parser_what_it_already_read(pair, monkeypatch, held):
    """Bytes gunicorn's parser read ahead (a pipelined request) come before what is on the socket: while it holds
    any, the worker's thread does not peek, and gunicorn reads on."""
    from gunicorn.workers.gthread import ThreadWorker

    from server.slow_clients import _worker_class

    probe, worker, conn, client = pair
    gunicorn_reads = []
    monkeypatch.setattr(ThreadWorker, "handle", lambda self, c: gunicorn_reads.append(c) or True)
    thread = _worker_class().__new__(_worker_class())  # only what handle_one reads of a worker
    for name in ("cfg", "nr", "max_requests", "alive", "keepalived_conns", "max_keepalived", "log", "wsgi", "handle_error"):
        setattr(thread, name, getattr(worker, name))
    thread._lean = (probe.fast, None)
    conn.parser.unreader.buf = io.BytesIO(held)
    client.sendall(GOOD)
    assert thread.handle_one(conn) is True
    if held:
        assert gunicorn_reads == [conn] and probe.runs == 0
        assert conn.sock.recv(len(GOOD) + 10, socket.MSG_PEEK) == GOOD
    else:
        assert gunicorn_reads == [] and probe.runs == 1
        assert read_response(client)[0] == 200


def test_a_worker_that_stops_closes_the_connection_after_the_answer(pair):
    probe, worker, conn, client = pair
    worker.alive = False
    client.sendall(GOOD)
    assert lean_front.answer(worker, conn, probe.fast, lean_front.peek(conn)) is False
    status, headers, _ = read_response(client)
    assert status == 200 and headers["Connection"] == "close"


def test_an_error_of_the_app_is_gunicorns_500(pair, monkeypatch):
    probe, worker, conn, client = pair

    def broken(*args, **kw):
        raise RuntimeError("a bug")

    monkeypatch.setattr(probe.fast, "formats", broken)
    client.sendall(GOOD)
    assert lean_front.answer(worker, conn, probe.fast, lean_front.peek(conn)) is False
    assert [str(e) for e in worker.errors] == ["a bug"]


def test_gunicorns_additions_turn_the_lean_front_off(monkeypatch):
    worker = SimpleNamespace(cfg=Config(), log=glogging.Logger(Config()))
    assert lean_front.eligible(worker)
    monkeypatch.setenv("SCRIPT_NAME", "/kg")
    assert not lean_front.eligible(worker), "SCRIPT_NAME"
    monkeypatch.delenv("SCRIPT_NAME")
    for name, value in (("proxy_protocol", "v1"), ("accesslog", "-"), ("pre_request", lambda w, r: None)):
        cfg = Config()
        cfg.set(name, value)
        assert not lean_front.eligible(SimpleNamespace(cfg=cfg, log=glogging.Logger(cfg))), name


# ---- real gunicorn -----------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["lean", "off", "proxy"])
def production(request, server_store, tmp_path_factory):
    """gunicorn by the production recipe (docs/server.md), gunicorn's debug log on; the lean front on, off, or on
    behind a proxy (SCIPLAN_PROXY_FIX)."""
    port = server_free_port()
    log = tmp_path_factory.mktemp("lean") / "server.log"
    env = {"SCIPLAN_STORE": str(server_store), "SCIPLAN_LEAN_FRONT": "0" if request.param == "off" else "1",
           "SCIPLAN_PROXY_FIX": "1" if request.param == "proxy" else "0"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "server.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--worker-class", "server.slow_clients.Worker", "--threads", "8", "--log-level", "debug"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(raw(("GET", "/sparql?query=ASK%7B%7D", {}, b"")))
                if read_response(sock)[0] == 200:
                    break
        except OSError:
            time.sleep(0.2)
    yield port, log, request.param
    server_stop(proc)


def lean_answers(log) -> int:
    return len(re.findall(r"lean front: ", log.read_text()))


def test_answers_on_a_kept_connection_are_gunicorns_but_the_date(production):
    port, log, mode = production
    before = lean_answers(log)
    cases = lean_shaped(FAST) + lean_shaped(RUN_THEN_FLASK) + lean_shaped(FLASK)
    for case in cases:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            answers = []
            for _ in range(2):  # the first through gunicorn's parser, the second through the lean front
                sock.sendall(raw(case))
                status, headers, body = read_response(sock)
                headers.pop("Date")
                answers.append((status, headers, body))
            assert answers[0] == answers[1], case
    assert lean_answers(log) - before == (0 if mode == "off" else len(lean_shaped(FAST)))


def test_pipelined_and_split_requests_are_answered_in_order(production):
    port, log, _ = production
    ask = raw(("GET", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}, b""))
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        answers = Responses(sock)
        sock.sendall(ask)
        first = answers.next()
        sock.sendall(GOOD + GOOD + ask)  # three at once: answered one after the other
        pipelined = [answers.next() for _ in range(3)]
        sock.sendall(GOOD[:60])  # a request that comes in two parts: gunicorn reads it, within its read deadline
        time.sleep(0.3)
        sock.sendall(GOOD[60:])
        split = answers.next()
    assert first[0] == 200 and all(r[0] == 200 for r in pipelined) and split[0] == 200
    assert [r[1] for r in pipelined] == [split[1], split[1], first[1]]


def test_behind_a_proxy_the_forwarded_address_is_the_client(production):
    port, log, mode = production
    forwarded = ("GET", "/sparql?query=ASK%7B%7D", {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}, b"")
    before = log.read_text().count("203.0.113.7 GET /sparql 200")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for _ in range(2):  # gunicorn's reading, then the lean front's
            sock.sendall(raw(forwarded))
            assert read_response(sock)[0] == 200
    time.sleep(0.3)  # the access-log lines are written after the answer
    assert log.read_text().count("203.0.113.7 GET /sparql 200") - before == (2 if mode == "proxy" else 0)


def test_the_lean_front_finds_the_fast_path_behind_proxyfix(server_settings):
    from server import create_app

    app = create_app(server_settings.with_server(proxy_fix=True, query_processes=1))
    try:
        fast, view = lean_front.front_of(app)
        assert fast is app.wsgi_app.app
        assert view({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9, 203.0.113.7"}, None)["REMOTE_ADDR"] \
            == "203.0.113.7"
    finally:
        app.extensions["sciplan"].close()
