"""The common /sparql requests answered in a thin WSGI layer in front of Flask, with the same bytes.

A GET with `query=` (and at most `format=`), a POST of `application/sparql-query`, or a POST form
with `query=` (and at most `format=`), for a result the asked format can carry, is answered here:
the same negotiation (server/negotiation.py, on werkzeug's own parse of Accept, remembered per
header), the same job to the same executor, the same status, headers, body and access-log line as
the Flask handler in server/sparql.py, without a request context, routing, hooks or a Response
object (≈ 0.3 ms a request: benchmarks/README.md, "Endpoint overhead").

Everything else falls through to Flask, which stays the one home of refusals and errors: other
paths and methods (HEAD, OPTIONS), anything the checks of server/sparql.py or server/app.py would
refuse or read differently (other parameters, percent escapes that are not UTF-8, empty or
oversized queries, other content types or charsets, chunked bodies), a browser that gets the query
page, and every answer that is not a plain 200. When the query has already run (a refusal of the
query process, a time-out, a result the asked format cannot carry) the job and its answer go with
the request (`DONE`), and `State.run` hands them to the Flask handler instead of running the job
again; a body the fast path read goes with it too. tests/test_server_fast_path.py holds both paths
to the same status, headers and body.
"""

from __future__ import annotations

import codecs
import io
from time import perf_counter

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header, parse_options_header

from . import access, direct_send
from . import headers as security
from . import negotiation as neg
from . import slow_clients
from .executors import ProcessPool, RemoteExecutor
from .sparql import FORM, QUERY_BODY, XML_FORBIDDEN
from .state import DONE


PATHS = ("/sparql", "/sparql/")
PARAMS = frozenset(("query", "format"))
STARTED = "sciplan.started"        # environ: perf_counter() when the request reached the fast path
READ_FAILED = "sciplan.read_failed"  # environ: the 408 of a body that did not come in time
CACHE_SIZE = 256



class Fallthrough(Exception):
    """Not a common case: Flask answers the request."""


def unquote_plus(text: str) -> str:
    """urllib.parse.unquote_plus(text, errors="strict") for ASCII `text`, with the escapes decoded in C.

    urllib decodes a text escape by escape in Python: 0.2 ms for a query of 4 KB with Chinese comments
    (≈ 3,000 escapes), a sixth of what the endpoint costs over Oxigraph's server. Here each %XX becomes
    \\xXX for the bytes-escape decoder, the backslashes doubled first so that nothing else is an
    escape. A '%' without two hex digits after it (urllib keeps it as it is) or escapes that are not
    UTF-8: Fallthrough, and Flask reads the request.
    """
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    try:
        return codecs.escape_decode(text.replace("\\", "\\\\").replace("%", "\\x").encode("ascii"))[0].decode("utf-8")
    except (ValueError, UnicodeError):  # UnicodeDecodeError is a ValueError too
        raise Fallthrough from None


class FastPath:
    """WSGI middleware: `app.wsgi_app = FastPath(app, app.wsgi_app)`; `flask` is the wrapped handler."""

    def __init__(self, app, flask):
        self.app = app
        self.flask = flask
        self._formats: dict[tuple, tuple] = {}
        self._types: dict[str, tuple[str, dict[str, str]]] = {}

    def __call__(self, environ, start_response):
        carried = getattr(environ.get("gunicorn.socket"), "carried", None)
        if carried:  # the lean front (server/lean_front.py) ran this request's query already: Flask answers
            environ.update(carried)
            carried.clear()
            return self.flask(environ, start_response)
        if environ.get("PATH_INFO") not in PATHS or environ.get("REQUEST_METHOD") not in ("GET", "POST"):
            return self.flask(environ, start_response)
        environ[STARTED] = perf_counter()
        try:
            answer = self.answer(environ, start_response)
        except Fallthrough:
            return self.flask(environ, start_response)
        if answer is None:  # the query process wrote it (server/direct_send.py)
            return []
        status, header_list, body = answer
        start_response(status, header_list)
        return [body]

    # ---- reading the request (any doubt: Fallthrough) -----------------------------------------

    def answer(self, environ, start_response):
        state = self.app.extensions["sciplan"]
        if isinstance(state.executor, RemoteExecutor):  # a remote store's own time dominates: Flask answers
            raise Fallthrough
        options = state.options
        limit = options.max_request_bytes
        raw = environ.get("QUERY_STRING", "")
        if len(raw) > limit or not raw.isascii():
            raise Fallthrough
        if environ["REQUEST_METHOD"] == "GET":
            if environ.get("CONTENT_LENGTH", "") not in ("", "0") or environ.get("HTTP_TRANSFER_ENCODING") \
                    or environ.get("CONTENT_TYPE"):
                raise Fallthrough
            params = self.params(raw)
            is_get = True
        else:
            if raw:
                raise Fallthrough
            mimetype, type_params = self.content_type(environ.get("CONTENT_TYPE", ""))
            if mimetype not in (FORM, QUERY_BODY) or type_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
                raise Fallthrough
            body = self.body(environ, options.read_timeout, limit)
            if mimetype == FORM:
                if not body.isascii():  # raw UTF-8 in a form: werkzeug's reading of it is Flask's to give
                    raise Fallthrough
                params = self.params(body.decode("ascii"))
            else:
                try:
                    params = {"query": body.decode("utf-8")}
                except UnicodeDecodeError:
                    raise Fallthrough from None
            is_get = False
        query = params.get("query")
        if query is None or not query.strip() or len(query.encode("utf-8")) > limit:
            raise Fallthrough
        results_fmt, rdf_fmt = self.formats(environ.get("HTTP_ACCEPT"), params.get("format"), is_get)
        try:
            job = state.job(query, default_graphs=(), named_graphs=(), rdf_format=(rdf_fmt or neg.TURTLE).ox_name,
                            results_format=(results_fmt or neg.JSON).ox_name)
        except Exception:  # the store failed (a remote store's prefixes): Flask meets it again and answers
            raise Fallthrough from None
        direct = {}
        resp = direct_send.gunicorn_response(environ, start_response) if isinstance(state.executor, ProcessPool) else None
        if resp is not None:  # under gunicorn the query process writes a 200 answer itself
            direct["direct"] = (direct_send.head_for(resp, results_fmt, rdf_fmt, options.max_rows),
                                direct_send.socket_of(environ))
        try:
            outcome = state.executor.run(job, client=environ.get("REMOTE_ADDR") or "-", started=environ[STARTED],
                                         **direct)
        except Exception as exc:  # refused, timed out, failed: Flask writes the error
            environ[DONE] = (job, exc)
            raise Fallthrough from None
        fmt = rdf_fmt if outcome.kind == "graph" else results_fmt
        data = outcome.data
        if outcome.sent:
            fmt = fmt or results_fmt or rdf_fmt  # a write cut before the kind was known: any, the connection closes
            length = outcome.sent_bytes
        elif fmt is None or (fmt.name in ("xml", "rdfxml") and XML_FORBIDDEN.search(data)):
            environ[DONE] = (job, outcome)  # a 406: Flask writes it
            raise Fallthrough
        else:
            length = len(data)
        assert fmt is not None
        header_list = security.answer_headers(security.content_type(fmt.media_type), length,
                                              options.max_rows if outcome.truncated else None)
        access.line(environ.get("REMOTE_ADDR") or "-", environ["REQUEST_METHOD"], environ["PATH_INFO"], 200,
                    outcome.count, access.query_hash(query), environ[STARTED])
        if outcome.sent:
            direct_send.mark_sent(start_response, header_list, whole=outcome.sent == direct_send.WHOLE)
            return None
        return "200 OK", header_list, data

    @staticmethod
    def params(text: str) -> dict[str, str]:
        """`query` and `format`, each at most once, with UTF-8 escapes; anything else: Fallthrough. Read as
        urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict") reads them (werkzeug reads a
        form with it too; tests/test_server_fast_path.py holds the two together)."""
        found: dict[str, str] = {}
        for piece in text.split("&"):
            if not piece:
                continue
            name, _, value = piece.partition("=")
            name = unquote_plus(name)
            if name in found or name not in PARAMS:
                raise Fallthrough
            found[name] = unquote_plus(value)
        return found

    def content_type(self, header: str) -> tuple[str, dict[str, str]]:
        found = self._types.get(header)
        if found is None:
            mimetype, type_params = parse_options_header(header)
            found = (mimetype.lower(), type_params)
            self._remember(self._types, header, found)
        return found

    @staticmethod
    def body(environ, seconds: float, limit: int) -> bytes:
        """The body, within the read deadline (slow_clients.read_body); kept for Flask if it falls through."""
        length = environ.get("CONTENT_LENGTH", "")
        if not length.isdigit() or not 0 < int(length) <= limit or environ.get("HTTP_TRANSFER_ENCODING"):
            raise Fallthrough
        try:
            slow_clients.read_body(environ, seconds, limit)
        except HTTPException as exc:  # 408: Flask answers it
            environ[READ_FAILED] = exc
            raise Fallthrough from None
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        if len(body) != int(length):
            raise Fallthrough
        return body

    def formats(self, accept: str | None, format_param: str | None, is_get: bool):
        """(results format, RDF format) as the Flask handler chooses them; a browser's GET falls through."""
        key = (accept, format_param, is_get)
        found = self._formats.get(key)
        if found is None:
            parsed = parse_accept_header(accept, MIMEAccept)
            try:
                if is_get and not format_param and neg.choose(parsed, neg.RESULTS + neg.RDF + (neg.HTML,)) is neg.HTML:
                    found = (None, None, True)
                else:
                    found = (neg.choose(parsed, neg.RESULTS, format_param), neg.choose(parsed, neg.RDF, format_param), False)
            except HTTPException:  # an unknown format=: 400
                found = (None, None, True)
            if found[0] is None and found[1] is None:
                found = (None, None, True)
            self._remember(self._formats, key, found)
        if found[2]:
            raise Fallthrough
        return found[0], found[1]

    @staticmethod
    def _remember(cache: dict, key, value) -> None:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = value
