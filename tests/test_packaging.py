"""A non-editable install (a wheel) finds its data through --root, SCIPLAN_ROOT or the current directory.

The wheel is built from the working tree and installed, without dependencies, into a fresh
virtual environment that borrows this interpreter's installed packages through a .pth file
(a .pth file's paths are added without running the .pth files inside them, so an editable
sciplan of this interpreter stays out). The commands then run from a directory outside the
repository: the repository's ontology/, data/, shapes/ and queries/ come from --root alone.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import ROOT

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/sciplan/def/TaskPoint> }"


def run(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **(env or {})})


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtual environment with sciplan installed from a wheel; returns its bin/ directory."""
    home = tmp_path_factory.mktemp("wheel")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(home / "dist"), str(ROOT)], home)
    if built.returncode != 0:
        pytest.fail(f"the wheel does not build:\n{built.stdout}\n{built.stderr}")
    wheel = next((home / "dist").glob("sciplan-*.whl"))
    env_dir = home / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)}))
    borrowed = [p for p in site.getsitepackages() + [site.getusersitepackages()] if Path(p).is_dir()]
    (purelib / "borrowed-dependencies.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")
    done = run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "--no-deps", "-q",
                str(wheel)], home)
    if done.returncode != 0:
        pytest.fail(f"the wheel does not install:\n{done.stdout}\n{done.stderr}")
    return env_dir / "bin"


def test_the_wheel_is_the_installed_package(installed, tmp_path):
    where = run([str(installed / "python"), "-c", "import sciplan, server; print(sciplan.__file__); print(server.__file__)"],
                tmp_path)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(installed.parent)) for line in where.stdout.split()), where.stdout
    listed = run([str(installed / "python"), "-c", "import importlib.resources as r; "
                  "print(sorted(p.name for p in r.files('sciplan').iterdir()))"], tmp_path)
    assert "views" in listed.stdout and "py.typed" in listed.stdout


def test_build_query_and_serve_from_another_directory_with_root(installed, tmp_path, kg_store):
    store = tmp_path / "kg"
    build = run([str(installed / "sciplan"), "--root", str(ROOT), "--store", str(store), "build", "--quiet"], tmp_path)
    assert build.returncode == 0, build.stderr
    query = run([str(installed / "sciplan"), "--store", str(store), "query", COUNT, "--format", "csv"], tmp_path)
    expected = int(next(iter(kg_store.query(COUNT, use_default_graph_as_union=True)))["n"].value)  # the same data as the editable checkout's build
    assert query.returncode == 0 and int(query.stdout.split()[1]) == expected > 100, query.stdout + query.stderr
    page = run([str(installed / "python"), "-c", f"""
from sciplan.config import load_settings
from server import create_app
app = create_app(load_settings(root={str(ROOT)!r}, store={str(store)!r}).with_server(query_processes=1))
client = app.test_client()
print(client.get("/").status_code, client.get("/plan/440115/2022-2025", headers={{"Accept": "text/html"}}).status_code)
app.extensions["sciplan"].close()
"""], tmp_path)
    assert page.stdout.split() == ["200", "200"], page.stdout + page.stderr


def test_the_root_comes_from_the_variable_or_the_current_directory(installed, tmp_path):
    store = tmp_path / "kg"
    by_variable = run([str(installed / "sciplan"), "--store", str(store), "build", "--quiet"], tmp_path,
                      env={"SCIPLAN_ROOT": str(ROOT)})
    assert by_variable.returncode == 0, by_variable.stderr
    inside = run([str(installed / "sciplan"), "--store", str(tmp_path / "kg2"), "build", "--quiet"], ROOT)
    assert inside.returncode == 0, inside.stderr  # the current directory holds ontology/: it is the root
    without = run([str(installed / "sciplan"), "--store", str(tmp_path / "kg3"), "build"], tmp_path)
    assert without.returncode == 2 and "--root" in without.stderr and "Traceback" not in without.stderr
    wrong = run([str(installed / "sciplan"), "--root", str(tmp_path), "build"], tmp_path)
    assert wrong.returncode == 2 and "not a data root" in wrong.stderr
