"""How failures become HTTP answers: the web layer, not the core, decides the status.

QueryFailed is the server's own refusal of a query (400 syntax, 403 update or
SERVICE, 503 time limit …), raised where the status is known. Core errors
(sciplan.errors) carry exit codes for the commands and no HTTP status;
`status_for` maps the ones a request can meet:

    RemoteTimeout, RemoteUnavailable   503  the remote store is slow or busy: try again later
    RemoteRefused                      400  the remote store refused the query text
    RemoteError (other kinds)          502  the remote store is unreachable or failed
    StaleStore                         503  the store is of another build revision: the operator rebuilds it
                                            (the store's path is logged, not told)
"""

from __future__ import annotations

from sciplan.errors import RemoteError, RemoteRefused, RemoteUnavailable, SciplanError, StaleStore

STALE_STORE = "the store was built by another version of sciplan and must be built again (sciplan build)"


class QueryFailed(Exception):
    """A query that is refused or failed; status is the HTTP status to answer."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after  # seconds, for a 503 the client may retry (the Retry-After header)


def status_for(exc: SciplanError) -> int:
    """The HTTP status for a core error met while answering a request."""
    if isinstance(exc, RemoteUnavailable):
        return 503
    if isinstance(exc, RemoteRefused):
        return 400
    if isinstance(exc, RemoteError):
        return 502
    if isinstance(exc, StaleStore):
        return 503
    return 500
