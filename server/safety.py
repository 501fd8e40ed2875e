"""Decide whether a query may run: no updates, no SERVICE outside the allowlist.

Also here: the heuristic that tells when the check must parse a text at all
(`needs_check`, `checked`), and `bind_this`, which puts a checked IRI into a
view's query.

The query is parsed with rdflib's SPARQL 1.1 parser (inside the query worker,
so a pathological parse is killed by the timeout like any other query).
SERVICE targets are read from the parsed query, never from the raw text, so
comments, strings and prefixed names cannot hide them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.term import URIRef

from .errors import QueryFailed

__all__ = ["UPDATE_REFUSED", "QueryFailed", "bind_this", "check_query", "checked", "needs_check"]

THIS = re.compile(r"[?$]this\b")
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')

UPDATE_REFUSED = "SPARQL Update is not allowed: this endpoint is read-only"


def check_query(query: str, base_iri: str, allowed_services: frozenset[str] | tuple = ()) -> list[str]:
    """Raise QueryFailed (400 syntax, 403 update or SERVICE) unless the query may run.

    Returns the (allowed) SERVICE IRIs the query calls.
    """
    try:
        parsed = parseQuery(query)
    except ParseBaseException as exc:
        if is_update(query):
            raise QueryFailed(403, UPDATE_REFUSED) from None
        raise QueryFailed(400, f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from None
    except RecursionError:
        raise QueryFailed(400, "SPARQL syntax error: the query is nested too deeply to parse") from None
    except Exception as exc:  # rdflib raises plain errors for some bad terms
        raise QueryFailed(400, f"SPARQL syntax error: {exc}") from None
    targets = service_targets(parsed, base_iri)
    for target in targets:
        if target is None:
            raise QueryFailed(403, "SERVICE with a variable or unresolvable IRI is not allowed")
        if target not in allowed_services:
            raise QueryFailed(403, f"SERVICE <{target}> is not allowed: it is not on this endpoint's allowlist")
    return [t for t in targets if t is not None]


def is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def service_targets(parsed, base_iri: str) -> list[str | None]:
    """The IRI of every SERVICE clause; None where it is a variable or cannot be resolved."""
    raw = _services(parsed)
    if not raw:
        return []
    try:
        algebra = translateQuery(parsed, base=base_iri).algebra
    except Exception:
        return [None] * len(raw)  # rdflib cannot resolve the names: refuse rather than guess
    return [str(node.term) if isinstance(node.term, URIRef) else None for node in _services(algebra)]


def _services(tree) -> list:
    found = []

    def visit(node):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found.append(node)

    traverse(tree, visitPre=visit)
    return found


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
