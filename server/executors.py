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

import multiprocessing
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from sciplan.config import unexecutable_environment
from sciplan.errors import RemoteError

from .errors import QueryFailed, status_for
from .evaluate import execute
from .jobs import Job, Outcome
from .sandbox import SandboxError
from .worker import serve


class InlineExecutor:
    """Runs queries in the calling thread: for an in-memory store; no timeout."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.version = f"memory-{id(store)}"

    def run(self, job: Job) -> Outcome:
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

    def run(self, job: Job) -> Outcome:
        try:
            return execute(self.store, job)
        except RemoteError as exc:
            raise QueryFailed(status_for(exc), str(exc)) from None

    def close(self) -> None:
        pass


class ProcessPool:
    """A fixed number of query worker processes; one query per worker at a time."""

    def __init__(self, store_path: Path | str, size: int, timeout: float, memory_mb: int = 0, sandbox: bool = True):
        self.store_path = str(store_path)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.sandbox = sandbox  # no network in the query processes (no SERVICE is allowed)
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._idle: queue.Queue = queue.LifoQueue()  # the last worker used first: its caches are warm
        self._workers: set = set()
        self._lock = threading.Lock()
        # PR_SET_PDEATHSIG fires when the *thread* that started a process ends, so every query process
        # is started from this one long-lived thread, never from a request's thread.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="sciplan-spawn")
        started = [self._start(wait=False) for _ in range(max(1, size))]
        try:
            for worker in started:
                self._ready(worker)
                self._idle.put(worker)
        except QueryFailed as exc:
            self.close()
            raise SandboxError(exc.message) from None

    def _start(self, wait: bool = True):
        worker = self._spawner.submit(self._spawn).result()
        if wait:
            self._ready(worker)
        return worker

    def _spawn(self):
        parent, child = self._context.Pipe()
        proc = self._context.Process(
            target=serve, args=(child, self.store_path, self.memory_mb, self.timeout, self.sandbox, os.getpid()),
            daemon=True, name="sciplan-query",
        )
        proc.start()
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
        proc, conn = worker
        proc.kill()
        proc.join(timeout=5)
        conn.close()
        with self._lock:
            self._workers.discard(worker)

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [proc.pid for proc, _ in self._workers]

    def run(self, job: Job) -> Outcome:
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryFailed(503, f"all query workers stayed busy for {self.timeout:g} s; try again later") from None
        if not worker[0].is_alive():  # died while idle: replace before use
            self._stop(worker)
            worker = self._start()
        reply = None
        try:
            proc, conn = worker
            conn.send(job)
            if not conn.poll(self.timeout):
                raise QueryFailed(503, f"query stopped: it ran longer than the time limit of {self.timeout:g} s")
            reply = conn.recv()
        except (EOFError, OSError):
            raise QueryFailed(503, "query stopped: the query worker ended unexpectedly (out of memory?)") from None
        finally:
            if reply is None:
                self._stop(worker)
                worker = self._start()
            self._idle.put(worker)
        if reply[0] == "error":
            raise QueryFailed(reply[1], reply[2])
        return reply[1]

    def close(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._stop(worker)
        self._spawner.shutdown(wait=False)
