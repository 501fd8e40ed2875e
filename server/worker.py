"""The body of a query worker process: answer jobs from the web process until it goes away.

Each worker has its own read-only store handle and, if configured, an
address-space limit, so a query that needs too much memory ends in this
process (503) rather than in the web process. It also limits itself
(server/sandbox.py): no network when no SERVICE is allowed, death with its
parent, and each job's own deadline.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import traceback
from dataclasses import replace
from time import monotonic

from sciplan.errors import StaleStore

from . import direct_send
from .errors import STALE_STORE, QueryFailed, status_for
from .evaluate import execute
from .results import counted
from .sandbox import Deadline, SandboxError, die_with_parent, no_network
from .store_handle import StoreHandle

log = logging.getLogger("sciplan.server")

MARGIN = 2.0  # seconds past the parent's deadline before the worker ends itself


def serve(conn, store_path: str, memory_mb: int, timeout: float = 0, sandbox: bool = False, parent: int = 0,
          writing=None) -> None:
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
    except (SandboxError, OSError, StaleStore) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", ""))
    while True:
        try:
            message, client = direct_send.receive_job(conn)  # with a client socket, the answer goes straight to it
            job, head = message if isinstance(message, tuple) else (message, None)
        except (EOFError, OSError, KeyboardInterrupt):
            return
        seconds = job.time_limit or timeout
        reply: tuple
        try:
            if seconds:
                with Deadline(seconds + MARGIN):
                    reply = answer(writing, handle, job, head, client, monotonic() + seconds)
            else:
                reply = answer(writing, handle, job, head, client, float("inf"))
        except QueryFailed as exc:
            reply = ("error", exc.status, exc.message)
        except StaleStore as exc:  # the store link now leads to a store of another build revision
            log.error("%s", exc)
            reply = ("error", status_for(exc), STALE_STORE)
        except MemoryError:
            reply = ("error", 503, "query stopped: it needed more memory than a query may use")
        except Exception:
            log.error("query worker failed:\n%s", traceback.format_exc())
            reply = ("error", 500, "internal error while running the query")
        finally:
            if client >= 0:
                os.close(client)  # the web process keeps its own
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def answer(writing, handle, job, head, client: int, deadline: float) -> tuple:
    """("ok", outcome) for the web process to write, or, with a client socket (`client` ≥ 0) and a
    200 answer, ("sent", the outcome without its body) once the answer is written there."""
    outcome = execute(handle.get(), job, count=client < 0)
    data = head.render(outcome.kind, outcome.data, outcome.truncated) if client >= 0 else None
    if data is None:
        return ("ok", counted(outcome))
    writing.value = 1  # from here on the web process never answers this request itself
    whole = direct_send.write(client, data + outcome.data, deadline)
    return ("sent", replace(counted(outcome), data=b"", sent=direct_send.WHOLE if whole else direct_send.CUT,
                            sent_bytes=len(outcome.data)))  # counted once the client has the answer: the access log's rows
