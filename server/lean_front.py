"""A common /sparql request on a kept-alive connection, read off the socket without gunicorn's parser.

Why: what our endpoint costs over Oxigraph's own server is Python run per request, and it costs the
more the colder the processor's caches are when the request comes — after a query of 10 ms (its own
or another program's), each piece of the path takes 3–4 times what it takes warm (perf_counter marks
in each process: the fast path 0.11 → 0.56 ms, benchmarks/README.md "Endpoint overhead"). gunicorn's
reading of a request (its parser, the environ of ≈ 30 keys, the Response, the hooks) is the largest
piece before our code runs. Here the thread that waits on a kept-alive connection (server/slow_clients.py
`Lingering`) peeks at what has come: when it is one whole request of the narrow shape below, the
/sparql fast path (server/fast_path.py) answers it from a small environ, and the request's bytes are
taken off the socket only once it is answered.

The shape, read strictly — anything else is left on the socket for gunicorn to read as before:
`GET /sparql?…` or `POST /sparql` (or `/sparql/`) `HTTP/1.1`, every byte of the head and of the body
(`Content-Length`) already received; header names of token characters without `_`, each at most once,
values of visible ASCII; no `Transfer-Encoding`, `Expect`, `Upgrade` or `HTTP2-Settings`; `Connection`
absent or `keep-alive`; within gunicorn's limits of the request line, header count and header size.
Only where gunicorn would add nothing of its own: plain HTTP, no proxy protocol, no access log of
its own, its default request hooks, no SCRIPT_NAME; and the first request of a connection always goes
through gunicorn. Behind a proxy (SCIPLAN_PROXY_FIX) werkzeug's ProxyFix reads the forwarded headers as
it does in front of Flask (the client's address decides its fair share and goes to the access log). The status line and gunicorn's own headers
(Server, Date, Connection) come from gunicorn's Response, as before.

When the fast path falls through before it runs the query, nothing was taken from the socket and
gunicorn reads the same request; when it falls through after running it (a refusal, a time-out, a
406), the outcome is carried on the connection's socket to the Flask handler of that same request
(`DeadlineSocket.carried`), so the query runs once. tests/test_server_lean_front.py holds the reading
to gunicorn's parser and the answers to gunicorn's, byte for byte but the Date.
"""

from __future__ import annotations

import io
import re
import socket
from dataclasses import dataclass
from time import perf_counter

from sciplan.config import gunicorn_script_name

PEEK = 64 * 1024  # a request that has not fully come in this much is gunicorn's to read
LINE = re.compile(rb"(GET|POST) (/sparql/?)(?:\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*))? HTTP/1\.1")
FIELD = re.compile(rb"([!#$%&'*+\-.^`|~0-9A-Za-z]+):[ \t]*((?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?)[ \t]*")
REFUSED = frozenset(("transfer-encoding", "expect", "upgrade", "http2-settings"))
ENVIRON = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH", "accept": "HTTP_ACCEPT",
           **{f"x-forwarded-{part}": f"HTTP_X_FORWARDED_{part.upper()}" for part in ("for", "proto", "host", "port", "prefix")}}


@dataclass(frozen=True)
class Request:
    """One request as the fast path reads it: `length` is its size on the wire (head and body)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    length: int

    def environ(self, sock, remote_addr: str) -> dict:
        """What server/fast_path.py reads of a WSGI environ (and ProxyFix of the forwarded headers), as gunicorn
        would have made it."""
        environ = {"REQUEST_METHOD": self.method, "PATH_INFO": self.path, "QUERY_STRING": self.query_string,
                   "REMOTE_ADDR": remote_addr, "wsgi.input": io.BytesIO(self.body), "gunicorn.socket": sock}
        for name, value in self.headers.items():
            key = ENVIRON.get(name)
            if key is not None:
                environ[key] = value
        return environ


def parse(data: bytes, line_limit: int = 8190, field_limit: int = 8190, fields: int = 100) -> Request | None:
    """The first request in `data` if it has the narrow shape of the module docstring and has wholly
    come; None otherwise (gunicorn reads it). The limits are gunicorn's (`limit_request_*`; 0: none)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = data[:end].split(b"\r\n")
    found = LINE.fullmatch(lines[0])
    if found is None or (line_limit and len(lines[0]) > line_limit) or (fields and len(lines) - 1 > fields):
        return None
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        field = FIELD.fullmatch(raw)
        if field is None or (field_limit and len(raw) > field_limit):
            return None  # obs-fold, no colon, "_" or other characters in a name, non-ASCII values …
        name = field.group(1).decode("ascii").lower()
        if name in headers or name in REFUSED:
            return None
        headers[name] = field.group(2).decode("ascii")
    if headers.get("connection", "keep-alive").lower() != "keep-alive":
        return None
    length = headers.get("content-length")
    method = found.group(1).decode("ascii")
    if method == "GET":
        size = 0
        if length not in (None, "0"):
            return None
    else:
        if length is None or not length.isdigit() or len(length) > 9:
            return None
        size = int(length)
    start = end + 4
    if len(data) < start + size:
        return None  # the body has not fully come
    query = found.group(3)
    return Request(method, found.group(2).decode("ascii"), "" if query is None else query.decode("ascii"), headers,
                   data[start:start + size], start + size)


def front_of(app):
    """(the app's FastPath, a ProxyFix in front of it or None), or None when the app has no FastPath."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from .fast_path import FastPath

    outer = getattr(app, "wsgi_app", None)
    if isinstance(outer, FastPath):
        return outer, None
    if isinstance(outer, ProxyFix) and isinstance(outer.app, FastPath):  # the environ it reads, nothing called
        view = ProxyFix(lambda environ, start_response: environ, x_for=outer.x_for, x_proto=outer.x_proto,
                        x_host=outer.x_host, x_port=outer.x_port, x_prefix=outer.x_prefix)
        return outer.app, view
    return None


def eligible(worker) -> bool:
    """Whether this gunicorn worker adds nothing to a request that the lean front would leave out."""
    from gunicorn import config

    cfg = worker.cfg
    return (not cfg.is_ssl and cfg.proxy_protocol in (False, None, "off") and not getattr(worker.log, "access_log_enabled", True)
            and cfg.pre_request is config.PreRequest.default and cfg.post_request is config.PostRequest.default
            and not gunicorn_script_name())


def peek(conn) -> Request | None:
    """The next request on a kept-alive connection whose parser holds no bytes of it (slow_clients._buffered is
    False: else gunicorn's parser reads on), if it has the lean front's shape; the bytes stay on the socket."""
    if not conn.initialized or conn.parser is None or getattr(conn, "is_http2", False):
        return None
    raw = getattr(conn.sock, "_sock", conn.sock)
    try:
        data = raw.recv(PEEK, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return None  # gunicorn meets the error again and handles it
    cfg = conn.cfg
    return parse(data, cfg.limit_request_line, cfg.limit_request_field_size, cfg.limit_request_fields)


def consume(conn, length: int) -> bool:
    """Take the answered request's bytes off the socket (they have come: `peek` saw them)."""
    raw = getattr(conn.sock, "_sock", conn.sock)
    while length > 0:
        try:
            got = raw.recv(min(length, PEEK))
        except OSError:
            return False
        if not got:
            return False
        length -= len(got)
    return True


class _Message:
    """What gunicorn's Response reads of its request."""

    method: str
    version = (1, 1)

    def __init__(self, method: str):
        self.method = method

    @staticmethod
    def should_close() -> bool:
        return False  # `parse` takes only HTTP/1.1 without "Connection: close"


def answer(worker, conn, fast, request: Request, proxy=None) -> bool | None:
    """Answer `request` with the fast path, as gunicorn's ThreadWorker.handle_request would have; whether
    the connection stays open, or None when the fast path leaves it to Flask (gunicorn reads the request).
    `proxy`: the app's ProxyFix in front of the fast path, if any."""
    from gunicorn.http import wsgi

    from .fast_path import STARTED, Fallthrough
    from .state import DONE

    conn.sock.setblocking(True)  # as gunicorn's handle() sets it: the poller left it non-blocking
    resp = wsgi.Response(_Message(request.method), conn.sock, worker.cfg)
    worker.nr += 1  # gunicorn's request count and keep-alive rules (ThreadWorker.handle_request)
    if worker.nr >= worker.max_requests:
        if worker.alive:
            worker.log.info("Autorestarting worker after current request.")
            worker.alive = False
        resp.force_close()
    if not worker.alive or not worker.cfg.keepalive or len(worker.keepalived_conns) >= worker.max_keepalived:
        resp.force_close()
    client = conn.client
    remote = client[0] if isinstance(client, tuple) else client.decode() if isinstance(client, bytes) else str(client)
    environ = request.environ(conn.sock, remote)
    if proxy is not None:
        environ = proxy(environ, None)
    environ[STARTED] = perf_counter()
    try:
        done = fast.answer(environ, resp.start_response)
    except Fallthrough:
        worker.nr -= 1  # gunicorn counts it when it reads it
        if DONE in environ:
            conn.sock.carried = {DONE: environ[DONE]}
        return None
    except Exception as exc:  # as gunicorn meets an error of the app: a 500 unless the answer has begun, then closed
        if not resp.headers_sent:
            worker.handle_error(None, conn.sock, conn.client, exc)
        else:
            worker.log.exception("Error handling request")
        return False
    if not consume(conn, request.length):
        return False
    if done is not None:  # answered through the pipe (no socket for the query process to write to)
        status, header_list, body = done
        resp.start_response(status, header_list)
        resp.write(body)
    resp.close()
    worker.log.debug("lean front: %s %s", request.method, request.path)
    return not resp.should_close()
