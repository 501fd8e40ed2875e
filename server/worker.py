"""The body of a query worker process: answer jobs from the web process until it goes away.

Each worker has its own read-only store handle and, if configured, an
address-space limit, so a query that needs too much memory ends in this
process (503) rather than in the web process. It also limits itself
(server/sandbox.py): no network when no SERVICE is allowed, death with its
parent, and each job's own deadline.
"""

from __future__ import annotations

import logging
import resource
import signal
import traceback

from .errors import QueryFailed
from .evaluate import execute
from .jobs import Outcome
from .sandbox import Deadline, SandboxError, die_with_parent, no_network
from .store_handle import StoreHandle

log = logging.getLogger("sciplan.server")

MARGIN = 2.0  # seconds past the parent's deadline before the worker ends itself


def serve(conn, store_path: str, memory_mb: int, timeout: float = 0, sandbox: bool = False, parent: int = 0) -> None:
    """Body of a worker process: answer jobs until the web process goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the web process
    try:
        if parent:
            die_with_parent(parent)
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        handle = StoreHandle(store_path)
        handle.get()
        if sandbox:
            no_network()
    except (SandboxError, OSError) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", ""))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        reply: tuple[str, Outcome] | tuple[str, int, str]
        try:
            seconds = job.time_limit or timeout
            if seconds:
                with Deadline(seconds + MARGIN):
                    reply = ("ok", execute(handle.get(), job))
            else:
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
