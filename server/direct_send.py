"""Under gunicorn, the query process writes a 200 answer straight to the client's socket.

Why: without this, an answer crosses from the query process to the web process (pickled, through
the pipe) and the web process's thread, woken up for it, writes it to the client. On this 2-core
machine under load, each process that waits for another and is woken up waits its turn behind the
other programs (benchmarks/README.md, "Endpoint overhead": a p50 of 2–10 ms at load ≈ 7 for a wait
behind 1–5 ms of work, 0.02 ms when nothing else runs), and a request waited three times (gunicorn's
poller, its thread, the query process) where Oxigraph's server waits once. Measured in one run of
endpoint_overhead_bench.py at load 3.8 (the /sparql fast path without and with this): `ASK {}` over
Oxigraph's server +1.25 → +0.83 ms (paired +1.19 → +0.64), paired median over the competency
queries +2.41 → +1.37 ms. The web thread is not woken before the answer is out: it learns afterwards
that it was sent, to free the query process and write the access-log line.

How: with the job, the web process passes the connection's file descriptor over the pipe (a Unix
socket: `socket.send_fds`, SCM_RIGHTS) and a `Head`: gunicorn's own status line, `Server`, `Date`
and `Connection` lines for this request (`Response.default_headers`) and what the query process
needs to write the headers of server/headers.py `answer_headers` for the answer it computes. Before
its first byte the query process sets a flag in memory shared with the web process (no message, so
no wake-up); it writes head and body without blocking (poll, MSG_DONTWAIT: the descriptor's flags
are shared with the web process and stay as they are) until the job's deadline, closes its copy and
reports how it went. The web process then marks gunicorn's response as sent, so gunicorn writes
nothing more and keeps the connection open.

What does not change: a refusal, an error, a 406 (a result the asked format cannot carry) still
comes back over the pipe and is written by Flask (server/fast_path.py); the time limit counts the
write too (then a grace of executors.WRITE_GRACE), and a query process that overruns it is killed
as before. Once the flag is set nothing else is ever written on that connection: a write cut by the
client, by the deadline or by the kill closes the connection, never a 503 after part of an answer.
TLS (gunicorn's `--certfile`), the dev server, in-memory and remote stores answer as before.
"""

from __future__ import annotations

import os
import select
import socket
import struct
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from time import monotonic

from .headers import answer_headers, content_type

FLAGS = socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL
WHOLE, CUT = "whole", "cut"  # Outcome.sent: the whole answer was written, or the write was cut


@dataclass(frozen=True)
class Head:
    """What the query process needs to write the response head: gunicorn's first lines, the
    Content-Type for a result set and for RDF ("" when the request accepts none), whether that
    format is XML (a character XML cannot carry then leaves the answer to Flask: 406), the row limit."""

    start: bytes
    results_type: str
    rdf_type: str
    results_xml: bool
    rdf_xml: bool
    max_rows: int

    def render(self, kind: str, data: bytes, truncated: bool) -> bytes | None:
        """The head of the 200 answer, or None if it is not one (Flask answers)."""
        from .sparql import XML_FORBIDDEN

        ctype, xml = (self.rdf_type, self.rdf_xml) if kind == "graph" else (self.results_type, self.results_xml)
        if not ctype or (xml and XML_FORBIDDEN.search(data)):
            return None
        lines = answer_headers(ctype, len(data), self.max_rows if truncated else None)
        return self.start + "".join(f"{k}: {v}\r\n" for k, v in lines).encode("latin-1") + b"\r\n"


# ---- the web process ------------------------------------------------------------------------------

def gunicorn_response(environ, start_response):
    """gunicorn's Response for this request when the answer may be written by another process:
    plain HTTP on a real socket, nothing sent yet; else None."""
    resp = getattr(start_response, "__self__", None)
    if type(resp).__module__ != "gunicorn.http.wsgi":
        return None
    try:  # gunicorn's Response internals (22–27); a release that renames them answers through the pipe
        if resp.headers_sent or resp.cfg.is_ssl or not callable(resp.default_headers) or not callable(resp.force_close):
            return None
    except AttributeError:
        return None
    sock = getattr(environ.get("gunicorn.socket"), "_sock", environ.get("gunicorn.socket"))  # slow_clients.DeadlineSocket
    if not isinstance(sock, socket.socket) or sock.family not in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
        return None
    return resp


def head_for(resp, results_fmt, rdf_fmt, max_rows: int) -> Head:
    """The Head of a 200 answer to `resp`'s request, with gunicorn's own first lines."""
    resp.status, resp.status_code, resp.response_length = "200 OK", 200, 0  # what default_headers reads
    start = "".join(resp.default_headers()).encode("latin-1")
    resp.status, resp.status_code, resp.response_length = None, None, None
    return Head(start, content_type(results_fmt.media_type) if results_fmt else "",
                content_type(rdf_fmt.media_type) if rdf_fmt else "",
                bool(results_fmt) and results_fmt.name == "xml", bool(rdf_fmt) and rdf_fmt.name == "rdfxml", max_rows)


def socket_of(environ) -> int:
    sock = environ["gunicorn.socket"]
    return getattr(sock, "_sock", sock).fileno()


def send_job(conn, message, fd: int = -1) -> None:
    """Send `message` to the query process over the pipe `conn` (a Unix socket), as conn.send() frames it
    (a 4-byte length, then the pickle), with the descriptor `fd` (≥ 0) in the same sendmsg: one wake-up of
    the query process instead of two (the job, then the socket: 20–40 µs more a request on this machine)."""
    payload = ForkingPickler.dumps(message)
    data = memoryview(struct.pack("!i", len(payload)) + payload)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=conn.fileno())
    try:
        sent = socket.send_fds(unix, [data], [fd]) if fd >= 0 else unix.send(data)
        if sent < len(data):  # a pipe holds a few hundred KB; a longer job goes on without the descriptor
            unix.sendall(data[sent:])
    finally:
        unix.detach()


def mark_sent(start_response, header_list, whole: bool) -> None:
    """Tell gunicorn the answer is on the wire: it writes nothing more; a cut answer closes the connection."""
    start_response("200 OK", header_list)
    resp = start_response.__self__
    resp.headers_sent = True
    resp.sent = resp.response_length or 0
    if not whole:
        resp.force_close()


# ---- the query process ----------------------------------------------------------------------------

def receive_job(conn) -> tuple[object, int]:
    """The next message of send_job and the descriptor that came with it (-1 if none). EOFError when the
    web process has gone."""
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=conn.fileno())
    try:
        head, fds, _, _ = socket.recv_fds(unix, 4, 1)  # the descriptor comes with the message's first bytes
        try:
            while 0 < len(head) < 4:
                head += unix.recv(4 - len(head))
            if len(head) < 4:
                raise EOFError
            (size,) = struct.unpack("!i", head)
            payload = bytearray()
            while len(payload) < size:
                more = unix.recv(size - len(payload))
                if not more:
                    raise EOFError
                payload += more
            return ForkingPickler.loads(payload), (fds[0] if fds else -1)
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
    finally:
        unix.detach()


def write(fd: int, data: bytes, deadline: float) -> bool:
    """Write all of `data` to the client socket `fd` before `deadline` (monotonic) without changing
    its flags; False when the client went away or the deadline passed. `fd` stays open (the caller's)."""
    # Named AF_INET whatever it is (TCP or a Unix socket): send() is the same call, and a socket told its family
    # makes none of the three getsockopt calls that would find it out.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, fileno=fd)
    try:
        view, poller = memoryview(data), select.poll()
        poller.register(fd, select.POLLOUT)
        while view:
            try:
                view = view[sock.send(view, FLAGS):]
                continue
            except BlockingIOError:
                pass
            left = deadline - monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return False
        return True
    except OSError:  # reset, broken pipe: the client went away
        return False
    finally:
        sock.detach()
