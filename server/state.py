"""What one web process holds: settings, limits, the query executor and small caches."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox
from flask import current_app, g, has_request_context, request

from sciplan import vocab
from sciplan.backend import Backend, Remote
from sciplan.config import ServerOptions, Settings
from sciplan.publish import Computed, OnDisk, Published
from sciplan.store import build_info

from .executors import InlineExecutor, ProcessPool, RemoteExecutor
from .jobs import Job, Outcome
from .store_handle import StoreHandle
from .views import Views

DONE = "sciplan.done"  # environ: (job, outcome or exception) of a job the fast path (server/fast_path.py) ran


@dataclass
class State:
    settings: Settings
    options: ServerOptions
    executor: InlineExecutor | ProcessPool | RemoteExecutor
    store_handle: StoreHandle | None
    memory_store: Backend | None         # an in-memory pyoxigraph Store, or the remote store
    views: Views
    _cache: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings, store=None) -> State:
        options = settings.server
        views = Views.load(options.views_dir)
        remote = settings.remote_store() if store is None else None
        if remote is not None:  # a remote SPARQL store (SCIPLAN_SPARQL_URL): no local store, no query processes
            if remote.timeout is None:
                remote = replace(remote, timeout=options.query_timeout)  # the server's own time limit
            backend = Remote(remote, strict=False)
            return cls(settings, options, RemoteExecutor(backend), None, backend, views)
        if isinstance(store, ox.Store):
            return cls(settings, options, InlineExecutor(store), None, store, views)
        path = Path(store) if store is not None else Path(settings.store)
        handle = StoreHandle(path)
        handle.get()  # fail now, with the store path in the message, if there is no store
        pool = ProcessPool(path, options.query_processes, options.query_timeout, options.query_memory_mb,
                           sandbox=not options.service_allowlist, share=options.query_share)
        return cls(settings, options, pool, handle, None, views)

    # ---- store access

    def store(self) -> Backend:
        """A read-only handle in this process, for dumps and counts (not for user queries)."""
        if self.memory_store is not None:
            return self.memory_store
        assert self.store_handle is not None  # State.open makes one of the two
        return self.store_handle.get()

    @property
    def version(self) -> str:
        if self.store_handle:
            return self.store_handle.version
        return getattr(self.executor, "version", f"memory-{id(self.memory_store)}")

    def cached(self, name: Hashable, compute):
        """Memoize per store build: a rebuilt store gets fresh values."""
        key = (self.version, name)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] == key[0]}
            self._cache[key] = value
        return value

    # ---- queries

    def job(self, query: str, **kw) -> Job:
        kw.setdefault("max_rows", self.options.max_rows)
        kw.setdefault("prefixes", self.cached("prefix-pairs", lambda: tuple(self.prefixes().items())))
        return Job(query=query, base_iri=self.settings.base, allowed_services=frozenset(self.options.service_allowlist), **kw)

    def run(self, query: str, **kw) -> Outcome:
        """Run a query for the current request: its client's fair share, its deadline from its start."""
        job = self.job(query, **kw)
        if has_request_context():
            done = request.environ.pop(DONE, None)  # the fast path (server/fast_path.py) ran this job already
            if done is not None and done[0] == job:
                if isinstance(done[1], Exception):
                    raise done[1]
                return done[1]
            return self.executor.run(job, client=request.remote_addr or "-", started=g.get("started"))
        return self.executor.run(job)

    # Metadata the pages need: cheap, cached, and run on this process's own handle.

    def prefixes(self) -> dict[str, str]:
        return self.cached("prefixes", lambda: vocab.declared_prefixes(self.store()))

    def published(self) -> Published:
        """The downloads, graph sizes and VoID description `sciplan build` published beside the store;
        for a store without them (remote, in memory, built before they existed) the same, computed
        from the store once per version."""
        def compute() -> Published:
            if self.store_handle is not None:
                found = OnDisk.of(self.store_handle.path)
                if found is not None:
                    return found
            built = build_info(self.store_handle.path).get("built") if self.store_handle else None
            return Computed(self.store(), self.settings, built)
        return self.cached("published", compute)

    def graph_sizes(self) -> list[tuple[str, int]]:
        return self.published().graph_sizes()

    def close(self) -> None:
        self.executor.close()


def current() -> State:
    return current_app.extensions["sciplan"]


def found_at_start(key: str, directory: Path, check) -> bool:
    """check() as create_app found it (app.config[key]: the directory it looked in and the answer),
    looked at again only when the directory is another one: files `npm ci` installs need a restart."""
    seen = current_app.config.get(key)
    return seen[1] if seen is not None and seen[0] is directory else check()
