"""The three ways the server runs a query: in killable worker processes, in-process, on a remote store.

ProcessPool (the built store): run SPARQL in worker processes that can be
killed when a query takes too long.

pyoxigraph cannot interrupt a running query and a thread cannot be stopped,
so every query goes to one of a few pre-started worker processes, each with
its own read-only store handle. The web process waits for the answer at most
`timeout` seconds; past that it kills the worker, starts a fresh one and
answers 503 while the other workers go on serving.

Results cross the process boundary as plain data (server/jobs.py). The
worker's loop is server/worker.py. InlineExecutor runs in the calling thread
(an in-memory store: tests, embedding); RemoteExecutor sends the query to a
remote SPARQL store.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from time import perf_counter

import pyoxigraph as ox

from sciplan.config import unexecutable_environment
from sciplan.errors import RemoteError

from . import direct_send
from .errors import QueryFailed, status_for
from .evaluate import execute
from .jobs import Job, Outcome
from .sandbox import SandboxError
from .worker import serve

log = logging.getLogger("sciplan.server")

WRITE_GRACE = 1.0  # seconds past the deadline the web process waits for a query process writing to the client


class InlineExecutor:
    """Runs queries in the calling thread: for an in-memory store; no timeout."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.version = f"memory-{id(store)}"

    def run(self, job: Job, client: str = "-", started: float | None = None) -> Outcome:
        return execute(self.store, job)

    def close(self) -> None:
        pass


class RemoteExecutor:
    """Runs queries on a remote SPARQL store (sciplan.backend.Remote) in the calling thread.

    No worker processes: the remote store does the work, and the HTTP timeout
    (SCIPLAN_SPARQL_TIMEOUT) bounds the wait. Failures of the store become 502,
    its time-outs 503.
    """

    def __init__(self, remote):
        self.store = remote
        self.version = f"remote-{remote.url}"

    def run(self, job: Job, client: str = "-", started: float | None = None) -> Outcome:
        try:
            return execute(self.store, job)
        except RemoteError as exc:
            raise QueryFailed(status_for(exc), str(exc)) from None

    def close(self) -> None:
        pass


class ProcessPool:
    """A fixed number of query worker processes; one query per worker at a time.

    The deadline counts the wait: a request gets a query process and its answer within `timeout`
    of its start (`started`, perf_counter), or a 503 with Retry-After; a killed process is replaced
    in the background, so no request waits for a start-up. Fair share: one client (its address)
    holds at most `share` query processes at once (default half of them) and has at most `size`
    requests waiting; a waiting request takes the first free process in arrival order among the
    clients under their share, so one client's runaway queries leave the others a process.
    """

    def __init__(self, store_path: Path | str, size: int, timeout: float, memory_mb: int = 0, sandbox: bool = True,
                 share: int = 0):
        self.store_path = str(store_path)
        self.size = max(1, size)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.sandbox = sandbox  # no network in the query processes (no SERVICE is allowed)
        self.share = share or max(1, self.size // 2)
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._idle: list = []  # the last worker used first: its caches are warm
        self._workers: set = set()
        self._lock = threading.Condition()
        self._busy: Counter[str] = Counter()     # query processes held, per client
        self._waiting: Counter[str] = Counter()  # requests waiting, per client
        self._queue: list[tuple[object, str]] = []  # waiting requests in arrival order
        self._closed = False
        # PR_SET_PDEATHSIG fires when the *thread* that started a process ends, so every query process
        # is started from this one long-lived thread, never from a request's thread.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="sciplan-spawn")
        started = [self._start(wait=False) for _ in range(self.size)]
        try:
            for worker in started:
                self._ready(worker)
                self._idle.append(worker)
        except QueryFailed as exc:
            self.close()
            raise SandboxError(exc.message) from None

    def _start(self, wait: bool = True):
        worker = self._spawner.submit(self._spawn).result()  # on the spawner thread (see __init__)
        if wait:
            self._ready(worker)
        return worker

    def _spawn(self):
        parent, child = self._context.Pipe()
        writing = self._context.RawValue("b", 0)  # set by the process before it writes to a client (direct_send)
        proc = self._context.Process(
            target=serve, args=(child, self.store_path, self.memory_mb, self.timeout, self.sandbox, os.getpid(), writing),
            daemon=True, name="sciplan-query",
        )
        proc.start()
        proc.writing = writing
        child.close()
        worker = (proc, parent)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _ready(self, worker) -> None:
        """Wait for the worker's first word: it has opened the store and limited itself, or it says why not."""
        proc, conn = worker
        try:
            word, why = conn.recv() if conn.poll(60) else ("failed", "no answer within 60 s")
        except (EOFError, OSError):
            proc.join(timeout=5)
            cause = unexecutable_environment()  # exit code 255 before a word: exec itself failed
            word, why = "failed", f"it ended with exit code {proc.exitcode}" + (f"; {cause}" if cause else "")
        if word != "ready":
            self._stop(worker)
            raise QueryFailed(503, f"a query process could not start: {why}")

    def _stop(self, worker) -> None:
        """Kill the worker and close its pipe, once: close() and a worker failing to start (the spawner's thread)
        may stop the same worker at the same time, and a pipe closed twice at once closes a descriptor twice."""
        with self._lock:
            if worker not in self._workers:
                return  # stopped already, or being stopped by the other thread
            self._workers.discard(worker)
        proc, conn = worker
        proc.kill()
        proc.join(timeout=5)
        conn.close()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [proc.pid for proc, _ in self._workers]

    def run(self, job: Job, client: str = "-", started: float | None = None, direct=None) -> Outcome:
        """The job's outcome; with `direct` (a direct_send.Head and the client socket's descriptor) a 200
        answer is written to the client by the query process and the outcome says so (Outcome.sent)."""
        deadline = (perf_counter() if started is None else started) + self.timeout
        worker = self._acquire(client, deadline)
        reply = None
        writing = False
        try:
            proc, conn = worker
            left = deadline - perf_counter()
            timed = replace(job, time_limit=max(left, 0.0))
            if direct is None:
                direct_send.send_job(conn, timed)
            else:
                proc.writing.value = 0
                direct_send.send_job(conn, (timed, direct[0]), direct[1])
            if conn.poll(max(left, 0.0)):
                reply = conn.recv()
            elif direct is not None and proc.writing.value:  # writing to the client: a grace to finish, then cut
                writing = True
                if not conn.poll(WRITE_GRACE):
                    return Outcome("select", sent=direct_send.CUT)
                reply = conn.recv()
            elif direct is not None and self._stopped_writing(worker):
                writing = True
                return Outcome("select", sent=direct_send.CUT)
            else:
                raise QueryFailed(503, f"query stopped: it ran longer than the time limit of {self.timeout:g} s",
                                  retry_after=self._retry_after())
        except (EOFError, OSError):
            reply = None
            if direct is not None and (writing or proc.writing.value):  # it died writing: no other answer may follow
                return Outcome("select", sent=direct_send.CUT)
            raise QueryFailed(503, "query stopped: the query worker ended unexpectedly (out of memory?)",
                              retry_after=self._retry_after()) from None
        finally:
            self._release(client, worker, healthy=reply is not None)
        if reply[0] == "error":
            raise QueryFailed(reply[1], reply[2])
        return reply[1]

    def _stopped_writing(self, worker) -> bool:
        """After the deadline passed without an answer: stop the query process, then see whether it had
        begun to write to the client (it says so, in shared memory, before its first byte)."""
        proc, _ = worker
        proc.kill()
        proc.join(timeout=5)
        return bool(proc.writing.value)

    def _retry_after(self) -> int:
        return max(1, round(self.timeout))

    def _acquire(self, client: str, deadline: float):
        """A live idle worker for `client` before `deadline`, in arrival order among clients under their share."""
        with self._lock:
            if self._waiting[client] >= self.size:
                raise QueryFailed(503, f"this client already has {self.size} queries waiting for a query process; "
                                  "try again later", retry_after=self._retry_after())
            ticket = object()
            self._queue.append((ticket, client))
            self._waiting[client] += 1
            try:
                while True:
                    if self._idle and self._first_eligible() is ticket:
                        worker = self._idle.pop()
                        if not worker[0].is_alive():  # died while idle: replace in the background, try another
                            self._replace(worker)
                            continue
                        self._busy[client] += 1
                        return worker
                    left = deadline - perf_counter()
                    if left <= 0:
                        held = self._busy[client]
                        why = (f"this client's {held} running queries hold its share ({self.share}) of the query processes"
                               if held >= self.share else "all query processes stayed busy")
                        raise QueryFailed(503, f"{why} for the time limit of {self.timeout:g} s; try again later",
                                          retry_after=self._retry_after())
                    self._lock.wait(left)
            finally:
                self._queue.remove((ticket, client))
                self._waiting[client] -= 1
                if not self._waiting[client]:
                    del self._waiting[client]
                self._lock.notify_all()

    def _first_eligible(self):
        for ticket, client in self._queue:
            if self._busy[client] < self.share:
                return ticket
        return None

    def _release(self, client: str, worker, healthy: bool) -> None:
        with self._lock:
            self._busy[client] -= 1
            if not self._busy[client]:
                del self._busy[client]
            if healthy:
                self._idle.append(worker)
            self._lock.notify_all()
        if not healthy:
            self._replace(worker)

    def _replace(self, worker) -> None:
        """Kill `worker` now; start its successor on the spawner thread and add it when it is ready."""
        worker[0].kill()
        with self._lock:
            self._workers.discard(worker)
        self._spawner.submit(self._respawn, worker)

    def _respawn(self, old) -> None:
        old[0].join(timeout=5)
        old[1].close()
        for attempt in range(5):
            if self._closed:
                return
            try:
                fresh = self._spawn()
                self._ready(fresh)
            except QueryFailed as exc:
                if self._closed:  # close() stopped it while it started
                    return
                log.error("query process could not be replaced (attempt %d): %s", attempt + 1, exc.message)
                time.sleep(1 + attempt)
                continue
            except RuntimeError:  # the pool is closing: the spawner takes no more work
                return
            with self._lock:
                if not self._closed:
                    self._idle.append(fresh)
                    self._lock.notify_all()
                    return
            self._stop(fresh)
            return

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._workers)
        for worker in workers:
            self._stop(worker)
        self._spawner.shutdown(wait=False, cancel_futures=True)
