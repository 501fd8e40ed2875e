"""One home each: checks that fail when a change brings back a second way to configure, fail, name or locate.

    configuration   only sciplan/config.py reads the environment
    errors          every exception class of the core is in sciplan/errors.py (one family)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGES = ("sciplan", "server")


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def trees():
    for path in sources():
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_only_the_config_module_reads_the_environment():
    readers = []
    for name, tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                    and node.attr in ("environ", "getenv", "environb", "putenv"):
                readers.append(f"{name}:{node.lineno} os.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "os" \
                    and {a.name for a in node.names} & {"environ", "getenv", "environb"}:
                readers.append(f"{name}:{node.lineno} from os import …")
    assert all(r.startswith("sciplan/config.py:") for r in readers), readers
    assert readers, "the scan finds config.py's own reading (else it looks at nothing)"


def test_every_core_exception_is_in_the_one_family():
    strays = []
    for name, tree in trees():
        if name == "sciplan/errors.py" or not name.startswith("sciplan/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception")) or b.id in ("Warning",))
                    for b in node.bases):
                strays.append(f"{name}:{node.lineno} class {node.name}")
    assert not strays, f"define errors in sciplan/errors.py, under SciplanError: {strays}"


@pytest.mark.parametrize("name", ["sciplan/errors.py", "sciplan/config.py"])
def test_the_homes_exist(name):
    assert (ROOT / name).is_file()
