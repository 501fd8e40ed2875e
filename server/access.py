"""The access log: one line per request, the same from the Flask app (server/app.py) and from the
/sparql fast path (server/fast_path.py), which answers without Flask."""

from __future__ import annotations

import logging
from hashlib import sha256
from time import perf_counter

log = logging.getLogger("sciplan.access")


def query_hash(query: str) -> str:
    """What the log says of a query: the first 12 hex digits of its SHA-256 (the text itself is not logged)."""
    return sha256(query.encode("utf-8")).hexdigest()[:12]


def line(client: str, method: str, path: str, status: int, rows, hashed: str, started: float) -> None:
    log.info("%s %s %s %d rows=%s query=%s %.1fms", client, method, path, status, rows, hashed,
             (perf_counter() - started) * 1000)
