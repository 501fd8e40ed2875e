"""Synthetic national-scale data shaped like the real plans, for benchmarks.

One plan per jurisdiction of a generation: 1 national, 31 provincial, 333
prefectural and 2,844 county plans at scale 1.0. Every plan copies the
structure, task titles and division of work of the real 南沙 plan (read from
its source through the extractor), re-prefixed for its level, with the unit
assignments (sp:UnitAssignment) and printed cells the extractor writes, so
queries and shapes behave as on real data. Each level signs after the level
above. Defects are injected at known rates — exactly round(rate × opportunities)
records of each kind — and listed in manifest.json, so validation at scale is
checked against a known count:

    missing-lead     a task point with no lead unit
    foreign-body     a lead unit that belongs to another jurisdiction
    bad-basis        a plan based on a plan whose jurisdiction does not contain its own

Sections and task points derive from the level above as 南沙's do: where data/ttl/alignment/derivation.ttl
bases a record of the 南沙 plan on another (eli:based_on), its copy in each synthetic plan is based on
the same record of the plan's basis; under the real national plan (--with-real), on the records of
国发〔2021〕9号 that 南沙's record derives from through the levels between (none for 科普产业繁荣工程,
which 粤府〔2021〕76号 introduced). So the derivation queries walk chains at national size as they do on
the real plans, and a record 南沙 does not derive stays underived in every copy.

Everything is deterministic for a given seed and scale (the same bytes twice).
The output is a data directory, never mixed with the real graph: build it with
`sciplan --store S synth --scale 0.1 --output D --build`, or in Python with
`build(Settings(data_dir=D, store=S))` (see `sciplan synth --help`).

With `real=` (`--with-real`) the real data/ttl is copied into the output at its own paths (so its
named graphs are the real build's) and the synthetic files go to synthetic/ beside it, disjoint
from it: the real national plan (plan/cn/2021-2035, 国发〔2021〕9号) is the root of the synthetic
generation instead of a synthetic one, and the synthetic provinces take no GB/T 2260 prefix that
a real code uses (44 → 90, …; no province code starts with 9), so no place, body, plan or code of
the real KB is minted twice and every competency query that names a real plan finds only it.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml

from . import iris, vocab
from .derived import reachable
from .config import Settings
from .errors import UsageError
from .extract import nansha
from .extract.text import squeeze

FULL = {"provincial": 31, "prefectural": 333, "county": 2844}
PROVINCE_PREFIXES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                     50, 51, 52, 53, 54, 61, 62, 63, 64, 65]
LEVEL_CHAR = {"national": "国家", "provincial": "省", "prefectural": "市", "county": "区"}
LEVEL_NAME = {"national": "全国", "provincial": "合成省", "prefectural": "合成市", "county": "合成区"}
DEFAULT_RATES = {"missing-lead": 0.002, "foreign-body": 0.002, "bad-basis": 0.01}
# Province prefixes no GB/T 2260 code has, for synthetic provinces whose prefix a real code uses (--with-real).
SPARE_PREFIXES = list(range(90, 100))
SYNTHETIC_DIR = "synthetic"  # where --with-real puts the synthetic files, beside the real ones

PREFIXES = vocab.turtle_prologue("")  # relative IRIs, like every generated file: `sp: <def/>`


@dataclass
class Place:
    code: str
    level: str
    parent: Place | None
    name: str
    children: list[Place] = field(default_factory=list)

    @property
    def key(self) -> str:
        return "cn" if self.level == "national" else self.code


@dataclass
class TemplateTask:
    title: str
    lead: list[str]  # unit suffixes, e.g. 教育局
    cooperating: list[str]


@dataclass
class TemplateSection:
    kind: str
    number: int
    title: str
    tasks: list[TemplateTask]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_suffix(name: str) -> str | None:
    """区教育局 → 教育局, 团区委 → 团委; bodies without the district prefix are not templated."""
    if name == "团区委":
        return "团委"
    return name[1:] if name.startswith("区") else None


def body_name(suffix: str, level: str) -> str:
    if suffix == "团委":
        return "团" + LEVEL_CHAR[level][-1] + "委"
    return LEVEL_CHAR[level] + suffix


def load_template(settings: Settings) -> tuple[list[TemplateSection], dict[str, list[str]]]:
    """The 南沙 plan's sections and tasks, and the functions of each unit suffix."""
    cur = settings.curation_dir
    plans = yaml.safe_load((cur / "plans.yaml").read_text(encoding="utf-8"))
    spec = next(p for p in plans["plans"] if p["id"] == "nansha-2022-2025")
    text = (settings.sources_dir / plans["sources"][spec["source"]]["file"]).read_text(encoding="utf-8")
    parsed = nansha.parse(text, yaml.safe_load((cur / spec["curation"]).read_text(encoding="utf-8")))
    orgs = yaml.safe_load((cur / "organizations.yaml").read_text(encoding="utf-8"))["jurisdictions"]["440115"]
    functions = {suffix: (s or {}).get("functions", []) for n, s in orgs.items() if (suffix := unit_suffix(n))}

    def suffixes(units) -> list[str]:
        return list(dict.fromkeys(s for s in (unit_suffix(n) for n in units.names) if s)) if units else []

    sections = []
    for part in parsed.parts:
        for sec in part.sections:
            tasks = [TemplateTask(squeeze(t.title), suffixes(t.lead), suffixes(t.cooperating)) for t in sec.tasks]
            assert sec.number is not None  # 南沙's body numbers every section (nansha.parse_body refuses one without)
            sections.append(TemplateSection(part.kind, sec.number, sec.title, tasks))
    return sections, functions


NANSHA_PLAN = iris.plan("440115", 2022, 2025)  # the template plan (load_template)
NATIONAL_ROOT = iris.plan("cn", 2021, 2035)    # 国发〔2021〕9号, the root of the generation with --with-real


def template_derivation(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The records of the 南沙 plan that derive from another (data/ttl/alignment/derivation.ttl, eli:based_on),
    by their path below the plan (`part/actions/section/1`, `…/section/1/point/2`) → the records of the
    national plan NATIONAL_ROOT they derive from, directly or through a record they are based on (eli:based_on+),
    in IRI order; () for a record whose chain does not reach the national plan."""
    path = settings.data_dir / "alignment" / "derivation.ttl"
    based: dict[str, list[str]] = {}
    based_on = ox.NamedNode(vocab.ELI + "based_on")
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iris.PLACEHOLDER):
        if quad.predicate == based_on:
            based.setdefault(iris.relative(quad.subject.value), []).append(iris.relative(quad.object.value))

    prefix, national = NANSHA_PLAN + "/", NATIONAL_ROOT + "/"
    return {record.removeprefix(prefix): tuple(sorted(t for t in reachable(based, record) if t.startswith(national)))
            for record in based if record.startswith(prefix)}


def jurisdictions(scale: float, taken: AbstractSet[str] = frozenset()) -> list[Place]:
    """The national level, then provinces, cities and counties spread evenly under their parents.
    Province prefixes in `taken` (two-digit strings) are replaced by spare ones, in order."""
    nation = Place("cn", "national", None, "中华人民共和国")
    counts = {level: max(1, round(n * scale)) for level, n in FULL.items()}
    free = [p for p in PROVINCE_PREFIXES + SPARE_PREFIXES if str(p) not in taken]
    provinces = [Place(f"{p}0000", "provincial", nation, f"合成省{p}") for p in free[:counts["provincial"]]]
    nation.children = provinces
    cities = _spread(provinces, counts["prefectural"], "prefectural", lambda p, n: f"{p.code[:2]}{n:02d}00", "合成市{}", 4)
    counties = _spread(cities, counts["county"], "county", lambda p, n: f"{p.code[:4]}{n:02d}", "合成区{}", 6)
    return [nation] + provinces + cities + counties


def _spread(parents: list[Place], count: int, level: str, code_of, name: str, name_digits: int) -> list[Place]:
    """`count` places of `level`, dealt round-robin to the parents and numbered within each."""
    places = []
    for i in range(count):
        parent = parents[i % len(parents)]
        code = code_of(parent, len(parent.children) + 1)
        place = Place(code, level, parent, name.format(code[:name_digits]))
        parent.children.append(place)
        places.append(place)
    return places


def plan_iri(place: Place) -> str:
    start, end = (2021, 2035) if place.level == "national" else ((2021, 2025) if place.level == "provincial" else (2022, 2025))
    return iris.plan(place.key, start, end)


def plan_date(place: Place, number: int) -> str:
    """A signing date: each level signs after the level above (national 2021-06, provinces 2021-08…12,
    cities 2022-01…06, counties 2022-07…12), so a correct basis is never dated after its plan."""
    year, first_month, months = {"national": (2021, 6, 1), "provincial": (2021, 8, 5),
                                 "prefectural": (2022, 1, 6), "county": (2022, 7, 6)}[place.level]
    return f"{year}-{first_month + number % months:02d}-{1 + number % 28:02d}"


def pick(rng: random.Random, population: int, rate: float, exclude: AbstractSet[int] = frozenset()) -> set[int]:
    """Exactly round(rate × population) distinct indices (none of `exclude`), chosen by the seed."""
    candidates = [i for i in range(population) if i not in exclude]
    return set(rng.sample(candidates, min(len(candidates), round(rate * population))))


@dataclass
class RealKeys:
    """What the real data/ttl mints: its subjects (relative IRIs) and GB/T 2260 codes."""
    subjects: set[str]
    codes: set[str]

    def clashes(self, places: list[Place]) -> list[str]:
        """The real subjects a synthetic place, its bodies or its plan would mint again."""
        keys = {p.key for p in places}
        return sorted(s for s in self.subjects
                      if (m := re.match(r"(?:place/([^/]+)$|org/([^/]+)/|plan/([^/]+)/)", s)) and (set(m.groups()) & keys))


def subjects_of(directory: Path) -> set[str]:
    """Every subject IRI of the Turtle files under `directory`, relative to the placeholder base."""
    return real_keys(directory).subjects


def real_keys(real: Path) -> RealKeys:
    """The subjects and GB/T 2260 codes of the Turtle files under `real`, in one read of them."""
    subjects, codes = set(), set()
    for path in sorted(real.rglob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=iris.PLACEHOLDER):
            if isinstance(triple.subject, ox.NamedNode):
                subjects.add(triple.subject.value.removeprefix(iris.PLACEHOLDER))
            if triple.predicate.value.endswith("/def/gbCode"):
                codes.add(triple.object.value)
    return RealKeys(subjects, codes)


def generate(settings: Settings, out: Path, scale: float = 1.0, seed: int = 2021,
             rates: dict[str, float] | None = None, real: Path | None = None) -> dict:
    """Write a synthetic data directory at `out`; return the manifest (counts and defective records).

    Each defect kind hits exactly round(rate × opportunities) records, chosen by the seed:
    task points for missing-lead and foreign-body (disjoint; foreign-body only where the
    template names a lead unit), plans with a basis for bad-basis. With `real` (a data/ttl
    directory), that data is copied in and the synthetic generation hangs under its national
    plan, with no IRI or code of it minted again (the module's docstring).
    """
    if not 0 < scale <= 1:
        raise UsageError(f"scale must be in (0, 1], not {scale}")
    rates = {**DEFAULT_RATES, **(rates or {})}
    rng = random.Random(seed)
    sections, functions = load_template(settings)
    derives = template_derivation(settings)
    known = real_keys(real) if real is not None else None
    under_real = known is not None  # the real national plan heads the generation
    places = jurisdictions(scale, {c[:2] for c in known.codes} if known else frozenset())
    # With the real KB the real national plan heads the generation: no synthetic national place, bodies or plan.
    planned = places[1:] if known else places
    if known and (clash := known.clashes(planned)):
        raise UsageError(f"--with-real: synthetic IRIs would repeat {len(clash)} of the real data, e.g. {clash[0]}")
    if out.exists():
        if not out.is_dir() or (any(out.iterdir()) and not (out / "manifest.json").exists()):
            raise UsageError(f"{out} exists and is not a synthetic data directory (no manifest.json); "
                             "give a new or empty directory")
        shutil.rmtree(out)
    home = out / SYNTHETIC_DIR if known else out
    (home / "plans").mkdir(parents=True)
    if real is not None:
        shutil.copytree(real, out, dirs_exist_ok=True)  # its own paths: the same named graphs as the real build
    else:
        shutil.copy(settings.data_dir / "schemes.ttl", out / "schemes.ttl")
    suffixes = sorted({s for sec in sections for t in sec.tasks for s in t.lead + t.cooperating})
    template = [t for sec in sections for t in sec.tasks]
    based = [n for n, p in enumerate(planned) if p.parent is not None]
    opportunities = {"missing-lead": len(planned) * len(template),
                     "foreign-body": len(planned) * len(template), "bad-basis": len(based)}
    missing = pick(rng, opportunities["missing-lead"], rates["missing-lead"])
    leadless = {n * len(template) + i for n in range(len(planned)) for i, t in enumerate(template) if not t.lead}
    foreign = pick(rng, opportunities["foreign-body"], rates["foreign-body"], missing | leadless)
    bad_basis = {based[i] for i in pick(rng, opportunities["bad-basis"], rates["bad-basis"])}
    defects: dict[str, list[str]] = {kind: [] for kind in rates}
    tasks = 0

    with open(home / "jurisdictions.ttl", "w", encoding="utf-8") as f:
        f.write(PREFIXES)
        for p in planned:
            f.write(f"<{iris.place(p.key)}> a sp:Jurisdiction ; skos:prefLabel {quote(p.name)}@zh ; rdfs:label {quote(p.name)}@zh ;"
                    f" sp:level <{iris.concept('level', p.level)}>")
            if p.parent is not None:  # every level but the national one
                f.write(f" ; sp:gbCode {quote(p.code)} ; skos:broader <{iris.place(p.parent.key)}>")
            f.write(" .\n")
    with open(home / "organizations.ttl", "w", encoding="utf-8") as f:
        f.write(PREFIXES)
        for p in planned:
            for suffix in suffixes:
                name = body_name(suffix, p.level)
                f.write(f"<{iris.org(p.key, name)}> a sp:Body, org:Organization ; skos:prefLabel {quote(name)}@zh ;"
                        f" rdfs:label {quote(name)}@zh ; sp:jurisdiction <{iris.place(p.key)}>")
                for fn in functions.get(suffix, []):
                    f.write(f" ; org:classification <{iris.concept('function', fn)}>")
                f.write(" .\n")

    def units(t_iri: str, role: str, bodies: list[tuple[Place, str]]) -> tuple[list[str], list[str]]:
        """sp:leadUnit / sp:cooperatingUnit, the printed cell and one sp:UnitAssignment per name."""
        if not bodies:
            return [], []
        names = [body_name(s, place.level) for place, s in bodies]
        prop = "leadUnit" if role == "lead" else "cooperatingUnit"
        on_task = [f" ; sp:{prop} " + ", ".join(f"<{iris.org(place.key, n)}>" for (place, _), n in zip(bodies, names)),
                   f" ; sp:{prop}sText {quote('、'.join(names))}",
                   " ; sp:assignment " + ", ".join(f"<{iris.assignment(t_iri, role, i)}>" for i in range(1, len(names) + 1))]
        records = [f"<{iris.assignment(t_iri, role, i)}> a sp:UnitAssignment ; sp:nameAsWritten {quote(n)}@zh ; sp:position {i} ;"
                   f" sp:role <{iris.concept('role', role)}> ; sp:unit <{iris.org(place.key, n)}> .\n"
                   for i, ((place, _), n) in enumerate(zip(bodies, names), 1)]
        return on_task, records

    for number, p in enumerate(planned):
        iri = plan_iri(p)
        lines = [PREFIXES]
        start, end = iri.rsplit("/", 1)[1].split("-")
        date = plan_date(p, number)
        title = f"{p.name}全民科学素质行动规划纲要实施方案({start}-{end}年)"
        lines.append(f"<{iri}> a sp:Plan ; rdfs:label {quote(title)}@zh ; dcterms:title {quote(title)}@zh ;"
                     f" eli:id_local {quote(f'合{p.key}府〔{date[:4]}〕{number + 1}号')} ; sp:level <{iris.concept('level', p.level)}> ;"
                     f" eli:jurisdiction <{iris.place(p.key)}> ; sp:periodStart \"{start}\"^^xsd:gYear ; sp:periodEnd \"{end}\"^^xsd:gYear ;"
                     f" eli:date_document \"{date}\"^^xsd:date")
        basis: Place | None = None
        if p.parent is not None:
            basis = p.parent
            if number in bad_basis and (stranger := other_place(places, p, rng)) is not p:
                basis = stranger
                defects["bad-basis"].append(iri)
            lines.append(f" ; eli:based_on <{plan_iri(basis)}>")
        lines.append(" .\n")
        for kind in ("actions", "projects"):
            part = iris.part(iri, kind)
            label = "提升行动" if kind == "actions" else "重点工程"
            lines.append(f"<{iri}> eli:has_part <{part}> .\n<{part}> a sp:Part ; rdfs:label \"{label}\"@zh ; dcterms:title \"{label}\"@zh ;"
                         f" sp:partKind <{iris.concept('part-kind', kind)}> ; eli:is_part_of <{iri}> .\n")
        for sec in sections:
            part = iris.part(iri, sec.kind)
            s_iri = iris.section(part, sec.number, sec.title)
            s_path = s_iri.removeprefix(iri + "/")
            lines.append(f"<{part}> eli:has_part <{s_iri}> .\n<{s_iri}> a sp:Section ; rdfs:label {quote(sec.title)}@zh ;"
                         f" dcterms:title {quote(sec.title)}@zh ; sp:number {sec.number} ; eli:is_part_of <{part}>"
                         f"{record_basis(s_path, basis, derives, under_real)} .\n")
            for n, t in enumerate(sec.tasks, 1):
                t_iri = iris.task(s_iri, n, t.title)
                lines.append(f"<{s_iri}> eli:has_part <{t_iri}> .\n<{t_iri}> a sp:TaskPoint ; rdfs:label {quote(t.title)}@zh ;"
                             f" dcterms:title {quote(t.title)}@zh ; sp:number {n} ; eli:is_part_of <{s_iri}>"
                             f"{record_basis(t_iri.removeprefix(iri + '/'), basis, derives, under_real)}")
                lead = [(p, s) for s in t.lead]
                if tasks in missing:
                    lead = []
                    defects["missing-lead"].append(t_iri)
                elif tasks in foreign and (stranger := other_place(places, p, rng)) is not p:
                    lead = [(stranger, t.lead[0])]
                    defects["foreign-body"].append(t_iri)
                tasks += 1
                lead_props, lead_records = units(t_iri, "lead", lead)
                coop_props, coop_records = units(t_iri, "cooperating", [(p, s) for s in t.cooperating])
                lines += lead_props + coop_props
                lines.append(" .\n")
                lines += lead_records + coop_records
        (home / "plans" / f"{p.key}-{start}-{end}.ttl").write_text("".join(lines), encoding="utf-8")

    manifest = {
        "seed": seed, "scale": scale, "rates": rates, "plans": len(planned), "task_points": tasks,
        "jurisdictions": {level: sum(1 for p in planned if p.level == level) for level in LEVEL_CHAR},
        "opportunities": opportunities,
        "defects": {kind: len(items) for kind, items in defects.items()},
        "defective": defects,
    }
    if real is not None:  # counts and defects above are the synthetic part's; the real KB is beside it as it is
        manifest["with_real"] = {"synthetic_dir": SYNTHETIC_DIR, "real_plans": len(list((real / "plans").glob("*.ttl"))),
                                 "root_plan": plan_iri(places[0])}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def record_basis(record: str, basis: Place | None, derives: dict[str, tuple[str, ...]], under_real: bool) -> str:
    """` ; eli:based_on …` for the copy of the 南沙 record `record` (its path below the plan) in a plan based on
    `basis`'s plan, as 南沙's record derives (template_derivation), or "": the same record of the basis; under the
    real national plan (`under_real`), the national records 南沙's reaches; under a synthetic national plan, its
    same record if 南沙's chain reaches the national plan."""
    if basis is None or record not in derives:
        return ""
    if basis.level != "national":
        targets: tuple[str, ...] = (f"{plan_iri(basis)}/{record}",)
    elif under_real:
        targets = derives[record]
    else:
        targets = (f"{plan_iri(basis)}/{record}",) if derives[record] else ()
    return (" ; eli:based_on " + ", ".join(f"<{t}>" for t in targets)) if targets else ""


def other_place(places: list[Place], place: Place, rng: random.Random) -> Place:
    """A place of the same level outside the place's own province (never an ancestor)."""
    province = place if place.level == "provincial" else _province(place)
    candidates = [p for p in places if p.level == place.level and _province(p) is not province]
    if not candidates:  # a single province: take a sibling county/city elsewhere in the tree
        candidates = [p for p in places if p.level == place.level and p is not place and p.parent is not place.parent]
    return rng.choice(candidates) if candidates else place


def _province(place: Place | None) -> Place | None:
    while place is not None and place.level not in ("provincial", "national"):
        place = place.parent
    return place
