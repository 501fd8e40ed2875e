"""The web side of sciplan: SPARQL endpoint, linked-data pages, query page and downloads.

Start it with ``sciplan serve`` or ``gunicorn server.wsgi:app``; see docs/server.md.
"""

from .app import create_app

__all__ = ["create_app"]
