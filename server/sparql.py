"""The SPARQL 1.1 Protocol endpoint at /sparql (and /sparql/).

GET ?query=, POST form and POST application/sparql-query; the protocol's
default-graph-uri / named-graph-uri replace the query's FROM clauses.
Without them the default graph is the union of all named graphs. Updates
are refused (403): this endpoint is read-only. A GET without a query
answers with the service description.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, Forbidden, NotAcceptable, RequestEntityTooLarge, UnsupportedMediaType

from sciplan.vocab import FORMATS as FORMATS_NS
from sciplan.vocab import RDF_TYPE, SD, SERVICE_PREFIXES, VOID_TRIPLES, XSD_INTEGER

from . import access
from . import negotiation as neg
from .safety import UPDATE_REFUSED
from .state import current

bp = Blueprint("sparql", __name__)

SD_RESULT_FORMATS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "RDF_XML", "JSON-LD",
)
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


@bp.route("/sparql", methods=["GET", "POST"])  # HEAD is answered as GET, OPTIONS by server/headers.py
@bp.route("/sparql/", methods=["GET", "POST"], endpoint="endpoint_slash")
def endpoint():
    query, params = read_protocol_request()
    if query is None:
        return service_description()
    g.query_hash = access.query_hash(query)
    fmt_param = single(params, "format")
    accept = request.accept_mimetypes
    if request.method in ("GET", "HEAD") and not fmt_param and neg.choose(accept, neg.RESULTS + neg.RDF + (neg.HTML,)) is neg.HTML:
        return redirect(url_for("query_page.editor", query=query), 303)  # a browser: show the query page
    results_fmt = neg.choose(accept, neg.RESULTS, fmt_param)
    rdf_fmt = neg.choose(accept, neg.RDF, fmt_param)
    if results_fmt is None and rdf_fmt is None:
        raise NotAcceptable(f"no acceptable format; this endpoint offers {neg.describe_offer(neg.RESULTS + neg.RDF)}")
    state = current()
    outcome = state.run(
        query,
        default_graphs=iri_list(params, "default-graph-uri"),
        named_graphs=iri_list(params, "named-graph-uri"),
        rdf_format=(rdf_fmt or neg.TURTLE).ox_name,
        results_format=(results_fmt or neg.JSON).ox_name,  # written by pyoxigraph in the query process
    )
    g.rows = outcome.count
    if outcome.kind == "graph":
        if rdf_fmt is None:
            raise NotAcceptable(f"a {query_kind(outcome)} result is RDF; acceptable are {neg.describe_offer(neg.RDF)}")
        fmt = rdf_fmt
    else:
        if results_fmt is None:
            raise NotAcceptable(f"a {query_kind(outcome)} result is a SPARQL result set; acceptable are {neg.describe_offer(neg.RESULTS)}")
        fmt = results_fmt
    body = outcome.data
    if fmt.name in ("xml", "rdfxml"):
        refuse_unwritable_xml(body)
    response = Response(body, mimetype=fmt.media_type)
    response.vary.add("Accept")
    if outcome.truncated:
        response.headers["X-SPARQL-MaxRows"] = str(state.options.max_rows)
    return response


XML_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def refuse_unwritable_xml(body: bytes) -> None:
    """XML 1.0 cannot carry U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF, not even
    as character references. Rather than write a document no parser reads, or change the data,
    such an answer is refused (406) and the client pointed to a format that carries any text."""
    found = XML_FORBIDDEN.search(body)
    if found:
        char = found.group().decode("utf-8")
        raise NotAcceptable(
            f"the result holds U+{ord(char):04X}, which XML 1.0 cannot carry; ask for JSON, CSV, TSV, Turtle or N-Triples"
        )


def query_kind(outcome) -> str:
    return {"graph": "CONSTRUCT/DESCRIBE", "select": "SELECT", "ask": "ASK"}[outcome.kind]


def read_protocol_request():
    """The query text (None if there is none) and the parameters it came with."""
    args = request.args
    if "update" in args or request.mimetype == UPDATE_BODY:  # one rule, whatever the method
        raise Forbidden(UPDATE_REFUSED)
    if request.method in ("GET", "HEAD"):
        return one_query(args.getlist("query")), args
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype not in (FORM, QUERY_BODY):
        given = f"Content-Type {request.mimetype!r}" if request.mimetype else "no Content-Type"
        raise UnsupportedMediaType(f"POST with {given}: send {FORM} (query=...) or {QUERY_BODY}")
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"Content-Type charset {charset!r}: only UTF-8 is accepted")
    if request.mimetype == FORM:
        body = request.get_data(cache=True)
        form = request.form
        check_utf8(body, form)
        if "update" in form:
            raise Forbidden(UPDATE_REFUSED)
        params = request.values  # URL and body parameters together
        query = one_query(params.getlist("query"))
        if query is None:
            raise BadRequest("parameter 'query' is missing from the form")
        return query, params
    if "query" in args:
        raise BadRequest(f"parameter 'query' must not be in the URL of a POST with {QUERY_BODY} body")
    try:
        text = request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not valid UTF-8 (byte {exc.start})") from None
    return check_query_text(text), args


def check_utf8(query_string: bytes, parsed=None) -> None:
    """The URL's parameters must be UTF-8, as in a POST body (werkzeug would keep bad bytes percent-encoded
    and go on). For ASCII text, `parsed`, werkzeug's reading of it, answers at once when no name or value
    holds a '%': then no escape decoded to a bad byte (decoding each part again cost 0.1-0.4 ms a query).
    Raw non-ASCII bytes take the slow way: werkzeug may drop such a body rather than read it."""
    if not query_string.isascii():
        parsed = None
    elif b"%" not in query_string:
        return
    if parsed is not None and not any("%" in k or "%" in v for k, v in parsed.items(multi=True)):
        return
    for part in query_string.split(b"&"):
        name, _, value = part.partition(b"=")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            shown = unquote_to_bytes(name).decode("utf-8", "replace")
            raise BadRequest(f"parameter {shown!r} is not valid UTF-8 (byte {exc.start})") from None


def one_query(values: list[str]) -> str | None:
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"parameter 'query' was given {len(values)} times; send exactly one query")
    return check_query_text(values[0])


def check_query_text(text: str) -> str:
    if not text.strip():
        raise BadRequest("parameter 'query' is empty")
    limit = current().options.max_request_bytes
    if len(text.encode("utf-8")) > limit:
        raise RequestEntityTooLarge(f"the query is longer than {limit} bytes")
    return text


def single(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"parameter '{name}' was given {len(values)} times; give it once")
    return values[0] if values else None


def iri_list(params, name: str) -> tuple[str, ...]:
    values = tuple(params.getlist(name))
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise BadRequest(f"parameter '{name}': not an absolute IRI: {value!r}") from None
    return values


# ---- service description ---------------------------------------------------

def service_description():
    fmt = neg.choose(request.accept_mimetypes, neg.RDF + (neg.HTML,), request.args.get("format"))
    if fmt is None:
        raise NotAcceptable(f"the service description is available as {neg.describe_offer(neg.RDF)}")
    state = current()
    triples = description_triples(endpoint_url(state), state.graph_sizes())
    if fmt is neg.HTML:
        response = Response(render_template("service.html", service=service_facts(triples), formats=neg.RDF),
                            mimetype="text/html")
        response.vary.add("Accept")
        return response
    data = ox.serialize(
        triples,
        format=getattr(ox.RdfFormat, fmt.ox_name),
        prefixes=SERVICE_PREFIXES if fmt is neg.TURTLE else None,
    )
    response = Response(data, mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def service_facts(triples: list[ox.Triple]) -> dict:
    """What the service-description page shows, read back from the same triples the RDF formats write."""
    about: dict[Any, dict[str, list]] = {}
    for t in triples:
        about.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def one(node, predicate: str):
        return about.get(node, {}).get(predicate, [None])[0]

    service = next(s for s, facts in about.items() if ox.NamedNode(SD + "Service") in facts.get(RDF_TYPE, []))
    facts = about[service]
    dataset = one(service, SD + "defaultDataset")
    graphs = []
    for named in about.get(dataset, {}).get(SD + "namedGraph", []):
        size = one(one(named, SD + "graph"), VOID_TRIPLES)
        graphs.append({"name": one(named, SD + "name").value, "triples": int(size.value)})
    return {
        "endpoint": one(service, SD + "endpoint").value,
        "languages": [o.value.removeprefix(SD) for o in facts.get(SD + "supportedLanguage", [])],
        "features": [o.value.removeprefix(SD) for o in facts.get(SD + "feature", [])],
        "result_formats": [o.value.removeprefix(FORMATS_NS) for o in facts.get(SD + "resultFormat", [])],
        "default_triples": int(one(one(dataset, SD + "defaultGraph"), VOID_TRIPLES).value),
        "graphs": sorted(graphs, key=lambda g: g["name"]),
    }


def endpoint_url(state) -> str:
    """From the configuration (SCIPLAN_PUBLIC_URL, else the base), never from the request's Host header."""
    return (state.options.public_url or state.settings.base).rstrip("/") + request.path


def description_triples(endpoint_url: str, graphs: list[tuple[str, int]]) -> list[ox.Triple]:
    """sd:Service for this endpoint: languages, formats, and the union default graph."""
    def node(local: str, ns: str = SD) -> ox.NamedNode:
        return ox.NamedNode(ns + local)

    a = ox.NamedNode(RDF_TYPE)
    service, dataset, default_graph = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples: list[tuple[Any, Any, Any]] = [
        (service, a, node("Service")),
        (service, node("endpoint"), ox.NamedNode(endpoint_url)),
        (service, node("supportedLanguage"), node("SPARQL11Query")),
        (service, node("feature"), node("UnionDefaultGraph")),
        *[(service, node("resultFormat"), node(f, FORMATS_NS)) for f in SD_RESULT_FORMATS],
        (service, node("defaultDataset"), dataset),
        (dataset, a, node("Dataset")),
        (dataset, node("defaultGraph"), default_graph),
        (default_graph, a, node("Graph")),
        (default_graph, ox.NamedNode(VOID_TRIPLES), ox.Literal(str(sum(n for _, n in graphs)), datatype=ox.NamedNode(XSD_INTEGER))),
    ]
    for number, (name, size) in enumerate(graphs):
        named, graph = ox.BlankNode(f"ng{number}"), ox.BlankNode(f"g{number}")
        triples += [
            (dataset, node("namedGraph"), named),
            (named, a, node("NamedGraph")),
            (named, node("name"), ox.NamedNode(name)),
            (named, node("graph"), graph),
            (graph, a, node("Graph")),
            (graph, ox.NamedNode(VOID_TRIPLES), ox.Literal(str(size), datatype=ox.NamedNode(XSD_INTEGER))),
        ]
    return [ox.Triple(*t) for t in triples]
