"""One home each: checks that fail when a change brings back a second way to configure, fail, name or locate.

    configuration   only sciplan/config.py reads the environment
    errors          every exception class of the core is in sciplan/errors.py (one family)
    vocabulary      namespace IRIs are spelled only in sciplan/vocab.py; our IRI patterns only in sciplan/iris.py
    direction       the core's modules import each other without cycles, and only the CLI (the edge) imports server/;
                    generated files never sit in data/curation/
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


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, tree) -> set[str]:
    """The modules of sciplan/ and server/ that a module imports (at any depth of its code)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
                 for n in ast.walk(block)}  # imports for annotations only are no dependency at run time
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    known = {module_name(p) for p in sources()}
    return {m for m in found if m in known and m != name}


def test_the_core_has_no_import_cycles_and_only_the_edge_imports_the_server():
    graph = {module_name(p): imports(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sources()}
    assert not {m for m, deps in graph.items() if m.startswith("sciplan") and m != "sciplan.cli"
                and any(d.startswith("server") for d in deps)}, "the core must not know the web layer"
    core = {m: {d for d in deps if d.startswith("sciplan") and d != "sciplan.cli"} for m, deps in graph.items()
            if m.startswith("sciplan") and m != "sciplan.cli"}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in sorted(core.get(m, ())):
            if d.startswith(m + "."):  # a package importing its own submodules is not a cycle
                continue
            if state.get(d) == 1:
                cycles.append(trail[trail.index(d):] + [d] if d in trail else [m, d])
            elif d not in state:
                visit(d, trail + [d])
        state[m] = 2

    for m in sorted(core):
        if m not in state:
            visit(m, [m])
    assert not cycles, cycles
    assert "sciplan.align.linksets" in core["sciplan.describe"], "the scan sees the imports (else it checks nothing)"


def test_no_generated_file_sits_in_the_curated_folder():
    # its subfolders too: data/curation/imports/ holds the records `sciplan import` writes, which are curation
    curated = sorted(p for p in (ROOT / "data" / "curation").rglob("*") if p.is_file())
    assert curated
    generated = [p.name for p in curated if p.read_text(encoding="utf-8").lstrip().startswith("# Generated")]
    assert not generated, f"generated files belong in data/generated/ or data/ttl/: {generated}"


def test_the_readme_layout_names_each_home():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text[text.index("## Layout"):]
    for home in ("sciplan/config.py", "sciplan/errors.py", "sciplan/vocab.py", "sciplan/iris.py", "sciplan/publish.py",
                 "docs/configuration.md", "data/generated/", "data/curation/"):
        assert home in layout, home


@pytest.mark.parametrize("name", ["sciplan/errors.py", "sciplan/config.py", "sciplan/vocab.py", "sciplan/iris.py"])
def test_the_homes_exist(name):
    assert (ROOT / name).is_file()
