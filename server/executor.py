"""Run SPARQL in worker processes that can be killed when a query takes too long.

pyoxigraph cannot interrupt a running query and a thread cannot be stopped,
so every query goes to one of a few pre-started worker processes, each with
its own read-only store handle. The web process waits for the answer at most
`timeout` seconds; past that it kills the worker, starts a fresh one and
answers 503 while the other workers go on serving.

Results cross the process boundary as plain data: SELECT rows as SPARQL JSON
bindings, ASK as a bool, CONSTRUCT/DESCRIBE already serialized.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import re
import resource
import signal
import threading
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from sciplan.errors import RemoteError
from sciplan.store import open_store
from sciplan.vocab import RDF_LANG_STRING, XSD_STRING

from .errors import QueryFailed, status_for
from .safety import check_query

log = logging.getLogger("sciplan.server")

THIS = re.compile(r"[?$]this\b")
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


@dataclass(frozen=True)
class Job:
    query: str
    base_iri: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    rdf_format: str = "TURTLE"          # ox.RdfFormat name for CONSTRUCT/DESCRIBE answers
    prefixes: tuple[tuple[str, str], ...] = ()
    max_rows: int = 10_000
    trusted: bool = False               # the server's own queries skip the safety check
    allowed_services: frozenset[str] = frozenset()


@dataclass
class Outcome:
    kind: str                           # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    boolean: bool = False
    data: bytes = b""
    count: int = 0
    truncated: bool = False


def bind_this(query: str, iri: str) -> str:
    """Put <iri> for ?this; the IRI is checked so it cannot break out of <...>."""
    try:
        if IRI_FORBIDDEN.search(iri):
            raise ValueError("character not allowed in an IRI")
        ox.NamedNode(iri)  # raises ValueError on anything else that is not an IRI
    except ValueError as exc:
        raise QueryFailed(400, f"not a usable IRI: {iri!r} ({exc})") from None
    return THIS.sub(lambda _: f"<{iri}>", query)


BRACKETS = re.compile(r"[{}()\[\]]")
DEEP = 24  # nesting depth from which rdflib's parser (recursive) may refuse what Oxigraph runs


def needs_check(query: str) -> bool:
    """Whether the safety check must parse the text: it can hold a SERVICE clause (the keyword, or a
    \\u escape that could spell it: SPARQL decodes those anywhere before parsing), or it nests so
    deep that rdflib, which refuses such queries, and Oxigraph might disagree."""
    lowered = query.lower()
    if "service" in lowered or "\\u" in lowered:
        return True
    if sum(map(query.count, "{([")) < DEEP:
        return False
    depth = deepest = 0
    for match in BRACKETS.finditer(query):
        depth += 1 if match.group() in "{([" else -1
        deepest = max(deepest, depth)
    return deepest >= DEEP


@lru_cache(maxsize=128)
def checked(query: str, base_iri: str, allowed_services: frozenset[str]) -> tuple[str, ...]:
    """check_query, remembered per text: repeated queries skip rdflib's parse (it is slow)."""
    return tuple(check_query(query, base_iri, allowed_services))


def execute(store: ox.Store, job: Job, always_check: bool = False) -> Outcome:
    """Check, evaluate and package one query. Raises QueryFailed.

    Fast path: the safety check parses the query with rdflib (10-40 ms for the competency
    queries, more than evaluating them). It is only needed for its SERVICE allowlist when the
    text can name a SERVICE; otherwise the store's own parser decides, and a text it refuses is
    then checked, so that an update still gets 403 and a syntax error rdflib's message.
    `always_check` skips the fast path: a remote store must never see an update.
    """
    if job.trusted or not (always_check or needs_check(job.query)):
        services: tuple[str, ...] = ()
    else:
        services = checked(job.query, job.base_iri, job.allowed_services)
    try:
        return _evaluate(store, job, services)
    except QueryFailed as failed:
        if failed.status == 400 and not job.trusted and not (always_check or services):
            check_query(job.query, job.base_iri, job.allowed_services)  # raises the refusal the check gives
        raise


def _evaluate(store: ox.Store, job: Job, services) -> Outcome:
    dataset = {}
    if job.default_graphs or job.named_graphs:  # the protocol's dataset replaces FROM / FROM NAMED
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in job.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
        }
    try:
        result = store.query(job.query, base_iri=job.base_iri, use_default_graph_as_union=not dataset, **dataset)
        return _package(result, job)
    except SyntaxError as exc:
        raise QueryFailed(400, f"SPARQL syntax error: {exc}") from None
    except OSError as exc:  # a SERVICE call that failed, or the store could not be read
        if services:
            raise QueryFailed(502, f"SERVICE call failed: {exc}") from None
        raise
    except (ValueError, RuntimeError, TypeError) as exc:
        raise QueryFailed(400, f"query failed: {exc}") from None


def _package(result, job: Job) -> Outcome:
    if isinstance(result, ox.QueryBoolean):
        return Outcome("ask", boolean=bool(result), count=1)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        memo: dict = {}  # one binding per distinct term: rows repeat terms, and pickle then sends each once

        def bound(term):
            found = memo.get(term)
            if found is None:
                found = memo[term] = binding(term)
            return found

        rows = [
            {n: bound(term) for n in names if (term := sol[n]) is not None}
            for sol in islice(result, job.max_rows + 1)
        ]
        truncated = len(rows) > job.max_rows
        del rows[job.max_rows:]
        return Outcome("select", variables=names, rows=rows, count=len(rows), truncated=truncated)
    triples = list(islice(result, job.max_rows + 1))
    truncated = len(triples) > job.max_rows
    del triples[job.max_rows:]
    fmt = getattr(ox.RdfFormat, job.rdf_format)
    prefixes = dict(job.prefixes) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    data = ox.serialize(triples, format=fmt, prefixes=prefixes)
    return Outcome("graph", data=data, count=len(triples), truncated=truncated)


def binding(term) -> dict:
    """A term as a SPARQL 1.1 JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: binding(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
        out["datatype"] = term.datatype.value
    return out


class StoreHandle:
    """A read-only store that reopens itself when 'sciplan build' repoints the store link."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._target = None
        self._store = None
        self._lock = threading.Lock()

    def get(self) -> ox.Store:
        target = self.path.resolve()
        with self._lock:
            if target != self._target:
                self._store = open_store(self.path)
                self._target = target
            return self._store

    @property
    def version(self) -> str:
        return str(self.path.resolve())


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
            return execute(self.store, job, always_check=True)
        except RemoteError as exc:
            raise QueryFailed(status_for(exc), str(exc)) from None

    def close(self) -> None:
        pass


class ProcessPool:
    """A fixed number of query worker processes; one query per worker at a time."""

    def __init__(self, store_path: Path | str, size: int, timeout: float, memory_mb: int = 0):
        self.store_path = str(store_path)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._idle: queue.Queue = queue.LifoQueue()  # the last worker used first: its caches are warm
        self._workers: set = set()
        self._lock = threading.Lock()
        for _ in range(max(1, size)):
            self._idle.put(self._start())

    def _start(self):
        parent, child = self._context.Pipe()
        proc = self._context.Process(
            target=_serve, args=(child, self.store_path, self.memory_mb), daemon=True, name="sciplan-query"
        )
        proc.start()
        child.close()
        worker = (proc, parent)
        with self._lock:
            self._workers.add(worker)
        return worker

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


def _serve(conn, store_path: str, memory_mb: int) -> None:
    """Body of a worker process: answer jobs until the web process goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the web process
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    handle = StoreHandle(store_path)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply = ("ok", execute(handle.get(), job))
        except QueryFailed as exc:
            reply = ("error", exc.status, exc.message)
        except MemoryError:
            reply = ("error", 503, "query stopped: it needed more memory than a query may use")
        except Exception:
            log.error("query worker failed:\n%s", traceback.format_exc())
            reply = ("error", 500, "internal error while running the query")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
