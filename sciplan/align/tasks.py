"""Read sections and task points from the generated plan Turtle (data/ttl/plans/).

The proposer works from the files, not the built store, so proposals do not
depend on a build. IRIs are returned relative to the base (e.g.
``plan/440115/2022-2025/part/actions/section/4/point/3``), as in the curated files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from .. import iris
from ..extract.writer import ELI, SP, node

__all__ = ["Section", "Task", "load_graph", "node", "plan_files", "rel", "sections", "short", "tasks"]
short = iris.short  # the curated files' key of a section or task point


@dataclass(frozen=True)
class Section:
    iri: str
    plan: str
    part_kind: str
    number: int | None
    order: int | None
    title: str
    lead: tuple[str, ...]


@dataclass(frozen=True)
class Task:
    iri: str
    plan: str
    section: Section
    number: int | None
    title: str
    text: str
    lead: tuple[str, ...]   # the task's lead units, or its section's where units are stated per section

    @property
    def label(self) -> str:
        """(section)number title — how a reviewer reads a task."""
        sec = self.section.number if self.section.number is not None else self.section.title
        return f"{self.section.part_kind} ({sec}){self.number or ''} {self.title}"


def rel(term) -> str:
    """A term of the generated Turtle as an IRI path relative to the base."""
    return iris.relative(str(term))


def load_graph(paths: list[Path]) -> Graph:
    g = Graph()
    for path in sorted(paths):
        g.parse(path, format="turtle", publicID=iris.PLACEHOLDER)
    return g


def plan_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "plans").glob("*.ttl"))


def _int(value) -> int | None:
    return int(value) if value is not None else None


def _leads(g: Graph, subject) -> tuple[str, ...]:
    return tuple(sorted(rel(o) for o in g.objects(subject, SP.leadUnit)))


def sections(g: Graph) -> dict[str, Section]:
    out = {}
    for s in g.subjects(RDF.type, SP.Section):
        part = g.value(s, ELI.is_part_of)
        plan = g.value(part, ELI.is_part_of)
        kind = g.value(part, SP.partKind)
        out[rel(s)] = Section(
            iri=rel(s), plan=rel(plan), part_kind=iris.slug(rel(kind)),
            number=_int(g.value(s, SP.number)), order=_int(g.value(s, SP.order)),
            title=str(g.value(s, DCTERMS.title)), lead=_leads(g, s),
        )
    return out


def tasks(g: Graph, plan: str | None = None) -> list[Task]:
    """Task points (of one plan, if given) in document order."""
    secs = sections(g)
    out = []
    for t in g.subjects(RDF.type, SP.TaskPoint):
        sec = secs[rel(g.value(t, ELI.is_part_of))]
        if plan is not None and sec.plan != plan:
            continue
        lead = _leads(g, t) or sec.lead
        out.append(Task(iri=rel(t), plan=sec.plan, section=sec, number=_int(g.value(t, SP.number)),
                        title=str(g.value(t, DCTERMS.title)), text=str(g.value(t, SP.text) or ""), lead=lead))
    return sorted(out, key=task_order)


def task_order(t: Task) -> tuple:
    s = t.section
    return (t.plan, s.part_kind != "actions", s.part_kind, s.number or 0, s.order or 0,
            t.number or 0, t.iri)


def plan_titles(g: Graph) -> dict[str, str]:
    return {rel(p): str(g.value(p, DCTERMS.title)) for p in g.subjects(RDF.type, SP.Plan)}
