"""WSGI entry for gunicorn: `gunicorn server.wsgi:app`.

Settings come from the environment (SCIPLAN_STORE, SCIPLAN_BASE, and the
server options SCIPLAN_QUERY_TIMEOUT, SCIPLAN_MAX_ROWS, ...; see docs/server.md).
"""

from sciplan.config import load_settings

from .app import create_app

app = create_app(load_settings())
