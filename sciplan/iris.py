"""The IRI patterns of the graph, relative to the configured base: minted here, and parsed here.

    plan/{jurisdiction}/{start}-{end}                       a plan
    plan/…/part/{kind}                                      its part (actions, projects, …)
    plan/…/part/{kind}/section/{n | title}                  a section; its number, or its title if unnumbered
    plan/…/section/{n}/point/{n | title}                    a task point (要点)
    plan/…/point/{n}/lead/{i}, …/cooperating/{i}            the i-th printed unit of a cell
    plan/…/target/{i}, plan/…/baseline/{i}, …/point/{n}/target/{i}   numeric targets and baselines
    plan/…/statement/{i}                                    a sourced statement about the plan
    plan/…/lead-tally/{unit}, plan/…/function-tally/{fn}    derived tallies of a plan's task points per lead
                                                            unit (org/ path without org/) and per function (slug)
    org/{jurisdiction}/{name as written}                    a body of a jurisdiction
    org/…/statement/{i}                                     a sourced statement about the body (its official English name)
    place/{GB/T 2260 code | cn}                             a jurisdiction
    scheme/{scheme}, scheme/{scheme}/{concept}              concept schemes and their concepts
    source/{id}                                             a source text kept in data/sources/
    def/{Term}                                              ontology terms (def/ is the ontology)
    graph/{file path}                                       the named graph of a data file
    void#dataset, void#linkset-{name}, void#wikidata        the dataset and its linksets (VoID)
    alignment/proposal/{a}~{b}, alignment/derivation/{a}~{b}  alignment proposals and curated links

{jurisdiction} is the six-digit GB/T 2260 code, or `cn` for the national level.

The functions named after a pattern mint it; `parse` reads any of them back
(kind and fields), and `plan_of`, `below_plan`, `slug` and `short` are the readings
the code needs. Everything that writes or reads IRIs (extract, synth, align) uses these.
DOCUMENTED is the table of the patterns with an example each, as the reference
documentation (/def/) and the README show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

# Generated Turtle is written against this placeholder and stored with relative IRIs,
# so the base stays configurable at build time.
PLACEHOLDER = "http://sciplan.invalid/"


def segment(text: str) -> str:
    """An IRI path segment: Chinese stays readable, ASCII outside unreserved is %-escaped."""
    return "".join(ch if ord(ch) > 127 or ch.isalnum() or ch in "-_.~" else quote(ch, safe="") for ch in str(text))


def plan(jurisdiction: str, start: int, end: int) -> str:
    return f"plan/{jurisdiction}/{start}-{end}"


def part(plan_iri: str, kind: str) -> str:
    return f"{plan_iri}/part/{kind}"


def section(part_iri: str, number: int | None, title: str) -> str:
    return f"{part_iri}/section/{number if number is not None else segment(title)}"


def task(section_iri: str, number: int | None, title: str) -> str:
    return f"{section_iri}/point/{number if number is not None else segment(title)}"


def org(jurisdiction: str, name: str) -> str:
    return f"org/{jurisdiction}/{segment(name)}"


def place(jurisdiction: str) -> str:
    return f"place/{jurisdiction}"


def concept(scheme: str, slug: str | None = None) -> str:
    return f"scheme/{scheme}" + (f"/{slug}" if slug else "")


def source(ident: str) -> str:
    return f"source/{ident}"


def term(name: str) -> str:
    return f"def/{name}"


def assignment(holder_iri: str, role: str, position: int) -> str:
    """The `position`-th printed unit name of a cell (role: lead or cooperating)."""
    return f"{holder_iri}/{role}/{position}"


def quantity(holder_iri: str, kind: str, number: int) -> str:
    """The `number`-th numeric target or baseline (kind) of a plan or a task point."""
    return f"{holder_iri}/{kind}/{number}"


def statement(plan_iri: str, number: int) -> str:
    return f"{plan_iri}/statement/{number}"


def tally(plan_iri: str, kind: str, key_path: str) -> str:
    """A derived tally (sciplan/derived.py) of a plan's task points: kind `lead` per lead unit, its org/ path
    without org/ (`…/lead-tally/440115/区科协`); kind `function` per function, its concept
    (`…/function-tally/science-association`). A key following neither pattern is kept whole, as one segment."""
    parsed = parse(key_path)
    if kind == "lead" and parsed is not None and parsed.kind == "org":
        key = key_path.removeprefix("org/")
    elif kind == "function" and parsed is not None and parsed.kind == "concept" and "slug" in parsed.fields:
        key = parsed["slug"]
    else:
        key = segment(key_path)
    return f"{plan_iri}/{kind}-tally/{key}"


def proposal(ident: str) -> str:
    """An alignment proposal between two task points (ident: `<short a>~<short b>`)."""
    return f"alignment/proposal/{ident}"


def derivation(ident: str) -> str:
    """A curated derivation link between sections or task points (ident: `<short a>~<short b>`)."""
    return f"alignment/derivation/{ident}"


def dataset(name: str = "dataset") -> str:
    """The VoID description's nodes: void#dataset (the dataset), void#linkset-…, void#wikidata."""
    return f"void#{name}"


def graph(path: str) -> str:
    """The named graph of a data file: its path below data/ttl/ (or ontology/…), without .ttl."""
    return f"graph/{path}"


# ---------------------------------------------------------------- parsing

_PLAN = r"plan/(?P<jurisdiction>[^/]+)/(?P<start>\d{4})-(?P<end>\d{4})"
_PATTERNS = [
    ("assignment", re.compile(_PLAN + r"(?P<holder>(?:/part/[^/]+/section/[^/]+)(?:/point/[^/]+)?)"
                                      r"/(?P<role>lead|cooperating)/(?P<position>\d+)")),
    ("task", re.compile(_PLAN + r"/part/(?P<part>[^/]+)/section/(?P<section>[^/]+)/point/(?P<point>[^/]+)")),
    ("section", re.compile(_PLAN + r"/part/(?P<part>[^/]+)/section/(?P<section>[^/]+)")),
    ("part", re.compile(_PLAN + r"/part/(?P<part>[^/]+)")),
    ("target", re.compile(_PLAN + r"(?P<holder>/part/[^/]+/section/[^/]+/point/[^/]+)?"
                                  r"/(?P<kind>target|baseline|statement)/(?P<number>\d+)")),
    ("tally", re.compile(_PLAN + r"/(?P<tally>lead|function)-tally/(?P<key>.+)")),
    ("plan", re.compile(_PLAN)),
    ("statement", re.compile(r"org/(?P<jurisdiction>[^/]+)/(?P<name>[^/]+)/statement/(?P<number>\d+)")),
    ("org", re.compile(r"org/(?P<jurisdiction>[^/]+)/(?P<name>[^/]+)")),
    ("place", re.compile(r"place/(?P<jurisdiction>[^/]+)")),
    ("concept", re.compile(r"scheme/(?P<scheme>[^/]+)(?:/(?P<slug>[^/]+))?")),
    ("source", re.compile(r"source/(?P<ident>.+)")),
    ("term", re.compile(r"def/(?P<name>[^/]+)")),
    ("ontology", re.compile(r"def/")),
    ("graph", re.compile(r"graph/(?P<path>.+)")),
    ("proposal", re.compile(r"alignment/proposal/(?P<ident>.+~.+)")),
    ("derivation", re.compile(r"alignment/derivation/(?P<ident>.+~.+)")),
]


@dataclass(frozen=True)
class Parsed:
    """What an IRI path names: its kind (plan, part, section, task, assignment, target, statement, tally, org,
    place, concept, source, term, ontology, graph, proposal, derivation) and the values of the pattern's fields."""
    kind: str
    path: str
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields[name]

    @property
    def plan(self) -> str | None:
        """The plan a plan, part, section, task point, assignment or target belongs to."""
        if "start" not in self.fields:
            return None
        return plan(self.fields["jurisdiction"], int(self.fields["start"]), int(self.fields["end"]))


def relative(iri: str, base: str = PLACEHOLDER) -> str:
    """An IRI relative to the base (PLACEHOLDER for the generated Turtle); other IRIs stay as they are."""
    return iri[len(base):] if iri.startswith(base) else iri


def parse(iri: str, base: str = PLACEHOLDER) -> Parsed | None:
    """The pattern an IRI (absolute under `base`, or relative) follows; None if it follows none."""
    path = relative(iri, base)
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(path)
        if match:
            if kind == "target" and match["kind"] == "statement":
                kind = "statement"
            return Parsed(kind, path, {k: v for k, v in match.groupdict().items() if v is not None})
    return None


def plan_of(iri: str, base: str = PLACEHOLDER) -> str:
    """The plan path of a plan or anything inside it (part, section, task point, …)."""
    parsed = parse(iri, base)
    if parsed is None or parsed.plan is None:
        raise ValueError(f"not inside a plan: {iri!r}")
    return parsed.plan


def below_plan(iri: str, base: str = PLACEHOLDER) -> str:
    """The path of a part, section, task point or unit listing below its plan, for messages:
    plan/440114/2026-2030/part/key-tasks/section/1/point/3 → part/key-tasks/section/1/point/3."""
    plan_path = plan_of(iri, base)
    path = relative(iri, base)
    if path == plan_path:
        raise ValueError(f"the plan itself, not a part of it: {iri!r}")
    return path[len(plan_path) + 1:]


def slug(iri: str, base: str = PLACEHOLDER) -> str:
    """The concept of a scheme IRI (scheme/part-kind/actions → actions)."""
    parsed = parse(iri, base)
    if parsed is None or parsed.kind != "concept" or "slug" not in parsed.fields:
        raise ValueError(f"not a concept of a scheme: {iri!r}")
    return parsed["slug"]


def short(path: str) -> str:
    """The short key the curated files use for sections and task points:
    plan/440115/2022-2025/part/actions/section/4/point/3 → 440115/2022-2025/actions/4/3."""
    parsed = parse(path)
    if parsed is None or parsed.kind not in ("plan", "part", "section", "task"):
        raise ValueError(f"not a plan or a part of one: {path!r}")
    f = parsed.fields
    keys = [f["jurisdiction"], f"{f['start']}-{f['end']}", f.get("part"), f.get("section"), f.get("point")]
    return "/".join(k for k in keys if k is not None)


# ---------------------------------------------------------------- the documented table

@dataclass(frozen=True)
class Documented:
    """One IRI pattern as the documentation shows it: the pattern, an example of the shipped graph, what it names."""
    pattern: str
    example: str
    en: str
    zh: str


_NANSHA = plan("440115", 2022, 2025)
_TASK = task(section(part(_NANSHA, "actions"), 4, ""), 3, "")
DOCUMENTED = [
    Documented("plan/{jurisdiction}/{start}-{end}", _NANSHA, "a plan (南沙's 2022–2025 plan); {jurisdiction} is the GB/T 2260 code, cn for the national level",
               "规划（南沙区 2022—2025 年方案）；{jurisdiction} 为 GB/T 2260 代码，国家级为 cn"),
    Documented("…/part/{kind}", part(_NANSHA, "actions"), "a part; {kind} is its concept of scheme/part-kind (actions, projects, major-projects, key-tasks)",
               "部分；{kind} 为其部分类型（actions、projects、major-projects、key-tasks）"),
    Documented("…/section/{number | title}", section(part(_NANSHA, "actions"), 4, ""),
               "a section (行动/工程): its printed number, or its title when the source prints none",
               "行动/工程：原文序号；原文无序号时为标题"),
    Documented("…/point/{number | title}", _TASK, "a task point (要点): 南沙 (四)3 实施银龄科普行动", "要点：南沙（四）3 实施银龄科普行动"),
    Documented("…/point/{n}/lead/{i}, …/cooperating/{i}", assignment(_TASK, "lead", 1),
               "the i-th printed name of a lead or cooperating cell (an sp:UnitAssignment)", "牵头/配合单位栏中第 i 个名称（sp:UnitAssignment）"),
    Documented("plan/…/target/{i}, plan/…/baseline/{i}", quantity(plan("cn", 2021, 2035), "baseline", 1),
               "a numeric target or baseline of a plan (or of a task point: …/point/{n}/target/{i})", "规划（或要点）的数值目标或基线值"),
    Documented("plan/…/statement/{i}, org/…/statement/{i}", statement(plan("cn", 2021, 2035), 1),
               "an sp:SourcedStatement: a fact read in a secondary source, with its address", "sp:SourcedStatement：读自二手来源的事实，附网址"),
    Documented("plan/…/lead-tally/{unit}, plan/…/function-tally/{function}", tally(_NANSHA, "lead", org("440115", "区科协")),
               "a derived tally of the plan's task points led by a body ({unit}: its org/ path without org/) or by bodies of a function "
               "(sp:LeadTally, sp:FunctionTally)",
               "派生计数：规划中由某单位（{unit}：其 org/ 路径去掉 org/）或某职能的单位牵头的要点数（sp:LeadTally、sp:FunctionTally）"),
    Documented("org/{jurisdiction}/{name as written}", org("440115", "区科协"), "a body of a jurisdiction, named as the plan writes it",
               "某一辖区的单位，名称照规划原文"),
    Documented("place/{code | cn}", place("440115"), "a jurisdiction", "行政区划"),
    Documented("scheme/{scheme}, scheme/{scheme}/{concept}", concept("flag", "garbled"), "a concept scheme and its concepts (notation = last segment)",
               "概念方案及其概念（代码即最后一段）"),
    Documented("def/{Term}", term("TaskPoint"), "a term of the ontology; def/ is the ontology and its documentation", "本体术语；def/ 即本体及其文档"),
    Documented("source/{id}", source("seed-nansha"), "a source text kept in data/sources/", "data/sources/ 中保存的来源文本"),
    Documented("graph/{file}", graph("plans/nansha-2022-2025"), "the named graph of a data file (below data/ttl/, or ontology/…)",
               "数据文件的命名图（data/ttl/ 下的路径，或 ontology/…）"),
    Documented("alignment/proposal/{a}~{b}, alignment/derivation/{a}~{b}", proposal("440115/2022-2025/actions/4/3~440114/2022-2025/actions/4/3"),
               "an alignment proposal between two task points; a curated derivation link ({a}, {b}: short keys)",
               "两个要点之间的候选对应；人工判定的派生关联（{a}、{b} 为简短键）"),
]
