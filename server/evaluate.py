"""Answer one job on one store: the safety check, evaluation, packaging.

The same function runs in a query worker (server/worker.py), in the web
process for an in-memory store, and for a remote store (server/executors.py).
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from .errors import QueryFailed
from .jobs import Job, Outcome, package
from .results import counted, write_answer
from .safety import checked

POSITION = re.compile(r"^error at (\d+):(\d+): ")


def execute(store: ox.Store, job: Job, count: bool = True) -> Outcome:
    """Check, evaluate and package one query. Raises QueryFailed.

    With count=False a JSON answer's rows may be left uncounted (server/results.py `counted`): the query
    process counts them after it has sent the answer.

    The check tokenizes the text (server/lexer.py: well under a millisecond for the
    competency queries) and is remembered per text; the server's own queries skip it.
    """
    services: tuple[str, ...] = () if job.trusted else checked(job.query, job.base_iri, job.allowed_services)
    outcome = _evaluate(store, job, services)
    return counted(outcome) if count else outcome


def syntax_message(exc: Exception) -> str:
    text = str(exc)
    found = POSITION.match(text)
    if found:
        text = f"at line {found.group(1)}, column {found.group(2)}: {text[found.end():]}"
    return f"SPARQL syntax error {text}"


def _evaluate(store: ox.Store, job: Job, services) -> Outcome:
    dataset: dict[str, Any] = {}
    if job.default_graphs or job.named_graphs:  # the protocol's dataset replaces FROM / FROM NAMED
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in job.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
        }
    try:
        result = store.query(job.query, base_iri=job.base_iri, use_default_graph_as_union=not dataset, **dataset)
    except SyntaxError as exc:
        raise QueryFailed(400, syntax_message(exc)) from None
    except Exception as exc:  # ASK and some plans evaluate here
        raise failure(exc, services) from None
    try:
        if job.results_format and isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            return write_answer(result, job)
        return package(result, job)
    except Exception as exc:  # a SERVICE's answer is read here: any failure of it is the target's (502)
        raise failure(exc, services) from None


def failure(exc: Exception, services) -> Exception:
    """What an evaluation error means for the client."""
    if isinstance(exc, PermissionError):  # the sandbox (server/sandbox.py) stopped a network call
        return QueryFailed(403, "SERVICE is not allowed: this query process may not open connections")
    if services:
        return QueryFailed(502, f"SERVICE call failed: {exc}")
    if isinstance(exc, OSError) or not isinstance(exc, (ValueError, RuntimeError, TypeError, SyntaxError)):
        return exc  # the store could not be read, or a bug: the worker logs it (500)
    return QueryFailed(400, f"query failed: {exc}")
