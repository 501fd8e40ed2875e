"""benchmarks/benchlib.py reuses stores between runs only while they are what this tree would build."""

from __future__ import annotations

import json
import os
import sys
import time

from conftest import ROOT
from sciplan import derived

sys.path.insert(0, str(ROOT / "benchmarks"))
import benchlib  # noqa: E402


def test_a_store_built_before_the_build_code_changed_is_stale(tmp_path):
    store = tmp_path / "store"
    assert benchlib.stale(store)  # never built
    store.mkdir()
    record = store / "sciplan-build.json"
    record.write_text("{}", encoding="utf-8")
    assert benchlib.stale(store)  # no derived-graph revision recorded: sciplan would not open it
    record.write_text(json.dumps({"derived": {"revision": derived.REVISION - 1}}), encoding="utf-8")
    assert benchlib.stale(store)  # another revision
    record.write_text(json.dumps({"derived": {"revision": derived.REVISION}}), encoding="utf-8")
    assert not benchlib.stale(store)  # this revision, built after every file it is made by
    source = tmp_path / "plan.ttl"
    source.write_text("", encoding="utf-8")
    os.utime(source, (record.stat().st_mtime + 60,) * 2)
    assert benchlib.stale(store, [source]) and not benchlib.stale(store)  # a source changed after the build
    newest = max(p.stat().st_mtime for p in benchlib.BUILT_BY)
    os.utime(record, (newest - 60, newest - 60))
    assert benchlib.stale(store)  # built a minute before the build code or ontology last changed


def test_the_real_store_is_built_again_when_its_store_is_stale(tmp_path, monkeypatch):
    import sciplan.store

    built = []
    monkeypatch.setattr(sciplan.store, "build", lambda settings: built.append(settings.store))
    settings = benchlib.real_settings(tmp_path)
    assert built == [tmp_path / "real" / "store"] == [settings.store]


def test_process_tree_and_cpu_find_a_child_and_the_time_it_used():
    """What endpoint_overhead_bench.py splits a server's CPU per request by: its processes by depth, their CPU."""
    import subprocess
    import time

    child = subprocess.Popen([sys.executable, "-c", "import time\nend = time.process_time() + 0.3\n"
                              "while time.process_time() < end: pass\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while benchlib.cpu_ms(child.pid) < 250 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = benchlib.process_tree(os.getpid())
        assert tree[os.getpid()] == 0 and tree[child.pid] == 1
        assert 250 <= benchlib.cpu_ms(child.pid) < 5_000
        assert benchlib.process_tree(child.pid) == {child.pid: 0}
    finally:
        child.kill()
        child.wait()
    assert benchlib.cpu_ms(child.pid) == 0.0 and benchlib.process_tree(child.pid) == {}  # gone


def test_a_synthetic_directory_made_before_the_generator_changed_is_made_again(tmp_path, monkeypatch):
    """synth_settings reuses a generated directory only while nothing it is made from (the generator, the template,
    with the real KB all of data/ttl) changed after it was written; else it generates it again."""
    import sciplan.store
    import sciplan.synth

    made = []
    real_generate = sciplan.synth.generate
    monkeypatch.setattr(sciplan.synth, "generate", lambda *a, **k: made.append(k["scale"]) or real_generate(*a, **k))
    monkeypatch.setattr(sciplan.store, "build", lambda settings: (settings.store / "sciplan-build.json").parent.mkdir(
        parents=True, exist_ok=True) or (settings.store / "sciplan-build.json").write_text("{}"))
    generator = tmp_path / "synth.py"
    generator.write_text("# the generator")
    monkeypatch.setattr(benchlib, "GENERATED_BY", [generator])
    old = time.time() - 60
    os.utime(generator, (old, old))
    benchlib.synth_settings(tmp_path / "w", 0.006, seed=3)
    benchlib.synth_settings(tmp_path / "w", 0.006, seed=3)
    assert made == [0.006]  # made once, then reused
    manifest = tmp_path / "w" / "synth-0.006-3" / "data" / "manifest.json"
    assert not benchlib.generated_before(manifest)
    older = time.time() - 120
    os.utime(manifest, (older, older))  # the directory was written before the generator last changed
    assert benchlib.generated_before(manifest)
    benchlib.synth_settings(tmp_path / "w", 0.006, seed=3)
    assert made == [0.006, 0.006] and not benchlib.generated_before(manifest)
