"""Answer one job on one store: the safety check when it is needed, evaluation, packaging.

The same function runs in a query worker (server/worker.py), in the web
process for an in-memory store, and for a remote store (server/executors.py).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from .errors import QueryFailed
from .jobs import Job, Outcome, package
from .safety import check_query, checked, needs_check


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
    dataset: dict[str, Any] = {}
    if job.default_graphs or job.named_graphs:  # the protocol's dataset replaces FROM / FROM NAMED
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in job.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
        }
    try:
        result = store.query(job.query, base_iri=job.base_iri, use_default_graph_as_union=not dataset, **dataset)
        return package(result, job)
    except SyntaxError as exc:
        raise QueryFailed(400, f"SPARQL syntax error: {exc}") from None
    except OSError as exc:  # a SERVICE call that failed, or the store could not be read
        if services:
            raise QueryFailed(502, f"SERVICE call failed: {exc}") from None
        raise
    except (ValueError, RuntimeError, TypeError) as exc:
        raise QueryFailed(400, f"query failed: {exc}") from None
