"""Settings shared by the CLI, the build and the server.

Everything configurable lives here so that one base IRI and one store path
serve every command. Values come from the environment (SCIPLAN_*) and can be
overridden per command.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

# A permanent-identifier style base; every IRI the project mints starts here.
DEFAULT_BASE = "https://w3id.org/sciplan/"

# The repository root: ontology/, data/, shapes/ and queries/ sit here.
ROOT = Path(os.environ.get("SCIPLAN_ROOT", Path(__file__).resolve().parent.parent))


@dataclass(frozen=True)
class Settings:
    base: str = DEFAULT_BASE
    store: Path = ROOT / "var" / "store"
    ontology_dir: Path = ROOT / "ontology"
    data_dir: Path = ROOT / "data" / "ttl"
    shapes_dir: Path = ROOT / "shapes"
    queries_dir: Path = ROOT / "queries"
    sources_dir: Path = ROOT / "data" / "sources"
    extra: dict = field(default_factory=dict)

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def check_base(base: str) -> str:
    """A base must be an absolute http(s) IRI ending in '/' so paths append cleanly."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise ConfigError(f"base IRI must start with http:// or https:// and end with '/': {base!r}")
    return base


def load_settings(**overrides) -> Settings:
    env = os.environ
    settings = Settings(
        base=check_base(env.get("SCIPLAN_BASE", DEFAULT_BASE)),
        store=Path(env["SCIPLAN_STORE"]) if env.get("SCIPLAN_STORE") else Settings.store,
    )
    if overrides.get("base"):
        check_base(overrides["base"])
    return settings.with_(**overrides)
