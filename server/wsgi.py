"""WSGI entry for gunicorn: `gunicorn server.wsgi:app`.

This is the server's edge: the settings are loaded here, once, from the
environment (SCIPLAN_ROOT, SCIPLAN_STORE, SCIPLAN_BASE, SCIPLAN_QUERY_TIMEOUT, …;
every variable is in docs/configuration.md).
"""

from sciplan.config import load_settings

from .app import create_app

app = create_app(load_settings())
