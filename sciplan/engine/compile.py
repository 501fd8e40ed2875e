"""Compile the shapes of shapes/ into SPARQL SELECTs over all focus nodes at once.

One query per constraint: its solutions are the results (?this the focus node, ?value
the value node where the constraint has one, other variables for sh:message). Targets
become one group binding ?this; counts are GROUP BY / HAVING; a missing value or a
missing type is a MINUS anti-join, which Oxigraph evaluates once as a hash join,
where FILTER NOT EXISTS would run once per row.

What a shape says that is not translated here raises Uncompilable, and the whole named
shape is left to pyshacl (sciplan.engine.run names it in the report).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from .. import vocab
from ..vocab import solutions
from .sparql_text import Uncompilable, set_at_a_time, split_tail

SH_SPARQL_TARGET = SH.SPARQLTarget
# Terms of a shape that say nothing to check.
_INERT = {RDF.type, RDFS.label, RDFS.comment, SH.description, SH.name, SH.message, SH.severity, SH.order,
          SH.group, SH.path, SH.deactivated, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
          SH.targetObjectsOf, SH.target, SH.property, SH.sparql, RDFS.seeAlso, RDFS.isDefinedBy, SH.defaultValue}
_VALUE_TESTS = {SH.datatype, SH.nodeKind, SH["in"], SH.minInclusive, SH.maxInclusive, SH.minExclusive,
                SH.maxExclusive, SH.pattern, SH.flags, SH.languageIn, SH.minLength, SH.maxLength, SH.hasValue,
                SH["class"], SH["or"], SH["and"], SH["not"], SH.xone, SH.node}
_COMPONENT: dict = {SH.datatype: "Datatype", SH.nodeKind: "NodeKind", SH["in"]: "In", SH.minInclusive: "MinInclusive",
              SH.maxInclusive: "MaxInclusive", SH.minExclusive: "MinExclusive", SH.maxExclusive: "MaxExclusive",
              SH.pattern: "Pattern", SH.languageIn: "LanguageIn", SH.minLength: "MinLength",
              SH.maxLength: "MaxLength", SH.hasValue: "HasValue", SH["class"]: "Class", SH["or"]: "Or",
              SH["and"]: "And", SH["not"]: "Not", SH.xone: "Xone", SH.node: "Node"}


def component(name: str) -> URIRef:
    return SH[name + "ConstraintComponent"]


FOCUS_HEAD = "{ SELECT DISTINCT ?this WHERE { "
TARGET_NODES = 500  # a SPARQL target with at most this many focus nodes is looked up first


@dataclass(eq=False)
class Target:
    """A named shape's focus nodes, looked up once, before its checks, by the first check to run.

    `probe` is an ASK of the target (no focus node: no check runs), or for a SPARQL target a SELECT
    of its nodes (up to TARGET_NODES), which then stand in the checks' texts as `VALUES ?this`:
    the target is evaluated once, not once in every query of the shape.
    """
    union: str                   # the target's patterns, as they stand in the checks' focus group
    probe: str
    listed: bool = False         # the probe selects the nodes (a SPARQL target), else it asks
    lock: threading.Lock = field(default_factory=threading.Lock)
    found: tuple | None = None   # (any focus node?, VALUES text or None), once looked up

    def narrowed(self, query: str, values: str) -> str:
        """`query` with the target's patterns, where they close its focus group, replaced by `values` (the
        nodes looked up; after the candidates' VALUES too, where a restricted query put them first)."""
        return query.replace(f"{self.union} }} }}", values)


@dataclass
class Check:
    """One compiled constraint: a SELECT whose solutions are validation results."""
    rule: URIRef                 # the named shape with the target
    source: URIRef | BNode       # sh:sourceShape: the node shape or the property shape
    component: URIRef
    severity: URIRef
    query: str
    path: URIRef | BNode | None = None       # sh:resultPath (a property shape's path)
    constraint: BNode | URIRef | None = None  # sh:sourceConstraint (a SPARQL constraint)
    messages: list[Literal] = field(default_factory=list)
    sparql: bool = False         # a SPARQL constraint: messages take the solution's variables
    value_is_focus: bool = False  # a node shape's SPARQL constraint without ?value reports the focus node
    # A SPARQL constraint with a tail of OPTIONALs and BINDs (labels for its message): `core` finds
    # the focus nodes with a result without the tail, `restricted(focus)` is the whole text over
    # those nodes only (sparql_text.split_tail).
    core: str | None = None
    # Several constraints of one property shape in one query: each (variable, component) is a
    # result of that component where the solution binds the variable to true.
    flags: list[tuple[str, URIRef]] = field(default_factory=list)
    restricted: Callable[[str], str] | None = None
    target: Target | None = None  # the named shape's focus nodes, shared by its checks


@dataclass
class Compiled:
    checks: list[Check]
    fallback: list[URIRef]       # named shapes left to pyshacl
    reasons: dict[URIRef, str]


def sparql_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    raise Uncompilable(f"a blank node as a value: {term}")


class Compiler:
    """Compiles the shapes graph against one data store (subclasses and prefixes are looked up once)."""

    def __init__(self, shapes: Graph, store: ox.Store, base: str, *, union: bool = True):
        self.shapes, self.store, self.union = shapes, store, union
        self.candidates = URIRef(vocab.sps(base) + vocab.SPS_CANDIDATES)
        self._names = itertools.count()
        self._subclasses: dict[URIRef, list[str]] = {}
        self._unions: dict = {}  # shape → its targets' union, for the probe of its focus nodes

    # ------------------------------------------------------------ helpers

    def var(self, stem: str) -> str:
        return f"?{stem}_{next(self._names)}"

    def objects(self, node, pred) -> list:
        return list(self.shapes.objects(node, pred))

    def one(self, node, pred):
        values = self.objects(node, pred)
        if len(values) > 1:
            raise Uncompilable(f"several {pred} on one shape")
        return values[0] if values else None

    def items(self, node) -> list:
        try:
            return list(Collection(self.shapes, node))
        except Exception:
            raise Uncompilable("a malformed RDF list") from None

    def subclasses(self, cls: URIRef) -> str:
        """VALUES of the class and its subclasses in the data (rdfs:subClassOf*), for `?c a ?cls` joins."""
        if cls not in self._subclasses:
            q = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}"
            found = {s["c"].value for s in solutions(self.store, q, use_default_graph_as_union=True)
                     if isinstance(s["c"], ox.NamedNode)}
            self._subclasses[cls] = sorted(found | {str(cls)})
        return " ".join(f"<{c}>" for c in self._subclasses[cls])

    def instance_of(self, node: str, cls: URIRef) -> str:
        c = self.var("cls")
        return f"{node} a {c} . VALUES {c} {{ {self.subclasses(cls)} }}"

    def path(self, p) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(p, URIRef):
            return f"<{p}>"
        if not isinstance(p, BNode):
            raise Uncompilable("a literal as a path")
        if (p, RDF.first, None) in self.shapes:
            return "(" + "/".join(self.path(x) for x in self.items(p)) + ")"
        for pred, op in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                         (SH.zeroOrOnePath, "({})?")):
            inner = self.one(p, pred)
            if inner is not None:
                return op.format(self.path(inner))
        alt = self.one(p, SH.alternativePath)
        if alt is not None:
            return "(" + "|".join(self.path(x) for x in self.items(alt)) + ")"
        raise Uncompilable("an unknown path form")

    # ------------------------------------------------------------ targets

    def targets(self, shape) -> str:
        """A group binding ?this to each focus node of the shape, once."""
        parts = []
        for cls in self.objects(shape, SH.targetClass):
            parts.append(self.instance_of("?this", cls))
        for node in self.objects(shape, SH.targetNode):
            parts.append(f"VALUES ?this {{ {sparql_term(node)} }}")
        for p in self.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?this <{p}> {self.var('o')} .")
        for p in self.objects(shape, SH.targetObjectsOf):
            parts.append(f"{self.var('s')} <{p}> ?this .")
        for t in self.objects(shape, SH.target):
            if (t, RDF.type, SH_SPARQL_TARGET) not in self.shapes or self.one(t, SH.select) is None:
                raise Uncompilable("a target other than a SPARQL target")
            if self.objects(t, SH.ask) or self.objects(t, SH.parameter):
                raise Uncompilable("a parameterized target")
            parts.append("{ " + str(self.one(t, SH.select)) + " }")
        if not parts:
            raise Uncompilable("no target")
        union = " UNION ".join("{ " + p + " }" for p in parts)
        self._unions[shape] = union
        return f"{FOCUS_HEAD}{union} }} }}"

    # ------------------------------------------------------------ value tests (expressions)

    def conforms(self, shape, v: str) -> str:
        """A SPARQL expression, never an error, true when the node in `v` conforms to `shape`."""
        if self.one(shape, SH.path) is not None:
            return self.property_conforms(shape, v)
        tests = []
        for pred in set(self.shapes.predicates(shape)):
            if pred == SH.sparql:
                raise Uncompilable("a SPARQL constraint in a nested shape")
            if pred == SH.property:
                tests += [self.property_conforms(ps, v) for ps in self.objects(shape, SH.property)]
            elif pred in _VALUE_TESTS:
                tests += [self.value_test(shape, pred, value, v) for value in self.objects(shape, pred)]
            elif pred not in _INERT:
                raise Uncompilable(f"{pred} in a nested shape")
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def value_test(self, shape, pred, value, v: str) -> str:
        """An expression, never an error, true when `v` satisfies one constraint parameter of a shape."""
        if pred == SH.datatype:
            return self.datatype_test(value, v)
        if pred == SH.nodeKind:
            kinds = {SH.IRI: f"isIRI({v})", SH.BlankNode: f"isBlank({v})", SH.Literal: f"isLiteral({v})",
                     SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
                     SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
                     SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))"}
            if value not in kinds:
                raise Uncompilable(f"sh:nodeKind {value}")
            return kinds[value]
        if pred == SH["in"]:
            members = self.items(value)
            return "(" + " || ".join(f"sameTerm({v}, {sparql_term(m)})" for m in members) + ")" if members else "false"
        if pred in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            op = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}[pred]
            if not isinstance(value, Literal) or isinstance(value.value, str) or value.ill_typed:
                raise Uncompilable("a range bound that is not a number or a date")
            return f"COALESCE(isLiteral({v}) && {v} {op} {sparql_term(value)}, false)"
        if pred == SH.pattern:
            flags = self.one(shape, SH.flags)
            args = sparql_term(Literal(str(value))) + (", " + sparql_term(Literal(str(flags))) if flags else "")
            return f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {args}), false)"
        if pred == SH.languageIn:
            langs = [str(x) for x in self.items(value)]
            return "(" + " || ".join(f"COALESCE(langMatches(lang({v}), {sparql_term(Literal(x))}), false)"
                                     for x in langs) + ")" if langs else "false"
        if pred in (SH.minLength, SH.maxLength):
            op = ">=" if pred == SH.minLength else "<="
            return f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) {op} {int(value)}, false)"
        if pred == SH.hasValue:
            return f"sameTerm({v}, {sparql_term(value)})"
        if pred == SH["class"]:
            return f"EXISTS {{ {self.instance_of(v, value)} }}"
        if pred == SH["not"]:
            return f"!{self.conforms(value, v)}"
        if pred in (SH["or"], SH["and"], SH.xone):
            members = [self.conforms(m, v) for m in self.items(value)]
            if not members:
                return "false" if pred != SH["and"] else "true"
            if pred == SH.xone:
                ones = " + ".join(f"IF({m}, 1, 0)" for m in members)
                return f"({ones} = 1)"
            return "(" + (" || " if pred == SH["or"] else " && ").join(members) + ")"
        if pred == SH.node:
            return self.conforms(value, v)
        raise Uncompilable(f"{pred} is not translated")

    def datatype_test(self, dt, v: str) -> str:
        # pyshacl: a literal of exactly this datatype that rdflib does not find ill-typed
        test = f"(isLiteral({v}) && sameTerm(datatype({v}), <{dt}>)"
        casts = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.date, XSD.dateTime,
                 XSD.gYear, XSD.time, XSD.int, XSD.long}
        if dt in casts:
            test += f" && COALESCE(BOUND({v}) && (STRLEN(STR(<{dt}>({v}))) >= 0), false)"
        elif dt not in (XSD.string, RDF.langString):
            raise Uncompilable(f"sh:datatype {dt}: its lexical form is not checked here")
        return test + ")"

    def property_conforms(self, ps, v: str) -> str:
        """An expression true when the node in `v` satisfies a (nested) property shape."""
        path = self.path(self.one(ps, SH.path))
        tests = []
        for pred in set(self.shapes.predicates(ps)):
            if pred in _INERT or pred == SH.flags:
                if pred == SH.sparql or pred == SH.property:
                    raise Uncompilable("a nested property shape with its own shapes")
                continue
            for value in self.objects(ps, pred):
                y = self.var("y")
                if pred == SH.minCount:
                    if int(value) > 1:
                        raise Uncompilable("a nested sh:minCount above 1")
                    if int(value) == 1:
                        tests.append(f"EXISTS {{ {v} {path} {y} }}")
                elif pred == SH.maxCount:
                    if int(value) != 0:
                        raise Uncompilable("a nested sh:maxCount above 0")
                    tests.append(f"NOT EXISTS {{ {v} {path} {y} }}")
                elif pred == SH.hasValue:
                    tests.append(f"EXISTS {{ {v} {path} {sparql_term(value)} }}")
                elif pred in _VALUE_TESTS:
                    tests.append(f"NOT EXISTS {{ {v} {path} {y} FILTER (!{self.value_test(ps, pred, value, y)}) }}")
                else:
                    raise Uncompilable(f"{pred} in a nested property shape")
        return "(" + " && ".join(tests) + ")" if tests else "true"

    # ------------------------------------------------------------ the shapes with a target

    def severity(self, shape) -> URIRef:
        return self.one(shape, SH.severity) or SH.Violation

    def deactivated(self, shape) -> bool:
        d = self.one(shape, SH.deactivated)
        return isinstance(d, Literal) and d.value is True

    def node_shape(self, rule: URIRef) -> list[Check]:
        if self.deactivated(rule):
            return []
        focus = self.targets(rule)
        checks: list[Check] = []
        for pred in set(self.shapes.predicates(rule)):
            if pred in _INERT or pred == SH.flags:
                continue
            if pred in _VALUE_TESTS:
                for value in self.objects(rule, pred):
                    test = self.value_test(rule, pred, value, "?this")
                    checks.append(Check(rule, rule, component(_COMPONENT[pred]), self.severity(rule),
                                        f"SELECT DISTINCT ?this ?value WHERE {{ {focus} BIND (?this AS ?value) "
                                        f"FILTER (!{test}) }}", messages=self.objects(rule, SH.message)))
                continue
            raise Uncompilable(f"{pred} on a node shape")
        for ps in self.objects(rule, SH.property):
            checks += self.property_shape(rule, ps, focus)
        for c in self.objects(rule, SH.sparql):
            checks += self.sparql_constraint(rule, rule, c, focus)
        return checks

    def property_shape(self, rule: URIRef, ps, focus: str) -> list[Check]:
        if self.deactivated(ps):
            return []
        path_node = self.one(ps, SH.path)
        if path_node is None:
            raise Uncompilable("a property shape without sh:path")
        path = self.path(path_node)
        severity, messages = self.severity(ps), self.objects(ps, SH.message)
        checks = []

        def check(name: str, query: str) -> None:
            checks.append(Check(rule, ps, component(name), severity, query, path=path_node, messages=messages))

        # The value tests of the shape (sh:datatype, sh:in, ranges, …) in one query, with a flag per test
        # (UnitAssignmentShape: 16 queries → 9). The nodes with a failing value, or with more values than
        # sh:maxCount, are found first without the focus nodes, since joining every focus node with its
        # values is what costs (1.5 s against 0.3 s for one test at scale 0.1); the check itself then
        # runs only for those nodes, and only if there are any.
        tests = [(pred, value) for pred in sorted(set(self.shapes.predicates(ps)), key=str)
                 if pred in _VALUE_TESTS and pred not in (SH["class"], SH.hasValue) for value in self.objects(ps, pred)]
        if tests:
            binds, flags = [], []
            for pred, value in tests:
                f = self.var("f")
                binds.append(f"BIND (!{self.value_test(ps, pred, value, '?value')} AS {f})")
                flags.append((f[1:], component(_COMPONENT[pred])))
            failed = " || ".join("?" + f for f, _ in flags)
            pattern = f"?this {path} ?value . {' '.join(binds)} FILTER ({failed})"
            checks.append(_candidates(Check(
                rule, ps, flags[0][1], severity,
                f"SELECT DISTINCT ?this ?value {' '.join('?' + f for f, _ in flags)} WHERE {{ {focus} {pattern} }}",
                path=path_node, messages=messages, flags=flags if len(flags) > 1 else []),
                f"SELECT DISTINCT ?this WHERE {{ {pattern} }}", focus))
        done = {p for p, _ in tests}
        for value in self.objects(ps, SH.maxCount):
            v = self.var("v")
            checks.append(_candidates(Check(rule, ps, component("MaxCount"), severity,
                                            self.count(focus, path, SH.maxCount, int(value)),
                                            path=path_node, messages=messages),
                                      f"SELECT ?this WHERE {{ ?this {path} {v} }} GROUP BY ?this "
                                      f"HAVING (COUNT(DISTINCT {v}) > {int(value)})", focus))
        done.add(SH.maxCount)
        for pred in set(self.shapes.predicates(ps)) - done:
            if pred in (SH.path, SH.message, SH.severity, SH.flags, SH.deactivated, SH.qualifiedMinCount,
                        SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint) or (pred in _INERT and pred not in (
                            SH.property, SH.sparql)):
                continue
            for value in self.objects(ps, pred):
                if pred in (SH.minCount, SH.maxCount):
                    check(("Min" if pred == SH.minCount else "Max") + "Count", self.count(focus, path, pred, int(value)))
                elif pred == SH.hasValue:
                    check("HasValue", f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} {sparql_term(value)} }} }}")
                elif pred == SH["class"]:
                    check("Class", f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                                   f"MINUS {{ {self.instance_of('?value', value)} }} }}")
                elif pred in _VALUE_TESTS:
                    test = self.value_test(ps, pred, value, "?value")
                    check(_COMPONENT[pred], f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                                            f"FILTER (!{test}) }}")
                elif pred == SH.qualifiedValueShape:
                    if self.one(ps, SH.qualifiedValueShapesDisjoint) not in (None, Literal(False)):
                        raise Uncompilable("sh:qualifiedValueShapesDisjoint")
                    for bound, name in ((SH.qualifiedMinCount, "QualifiedMinCount"),
                                        (SH.qualifiedMaxCount, "QualifiedMaxCount")):
                        n = self.one(ps, bound)
                        if n is not None:
                            check(name, self.qualified(focus, path, value, bound, int(n)))
                elif pred == SH.sparql:
                    checks += self.sparql_constraint(rule, ps, value, focus, path_node)
                else:
                    raise Uncompilable(f"{pred} on a property shape")
        return checks

    def count(self, focus: str, path: str, pred, n: int) -> str:
        v = self.var("v")
        if pred == SH.minCount:
            if n <= 0:
                return "SELECT ?this WHERE { FILTER (false) }"
            if n == 1:
                return f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} {v} }} }}"
            return (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} {v} }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) < {n})")
        return (f"SELECT ?this WHERE {{ {focus} ?this {path} {v} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) > {n})")

    def qualified(self, focus: str, path: str, shape, bound, n: int) -> str:
        v = self.var("q")
        ok = self.conforms(shape, v)
        if bound == SH.qualifiedMinCount and n == 1:
            return f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {path} {v} FILTER ({ok}) }} }}"
        op = "<" if bound == SH.qualifiedMinCount else ">"
        return (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} {v} FILTER ({ok}) }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) {op} {n})")

    def sparql_constraint(self, rule: URIRef, source, c, focus: str, path_node=None) -> list[Check]:
        if self.deactivated(c):
            return []
        select = self.one(c, SH.select)
        if select is None:
            raise Uncompilable("a SPARQL constraint without sh:select")
        path = self.path(path_node) if path_node is not None else None
        query = self.prefixes(c) + set_at_a_time(str(select), focus, path)
        messages = self.objects(c, SH.message)
        check = Check(rule, source, SH.SPARQLConstraintComponent, self.severity(source), query, path=path_node,
                      constraint=c, messages=self.objects(source, SH.message) + messages, sparql=True,
                      value_is_focus=path_node is None)
        core = split_tail(str(select))
        hint = self.one(c, self.candidates)
        if hint is not None:  # sps:candidates: a superset of the focus nodes with a result, in any SPARQL
            if not re.search(r"SELECT\s+(DISTINCT\s+)?\?this\b", str(hint), re.I):
                raise Uncompilable("sps:candidates does not select ?this")
            core = ""
            check.core = self.prefixes(c) + f"SELECT DISTINCT ?this WHERE {{ {focus} {{ {hint} }} }}"
        elif core is not None:
            check.core = self.prefixes(c) + set_at_a_time(core, focus, path)
        if core is not None:
            prologue = self.prefixes(c)
            check.restricted = lambda nodes: prologue + set_at_a_time(
                str(select), f"{{ SELECT DISTINCT ?this WHERE {{ VALUES ?this {{ {nodes} }} }} }}", path)
        return [check]

    def prefixes(self, node) -> str:
        lines = []
        for ont in self.objects(node, SH.prefixes):
            for decl in self.objects(ont, SH.declare):
                prefix, ns = self.one(decl, SH.prefix), self.one(decl, SH.namespace)
                if prefix is not None and ns is not None:
                    lines.append(f"PREFIX {prefix}: <{ns}>")
        return "\n".join(sorted(set(lines))) + "\n"

    # ------------------------------------------------------------ all of them

    def compile(self, rules) -> Compiled:
        checks, fallback, reasons = [], [], {}
        for rule in sorted(rules, key=str):
            try:
                compiled = self.node_shape(rule)
            except Uncompilable as exc:
                fallback.append(rule)
                reasons[rule] = str(exc)
                continue
            heads = [self.prefixes(t) for t in self.objects(rule, SH.target)]
            if compiled:
                union = self._unions[rule]
                listed = bool(self.objects(rule, SH.target))
                probe = (f"SELECT DISTINCT ?this WHERE {{ {union} }} LIMIT {TARGET_NODES + 1}" if listed
                         else f"ASK {{ {union} }}")
                target = Target(union, _merge_prologue(heads + [probe]), listed)
            for ch in compiled:  # a SPARQL target brings its prefixes into every query of the shape
                ch.target = target
                ch.query = _merge_prologue(heads + [ch.query])
                if ch.core is not None and ch.restricted is not None:
                    ch.core = _merge_prologue(heads + [ch.core])
                    ch.restricted = _with_prologue(heads, ch.restricted)
            checks += compiled
        return Compiled(checks, fallback, reasons)


def _candidates(check: Check, candidates: str, focus: str) -> Check:
    """`check` run as two steps: `candidates` (a superset of its focus nodes with a result, found
    without joining the focus nodes), then the check itself over those of them that are focus nodes."""
    check.core = candidates
    head = FOCUS_HEAD
    assert focus.startswith(head)
    query = check.query
    check.restricted = lambda nodes: query.replace(focus, head + f"VALUES ?this {{ {nodes} }} " + focus[len(head):], 1)
    return check


def _with_prologue(heads: list[str], build: Callable[[str], str]) -> Callable[[str], str]:
    return lambda nodes: _merge_prologue(heads + [build(nodes)])


def _merge_prologue(texts: list[str]) -> str:
    """The texts joined, their PREFIX lines declared once at the top."""
    prefixes: list[str] = []
    rest: list[str] = []
    for text in texts:
        for line in text.splitlines():
            (prefixes if line.startswith("PREFIX ") else rest).append(line)
    return "\n".join(sorted(set(prefixes)) + rest)
