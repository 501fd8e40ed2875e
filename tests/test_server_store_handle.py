"""The query processes' and the web process's store handle (server/store_handle.py) follows `sciplan build`'s
switch of the store link, and looks at it with one stat a query rather than resolving the path each time."""

from __future__ import annotations

from pathlib import Path

import pytest

from sciplan.store import build
from server.store_handle import StoreHandle


@pytest.fixture(scope="module")
def built(tmp_path_factory, repo_settings):
    """The repository's KB built into a store link of this module's own (the tests rebuild it)."""
    settings = repo_settings.with_(store=tmp_path_factory.mktemp("handle") / "store")
    build(settings)
    return settings


def test_the_handle_follows_a_rebuild(built):
    handle = StoreHandle(built.store)
    first, version = handle.get(), handle.version
    assert handle.get() is first and handle.version == version
    build(built)
    assert handle.version != version and handle.version == str(built.store.resolve())
    second = handle.get()
    assert second is not first and len(second) == len(first)
    assert handle.get() is second


def test_an_unchanged_link_is_not_resolved_again(built, monkeypatch):
    handle = StoreHandle(built.store)
    store = handle.get()
    resolved = []
    real = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda self, *a, **k: resolved.append(self) or real(self, *a, **k))
    for _ in range(5):
        assert handle.get() is store
        assert handle.version == str(built.store.resolve())
    assert resolved == [built.store] * 5, "only the test's own resolve() calls"
