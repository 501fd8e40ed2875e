"""The set-at-a-time SHACL engine: each constraint of shapes/ one query over all its focus nodes.

sciplan.engine.compile turns each named shape into SELECTs over the pyoxigraph store;
`run` executes them and writes the results as pyshacl does (sh:ValidationResult with
focus node, path, value, source shape and constraint, component, severity, message),
so the report, its renderings and the exit codes stay pyshacl's. A shape the
compiler does not translate is validated by pyshacl alone (sciplan.shacl), and
`Outcome.fallback` names it. tests/test_engine_differential.py holds the two to the
same results.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..vocab import solutions
from .compile import TARGET_NODES, Check, Compiler, Target, Uncompilable

__all__ = ["Outcome", "run", "Uncompilable"]

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


@dataclass
class Outcome:
    report: Graph                                   # sh:ValidationReport with its sh:result nodes
    fallback: dict[URIRef, str] = field(default_factory=dict)   # shape → why pyshacl validated it
    seconds: dict[str, float] = field(default_factory=dict)     # shape → seconds of its queries
    queries: int = 0


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run(store: ox.Store, shapes: Graph, rules, base: str, *, fallback_runner=None, threads: int = 0) -> Outcome:
    """Validate the union of the store's graphs against the named shapes `rules` (of the shapes
    graph loaded with `base`: its sps: terms are under it).

    `fallback_runner(shapes_graph)` gives pyshacl's report for a shapes graph in which only
    the uncompilable shapes keep their targets (sciplan.shacl.shacl_report by default).
    `threads`: how many checks run at once (0: one per usable CPU). pyoxigraph releases the GIL
    while it evaluates, so the checks overlap; the SPARQL constraints, the longest, start first,
    and the results are written in the compiled order, so the report is the same for any count.
    """
    compiled = Compiler(shapes, store, base).compile(rules)
    report = Graph()
    report.bind("sh", SH)
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    outcome = Outcome(report, {r: compiled.reasons[r] for r in compiled.fallback})
    copied: set = set()
    checks = compiled.checks
    workers = min(threads or usable_cpus(), max(1, len(checks)))
    # Started longest first (the SPARQL constraints), merged in the compiled order.
    order = sorted(range(len(checks)), key=lambda i: (not checks[i].sparql, i))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sciplan-check") as pool:
        futures = {i: pool.submit(_solutions, store, checks[i]) for i in order}
        for i, check in enumerate(checks):
            rows, seconds, queries = futures[i].result()
            for row in rows:
                if not check.flags:
                    _add_result(report, node, shapes, check, row, copied)
                    continue
                failed = [c for f, c in check.flags if row.pop(f, None) == TRUE]
                for comp in failed:
                    _add_result(report, node, shapes, replace(check, component=comp), dict(row), copied)
            outcome.queries += queries
            key = str(check.rule).rsplit("/", 1)[-1]
            outcome.seconds[key] = outcome.seconds.get(key, 0.0) + seconds
    if compiled.fallback:
        started = time.perf_counter()
        if fallback_runner is None:
            from ..shacl import shacl_report

            def fallback_runner(g):
                return shacl_report(store, g)
        others = _only(shapes, set(compiled.fallback))
        theirs = fallback_runner(others)
        for r in theirs.objects(None, SH.result):
            report.add((node, SH.result, r))
        for t in theirs:
            if (t[0], RDF.type, SH.ValidationReport) not in theirs:
                report.add(t)
        outcome.seconds["pyshacl: " + ", ".join(sorted(str(r).rsplit("/", 1)[-1] for r in compiled.fallback))] = \
            time.perf_counter() - started
    report.add((node, SH.conforms, Literal(not any(report.objects(node, SH.result)))))
    return outcome


TRUE = Literal(True)
CHUNK = 500  # focus nodes per VALUES of a restricted query


def _solutions(store: ox.Store, check: Check) -> tuple[list[dict], float, int]:
    """The check's solutions as rdflib terms (one dict per row, in the order Oxigraph gives them),
    the seconds its queries took and how many ran."""
    started = time.perf_counter()
    rows: list[dict] = []
    queries = 0
    focus = _focus_nodes(store, check.target) if check.target is not None else (True, None)
    if not focus[0]:  # no focus node: nothing to check
        return rows, time.perf_counter() - started, queries
    for query in _queries(store, check):
        if focus[1] is not None:  # a SPARQL target's nodes, looked up: they stand for the target
            assert check.target is not None
            query = check.target.narrowed(query, focus[1])
        answer = solutions(store, query, use_default_graph_as_union=True)
        names = [v.value for v in answer.variables]
        for solution in answer:
            rows.append({name: to_rdf(term) for name, term in zip(names, solution) if term is not None})
        queries += 1
    return rows, time.perf_counter() - started, queries


def _focus_nodes(store: ox.Store, target: Target) -> tuple:
    """(whether the shape has a focus node, the text that replaces its target's pattern or None),
    looked up by the first of the shape's checks to run; the others wait for it."""
    with target.lock:
        if target.found is None:
            if not target.listed:
                target.found = (bool(store.query(target.probe, use_default_graph_as_union=True)), None)
            else:
                nodes = [row["this"] for row in solutions(store, target.probe, use_default_graph_as_union=True)]
                listable = len(nodes) <= TARGET_NODES and not any(isinstance(n, ox.BlankNode) for n in nodes)
                values = "VALUES ?this { " + " ".join(str(n) for n in nodes) + " } } }" if listable else None
                target.found = (bool(nodes), values)
        return target.found


def _queries(store: ox.Store, check: Check):
    """The queries whose solutions are the check's results: its query; or, for a constraint with a
    tail of labels, its core over all focus nodes first and the whole text over the nodes found."""
    if check.core is None or check.restricted is None:
        yield check.query
        return
    found = [row["this"] for row in solutions(store, check.core, use_default_graph_as_union=True)]
    if any(isinstance(n, ox.BlankNode) for n in found):  # VALUES cannot name a blank node
        yield check.query
        return
    for i in range(0, len(found), CHUNK):
        yield check.restricted(" ".join(str(n) for n in found[i:i + CHUNK]))


def to_rdf(term):
    """A pyoxigraph term as rdflib's (pyshacl's own conversion, without importing pyshacl: its
    import costs ≈ 0.3 s, a third of a one-plan check's budget)."""
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef(term.value)


def _only(shapes: Graph, keep: set) -> Graph:
    """The shapes graph with the targets of every named shape but those in `keep` removed."""
    g = Graph()
    for prefix, ns in shapes.namespaces():
        g.bind(prefix, ns, override=True)
    for s, p, o in shapes:
        if p in TARGETS and s not in keep:
            continue
        g.add((s, p, o))
    return g


def _copy_tree(report: Graph, shapes: Graph, node, copied: set) -> None:
    """A blank node of the shapes graph (a property shape, a path, a SPARQL constraint) and
    what it reaches through blank nodes, copied into the report as pyshacl does."""
    todo = [node]
    while todo:
        n = todo.pop()
        if n in copied or not isinstance(n, BNode):
            continue
        copied.add(n)
        for p, o in shapes.predicate_objects(n):
            report.add((n, p, o))
            todo.append(o)


def _add_result(report: Graph, root, shapes: Graph, check: Check, row: dict, copied: set) -> None:
    focus = row.pop("this", None)
    if focus is None:
        return
    path = row.pop("path", None) if check.sparql else None
    value = row.pop("value", None)
    if value is None and check.value_is_focus:
        value = focus
    result_path = path if path is not None else check.path
    r = BNode()
    add = report.add
    add((root, SH.result, r))
    add((r, RDF.type, SH.ValidationResult))
    add((r, SH.sourceConstraintComponent, check.component))
    add((r, SH.sourceShape, check.source))
    add((r, SH.resultSeverity, check.severity))
    add((r, SH.focusNode, focus))
    if value is not None:
        add((r, SH.value, value))
    if result_path is not None:
        add((r, SH.resultPath, result_path))
        _copy_tree(report, shapes, result_path, copied)
    if check.constraint is not None:
        add((r, SH.sourceConstraint, check.constraint))
        _copy_tree(report, shapes, check.constraint, copied)
    _copy_tree(report, shapes, check.source, copied)
    for m in _messages(check, focus, path, value, row):
        add((r, SH.resultMessage, m))


def _messages(check: Check, focus, path, value, row: dict) -> list[Literal]:
    if not check.messages:
        name = str(check.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        return [Literal(f"{name} constraint not met on {focus}" + (f" (value {value})" if value is not None else ""))]
    if not check.sparql:
        return list(check.messages)
    # pyshacl: each {?var} / {$var} replaced by the solution's binding, the language dropped
    bindings = dict(row)
    bindings["this"] = focus
    if path is not None:
        bindings["path"] = path
    if value is not None:
        bindings["value"] = value
    out = []
    for m in check.messages:
        text = str(m)
        for var, val in bindings.items():
            text = re.sub(f"{{[?$]{var}}}", str(val), text)
        out.append(Literal(text))
    return out
