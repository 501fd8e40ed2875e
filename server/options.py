"""Server limits and switches, read from Settings.extra or SCIPLAN_* variables.

sciplan.config.Settings holds what every command shares (base IRI, store);
the options here only matter to the server, so they live beside it. A key of
Settings.extra wins over the environment variable, which wins over the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from sciplan.config import Settings
from sciplan.errors import ConfigError


@dataclass(frozen=True)
class ServerOptions:
    query_timeout: float = 10.0          # seconds before a query is killed (503)
    max_rows: int = 10_000               # rows / triples per result; more are cut off
    max_request_bytes: int = 256 * 1024  # body or query string; larger gets 413 / 414
    query_processes: int = 2             # query worker processes per web process
    query_memory_mb: int = 4096          # address-space limit of a query worker; 0 = none
    service_allowlist: tuple[str, ...] = ()  # SERVICE IRIs a query may call
    proxy_fix: bool = False              # trust one proxy's X-Forwarded-* headers
    label_languages: tuple[str, ...] = ("zh", "none", "en")  # label preference; none = untagged

    @classmethod
    def from_settings(cls, settings: Settings, environ=os.environ) -> "ServerOptions":
        values = {}
        for f in fields(cls):
            raw = settings.extra.get(f.name, environ.get("SCIPLAN_" + f.name.upper()))
            if raw is not None:
                values[f.name] = _convert(f.name, f.default, raw)
        return cls(**values)


def _convert(name: str, default, raw):
    if not isinstance(raw, str):
        return tuple(raw) if isinstance(default, tuple) else raw
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, tuple):
            return tuple(raw.split())
        return type(default)(raw)
    except ValueError:
        raise ConfigError(f"SCIPLAN_{name.upper()}: expected a {type(default).__name__}, got {raw!r}") from None
