"""/def/, the ontology's IRI: the vocabulary reference for browsers, the ontology as RDF for machines.

The page is the one `sciplan build` published beside the store (sciplan/reference.py); for a store
without it (a remote store, a build with --no-publish) it is made from the store, once per version.
RDF answers, and every term's own page (/def/TaskPoint), stay with the linked-data pages.
"""

from __future__ import annotations

from flask import Blueprint, Response
from flask import request

from sciplan import reference
from sciplan.publish import OnDisk

from . import headers, linked_data
from . import negotiation as neg
from .state import current

bp = Blueprint("reference", __name__)


@bp.route("/def/")
def index():
    fmt = neg.choose(request.accept_mimetypes, linked_data.OFFERED, request.args.get("format"))
    if fmt is not neg.HTML:  # RDF (or 406) as for every resource
        return linked_data.resource("def/")
    state = current()

    def page() -> bytes:
        published = state.published()
        found = reference.published(published.directory) if isinstance(published, OnDisk) else None
        return found if found is not None else reference.page(state.store(), state.settings).encode("utf-8")

    body = state.cached("reference", page)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = headers.policy_with_scripts(body.decode("utf-8"))
    response.vary.add("Accept")
    return response
