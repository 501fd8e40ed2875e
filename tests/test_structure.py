"""One home each: checks that fail when a change brings back a second way to configure, fail, name or locate.

    configuration   only sciplan/config.py reads the environment
    errors          every exception class of the core is in sciplan/errors.py (one family)
    vocabulary      namespace IRIs are spelled only in sciplan/vocab.py; our IRI patterns only in sciplan/iris.py
"""

from __future__ import annotations

import ast
import re
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


def string_literals(tree):
    """Every string constant of a module except docstrings (prose may name a namespace)."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def test_namespaces_are_spelled_only_in_the_vocabulary_module():
    from sciplan import vocab

    namespaces = {v for k, v in vars(vocab).items() if k.isupper() and isinstance(v, str) and v.startswith("http")
                  and v.endswith(("#", "/"))}
    assert {vocab.RDF, vocab.ELI, vocab.SD, vocab.WD} <= namespaces
    spelled = []
    for name, tree in trees():
        if name == "sciplan/vocab.py":
            continue
        for node in string_literals(tree):
            spelled += [f"{name}:{node.lineno} {ns}" for ns in namespaces if ns in node.value]
    assert not spelled, f"use sciplan.vocab: {spelled}"


OUR_PATTERNS = re.compile(r"(?:^|[<\"/])(?:plan|org|place|scheme|source)/\{|/(?:part|section|point|lead|cooperating|"
                          r"statement|target|baseline)/\{")


def test_iri_patterns_are_minted_only_in_iris():
    """An f-string that spells plan/{…}, …/part/{…}, org/{…}, scheme/{…} … by hand is a second home of the patterns."""
    spelled = []
    for name, tree in trees():
        if name == "sciplan/iris.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{" for v in node.values)
                if OUR_PATTERNS.search(text):
                    spelled.append(f"{name}:{node.lineno} {text}")
    assert not spelled, f"mint IRIs with sciplan.iris: {spelled}"


@pytest.mark.parametrize("name", ["sciplan/errors.py", "sciplan/config.py", "sciplan/vocab.py", "sciplan/iris.py"])
def test_the_homes_exist(name):
    assert (ROOT / name).is_file()
