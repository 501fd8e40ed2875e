"""Every name, title and quoted sentence in data/ttl occurs in the source it came from.

Whitespace is ignored (the PDF extraction breaks words with spaces and line
breaks); nothing else is. Verbatim excerpts (table rows, paragraphs) must
occur exactly, whitespace included.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from sciplan.config import Settings
from sciplan.extract import gbcodes
from sciplan.extract.readers.workbook import workbook_text
from sciplan.iris import PLACEHOLDER

SETTINGS = Settings()
SP = Namespace(PLACEHOLDER + "def/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")

# Literals that must be read from a source, whitespace aside.
QUOTED = [DCTERMS.title, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SP.bodyTitle, SP.text, SP.nameAsWritten,
          SP.verbatim, SP.measure, SP.leadUnitsText, SP.cooperatingUnitsText, ELI.id_local]
# Literals that must be exact slices of the source file.
VERBATIM = [SP.sourceRow, SP.sourceParagraph, SP.sourceText]
# Generated files whose labels are vocabulary of our own, not quotations.
OWN_VOCABULARY = {"schemes.ttl", "sources.ttl"}
# English labels of a resource marked sp:englishLabelStatus are translations (or renderings quoted, with the
# page and the verbatim words, by an sp:SourcedStatement, whose sp:verbatim is checked), not quotations.
TRANSLATED = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def without_page_numbers(text: str) -> str:
    """The 南沙 PDF prints page numbers (— 7 —) inside paragraphs; sp:text leaves them out."""
    return re.sub(r"(?m)^\s*—\s*\d+\s*\**—\**\s*$", "", text)


# The register's records quote data/curation/register.yaml, whose quotes are copied from the web pages (the
# file's own rules); the names of coded places come from the GB/T 2260 table (sciplan/extract/gbcodes.py).
REGISTER, GB2260 = "register.yaml", "GB2260"


@lru_cache
def source_texts() -> dict[str, str]:
    texts = {p.name: source_text(p) for p in SETTINGS.sources_dir.iterdir()}
    texts[REGISTER] = "\n".join(strings(yaml.safe_load((SETTINGS.curation_dir / "register.yaml").read_text(encoding="utf-8"))))
    texts[GB2260] = "\n".join(gbcodes.table().values())
    return texts


def strings(node) -> list[str]:
    """Every string of a parsed YAML document (a quote written with escapes is compared as read)."""
    if isinstance(node, dict):
        return [t for v in node.values() for t in strings(v)]
    if isinstance(node, list):
        return [t for v in node for t in strings(v)]
    return [str(node)]


def source_text(path: Path) -> str:
    """A source's text as its records quote it: line ends untouched; a workbook's rows as sp:sourceRow gives them."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return workbook_text(path.read_bytes(), path.name)
    return path.read_bytes().decode("utf-8-sig")


@lru_cache
def squeezed_sources() -> dict[str, str]:
    return {name: squeeze(without_page_numbers(text)) for name, text in source_texts().items()}


def data_files() -> list[Path]:
    return sorted(p for p in SETTINGS.data_dir.rglob("*.ttl") if p.name not in OWN_VOCABULARY)


@lru_cache
def load(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=PLACEHOLDER)


@lru_cache
def source_files() -> dict[URIRef, str]:
    """source/… node → file name, from sources.ttl."""
    g = load(SETTINGS.data_dir / "sources.ttl")
    files = {s: str(o).removeprefix("data/sources/") for s, o in g.subject_objects(DCTERMS.identifier)}
    return {**files, URIRef(PLACEHOLDER + "source/register"): REGISTER, URIRef(PLACEHOLDER + "source/gb2260"): GB2260}


def origin(g: Graph, subject: URIRef) -> list[str]:
    """The files a record may be quoted from: its own prov:wasDerivedFrom, else its owner's, else all."""
    node = subject
    while node is not None:
        files = [source_files()[o] for o in g.objects(node, PROV.wasDerivedFrom) if o in source_files()]
        if files:
            # A seed may also quote its parents' titles, which parent-plans.md lists too.
            return files + (["parent-plans.md"] if "parent-plans.md" not in files else [])
        node = g.value(node, ELI.is_part_of) or g.value(predicate=SP.assignment, object=node) \
            or g.value(predicate=SP.hasTarget, object=node) or g.value(predicate=SP.hasBaseline, object=node)
    return sorted(source_texts())


def misquotations(path: Path) -> list[str]:
    """Every quoted literal of a data file that its source does not contain."""
    g = load(path)
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))  # labels of our own schemes are not quotations
    schemes |= {s for s, name in source_files().items() if name in (REGISTER, GB2260)}  # nor our titles of those files
    misses = []
    for prop in QUOTED + VERBATIM:
        for subject, value in g.subject_objects(prop):
            if not isinstance(value, Literal) or subject in schemes:
                continue
            if prop in TRANSLATED and value.language == "en" and (subject, SP.englishLabelStatus, None) in g:
                continue
            candidates = origin(g, subject)
            if prop in VERBATIM:
                found = any(str(value) in source_texts()[f] for f in candidates)
            else:
                found = any(squeeze(value) in squeezed_sources()[f] for f in candidates)
            if not found:
                misses.append(f"{subject} {prop}: {str(value)[:60]!r} not in {candidates}")
    return misses


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_every_quoted_literal_occurs_in_its_source(path):
    assert misquotations(path) == []


def test_the_check_can_fail():
    """A made-up unit name is caught: the search is not vacuous."""
    nansha = SETTINGS.data_dir / "plans" / "nansha-2022-2025.ttl"
    g = Graph().parse(nansha, format="turtle", publicID=PLACEHOLDER)
    task = URIRef(PLACEHOLDER + "plan/440115/2022-2025/part/actions/section/1/point/1")
    g.set((task, DCTERMS.title, Literal("将弘扬科学精神贯穿于育人全链条和宇宙", lang="zh")))
    g.set((task, SP.sourceRow, Literal("1.将弘扬科学精神 贯穿于育人全链条。")))
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "nansha-2022-2025.ttl"
    g.serialize(path, format="turtle", base=PLACEHOLDER)
    misses = misquotations(path)
    assert len(misses) == 2 and all(str(task) in m for m in misses)


def test_seed_copies_are_the_shared_originals():
    shared = SETTINGS.sources_dir.parents[2] / "shared"
    if not shared.exists():
        pytest.skip("../shared is not beside the repository")
    seeds = {s["file"] for s in yaml.safe_load((SETTINGS.data_dir.parent / "curation" / "plans.yaml").read_text(encoding="utf-8"))["sources"].values()
             if s.get("file") and not s.get("compiled")}  # imported tables (data/curation/imports/) and the
    # project's own record of English-language pages (english-names.md) have no copy in ../shared
    for name, text in source_texts().items():
        if name not in seeds:
            continue
        original = next(shared.rglob(name), None)
        assert original is not None and original.read_text(encoding="utf-8") == text, name


def test_printed_dates_match_the_seed_text():
    nansha = squeeze(source_texts()["000_e37b814599954b21.txt"])
    assert "2022年12月9日" in nansha and "2022年12月12日印发" in nansha
    assert "2017年3月2日" in squeeze(source_texts()["001_04ac0dd97a26a9d2.txt"])


def test_the_check_can_fail_on_the_register():
    """A registered plan's title or quote that register.yaml does not hold is caught."""
    g = Graph().parse(SETTINGS.data_dir / "register.ttl", format="turtle", publicID=PLACEHOLDER)
    plan = next(g.subjects(DCTERMS.identifier, Literal("city-nanchang-2021")))
    g.set((plan, DCTERMS.title, Literal("南昌市全民科学素质行动规划纲要实施方案(2021-2030年)", lang="zh")))
    statement = next(g.subjects(RDF.subject, plan))
    g.set((statement, SP.verbatim, Literal("洪府发〔2021〕28号", lang="zh")))
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "register.ttl"
    g.serialize(path, format="turtle", base=PLACEHOLDER)
    misses = misquotations(path)
    assert len(misses) == 2 and {m.split()[0] for m in misses} == {str(plan), str(statement)}
