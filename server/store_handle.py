"""A read-only handle on the built store that follows `sciplan build`'s switch of the store link."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox

from sciplan.store import open_store


class StoreHandle:
    """A read-only store that reopens itself when 'sciplan build' repoints the store link."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._target: Path | None = None
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    def get(self) -> ox.Store:
        target = self.path.resolve()
        with self._lock:
            if target != self._target or self._store is None:
                self._store = open_store(self.path)
                self._target = target
            return self._store

    @property
    def version(self) -> str:
        return str(self.path.resolve())
