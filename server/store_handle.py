"""A read-only handle on the built store that follows `sciplan build`'s switch of the store link."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pyoxigraph as ox

from sciplan.store import open_store


class StoreHandle:
    """A read-only store that reopens itself when 'sciplan build' repoints the store link.

    Each query (in the query process) and each /sparql request (the web process's prefixes, keyed
    by `version`) asks whether the link still points where it did. `Path.resolve()` walks every
    component of the path (eight system calls for /tmp/x/real/store, 23 µs); one `stat` of the
    path (2.8 µs) says whether the directory it leads to is still the same one: the device, inode
    and change time of a build directory stay as they are while it is the store, and a new build is
    another directory (made while the old one still exists, so another inode; a later build that
    reused a removed one's inode has its own change time). Only when those differ is the path
    resolved again and compared, as before.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._target: Path | None = None  # where the path led when last resolved
        self._seen: tuple | None = None    # what stat said then
        self._opened: Path | None = None  # the directory _store was opened at
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    def get(self) -> ox.Store:
        target = self._resolved()
        with self._lock:
            if target != self._opened or self._store is None:
                self._store = open_store(self.path)
                self._opened = target
            return self._store

    @property
    def version(self) -> str:
        return str(self._resolved())

    def _resolved(self) -> Path:
        """The directory the path leads to: resolved again only when stat sees another directory."""
        seen = _identity(self.path)
        with self._lock:
            if seen is not None and seen == self._seen and self._target is not None:
                return self._target
        target = self.path.resolve()
        with self._lock:
            self._target, self._seen = target, seen
        return target


def _identity(path: Path) -> tuple | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_ctime_ns
