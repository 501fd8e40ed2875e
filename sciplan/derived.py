"""The derived graph: shortcuts made at build time from the loaded sources, in <base>graph/derived.

The curated model is faithful to the documents: a task point is part of a section, which is part of
a part, which is part of a plan (eli:is_part_of), and a plan's jurisdiction carries the GB/T 2260
code. A question about a task's plan, place or level walks three or four steps, and at national
size each step is a join over millions of triples. The derived graph stores the answers once:

    sp:inPlan              part, section, task point, unit assignment, target, baseline → its plan
    sp:jurisdictionCode    plan → the sp:gbCode of its eli:jurisdiction (the national plan has none)
    sp:effectiveLeadUnit   task point → its lead units, or its section's where the plan states the
                           division of work per section (江门 2016–2020)
    sp:derivesFrom         the transitive closure of eli:based_on (plans, sections, task points)
    sp:sectionNumber       section → the number it is listed by in its part: its sp:number where the plan
                           prints one, else its sp:order (the same literal, an xsd:integer)
    sp:taskPointCount      plan → the number of distinct sp:TaskPoint whose sp:inPlan is the plan (0 for
                           a plan without task points), as xsd:integer
    sp:LeadTally           one per plan and effective lead unit of at least one of its task points, at
                           <plan>/lead-tally/{unit}: sp:tallyPlan, sp:tallyUnit, and sp:taskPointCount the
                           number of distinct task points of the plan with that sp:effectiveLeadUnit
    sp:FunctionTally       one per plan and function (org:classification of an effective lead unit), at
                           <plan>/function-tally/{function}: sp:tallyPlan, sp:tallyFunction, and
                           sp:taskPointCount the task points of the plan led by at least one body of that
                           function (a task point counts once however many of its units share it)
    on each sp:LeadTally, what the listings of the tallies show of its unit, and their order:
      sp:tallyUnitName       each Chinese (@zh) skos:prefLabel of its sp:tallyUnit
      sp:tallyUnitFunction   each org:classification of its sp:tallyUnit
      sp:tallyUnitFunctions  the distinct skos:notation of those functions in code-point order, joined by ", "
                             ("" for a unit without any), an xsd:string
      sp:tallyPosition       its place (1, 2, …) among all lead tallies by plan IRI, sp:taskPointCount
                             (most first), the unit's Chinese name (the least, if it had several) and unit IRI

The tallies make the whole-country totals (queries/tasks-per-plan.rq, lead-units-per-plan.rq,
lead-units-by-function.rq, tasks-led-by-function.rq) read one node per plan and body instead of
joining every task point (≈ 10 µs a row in Oxigraph, seconds at national size); they are counted in
the same pass and over the same task points as sp:inPlan and sp:effectiveLeadUnit. The unit's name and
functions on the lead tally spare the two listings a join with every body's labels and classifications
(90,000 rows each at national size for 29,000 tallies), sp:tallyUnitFunctions spares lead-units-per-plan.rq
its GROUP BY with GROUP_CONCAT (≈ 10 µs a group), and sp:tallyPosition its sort (a plan IRI read from the
store at every comparison, or a string made per plan). sp:sectionNumber is
`COALESCE(?printed, ?order)` over two OPTIONALs, read as one table of the sections alone: the queries that
list every section (section-derivation.rq, sections-introduced-below-national.rq) join it instead of
sp:number, which task points share (35,000 rows against 160,000 at national size).

Every triple follows from triples of data/ttl by the rules above, so the graph is never edited by
hand and never read back into the sources; `sciplan build` computes it over the freshly loaded
store (one pass over a few predicates, in Python) and adds it before the store is switched in, so readers see it together
with the data it was made from. It holds no sp:Plan, so validation of one plan treats it like the
other non-plan graphs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import TypeVar

import pyoxigraph as ox

from . import iris, vocab

GRAPH = "derived"  # the graph's path: <base>graph/derived

# What a store's derived graph is made of, recorded by `sciplan build` (sciplan-build.json, `derived.revision`).
# Queries, views and the shapes read these terms, and a store built by an sciplan of another revision answers
# them with nothing or with another rule's values; sciplan.store.open_store opens only a store of this
# revision (StaleStore otherwise: run `sciplan build`). Bump REVISION with every change of a rule or of TERMS;
# tests/test_store_revision.py holds TERMS to a build of the shipped graph and to the revision it was recorded at.
REVISION = 1
TERMS = frozenset({  # the classes and properties of the derived graph (sp: local names), besides rdf:type
    "inPlan", "jurisdictionCode", "effectiveLeadUnit", "derivesFrom", "sectionNumber", "taskPointCount",
    "LeadTally", "FunctionTally", "tallyPlan", "tallyUnit", "tallyFunction",
    "tallyUnitName", "tallyUnitFunction", "tallyUnitFunctions", "tallyPosition",
})

# What points from a record to the record that holds it: child → parent (is_part_of), parent → child.
_UP = (vocab.ELI + "is_part_of",)
_DOWN = (vocab.ELI + "has_part", "assignment", "hasTarget", "hasBaseline")


N = TypeVar("N", bound=Hashable)


def reachable(edges: Mapping[N, Iterable[N]], start: N) -> set[N]:
    """Every node a walk along `edges` reaches from `start` (`start` itself only through a cycle): the closure of a
    relation such as eli:based_on — sp:derivesFrom here, the plans' bases in sciplan.align, 南沙's chains in synth."""
    seen: set[N] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def graph_iri(base: str) -> str:
    return base + iris.graph(GRAPH)


def quads(store: ox.Store, base: str) -> Iterator[ox.Quad]:
    """The derived graph's quads, computed from every other graph of `store`."""
    sp = vocab.sp(base)
    target = ox.NamedNode(graph_iri(base))

    def objects(prop: str) -> Iterator[tuple]:
        for q in store.quads_for_pattern(None, ox.NamedNode(prop), None, None):
            if q.graph_name != target:
                yield q.subject, q.object

    def full(name: str) -> str:
        return name if "://" in name else sp + name

    parent: dict = {}
    for prop in _UP:
        for child, up in objects(prop):
            parent.setdefault(child, up)
    for prop in _DOWN:
        for up, child in objects(full(prop)):
            parent.setdefault(child, up)
    plans = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(vocab.RDF_TYPE), ox.NamedNode(sp + "Plan"), None)}

    # sp:inPlan: walk up from each record to the first plan, remembering every answer on the way.
    in_plan: dict = {}
    in_plan_p = ox.NamedNode(sp + "inPlan")
    for node in parent:
        path: list = []
        current = node
        while current not in plans and current not in in_plan and current in parent and len(path) < 16:
            path.append(current)
            current = parent[current]
        found = current if current in plans else in_plan.get(current)
        for step in path:
            in_plan[step] = found
    for node, plan in in_plan.items():
        if plan is not None and node not in plans:
            yield ox.Quad(node, in_plan_p, plan, target)

    # sp:jurisdictionCode
    codes = dict(objects(sp + "gbCode"))
    code_p = ox.NamedNode(sp + "jurisdictionCode")
    for plan, place in objects(vocab.ELI + "jurisdiction"):
        if plan in plans and place in codes:
            yield ox.Quad(plan, code_p, codes[place], target)

    # sp:effectiveLeadUnit: a task point's own lead units, or else its section's; and the tallies, counted
    # over the same task points, their sp:inPlan and their effective lead units (each task point once).
    leads: dict = defaultdict(set)
    for holder, unit in objects(sp + "leadUnit"):
        leads[holder].add(unit)
    functions: dict = defaultdict(set)
    for unit, function in objects(vocab.ORG + "classification"):
        functions[unit].add(function)
    lead_p = ox.NamedNode(sp + "effectiveLeadUnit")
    per_plan: Counter = Counter()
    per_unit: Counter = Counter()
    per_function: Counter = Counter()
    tasks = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(vocab.RDF_TYPE), ox.NamedNode(sp + "TaskPoint"), None)}
    for task in sorted(tasks, key=str):
        units = leads.get(task) or leads.get(parent.get(task), ())
        for unit in sorted(units, key=str):
            yield ox.Quad(task, lead_p, unit, target)
        plan = in_plan.get(task)
        if plan is None or task in plans:
            continue
        per_plan[plan] += 1
        for unit in units:
            per_unit[plan, unit] += 1
        for function in {f for unit in units for f in functions.get(unit, ())}:
            per_function[plan, function] += 1
    yield from _tallies(base, sp, target, plans, per_plan, per_unit, per_function,
                        _unit_listing(objects, functions, per_unit))
    yield from _section_numbers(store, sp, target, objects)

    # sp:derivesFrom: the closure of eli:based_on, a walk from each node (chains are a few levels deep;
    # a cycle in bad data ends where it closes, each member deriving from the others).
    based: dict = defaultdict(set)
    for lower, upper in objects(vocab.ELI + "based_on"):
        based[lower].add(upper)
    derives_p = ox.NamedNode(sp + "derivesFrom")
    for node in list(based):
        seen = reachable(based, node)
        seen.discard(node)
        for upper in sorted(seen, key=str):
            yield ox.Quad(node, derives_p, upper, target)


def _section_numbers(store: ox.Store, sp: str, target: ox.NamedNode,
                     objects: Callable[[str], Iterator[tuple]]) -> Iterator[ox.Quad]:
    """sp:sectionNumber on every sp:Section with an sp:number (each of them) or else an sp:order (each)."""
    printed: dict = defaultdict(list)
    for section, number in objects(sp + "number"):
        printed[section].append(number)
    order: dict = defaultdict(list)
    for section, position in objects(sp + "order"):
        order[section].append(position)
    number_p = ox.NamedNode(sp + "sectionNumber")
    sections = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(vocab.RDF_TYPE), ox.NamedNode(sp + "Section"), None)
                if q.graph_name != target}
    for section in sorted(sections, key=str):
        for number in dict.fromkeys(printed.get(section) or order.get(section, ())):
            yield ox.Quad(section, number_p, number, target)


def _unit_listing(objects: Callable[[str], Iterator[tuple]], functions: dict, per_unit: Counter) -> dict:
    """For each unit of a lead tally: its Chinese names (sorted), its functions and the notations of those."""
    units = {unit for _, unit in per_unit}
    names: dict = defaultdict(set)
    for unit, label in objects(vocab.SKOS + "prefLabel"):
        if unit in units and isinstance(label, ox.Literal) and label.language == "zh":
            names[unit].add(label)
    notations: dict = defaultdict(set)
    wanted = {f for unit in units for f in functions.get(unit, ())}
    for concept, notation in objects(vocab.SKOS + "notation"):
        if concept in wanted and isinstance(notation, ox.Literal):
            notations[concept].add(notation.value)
    return {unit: (sorted(names.get(unit, ()), key=lambda label: label.value), sorted(functions.get(unit, ()), key=str),
                   ", ".join(sorted({n for f in functions.get(unit, ()) for n in notations.get(f, ())})))
            for unit in units}


def _tallies(base: str, sp: str, target: ox.NamedNode, plans: set, per_plan: Counter, per_unit: Counter,
             per_function: Counter, listing: dict) -> Iterator[ox.Quad]:
    """sp:taskPointCount on every plan (0 included), and a sp:LeadTally per (plan, lead unit) — with its unit's
    names, functions and their notations, and its position — and a sp:FunctionTally per (plan, function) with at
    least one task point."""
    count_p, type_p = ox.NamedNode(sp + "taskPointCount"), ox.NamedNode(vocab.RDF_TYPE)
    plan_p = ox.NamedNode(sp + "tallyPlan")
    name_p, function_p = ox.NamedNode(sp + "tallyUnitName"), ox.NamedNode(sp + "tallyUnitFunction")
    functions_p, position_p = ox.NamedNode(sp + "tallyUnitFunctions"), ox.NamedNode(sp + "tallyPosition")
    for plan in sorted(plans, key=str):
        yield ox.Quad(plan, count_p, ox.Literal(per_plan.get(plan, 0)), target)
    listed = sorted(per_unit.items(), key=lambda item: (
        item[0][0].value, -item[1], listing[item[0][1]][0][0].value if listing[item[0][1]][0] else "", item[0][1].value))
    position = {key: i for i, (key, _) in enumerate(listed, 1)}
    for kind, prop, counts in (("lead", "tallyUnit", per_unit), ("function", "tallyFunction", per_function)):
        cls, key_p = ox.NamedNode(sp + kind.capitalize() + "Tally"), ox.NamedNode(sp + prop)
        for (plan, key), n in sorted(counts.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
            node = ox.NamedNode(base + iris.tally(iris.relative(plan.value, base), kind, iris.relative(key.value, base)))
            yield ox.Quad(node, type_p, cls, target)
            yield ox.Quad(node, plan_p, plan, target)
            yield ox.Quad(node, key_p, key, target)
            yield ox.Quad(node, count_p, ox.Literal(n), target)
            if kind == "lead":
                names, unit_functions, notations = listing[key]
                for name in names:
                    yield ox.Quad(node, name_p, name, target)
                for function in unit_functions:
                    yield ox.Quad(node, function_p, function, target)
                yield ox.Quad(node, functions_p, ox.Literal(notations), target)
                yield ox.Quad(node, position_p, ox.Literal(position[plan, key]), target)
