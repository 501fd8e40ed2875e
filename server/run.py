"""`sciplan serve`: the development server, or gunicorn with several workers."""

from __future__ import annotations

import errno
import socket

from sciplan.config import Settings
from sciplan.errors import UsageError


def check_address(host: str, port: int) -> None:
    """UsageError (exit 2) if the address cannot be listened on: werkzeug and gunicorn would
    print their own message and exit 1 (gunicorn after retrying for a while)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host: cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as both servers do
        try:
            probe.bind(address)
        except OSError as exc:
            hint = "; stop the program using it or choose another --port" if exc.errno == errno.EADDRINUSE else ""
            raise UsageError(f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None


def serve(settings: Settings, host: str, port: int, workers: int = 0) -> int:
    check_address(host, port)
    if workers > 0:
        return run_gunicorn(settings, host, port, workers)
    from .app import create_app

    app = create_app(settings)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    except OSError as exc:  # the address is taken or not ours to listen on
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return 0


def run_gunicorn(settings: Settings, host: str, port: int, workers: int) -> int:
    from gunicorn.app.base import BaseApplication

    options = settings.server

    class Server(BaseApplication):
        def load_config(self):
            config = {
                "bind": f"{host}:{port}",
                "workers": workers,
                # read deadlines for the request head and body (server/slow_clients.py); threads enough that
                # requests waiting for a query process (at most query processes + share per client) leave some free
                "worker_class": "server.slow_clients.Worker",
                "threads": max(4, 4 * options.query_processes),
                "limit_request_line": 8190,  # gunicorn's maximum; longer queries must be POSTed
                "timeout": int(options.query_timeout) + 30,
                "graceful_timeout": 10,
            }
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self):  # runs in each worker: each gets its own query processes
            from .app import create_app

            return create_app(settings)

    Server().run()
    return 0
