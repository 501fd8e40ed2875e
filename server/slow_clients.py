"""Slow or incomplete requests cannot hold a gunicorn thread: one read deadline for the request head, one for the body.

gunicorn's gthread worker reads the request line, headers and body with blocking
reads in one of its few threads and times none of them, so 8 connections that send
half a request line, or POSTs that announce 1,000 bytes and send 3, block every
thread (docs/server.md, "Under load"). `Worker` is that worker with the socket of
each connection wrapped in a `DeadlineSocket`: a read past the deadline raises
`SlowClient` instead of waiting. The head must arrive within `SCIPLAN_READ_TIMEOUT`
of the moment a thread takes the connection (else 408 and the connection is closed);
`read_body`, called by the app before it routes, gives the body the same time from
the end of the head and answers 408 past it. Behind nginx (docs/nginx.conf) the proxy
buffers whole requests and gunicorn never meets a slow client; this is the second line.
The development server (werkzeug) has no such deadline.
"""

from __future__ import annotations

import io
from functools import cache
from time import monotonic

from werkzeug.exceptions import RequestTimeout

DEFAULT_READ_TIMEOUT = 10.0


class SlowClient(Exception):
    """The client did not send its request (head or body) before the read deadline."""


class DeadlineSocket:
    """A connection socket whose recv() ends at `deadline` (monotonic); anything else goes to the socket."""

    def __init__(self, sock):
        self._sock = sock
        self.deadline: float | None = None
        self.expired = False

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def start(self, seconds: float) -> None:
        self.deadline, self.expired = monotonic() + seconds, False

    def recv(self, size: int, *flags) -> bytes:
        if self.expired:
            return b""  # the request was answered with 408: whatever follows is not read (the connection closes)
        if self.deadline is None:
            return self._sock.recv(size, *flags)
        left = self.deadline - monotonic()
        if left <= 0:
            self.expired = True
            raise SlowClient("the request did not arrive within the read deadline")
        previous = self._sock.gettimeout()
        self._sock.settimeout(left)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            self.expired = True
            raise SlowClient("the request did not arrive within the read deadline") from None
        finally:
            self._sock.settimeout(previous)


def read_body(environ: dict, seconds: float, limit: int) -> None:
    """Read the request body into memory within `seconds` (408 past it), when gunicorn's socket is a
    DeadlineSocket; bodies over `limit` are left to the 413 of MAX_CONTENT_LENGTH."""
    sock = environ.get("gunicorn.socket")
    if not isinstance(sock, DeadlineSocket):
        return
    sock.start(seconds)
    try:
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit() and 0 < int(length) <= limit:
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        elif not length and environ.get("wsgi.input_terminated") and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(limit + 1))
    except SlowClient:
        raise RequestTimeout(f"the request body did not arrive within {seconds:g} s") from None
    finally:
        if not sock.expired:
            sock.deadline = None  # the response and the next request's wait are not this body's


@cache
def _worker_class():
    from gunicorn import util
    from gunicorn.workers.gthread import ThreadWorker

    class Worker(ThreadWorker):
        """gunicorn's gthread worker with read deadlines (module docstring); `--worker-class server.slow_clients.Worker`."""

        def read_timeout(self) -> float:
            state = getattr(self.wsgi, "extensions", {}).get("sciplan")
            return state.options.read_timeout if state is not None else DEFAULT_READ_TIMEOUT

        def handle(self, conn):
            if not self.cfg.is_ssl and not isinstance(conn.sock, DeadlineSocket):  # TLS ends at the proxy
                conn.sock = DeadlineSocket(conn.sock)
            if isinstance(conn.sock, DeadlineSocket):
                conn.sock.start(self.read_timeout())
            return super().handle(conn)

        def handle_error(self, req, client, addr, exc):
            if not isinstance(exc, SlowClient):
                return super().handle_error(req, client, addr, exc)
            self.log.warning("Slow request from ip=%s: no complete request head within %g s",
                             (addr or ("",))[0], self.read_timeout())
            try:
                util.write_error(client, 408, "Request Timeout", "the request did not arrive in time")
            except Exception:
                self.log.debug("Failed to send the 408.")
            return None

    return Worker


def __getattr__(name: str):
    if name == "Worker":  # gunicorn is only imported where it runs
        return _worker_class()
    raise AttributeError(name)
