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

A thread that answered on a keep-alive connection waits for that connection's next request
itself while no other connection needs the thread (`Lingering`); the next request gets its read
deadline from the moment it arrives, as through gunicorn's poller.
"""

from __future__ import annotations

import io
import os
import select
import threading
from functools import cache
from time import monotonic

from werkzeug.exceptions import RequestTimeout

from . import lean_front

DEFAULT_READ_TIMEOUT = 10.0
READABLE, CALLED, IDLE = "readable", "called", "idle"  # how Lingering.wait ended


class SlowClient(Exception):
    """The client did not send its request (head or body) before the read deadline."""


class DeadlineSocket:
    """A connection socket whose recv() ends at `deadline` (monotonic); anything else goes to the socket."""

    def __init__(self, sock):
        self._sock = sock
        self.deadline: float | None = None
        self.expired = False
        self.carried: dict | None = None  # what the lean front found out about the request gunicorn reads next

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


class Lingering:
    """The book-keeping of threads that wait on their keep-alive connection (`Worker.handle`).

    A thread that answered a request on a keep-alive connection waits for the next request on that
    connection itself, up to gunicorn's keep-alive timeout, instead of handing the connection back to
    gunicorn's poller thread. Why: through the poller the next request wakes two threads in a row
    (the poller, which unregisters the socket and hands it to the pool, then a worker thread, which
    waits for the poller to let go of the GIL) before the query process is woken, and the previous
    answer's end costs a wake-up of the poller to register the socket again; Oxigraph's server
    wakes one thread per request. Measured (2026-12-03, load 2.1–3.4, one run, the servers' turns
    interleaved in blocks of 100 requests; our production recipe, 4 workers × 8 threads): a client
    sending `ASK {}` back to back, p50 0.82 → 0.66 ms, the web process's CPU 0.48 → 0.37 ms a
    request (Oxigraph's server: 0.09 ms, 0.035 ms). Where the client does something else between
    two requests (endpoint_overhead_bench.py, the servers in turn) the gain is within the noise
    (paired median over 8 queries +0.965 → +0.962 ms): the wake-up of the web thread on the socket
    and that of the query process remain.

    A lingering thread never keeps a request from a thread: when a connection is queued for the
    thread pool and no thread is free (`wanted`), one lingering thread per queued connection gives its
    own connection back to the poller (a byte on the `wake` pipe) and takes the queued one. A
    stopping worker calls them all back (`stop`).
    """

    def __init__(self, threads: int):
        self.threads = threads
        self.busy = 0       # threads in Worker.handle, lingering or not
        self.lingering = 0  # threads waiting on their connection's next request
        self.queued = 0     # connections handed to the pool and not yet taken by a thread
        self.lock = threading.Lock()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def queue(self) -> None:
        """A connection is going to the thread pool: if no thread is free, call a lingering one back."""
        with self.lock:
            self.queued += 1
            call = self.lingering > 0 and self.queued > self.threads - self.busy
        if call:
            self._call(1)

    def stop(self) -> None:
        self._call(self.threads)

    def _call(self, count: int) -> None:
        try:
            os.write(self.wake_w, b"x" * count)
        except BlockingIOError:  # the pipe is full of calls already
            pass

    def taken(self) -> None:
        with self.lock:
            self.queued = max(0, self.queued - 1)
            self.busy += 1

    def done(self) -> None:
        with self.lock:
            self.busy -= 1

    def wait(self, sock, seconds: float) -> str:
        """Wait up to `seconds` for `sock` to become readable: READABLE, CALLED (back, for queued
        work) or IDLE (nothing came)."""
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        poller.register(self.wake_r, select.POLLIN)
        end = monotonic() + seconds
        with self.lock:
            self.lingering += 1
        try:
            while (left := end - monotonic()) > 0:
                ready = dict(poller.poll(left * 1000))
                if ready.get(sock.fileno()):
                    return READABLE
                if ready.get(self.wake_r):
                    try:
                        if os.read(self.wake_r, 1):
                            return CALLED
                    except BlockingIOError:  # another lingering thread answered that call
                        pass
            return IDLE
        finally:
            with self.lock:
                self.lingering -= 1


def _buffered(conn) -> bool | None:
    """Whether the connection's next request was read with the last one (gunicorn's parser keeps it in its
    `unreader.buf`, a BytesIO); None where this gunicorn keeps it elsewhere — waiting on the socket could then
    leave a request that is already read waiting for the keep-alive timeout."""
    if conn.parser is None:
        return False
    buf = getattr(getattr(conn.parser, "unreader", None), "buf", None)
    return bool(buf.getvalue()) if isinstance(buf, io.BytesIO) else None


@cache
def _worker_class():
    from gunicorn import util
    from gunicorn.workers.gthread import ThreadWorker

    class Worker(ThreadWorker):
        """gunicorn's gthread worker with read deadlines (module docstring) whose threads wait on their
        keep-alive connection for its next request (`Lingering`); `--worker-class server.slow_clients.Worker`."""

        lingering: Lingering | None = None
        _lean: object = False  # (FastPath, ProxyFix view or None) the lean front answers with, None: off; False: not looked yet

        def lean_front(self):
            """What the lean front (server/lean_front.py) answers with here, or None."""
            if self._lean is False:
                state = getattr(self.wsgi, "extensions", {}).get("sciplan")
                found = lean_front.front_of(self.wsgi)
                on = found is not None and state is not None and state.options.lean_front and lean_front.eligible(self)
                self._lean = found if on else None
            return self._lean

        def init_process(self):
            self.lingering = Lingering(self.cfg.threads)
            super().init_process()

        def read_timeout(self) -> float:
            state = getattr(self.wsgi, "extensions", {}).get("sciplan")
            return state.options.read_timeout if state is not None else DEFAULT_READ_TIMEOUT

        def enqueue_req(self, conn):
            if self.lingering is not None:
                self.lingering.queue()
            super().enqueue_req(conn)

        def handle_exit(self, sig, frame):
            super().handle_exit(sig, frame)
            if self.lingering is not None:
                self.lingering.stop()

        def handle(self, conn):
            lingering = self.lingering
            if lingering is None:
                return self.handle_one(conn)
            lingering.taken()
            try:
                while True:
                    keep = self.handle_one(conn)
                    if keep is not True or not self.alive or not self.cfg.keepalive:
                        return keep
                    buffered = _buffered(conn)
                    if buffered is None:
                        return keep  # a gunicorn that keeps its read buffer elsewhere: back to its poller
                    if buffered:
                        continue  # the next request came with this one
                    waited = lingering.wait(conn.sock, self.cfg.keepalive)
                    if waited == CALLED:
                        return keep  # back to the poller, as gunicorn does it
                    if waited == IDLE:
                        return False  # idle for the keep-alive timeout: closed, as the poller would
            finally:
                lingering.done()

        def handle_one(self, conn):
            if not self.cfg.is_ssl and not isinstance(conn.sock, DeadlineSocket):  # TLS ends at the proxy
                conn.sock = DeadlineSocket(conn.sock)
            front = self.lean_front()
            if front is not None and _buffered(conn) is False:  # bytes gunicorn already read are its parser's to read
                request = lean_front.peek(conn)
                if request is not None:
                    keep = lean_front.answer(self, conn, front[0], request, front[1])
                    if keep is not None:
                        return keep
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
