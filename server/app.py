"""The Flask application factory: wiring, limits, errors and the access log."""

from __future__ import annotations

import logging
import sys
from time import perf_counter

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException, RequestURITooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from sciplan.config import Settings
from sciplan.errors import RemoteError, StaleStore

from . import access, browse, fonts, headers, linked_data, negotiation, pages, query_page, reference, slow_clients, sparql
from .fast_path import READ_FAILED, STARTED, FastPath
from .errors import STALE_STORE, QueryFailed, status_for
from .state import State, current

log = logging.getLogger("sciplan.server")


def create_app(settings: Settings, store=None) -> Flask:
    """A WSGI app over a built store, configured by `settings` (sciplan.config.load_settings at the edge).

    `store` is a store directory (default: settings.store), opened read-only
    in every query worker, or a pyoxigraph Store to query in-process (tests,
    embedding: no timeout then).
    """
    options = settings.server
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=options.max_request_bytes, MAX_FORM_MEMORY_SIZE=options.max_request_bytes,
                      SCIPLAN_FONT=(fonts.FONT_DIR, fonts.font_installed()),  # npm's files, looked at once
                      SCIPLAN_EDITOR=(query_page.EDITOR_ASSETS, query_page.editor_installed()))
    app.extensions["sciplan"] = State.open(settings, store)
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]  # the common /sparql requests
    if options.proxy_fix:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]
    app.after_request(headers.secure)
    for blueprint in (sparql.bp, pages.bp, query_page.bp, browse.bp, fonts.bp, reference.bp, linked_data.bp):  # linked data last: it takes every other path
        app.register_blueprint(blueprint)
    _install_access_log(app)
    _install_error_handlers(app)
    return app


def _install_access_log(app: Flask) -> None:
    if not logging.getLogger("sciplan").handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logging.getLogger("sciplan").addHandler(handler)
        logging.getLogger("sciplan").setLevel(logging.INFO)

    @app.before_request
    def start():
        g.started = request.environ.get(STARTED) or perf_counter()  # from the fast path's start, if it saw it first
        if request.method == "OPTIONS":
            return headers.preflight()
        options = current().options
        limit = options.max_request_bytes
        if READ_FAILED in request.environ:  # the fast path met a body that did not come
            raise request.environ[READ_FAILED]
        slow_clients.read_body(request.environ, options.read_timeout, limit)  # 408 for a body that does not come
        if len(request.query_string) > limit:
            raise RequestURITooLarge(f"the URL's query string is longer than {limit} bytes; POST the query instead")
        sparql.check_utf8(request.query_string, request.args)
        return None

    @app.after_request
    def line(response: Response) -> Response:
        access.line(request.remote_addr or "-", request.method, request.path, response.status_code,
                    g.get("rows", "-"), g.get("query_hash", "-"), g.get("started", perf_counter()))
        return response


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryFailed)
    def query_failed(exc: QueryFailed):
        response = error_response(exc.status, exc.message)
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(RemoteError)
    def store_failed(exc: RemoteError):  # the remote SPARQL store (SCIPLAN_SPARQL_URL) outside a query
        return error_response(status_for(exc), str(exc))

    @app.errorhandler(StaleStore)
    def stale_store(exc: StaleStore):  # the web process's own handle (pages, prefixes) met a store of another revision
        log.error("%s", exc)
        return error_response(status_for(exc), STALE_STORE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = error_response(exc.code or 500, exc.description or exc.name)
        response.headers.extend([(k, v) for k, v in exc.get_headers() if k == "Allow"])
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if type(exc).__module__.startswith("gunicorn.http"):  # a malformed or cut-off body (bad chunk size …)
            return error_response(400, f"malformed request body: {exc}")
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal server error; the error was logged")


def error_response(status: int, message: str) -> Response:
    """Plain text for programs, a page for browsers; never a stack trace."""
    accept = request.accept_mimetypes
    wants_html = negotiation.choose(accept, (negotiation.TURTLE, negotiation.HTML)) is negotiation.HTML
    if wants_html:
        body = render_template("error.html", status=status, message=message)
        return Response(body, status=status, mimetype="text/html")
    return Response(f"{status} {message}\n", status=status, mimetype="text/plain")
