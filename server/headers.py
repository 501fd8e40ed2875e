"""The security headers every response carries, and the one Content-Security-Policy.

The pages load scripts and styles only from /static/ (no inline scripts or
event attributes), so scripts are 'self' only. Styles also allow
'unsafe-inline': the SPARQL editor (YASGUI/CodeMirror) sets style attributes
from script, and the /def/ reference page carries its own <style>. A page that
must run an inline script (the /def/ page has one) adds that script's hash with
`policy_with_scripts`, never 'unsafe-inline'.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Response
from werkzeug.utils import get_content_type

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type"
CORS_EXPOSE = "X-SPARQL-MaxRows, Retry-After"

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def policy(directives: dict[str, str] = CONTENT_SECURITY_POLICY) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def policy_with_scripts(html: str) -> str:
    """The policy, with the hash of every inline <script> of `html` allowed."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]
    directives = dict(CONTENT_SECURITY_POLICY)
    if hashes:
        directives["script-src"] += " " + " ".join(hashes)
    return policy(directives)


POLICY = policy()
# what `secure` adds to a response that set none of these itself, in its order
SECURE_TAIL = [
    ("Content-Security-Policy", POLICY),
    *SECURITY_HEADERS.items(),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", CORS_EXPOSE),
]


def answer_headers(content_type: str, length: int, max_rows: int | None) -> list[tuple[str, str]]:
    """The headers of a /sparql 200 answer, as the Flask handler's Response and `secure` write them
    (server/fast_path.py and server/direct_send.py write them without Flask); `max_rows` for a cut answer."""
    found = [("Content-Type", content_type), ("Content-Length", str(length)), ("Vary", "Accept")]
    if max_rows is not None:
        found.append(("X-SPARQL-MaxRows", str(max_rows)))
    return found + SECURE_TAIL


def secure(response: Response, cors: bool = True) -> Response:
    """Add the security headers (a response that set its own CSP keeps it) and open CORS."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", POLICY)
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = CORS_EXPOSE
    return response


def preflight() -> Response:
    """The answer to a CORS preflight (OPTIONS): any origin may GET and POST queries, nothing else."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    response.headers["Allow"] = CORS_METHODS
    return response


_CONTENT_TYPES: dict[str, str] = {}


def content_type(media_type: str) -> str:
    """The Content-Type werkzeug's Response writes for `media_type` (a charset for text types)."""
    found = _CONTENT_TYPES.get(media_type)
    if found is None:
        found = _CONTENT_TYPES[media_type] = get_content_type(media_type, "utf-8")
    return found
