"""Where queries run: the embedded pyoxigraph store, or a remote SPARQL 1.1 store.

The server and the commands `query` and `export` talk to a *backend*: the small
part of pyoxigraph's `Store` interface they use (`query`, `named_graphs`,
`dump`, `len`). Two backends implement it:

- **Embedded**: the on-disk store made by `sciplan build`, opened read-only
  (it *is* a `pyoxigraph.Store`; nothing is wrapped on the hot path).
- **Remote**: any SPARQL 1.1 endpoint (Virtuoso, Fuseki, GraphDB, another
  `sciplan serve`), spoken to with the SPARQL 1.1 Protocol over HTTP. Answers
  come back as the same pyoxigraph objects (`QuerySolutions`, `QueryBoolean`,
  a list of `Triple`s for CONSTRUCT/DESCRIBE), so the code above does not know
  which backend it has.

Default graph. The project's contract is that the default graph is the union
of the named graphs (one per data file). A remote store may not agree: in
Virtuoso the default graph of a query without FROM is every graph of the quad
store, its own system graphs included, and `GRAPH ?g` ranges over those too.
So the Remote backend has a *dataset mode*:

- ``graphs`` (the default): the backend lists the store's named graphs whose
  IRI starts with ``<base>graph/`` (once, then every `graph_ttl` seconds) and
  sends them as both ``default-graph-uri`` and ``named-graph-uri`` with every
  query that asks for the union and has no FROM of its own. This is the
  protocol's own way to set the dataset, so it works on any SPARQL 1.1 store.
- ``union``: the endpoint's default graph already is the union of the named
  graphs (another `sciplan serve`, Fuseki with `tdb2:unionDefaultGraph`); send
  the query as it is.

Configuration: ``Settings.remote`` (sciplan.config.RemoteOptions, from
``SCIPLAN_SPARQL_URL`` — set: Remote, unset: Embedded — ``SCIPLAN_SPARQL_DATASET``,
``SCIPLAN_SPARQL_TIMEOUT`` …; docs/configuration.md), or ``--endpoint URL``.
See docs/backends.md.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Protocol
from collections.abc import Iterable
from urllib.parse import urlencode

import pyoxigraph as ox

from .config import RemoteOptions, Settings
from .errors import RemoteError, RemoteRefused, RemoteTimeout, RemoteTruncated, RemoteUnavailable

DEFAULT_TIMEOUT = 30.0  # seconds per HTTP request when RemoteOptions.timeout is not set

RESULTS_JSON = "application/sparql-results+json"
FORM_UTF8 = "application/x-www-form-urlencoded; charset=UTF-8"
GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
RDF_BY_TYPE = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_IRI_OR_COMMENT_OR_STRING = re.compile(r"<[^<>\s]*>|#[^\n]*|'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|\"[^\"\n]*\"", re.S)
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.I)
_FROM = re.compile(r"\bFROM\b", re.I)


class Backend(Protocol):
    """What the server and the commands need from a store (a subset of pyoxigraph.Store)."""

    def query(self, query: str, *, base_iri: str | None = None, use_default_graph_as_union: bool = False,
              default_graph=None, named_graphs=None): ...

    def named_graphs(self) -> Iterable[ox.NamedNode | ox.BlankNode]: ...

    def dump(self, output=None, format: ox.RdfFormat | None = None, *, from_graph=None, prefixes=None): ...

    def __len__(self) -> int: ...


def open_backend(settings: Settings, url: str | None = None) -> Backend:
    """The remote store if one is configured (or `url` is given), else the built store, read-only."""
    options = settings.remote_store(url)
    if options is not None:
        return Remote(options)
    from .store import open_store

    return open_store(settings.store)


def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the first keyword after the prologue."""
    match = _FORM.search(_IRI_OR_COMMENT_OR_STRING.sub(" ", query))
    return match.group(1).upper() if match else "SELECT"


def has_from(query: str) -> bool:
    return bool(_FROM.search(_IRI_OR_COMMENT_OR_STRING.sub(" ", query)))


class Remote:
    """A SPARQL 1.1 endpoint behind the pyoxigraph Store interface (read-only)."""

    def __init__(self, options: RemoteOptions, strict: bool = True):
        """strict: raise RemoteTruncated when the store cut a SELECT answer at its row limit (the
        commands need whole answers); the server passes False and passes the cut answer on."""
        import requests

        self.options = options
        self.strict = strict
        self.url = options.url
        self.timeout = options.timeout if options.timeout is not None else DEFAULT_TIMEOUT
        self._requests = requests
        self._local = threading.local()
        self._graphs: tuple[list[str], float] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Remote({self.url!r}, dataset={self.options.dataset!r})"

    # ---- HTTP

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._requests.Session()
        return session

    def _post(self, params: list[tuple[str, str]], accept: str):
        requests = self._requests
        try:
            body = urlencode(params).encode("ascii")  # UTF-8, percent-encoded; the charset is said, since
            headers = {"Accept": accept, "Content-Type": FORM_UTF8}  # Virtuoso reads Latin-1 otherwise
            response = self._session().post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise RemoteTimeout(f"the SPARQL store at {self.url} did not answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise RemoteError(f"the SPARQL store at {self.url} cannot be reached: {exc}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            kind = RemoteUnavailable if response.status_code in (503, 504, 408, 429) else RemoteError
            raise kind(f"the SPARQL store at {self.url} failed ({response.status_code}): {response.text.strip()[:500]}")
        if response.status_code >= 400:
            raise RemoteRefused(f"the SPARQL store refused the query ({response.status_code}): {response.text.strip()[:1000]}")
        return response

    # ---- the Store interface

    def query(self, query: str, *, base_iri: str | None = None, use_default_graph_as_union: bool = False,
              default_graph=None, named_graphs=None):
        """Run a query; answers are pyoxigraph objects. The default graph is as pyoxigraph's:
        the protocol dataset if given, else the union of our graphs if asked for, else the endpoint's."""
        if base_iri and not re.match(r"\s*BASE\b", query, re.I):
            query = f"BASE <{base_iri}>\n{query}"
        params = [("query", query)]
        if default_graph is not None or named_graphs is not None:
            params += [("default-graph-uri", _iri(g)) for g in _as_list(default_graph)]
            params += [("named-graph-uri", _iri(g)) for g in _as_list(named_graphs)]
        elif use_default_graph_as_union and self.options.dataset == "graphs" and not has_from(query):
            graphs = self.graph_iris()
            params += [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        form = query_form(query)
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self._post(params, GRAPH_ACCEPT)
            self._check_limit(response)
            media = response.headers.get("Content-Type", "text/turtle").split(";")[0].strip().lower()
            fmt = RDF_BY_TYPE.get(media, ox.RdfFormat.TURTLE)
            try:
                return [q.triple for q in ox.parse(response.content, format=fmt)]
            except SyntaxError as exc:
                raise RemoteError(f"the SPARQL store at {self.url} sent {media} that does not parse: {exc}") from None
        response = self._post(params, RESULTS_JSON)
        self._check_limit(response)
        try:
            return ox.parse_query_results(_normalize_json(response.content), format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"the SPARQL store at {self.url} sent results that do not parse: {exc}") from None

    def _check_limit(self, response) -> None:
        if self.strict and "X-SPARQL-MaxRows" in response.headers:
            raise RemoteTruncated(f"the SPARQL store at {self.url} cut the answer at its limit of "
                                  f"{response.headers['X-SPARQL-MaxRows']} rows; raise the limit (sciplan: "
                                  "SCIPLAN_MAX_ROWS, Virtuoso: ResultSetMaxRows) or page with LIMIT/OFFSET")

    def graph_iris(self) -> list[str]:
        """Our named graphs on the store (IRIs under the graph prefix), cached for graph_ttl seconds."""
        with self._lock:
            if self._graphs is not None and time.monotonic() - self._graphs[1] < self.options.graph_ttl:
                return self._graphs[0]
        prefix = self.options.graph_prefix
        found = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"FILTER(STRSTARTS(STR(?g), {_string(prefix)})) }}")
        graphs = sorted(row["g"].value for row in found)
        with self._lock:
            self._graphs = (graphs, time.monotonic())
        return graphs

    def refresh(self) -> None:
        """Forget the cached graph list (after loading new data into the store)."""
        with self._lock:
            self._graphs = None

    def named_graphs(self) -> list[ox.NamedNode]:
        return [ox.NamedNode(g) for g in self.graph_iris()]

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True))
        return int(rows[0]["n"].value)

    def quads(self, graphs: Iterable[str] | None = None) -> Iterable[ox.Quad]:
        """Every quad of our graphs, a page of `page` triples at a time (stores cut long answers)."""
        for g in graphs if graphs is not None else self.graph_iris():
            name, offset = ox.NamedNode(g), 0
            while True:
                page = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }} "
                                  f"ORDER BY ?s ?p ?o LIMIT {self.options.page} OFFSET {offset}")
                for t in page:
                    yield ox.Quad(t.subject, t.predicate, t.object, name)
                if len(page) < self.options.page:
                    break
                offset += self.options.page

    def dump(self, output=None, format: ox.RdfFormat | None = None, *, from_graph=None, prefixes=None):
        """Like Store.dump: every graph as TriG/N-Quads, or one graph (from_graph) as triples."""
        data: Iterable[ox.Triple] | Iterable[ox.Quad]
        if from_graph is not None:
            data = (q.triple for q in self.quads([_iri(from_graph)]))
        else:
            data = self.quads()
        return ox.serialize(data, output, format=format, prefixes=prefixes)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _iri(node) -> str:
    return node.value if isinstance(node, ox.NamedNode) else str(node)


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_TYPED_LITERAL = re.compile(rb'"type"\s*:\s*"typed-literal"')


def _normalize_json(data: bytes) -> bytes:
    """Virtuoso (and SPARQL 1.0 era stores) write "typed-literal"; SPARQL 1.1 JSON says "literal"."""
    return _TYPED_LITERAL.sub(b'"type": "literal"', data) if b"typed-literal" in data else data
