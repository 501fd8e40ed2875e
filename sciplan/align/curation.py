"""Read and check the curated files: data/curation/derivation.yaml and alignment.yaml.

Both refer to sections and task points by the short keys of iris.short(). Every
problem found is collected, and all are reported at once (CurationError), each
naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from .. import iris
from ..derived import reachable
from ..extract import load_yaml
from ..extract.writer import ELI, SP, CurationError
from .similarity import normalize
from .tasks import node, rel, short

DECISIONS = {
    # decision in alignment.yaml: (concept slug, asserted property or None)
    "exactMatch": ("exact-match", "exactMatch"),
    "closeMatch": ("close-match", "closeMatch"),
    "partial": ("partial", None),
    "uncertain": ("uncertain", None),
    "rejected": ("rejected", None),
}


@dataclass(frozen=True)
class Record:
    """A section or task point, by its short key."""
    key: str
    iri: str
    plan: str
    kind: str  # "section" or "task"
    title: str


@dataclass(frozen=True)
class Link:
    source: Record
    target: Record
    reason: str
    by_rule: bool


@dataclass(frozen=True)
class Unlinked:
    source: Record
    target: Record
    reason: str


@dataclass(frozen=True)
class Decision:
    a: Record
    b: Record
    decision: str
    reason: str
    manual: bool

    @property
    def id(self) -> str:
        return f"{self.a.key}~{self.b.key}"


def records(g: Graph) -> dict[str, Record]:
    """Every section and task point of the plans, by short key."""
    out = {}
    for cls, kind in ((SP.Section, "section"), (SP.TaskPoint, "task")):
        for s in g.subjects(RDF.type, cls):
            iri = rel(s)
            plan = iris.plan_of(iri)
            out[short(iri)] = Record(short(iri), iri, plan, kind, str(g.value(s, DCTERMS.title)))
    return out


def based_on_closure(g: Graph) -> dict[str, set[str]]:
    """Plan → every plan it is based on, directly or through others (plan-level eli:based_on)."""
    direct: dict[str, set[str]] = {}
    for s, o in g.subject_objects(ELI.based_on):
        if (s, RDF.type, SP.Plan) in g:
            direct.setdefault(rel(s), set()).add(rel(o))
    return {plan: reachable(direct, plan) for plan in direct}


def same_name(a: str, b: str) -> bool:
    def core(title: str) -> str:
        t = normalize(title).removeprefix("实施")
        return t.removesuffix("工程") if len(t) > 2 else t
    return core(a) == core(b)


class Problems(list):
    def raise_if_any(self, path: Path) -> None:
        if self:
            raise CurationError(f"{path}:\n  " + "\n  ".join(self))


def derivation(path: Path, g: Graph) -> tuple[list[Link], list[Unlinked]]:
    doc = load_yaml(path)
    index = records(g)
    closure = based_on_closure(g)
    rule = " ".join(str(doc.get("name_rule", "")).split())
    problems = Problems()
    links: list[Link] = []
    unlinked: list[Unlinked] = []
    seen: set[tuple[str, str]] = set()

    def resolve(key: str, where: str) -> Record | None:
        if key not in index:
            problems.append(f"{where}: {key!r} is neither a section nor a task point of data/ttl/plans")
            return None
        return index[key]

    for group in doc.get("plans", []):
        plan_key = group["plan"]
        note = " ".join(str(group.get("note", "")).split())
        for kind_key, kind in (("sections", "section"), ("tasks", "task")):
            for entry in group.get(kind_key, []):
                where = f"{plan_key} {entry.get('from')}"
                src = resolve(f"{plan_key}/{entry['from']}", where)
                for target in entry.get("to", []):
                    spec = target if isinstance(target, dict) else {"to": target}
                    tgt = resolve(spec["to"], where)
                    if src is None or tgt is None:
                        continue
                    where_link = f"{where} → {spec['to']}"
                    if src.kind != kind or tgt.kind != kind:
                        problems.append(f"{where_link}: listed under {kind_key} but links a {src.kind} to a {tgt.kind}")
                    if tgt.plan not in closure.get(src.plan, set()):
                        problems.append(f"{where_link}: {src.plan} is not based on {tgt.plan} (plan-level eli:based_on)")
                    if (src.iri, tgt.iri) in seen:
                        problems.append(f"{where_link}: listed twice")
                    seen.add((src.iri, tgt.iri))
                    reason = " ".join(str(spec.get("reason", "")).split())
                    by_rule = not reason
                    if by_rule and not same_name(src.title, tgt.title):
                        problems.append(f"{where_link}: {src.title!r} and {tgt.title!r} differ beyond the name rule; give a reason")
                    text = (reason or rule) + (" " + note if note else "")
                    links.append(Link(src, tgt, text, by_rule))
        for entry in group.get("not_linked", []):
            where = f"{plan_key} {entry.get('from')} (not_linked)"
            src, tgt = resolve(f"{plan_key}/{entry['from']}", where), resolve(entry["to"], where)
            reason = " ".join(str(entry.get("reason", "")).split())
            if not reason:
                problems.append(f"{where}: a reason is required")
            if src and tgt:
                unlinked.append(Unlinked(src, tgt, reason))
    problems.raise_if_any(path)
    return links, unlinked


def decisions(path: Path, g: Graph, proposal_ids: set[str]) -> list[Decision]:
    """The decisions of alignment.yaml, checked against the data and the proposals."""
    doc = load_yaml(path)
    index = records(g)
    problems = Problems()
    out: list[Decision] = []
    seen: set[str] = set()
    for n, entry in enumerate(doc.get("decisions") or [], 1):
        where = f"decision {n} ({entry.get('a')} ~ {entry.get('b')})"
        recs: list[Record | None] = []
        for side in ("a", "b"):
            rec = index.get(str(entry.get(side)))
            if rec is None or rec.kind != "task":
                problems.append(f"{where}: {side}: {entry.get(side)!r} is not a task point")
            elif entry.get(f"{side}_title") != rec.title:
                problems.append(f"{where}: {side}_title {entry.get(f'{side}_title')!r} is not the title in the data ({rec.title!r})")
            recs.append(rec)
        value, reason = entry.get("decision"), " ".join(str(entry.get("reason") or "").split())
        if value not in DECISIONS:
            problems.append(f"{where}: decision {value!r}; choose one of {', '.join(DECISIONS)}")
        if not reason:
            problems.append(f"{where}: a reason is required")
        a, b = recs
        if a is None or b is None:
            continue
        d = Decision(a, b, value, reason, bool(entry.get("manual")))
        if d.id in seen:
            problems.append(f"{where}: decided twice")
        seen.add(d.id)
        if d.manual and d.id in proposal_ids:
            problems.append(f"{where}: marked manual but it is a proposal; remove `manual: true`")
        if not d.manual and d.id not in proposal_ids:
            problems.append(f"{where}: not among the proposals (run `sciplan align propose`); a pair no measure proposed needs `manual: true`")
        if value == "exactMatch" and normalize(d.a.title) != normalize(d.b.title):
            problems.append(f"{where}: exactMatch is kept for identical titles (after normalisation); use closeMatch")
        out.append(d)
    for pid in sorted(proposal_ids - seen):
        problems.append(f"proposal {pid}: no decision")
    problems.raise_if_any(path)
    return out


def source_node(name: str):
    """The node standing for a curation file in the generated Turtle."""
    return node(iris.source(f"curation-{name}"))
