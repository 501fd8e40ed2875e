"""Check the graph against the SHACL shapes of shapes/ (`sciplan validate`).

The data is always a pyoxigraph store with one named graph per file: the built
store (read-only), or an in-memory store of given Turtle files plus ontology/.
Two engines give the same results (tests/test_engine_differential.py): "sets"
(default, sciplan.engine) runs each constraint once as a query over all its focus
nodes; "pyshacl" (sciplan.shacl) is the reference, one focus node at a time.

The whole graph is validated in one run. For one plan (`plan=`) the plan's
graph is copied into a scratch store with every graph that is not a plan (the
ontology, bodies, jurisdictions, schemes, sources) and the graphs of the plans
it is based on, and only results about nodes of the plan's own graph are kept.

Each result becomes a Finding that knows its plan, section and task point (with
their Chinese titles) and the rule's instructions; sciplan.report renders them.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from . import vocab
from .config import DEFAULT_BASE, Settings
from .errors import BuildError, InputError, PlanNotFound, ShapesError, UsageError
from .engine import run as run_engine, to_rdf
from .store import build_info, graph_iri, open_store, read_file

SEVERITIES = ("Violation", "Warning", "Info")
ENGINES = ("sets", "pyshacl")
ELI = vocab.ELI
RDFS_LABEL = ox.NamedNode(str(RDFS.label))
RDF_TYPE = ox.NamedNode(str(RDF.type))
DCTERMS_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))
TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class Rule:
    """A named shape: what it checks and how to fix what it finds."""
    id: str
    iri: str
    label: str
    label_en: str
    fix: str
    severity: str


@dataclass(frozen=True)
class PlanRef:
    """A plan in scope: its IRI, its id (the file name of its graph) and its Chinese title."""
    iri: str
    id: str
    title: str


@dataclass
class Finding:
    """One validation result, placed in its plan, section and task point."""
    severity: str
    rule: Rule
    message: str
    focus: str
    component: str
    path: str | None = None
    value: str | None = None
    graph: str | None = None
    plan: str | None = None
    plan_title: str | None = None
    section: str | None = None
    section_title: str | None = None
    task: str | None = None
    task_title: str | None = None
    task_number: int | None = None


@dataclass
class Validation:
    """The outcome of one `validate_*` call."""
    base: str
    scope: str                          # "整个知识图谱" or the plan's title
    plans: list[PlanRef]                # the plans in scope
    rules: list[Rule]
    findings: list[Finding]
    results: Graph                      # the kept sh:ValidationResult nodes (pyshacl's triples)
    seconds: float = 0.0
    data_triples: int = 0
    whole: bool = True                  # the whole graph, not one plan
    engine: str = "sets"
    fallback: dict[str, str] = field(default_factory=dict)   # shape id → why pyshacl validated it
    shape_seconds: dict[str, float] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def failing(self, fail_on: str = "violation") -> list[Finding]:
        levels = {"violation": ("Violation",), "warning": ("Violation", "Warning")}[fail_on]
        return [f for f in self.findings if f.severity in levels]

    def failed(self, fail_on: str = "violation") -> bool:
        return bool(self.failing(fail_on))

    def report_graph(self, fail_on: str = "violation") -> Graph:
        """The SHACL validation report. sh:conforms follows --fail-on, like pyshacl's allow_warnings."""
        g = Graph()
        g.bind("sh", SH)
        g += self.results
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(not self.failed(fail_on))))
        for r in top_level(self.results):
            g.add((report, SH.result, r))
        return g


def top_level(results: Graph) -> list:
    """The results of a report, without those nested in another's sh:detail."""
    nested = set(results.objects(None, SH.detail))
    return [r for r in results.subjects(RDF.type, SH.ValidationResult) if r not in nested]


# ---------------------------------------------------------------- shapes

def load_shapes(settings: Settings, base: str) -> Graph:
    """shapes/*.ttl, relative IRIs resolved against `base`, SPARQL prefixes moved to it."""
    files = sorted(Path(settings.shapes_dir).glob("*.ttl"))
    if not files:
        raise BuildError(f"no SHACL shapes (*.ttl) in {settings.shapes_dir}")
    g = Graph()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8").replace(DEFAULT_BASE, base)
            # Oxigraph's parser, not rdflib's: 0.2 s of a one-plan check's budget less. Plain literals stay
            # plain (rdflib's parser gives them no datatype), blank nodes are one file's own.
            for t in ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=base):
                o = t.object
                if isinstance(o, ox.Literal) and o.language is None and o.datatype == XSD_STRING:
                    g.add((to_rdf(t.subject), to_rdf(t.predicate), Literal(o.value)))
                else:
                    g.add((to_rdf(t.subject), to_rdf(t.predicate), to_rdf(o)))
        except OSError as exc:
            raise BuildError(f"{path}: {exc.strerror or exc}") from None
        except SyntaxError as exc:
            raise BuildError(f"{path}: {exc}") from None
        for prefix, iri in _PREFIX.findall(text):
            g.bind(prefix, urljoin(base, iri), override=True)
    return g


_PREFIX = re.compile(r"^@prefix\s+([A-Za-z][\w.-]*|):\s*<([^>]*)>", re.M)
XSD_STRING = ox.NamedNode(vocab.XSD_STRING)


def rules_of(shapes: Graph) -> dict[URIRef, Rule]:
    """Every named node shape with a target, with its Chinese and English label and fix."""
    def text(node, pred, lang):
        values = [o for o in shapes.objects(node, pred) if isinstance(o, Literal)]
        for o in values:
            if (o.language or "").startswith(lang):
                return str(o)
        return str(values[0]) if values else ""

    rules = {}
    for node in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if not isinstance(node, URIRef) or not any(p in TARGETS for p in shapes.predicates(node)):
            continue
        severity = shapes.value(node, SH.severity) or SH.Violation
        ident = str(node).rsplit("/", 1)[-1]
        rules[node] = Rule(ident, str(node), text(node, RDFS.label, "zh") or ident, text(node, RDFS.label, "en") or ident,
                           text(node, SH.description, "zh"), str(severity).rsplit("#", 1)[-1])
    return rules


# ---------------------------------------------------------------- data

def open_built(settings: Settings) -> tuple[ox.Store, str]:
    """The built store, read-only, and the base it was built with."""
    store = open_store(settings.store)
    return store, build_info(settings.store).get("base") or settings.base


def turtle_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; directories are searched for *.ttl."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(p.rglob("*.ttl"))
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return files


def load_files(paths: Iterable[Path | str], settings: Settings, plan: str | None = None) -> ox.Store:
    """An in-memory store of ontology/*.ttl and the given files, one named graph per file.

    For one plan (`plan`), a large file that holds no plan (the national organizations.ttl:
    554,000 triples, 3.4 s to parse and index) contributes only the statements about the nodes the
    other files name and what those name in it in turn, read in one pass over its text
    (`_named_part`): a plan's validation keeps only results about the plan's own nodes, which need
    no other node of it (plan_scope takes the same part of a large graph of the built store).
    """
    store = ox.Store()
    seen = set()
    large = []
    ontology = sorted(Path(settings.ontology_dir).glob("*.ttl"))
    for path in ontology + turtle_files(paths):
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        if plan is not None and path not in ontology and _size(path) > LARGE_FILE:
            text = _read_text(path)
            statements = _statements(text)
            if statements is not None and ":Plan" not in text and "/Plan>" not in text:  # may type a node sp:Plan: whole
                large.append((path, statements))
                continue
        store.extend(read_file(path, graph_iri(settings, path), settings.base))
    if large:
        named = {q.object.value for q in store if isinstance(q.object, ox.NamedNode)}
        for path, (prologue, about) in large:
            text = prologue + "".join(_named_part(about, named, settings.base))
            try:
                triples = list(ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=settings.base))
            except SyntaxError:  # not the layout it looked like: the whole file
                store.extend(read_file(path, graph_iri(settings, path), settings.base))
                continue
            graph = ox.NamedNode(graph_iri(settings, path))
            store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    return store


LARGE_FILE = 1_000_000  # bytes; smaller files are read whole
_IRI = re.compile(r"<([^<>\s\"]*)>")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: {exc}") from None


def _statements(text: str) -> tuple[str, dict[str, list[str]]] | None:
    """(the @prefix lines, each subject's statements) of Turtle written one statement per subject
    block: a line opening with the subject's <IRI>, continuation lines indented. None for any other
    layout (a prefixed or blank-node subject, @base, a long string): that file is parsed whole."""
    if '"""' in text or "'''" in text or "_:" in text:
        return None
    prologue: list[str] = []
    about: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        head = line[:1]
        if head in ("#", "\n", "\r", ""):
            continue
        if line.startswith("@prefix ") or line.startswith("PREFIX "):
            prologue.append(line)
            current = None
        elif head == "<":
            end = line.find(">")
            if end < 0:
                return None
            current = about.setdefault(line[1:end], [])
            current.append(line)
        elif head in (" ", "\t") and current is not None:
            current.append(line)
        else:
            return None
    return "".join(prologue), about


def _named_part(about: dict[str, list[str]], named: set[str], base: str) -> list[str]:
    """The statements about the nodes of `named` (absolute IRIs) and, in turn, about the nodes they name."""
    by_iri = {_absolute(s, base): s for s in about}
    todo = [by_iri[i] for i in named if i in by_iri]
    done: set[str] = set()
    out: list[str] = []
    while todo:
        subject = todo.pop()
        if subject in done:
            continue
        done.add(subject)
        for statement in about[subject]:
            out.append(statement)
            todo.extend(by_iri[i] for i in (_absolute(x, base) for x in _IRI.findall(statement)) if i in by_iri)
    return out


_SIMPLE_RELATIVE = re.compile(r"^(?![A-Za-z][A-Za-z0-9+.-]*:)[^/.?#][^?#]*$")


def _absolute(ref: str, base: str) -> str:
    """An IRI reference resolved against the base (a path below it without dot segments directly: urljoin
    costs 35 µs, 3 s for the 87,000 bodies of the national organizations.ttl)."""
    if _SIMPLE_RELATIVE.match(ref) and "/." not in ref:
        return base + ref
    return urljoin(base, ref)


def plan_graphs(store: ox.Store, base: str, titles: bool = True) -> dict[str, tuple[str, str]]:
    """Every plan: IRI → (named graph, Chinese title); without `titles`, the IRI stands for the title.

    The titles are looked up plan by plan: as an OPTIONAL of the query, Oxigraph would join
    every rdfs:label of the store (seconds at national scale)."""
    # An index scan, not a SPARQL query: 0.37 s less at national scale (3,209 plans)
    found = sorted((q.graph_name.value, q.subject.value)
                   for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(f"{base}def/Plan"), None)
                   if isinstance(q.graph_name, ox.NamedNode) and isinstance(q.subject, ox.NamedNode))
    plans: dict[str, tuple[str, str]] = {}
    for graph, plan in found:
        if plan not in plans:
            plans[plan] = (graph, plan_title(store, ox.NamedNode(plan)) if titles else plan)
    return plans


def plan_title(store: ox.Store, plan: ox.NamedNode) -> str:
    titles = [q.object for q in store.quads_for_pattern(plan, RDFS_LABEL, None)
              if isinstance(q.object, ox.Literal) and (q.object.language or "").lower().startswith("zh")]
    return min(titles, key=lambda t: t.value).value if titles else plan.value


def resolve_plan(ref: str, plans: dict[str, tuple[str, str]], base: str) -> str:
    """A plan named by IRI, by plan/… path, or by id (its file name, e.g. nansha-2022-2025)."""
    candidates = [ref, base + ref.lstrip("/")]
    for iri, (graph, _) in plans.items():
        if iri in candidates or graph.rsplit("/", 1)[-1] == ref or graph == ref:
            return iri
    known = ", ".join(sorted(g.rsplit("/", 1)[-1] for g, _ in plans.values()))
    raise PlanNotFound(f"--plan: no plan {ref!r} in the graph; plans: {known}")


# A graph without plans that is larger than this (at national scale: the bodies of every
# jurisdiction, and the jurisdictions) is copied into a plan's scope only as far as the plan's
# graphs reach into it.
LARGE_GRAPH = 5_000


def plan_scope(store: ox.Store, base: str, plan: str, plans: dict[str, tuple[str, str]]) -> ox.Store:
    """A scratch store: the plan's graph, every graph that holds no plan, and its bases' graphs.

    A large graph without plans (more than LARGE_GRAPH triples) contributes only the nodes the
    plan's and its bases' graphs refer to, and what those refer to in turn within it: only
    results about the plan's own nodes are kept, and those need no other node of it. This keeps
    one plan's check fast at national scale (3,209 plans, 64,000 bodies).
    """
    holding_plans = {graph for graph, _ in plans.values()}
    bases = {row["b"].value for row in vocab.solutions(
        store, f"SELECT DISTINCT ?b WHERE {{ <{plan}> <{ELI}based_on>+ ?b }}", use_default_graph_as_union=True)}
    wanted = {plans[p][0] for p in bases | {plan} if p in plans}
    quads: list = []  # gathered, then written into the scratch store in one call (one call per node: 0.6 s)
    large = []
    for g in store.named_graphs():
        if g.value in wanted:
            quads += store.quads_for_pattern(None, None, None, g)
        elif g.value not in holding_plans:
            if _has_more_than(store, g, LARGE_GRAPH):
                large.append(g)
            else:
                quads += store.quads_for_pattern(None, None, None, g)
    if large:
        referred = {q.object for q in quads if q.graph_name.value in wanted and isinstance(q.object, ox.NamedNode)}
        for g in large:
            quads += _reachable(store, g, referred)
    scope = ox.Store()
    scope.extend(quads)
    return scope


def _has_more_than(store: ox.Store, graph: ox.NamedNode | ox.BlankNode, n: int) -> bool:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT * WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }} LIMIT {n + 1} }}"
    return int(next(iter(vocab.solutions(store, q)))["n"].value) > n


def _reachable(store: ox.Store, graph: ox.NamedNode | ox.BlankNode, start: set) -> list:
    """The triples of `graph` about the nodes of `start`, and of the nodes they reach in it."""
    seen, todo, out = set(), list(start), []
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        quads = list(store.quads_for_pattern(node, None, None, graph))
        out += quads
        todo.extend(q.object for q in quads if isinstance(q.object, (ox.NamedNode, ox.BlankNode)) and q.object not in seen)
    return out


def subjects_of_graph(store: ox.Store, graph: str) -> set[str]:
    return {q.subject.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            if isinstance(q.subject, ox.NamedNode)}


def subjects_of_plan(store: ox.Store, iri: str, plans: dict[str, tuple[str, str]]) -> set[str]:
    """The nodes whose results a plan's validation keeps: its graph's; in a graph of several plans (the
    register, data/ttl/register.ttl), only the plan and the nodes below its IRI (statements, targets)."""
    graph = plans[iri][0]
    subjects = subjects_of_graph(store, graph)
    if sum(1 for g, _ in plans.values() if g == graph) == 1:
        return subjects
    return {s for s in subjects if s == iri or s.startswith(iri + "/")}


def plan_by_id(store: ox.Store, ref: str, base: str) -> str | None:
    """The plan whose short id (dcterms:identifier) is `ref`: how a plan of the register, which shares its
    graph with the others, is named on the command line."""
    for q in store.quads_for_pattern(None, DCTERMS_IDENTIFIER, ox.Literal(ref), None):
        if isinstance(q.subject, ox.NamedNode) and next(iter(store.quads_for_pattern(
                q.subject, RDF_TYPE, ox.NamedNode(base + "def/Plan"), None)), None):
            return q.subject.value
    return None


# ---------------------------------------------------------------- running

def validate_built(settings: Settings, plan: str | None = None, engine: str = "sets") -> Validation:
    """Validate the built store (settings.store) with the base it was built with."""
    check_engine(engine)
    store, base = open_built(settings)
    # len() of an on-disk store reads all of it (12 s at national scale); the build recorded the counts
    graphs = build_info(settings.store).get("graphs") or {}
    triples = sum(g.get("triples", 0) for g in graphs.values()) if graphs else None
    return validate_store(store, settings, base=base, plan=plan, engine=engine, triples=triples)


def validate_files(paths: Iterable[Path | str], settings: Settings, plan: str | None = None,
                   engine: str = "sets") -> Validation:
    """Validate Turtle files (and directories of them) together with ontology/."""
    check_engine(engine)
    return validate_store(load_files(paths, settings, plan), settings, base=settings.base, plan=plan, engine=engine)


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(f"--engine: unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def validate_store(store: ox.Store, settings: Settings, base: str | None = None, plan: str | None = None,
                   engine: str = "sets", triples: int | None = None) -> Validation:
    """Validate the store's union graph (or one plan's scope); `triples`: the store's size, if known."""
    check_engine(engine)
    started = time.perf_counter()
    base = base or settings.base
    shapes = load_shapes(settings, base)
    rules = rules_of(shapes)
    plans = plan_graphs(store, base, titles=plan is None)
    data, keep, scope = store, None, "整个知识图谱"
    if plan is not None:
        iri = resolve_plan(plan_by_id(store, plan, base) or plan, plans, base)
        data = plan_scope(store, base, iri, plans)
        keep = subjects_of_plan(store, iri, plans)
        plans = {iri: (plans[iri][0], plan_title(store, ox.NamedNode(iri)))}
        scope = plans[iri][1]
    fallback: dict[str, str] = {}
    shape_seconds: dict[str, float] = {}
    try:
        if engine == "pyshacl":
            from .shacl import shacl_report  # imported only when used: pyshacl's import costs ≈ 0.3 s

            report = shacl_report(data, shapes)
        else:
            outcome = run_engine(data, shapes, rules, base, threads=settings.validate_threads)
            report = outcome.report
            fallback = {str(r).rsplit("/", 1)[-1]: why for r, why in outcome.fallback.items()}
            shape_seconds = outcome.seconds
    except ShapesError as exc:
        raise BuildError(f"shapes in {settings.shapes_dir}: {exc}") from None
    except SyntaxError as exc:  # a shape's SPARQL text that Oxigraph cannot parse
        raise BuildError(f"shapes in {settings.shapes_dir}: {exc}") from None
    results = _kept_results(report, keep)
    context = Context(data, base, plans)
    findings = sorted((_finding(results, r, shapes, rules, context) for r in top_level(results)), key=_order)
    return Validation(base=base, scope=scope, plans=[PlanRef(p, g.rsplit("/", 1)[-1], t) for p, (g, t) in plans.items()],
                      rules=sorted(rules.values(), key=lambda r: r.id), findings=findings, results=results,
                      seconds=time.perf_counter() - started, data_triples=len(data) if plan is not None or triples is None else triples,
                      whole=plan is None,
                      engine=engine, fallback=fallback, shape_seconds=shape_seconds)


def _kept_results(report: Graph, keep: set[str] | None) -> Graph:
    """The sh:ValidationResult nodes (with the blank nodes they use) whose focus node is kept."""
    out = Graph()
    out.bind("sh", SH)
    for r in report.objects(None, SH.result):  # the top-level results; nested ones hang off sh:detail
        if keep is not None and str(report.value(r, SH.focusNode)) not in keep:
            continue
        todo = [r]
        while todo:
            node = todo.pop()
            for p, o in report.predicate_objects(node):
                out.add((node, p, o))
                if isinstance(o, BNode) and (o, None, None) not in out:
                    todo.append(o)
    return out


def _finding(results: Graph, r, shapes: Graph, rules: dict[URIRef, Rule], context: Context) -> Finding:
    shape = results.value(r, SH.sourceShape)
    named = shape
    while named is not None and named not in rules:  # a property shape or a nested sh:or / sh:node shape
        named = shapes.value(predicate=SH.property, object=named) or shapes.value(predicate=SH.node, object=named)
    rule = rules.get(named) or Rule(str(shape), str(shape), str(shape), str(shape), "", "Violation")
    messages = sorted({str(m) for m in results.objects(r, SH.resultMessage)})
    path = results.value(r, SH.resultPath)
    value = results.value(r, SH.value)
    focus = results.value(r, SH.focusNode)
    finding = Finding(
        severity=str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
        rule=rule,
        message=" ".join(messages),
        focus=str(focus),
        component=str(results.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
        path=_path_text(results, path),
        value=str(value) if value is not None else None,
    )
    context.place(finding)
    return finding


def _path_text(g: Graph, path) -> str | None:
    if path is None:
        return None
    inverse = g.value(path, SH.inversePath) if isinstance(path, BNode) else None
    return f"^{inverse}" if inverse is not None else str(path)


def _order(f: Finding):
    return (f.plan is None, f.plan_title or f.graph or "", f.section or "", f.task_number or 0, f.task or "",
            SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9, f.rule.id, f.focus, f.value or "")


# ---------------------------------------------------------------- where a finding is

class Context:
    """Places a focus node in its plan, section and task point, walking eli:is_part_of."""

    OWNERS = ("def/assignment", "def/hasTarget", "def/hasBaseline")

    def __init__(self, store: ox.Store, base: str, plans: dict[str, tuple[str, str]]):
        self.store, self.base = store, base
        self.plans = plans
        self.types = {ox.NamedNode(base + "def/" + name): name for name in ("Plan", "Part", "Section", "TaskPoint")}
        self.part_of = ox.NamedNode(ELI + "is_part_of")
        self.owner_props = [ox.NamedNode(base + p) for p in self.OWNERS]
        self.rdf_subject = ox.NamedNode(str(RDF.subject))
        self.number = ox.NamedNode(base + "def/number")

    def place(self, f: Finding) -> None:
        if not f.focus.startswith(("http://", "https://", "urn:")):
            return
        node = ox.NamedNode(f.focus)
        f.graph = self._graph(node)
        anchor = self._anchor(node)
        for _ in range(8):  # task → section → part → plan
            kind = self._kind(anchor)
            if kind == "TaskPoint" and f.task is None:
                f.task, f.task_title, f.task_number = anchor.value, self.label(anchor), self._number(anchor)
            elif kind == "Section" and f.section is None:
                f.section, f.section_title = anchor.value, self.label(anchor)
            elif kind == "Plan":
                f.plan, f.plan_title = anchor.value, self.label(anchor)
                return
            parent = self._object(anchor, self.part_of)
            if parent is None:
                break
            anchor = parent
        f.plan = f.plan or self._plan_by_iri(f.focus)
        if f.plan and not f.plan_title:
            f.plan_title = self.plans.get(f.plan, (None, f.plan))[1]

    def _anchor(self, node: ox.NamedNode) -> ox.NamedNode:
        """An assignment, target or baseline stands for its owner; a statement for its subject."""
        for prop in self.owner_props:
            for q in self.store.quads_for_pattern(None, prop, node):
                if isinstance(q.subject, ox.NamedNode):
                    return q.subject
        subject = self._object(node, self.rdf_subject)
        return subject if subject is not None else node

    def _plan_by_iri(self, iri: str) -> str | None:
        hits = [p for p in self.plans if iri == p or iri.startswith(p + "/")]
        return max(hits, key=len) if hits else None

    def _kind(self, node) -> str | None:
        for q in self.store.quads_for_pattern(node, RDF_TYPE, None):
            if isinstance(q.object, ox.NamedNode) and q.object in self.types:
                return self.types[q.object]
        return None

    def _object(self, node, prop):
        for q in self.store.quads_for_pattern(node, prop, None):
            if isinstance(q.object, ox.NamedNode):
                return q.object
        return None

    def _number(self, node) -> int | None:
        for q in self.store.quads_for_pattern(node, self.number, None):
            try:
                return int(q.object.value) if isinstance(q.object, ox.Literal) else None
            except ValueError:
                return None
        return None

    def _graph(self, node) -> str | None:
        for q in self.store.quads_for_pattern(node, None, None):
            if isinstance(q.graph_name, ox.NamedNode):
                return q.graph_name.value
        return None

    def label(self, node) -> str:
        labels = [q.object for q in self.store.quads_for_pattern(node, RDFS_LABEL, None)]
        for lit in labels:
            if isinstance(lit, ox.Literal) and (lit.language or "").startswith("zh"):
                return lit.value
        return labels[0].value if labels and not isinstance(labels[0], ox.Triple) else node.value
