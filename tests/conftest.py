"""Shared fixtures: the repository's settings and a store built from the repository once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from sciplan.config import ROOT, Settings
from sciplan.store import build, open_store

SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_settings() -> Settings:
    """Settings of the repository with the default base (the environment is not consulted)."""
    return Settings()


@pytest.fixture(scope="session")
def kg_store_path(tmp_path_factory, repo_settings) -> Path:
    """A store built from ontology/ and data/ttl/ as shipped."""
    settings = repo_settings.with_(store=tmp_path_factory.mktemp("kg") / "store")
    build(settings)
    return settings.store


@pytest.fixture(scope="session")
def kg_store(kg_store_path):
    return open_store(kg_store_path)


@pytest.fixture(scope="session")
def kg_settings(repo_settings, kg_store_path) -> Settings:
    return repo_settings.with_(store=kg_store_path)
