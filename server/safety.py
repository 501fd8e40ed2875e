"""Decide whether a query may run: no updates, no SERVICE outside the allowlist, no engine-crashing shapes.

The decision is made on the text as the engine reads it (server/lexer.py follows
Oxigraph's comment, whitespace and escape rules), never on what another parser
thinks the text says. With an empty allowlist the query processes also run
without network access (server/sandbox.py), so a gap here cannot become a request.

Size and nesting limits (documented in docs/server.md): pyoxigraph 0.5 recurses
on nested expressions and patterns and segfaults on 10,000 `!`, 18,000
`FILTER(1 = 1)` or a sum of 20,000 terms. Queries past MAX_DEPTH or
MAX_OPERATORS are refused (400) before the engine sees them; the limits are far
above what any of the project's queries and views use (depth ≤ 7, operators ≤ 41).

Also here: `bind_this`, which puts a checked IRI into a view's query.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

from .errors import QueryFailed
from .lexer import LexError, Unresolved, service_calls, shape, tokenize

__all__ = ["MAX_DEPTH", "MAX_OPERATORS", "UPDATE_REFUSED", "QueryFailed", "bind_this", "check_query", "checked"]

THIS = re.compile(r"[?$]this\b")
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')

UPDATE_REFUSED = "SPARQL Update is not allowed: this endpoint is read-only"
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
MAX_DEPTH = 64         # nesting of ( [ { << in a query
MAX_OPERATORS = 1000   # operators (! + - * / | && || = < …) and pattern keywords (FILTER, UNION, OPTIONAL, …)


def check_query(query: str, base_iri: str, allowed_services: frozenset[str] | tuple = ()) -> list[str]:
    """Raise QueryFailed (400 unreadable or too large, 403 update or SERVICE) unless the query may run.

    Returns the (allowed) SERVICE IRIs the query calls. Syntax errors beyond the
    tokens are the engine's to report.
    """
    try:
        tokens = tokenize(query)
    except LexError as exc:
        if is_update(tokenize(query, partial=True)):  # an update with a bad string is still an update
            raise QueryFailed(403, UPDATE_REFUSED) from None
        raise QueryFailed(400, f"SPARQL syntax error: {exc}") from None
    if is_update(tokens):
        raise QueryFailed(403, UPDATE_REFUSED)
    size = shape(tokens)
    if size.depth > MAX_DEPTH:
        raise QueryFailed(400, f"the query nests {size.depth} deep; the limit is {MAX_DEPTH} (nesting of ( [ {{ <<)")
    if size.operators > MAX_OPERATORS:
        raise QueryFailed(400, f"the query has {size.operators} operators; the limit is {MAX_OPERATORS}")
    targets = service_calls(query, base_iri)
    for target in targets:
        if isinstance(target, Unresolved):
            raise QueryFailed(403, f"SERVICE {target} is not allowed: a variable or unresolvable IRI")
        if target not in allowed_services:
            raise QueryFailed(403, f"SERVICE <{target}> is not allowed: it is not on this endpoint's allowlist")
    return list(targets)


def is_update(tokens) -> bool:
    """The first token after the prologue (BASE / PREFIX declarations) starts an update operation."""
    k = 0
    while k < len(tokens):
        word = tokens[k].text.upper() if tokens[k].kind == "word" else ""
        if word == "BASE":
            k += 2
        elif word == "PREFIX":
            k += 3
        else:
            break
    return k < len(tokens) and tokens[k].kind in ("word", "pname") and tokens[k].text.upper().startswith(UPDATE_WORDS)


@lru_cache(maxsize=256)
def checked(query: str, base_iri: str, allowed_services: frozenset[str]) -> tuple[str, ...]:
    """check_query, remembered per text."""
    return tuple(check_query(query, base_iri, allowed_services))


def bind_this(query: str, iri: str) -> str:
    """Put <iri> for ?this; the IRI is checked so it cannot break out of <...>."""
    try:
        if IRI_FORBIDDEN.search(iri):
            raise ValueError("character not allowed in an IRI")
        ox.NamedNode(iri)  # raises ValueError on anything else that is not an IRI
    except ValueError as exc:
        raise QueryFailed(400, f"not a usable IRI: {iri!r} ({exc})") from None
    return THIS.sub(lambda _: f"<{iri}>", query)
