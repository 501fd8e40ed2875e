"""The register of plans (data/curation/register.yaml) into the graph, through the plans' own writer.

The register lists plans of the family read on public web pages: for each, its level, its
jurisdiction as printed and a list of facts, one per fact per source, each with the page
(`source`) and the verbatim quote. `sciplan extract` writes

- data/ttl/plans/<id>.ttl for each registered plan that is not in plans.yaml: the same model and
  IRIs as the plans of plans.yaml (plan/{jurisdiction}/{start}-{end}), written by a PlanWriter.
  Every fact is an sp:SourcedStatement with dcterms:source (the page), sp:verbatim (the quote)
  and prov:wasDerivedFrom source/register;
- the facts of an entry that is a plan already in plans.yaml (same document number, or same
  jurisdiction and period) into that plan's own file, as more sourced statements of the same
  IRI: the plan is linked, not duplicated;
- data/ttl/register.ttl: the register's pages (sp:SourceDocument, with kind and publisher) and
  the jurisdictions plans.yaml does not declare, each with its GB/T 2260 code (gbcodes.py; the
  revision is recorded), or flagged `no-gb-code` (then place/{containing code}-{name}).

What is written is what the sources say. Conflicting values of one field are all kept as
statements and flagged `conflicting-sources`; none of them is asserted of the plan. A fact read on
a mirror is flagged `mirror-source`. A cited basis resolves to eli:based_on only by its document
number (brackets normalized) or its exact title, to a plan of plans.yaml or of the register;
an unresolved one stays a literal (sp:citedBasis), flagged `unresolved-basis`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from .. import iris
from ..errors import CurationError
from . import gbcodes
from .writer import ELI, SP, PlanWriter, code, new_graph, node, plan_iri, source_node, text, zh

FILE = "register.yaml"            # in data/curation/
SOURCE = "register"               # source/register: the register file, what register facts are derived from
GB_SOURCE = "gb2260"              # source/gb2260: the code table used
LEVELS = {"national": "national", "province": "provincial", "city": "prefectural", "county": "county"}
LEVEL_RANK = {"national": 0, "provincial": 1, "prefectural": 2, "county": 3}
GENERATIONS = {"2021-2025": (2021, 2025), "2016-2020": (2016, 2020)}
FIELDS = {"title", "number", "issuer", "date_issued", "date_published", "period", "basis", "target", "baseline"}
KINDS = {"government", "news", "association", "mirror", "other"}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕", "(": "〔", ")": "〕",
                          "（": "〔", "）": "〕", "﹝": "〔", "﹞": "〕"})
OPEN, CLOSE = "〔\\[［【(（﹝", "〕\\]］】)）﹞"
# The standard form, and the printed forms the family uses: other brackets, spaces around them, 號.
NUMBER = re.compile(rf"^[^\s{OPEN}{CLOSE}]+〔[0-9]{{4}}〕[1-9][0-9]*号$")
PRINTED_NUMBER = re.compile(rf"[^\s{OPEN}{CLOSE}《》、，,和及与:：]+\s*[{OPEN}]\s*[0-9]{{4}}\s*[{CLOSE}]\s*[1-9][0-9]*\s*[号號]")
YEARS = re.compile(r"((?:19|20)\d\d)\s*年?\s*[—–\-－~至到─―]+\s*((?:19|20)\d\d)(?!\s*年?\s*[—–\-－~至到─―]+\s*\d)")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
MORE_THAN, AT_LEAST_BEFORE, AT_LEAST_AFTER, REACH = ("超过", "高于", "大于"), ("不低于",), ("以上",), ("达到",)
TITLE_MARKS = str.maketrans("()–-－─―", "（）—————")
NOTICE = re.compile(r"关于印发(.+)的通知$")


def squeeze(text: str) -> str:
    return "".join(text.split())


def normalize_number(number: str) -> str:
    """The 〔YYYY〕N号 form of a printed number: spaces dropped, other brackets replaced, nothing else changed."""
    return squeeze(number).translate(BRACKETS)


def normalize_title(title: str) -> str:
    """A title for exact comparison: no 《》 or spaces, brackets and dashes unified, 年 after a year dropped."""
    t = squeeze(title).strip("《》")
    t = t.translate(TITLE_MARKS)
    return re.sub(r"((?:19|20)\d\d)年", r"\1", t)


def title_forms(title: str) -> list[str]:
    """A cited title and, for a notice (…关于印发X的通知), the plan title X it prints."""
    forms = [normalize_title(title)]
    m = NOTICE.search(squeeze(title).strip("《》"))
    if m:
        forms.append(normalize_title(m.group(1)))
    return forms


# ---------------------------------------------------------------- the file, checked

@dataclass
class Fact:
    field: str
    value: str
    source: str
    quote: str
    year: int | None = None
    normalized: str | None = None    # the certain standard form beside a variant printing (register.yaml)

    @property
    def standard(self) -> str:
        """The value in its standard form: `normalized` where the file gives one, else the value."""
        return self.normalized or self.value


@dataclass
class Entry:
    id: str
    level: str                       # national | province | city | county (as in the file)
    jurisdiction: str                # as printed
    generation: str
    facts: list[Fact]
    province: str | None = None
    city: str | None = None
    notes: str | None = None
    where: str = ""
    # the standard (GB/T 2260) names the file gives beside printed ones: jurisdiction, province, city
    standard: dict[str, str] = field(default_factory=dict)

    def name(self, key: str) -> tuple[str, str]:
        """(standard name, printed name) of the jurisdiction, its province or its city."""
        printed = str(getattr(self, key))
        return self.standard.get(key, printed), printed

    def values(self, name: str) -> list[Fact]:
        return [f for f in self.facts if f.field == name]


@dataclass
class Register:
    path: Path
    sources: dict[str, dict]
    entries: list[Entry]


def date_forms(value: dt.date) -> tuple[str, ...]:
    """The printed forms of a date the register's quotes use (compared without spaces)."""
    y, m, d = value.year, value.month, value.day
    return (f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日", f"{y}-{m:02d}-{d:02d}", f"{y}-{m}-{d}",
            f"{y}/{m}/{d}", f"{y}/{m:02d}/{d:02d}", f"{y}.{m}.{d}", f"{y}.{m:02d}.{d:02d}")


def check_fact(raw: Any, where: str, sources: dict) -> Fact:
    if not isinstance(raw, dict):
        raise CurationError(f"{where}: a fact must be a mapping with field, value, source and quote")
    name, value, source, quote = (raw.get(k) for k in ("field", "value", "source", "quote"))
    if name not in FIELDS:
        raise CurationError(f"{where}: field {name!r} is not one of {', '.join(sorted(FIELDS))}")
    if value is None or value == "":
        raise CurationError(f"{where}: {name} has no value")
    if source not in sources:
        raise CurationError(f"{where}: source {source!r} is not in the file's `sources`")
    if not isinstance(quote, str) or not quote.strip():
        raise CurationError(f"{where}: {name} has no verbatim quote")
    printed = squeeze(quote)
    value = str(value)
    if name.startswith("date_"):
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise CurationError(f"{where}: {name} {value!r} is not an ISO date (YYYY-MM-DD)") from None
        if not any(form in printed for form in date_forms(date)):
            raise CurationError(f"{where}: the quote does not print the date {value} "
                                f"({date_forms(date)[0]}): {quote!r}")
    elif name == "period":
        m = YEARS.fullmatch(value.strip())
        if not m:
            raise CurationError(f"{where}: period {value!r} does not give two years (e.g. 2021-2025)")
        if not (m.group(1) in printed and m.group(2) in printed):
            raise CurationError(f"{where}: the quote does not print the period {value}: {quote!r}")
    elif squeeze(value) not in printed:
        raise CurationError(f"{where}: the quote does not contain the {name} {value!r} as printed: {quote!r}")
    year = raw.get("year")
    if name in ("target", "baseline"):
        try:
            year = int(str(year))
        except ValueError:
            raise CurationError(f"{where}: a {name} needs its year (an integer), not {year!r}") from None
        if not 1990 <= year <= 2100:
            raise CurationError(f"{where}: a {name} needs its year (an integer), not {year!r}")
    elif year is not None:
        raise CurationError(f"{where}: only a target or a baseline has a year")
    normalized = raw.get("normalized")
    if normalized is not None and (not isinstance(normalized, str) or not normalized.strip()):
        raise CurationError(f"{where}: normalized must be the standard form of the value, not {normalized!r}")
    return Fact(name, value, str(source), " ".join(quote.split()), year, normalized)


def check_source(ident: Any, spec: Any, where: str) -> dict:
    if not isinstance(spec, dict):
        raise CurationError(f"{where}: source {ident!r} must be a mapping with url, page_title, publisher, kind, mirror")
    url = spec.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url):
        raise CurationError(f"{where}: source {ident!r} needs an http(s) url, not {url!r}")
    if spec.get("kind") not in KINDS:
        raise CurationError(f"{where}: source {ident!r}: kind {spec.get('kind')!r} is not one of {', '.join(sorted(KINDS))}")
    if not isinstance(spec.get("mirror", False), bool):
        raise CurationError(f"{where}: source {ident!r}: mirror must be true or false")
    return {**spec, "mirror": bool(spec.get("mirror")) or spec.get("kind") == "mirror"}


def check_entry(raw: Any, where: str, sources: dict) -> Entry:
    if not isinstance(raw, dict):
        raise CurationError(f"{where}: a plan entry must be a mapping")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ID.match(ident):
        raise CurationError(f"{where}: id {ident!r} must be lower-case ASCII letters, digits and hyphens")
    where = f"{where} ({ident})"
    level, generation = raw.get("level"), str(raw.get("generation"))
    if level not in LEVELS:
        raise CurationError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
    if generation not in GENERATIONS:
        raise CurationError(f"{where}: generation {generation!r} is not one of {', '.join(GENERATIONS)}")
    jurisdiction = raw.get("jurisdiction")
    if not isinstance(jurisdiction, str) or not jurisdiction.strip():
        raise CurationError(f"{where}: no jurisdiction")
    if level in ("city", "county") and not raw.get("province"):
        raise CurationError(f"{where}: a {level} plan needs its province")
    facts = raw.get("facts")
    if not isinstance(facts, list) or not facts:
        raise CurationError(f"{where}: no facts")
    checked = [check_fact(f, f"{where}: fact {i}", sources) for i, f in enumerate(facts, 1)]
    standard = {}
    for key in ("jurisdiction", "province", "city"):
        value = raw.get(f"{key}_normalized")
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or not raw.get(key):
            raise CurationError(f"{where}: {key}_normalized must be the standard name beside a printed {key}, not {value!r}")
        standard[key] = value.strip()
    return Entry(ident, level, jurisdiction.strip(), generation, checked, raw.get("province"), raw.get("city"),
                 raw.get("notes"), where, standard)


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: a date stays the text written, checked (and named) per fact."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def well_formed(f: Fact) -> bool:
    """A number printed in the family's form (代字〔YYYY〕N号, other brackets, spaces, 號) whose standard form is certain."""
    return bool(PRINTED_NUMBER.fullmatch(f.value.strip()) and NUMBER.match(number_key(f)))


def number_key(f: Fact) -> str:
    """A number fact's standard form: `normalized`, else the printed value with brackets and spaces normalized."""
    return normalize_number(f.normalized) if f.normalized else normalize_number(f.value)


def load(curation_dir: Path) -> Register | None:
    """data/curation/register.yaml, checked; None when there is none."""
    path = curation_dir / FILE
    if not path.exists():
        return None
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise CurationError(f"{path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("sources") or {}, dict) \
            or not isinstance(doc.get("plans") or [], list):
        raise CurationError(f"{path}: expected a mapping with `sources` (a mapping) and `plans` (a list)")
    sources = {k: check_source(k, v, str(path)) for k, v in (doc.get("sources") or {}).items()}
    entries, seen = [], set()
    for i, raw in enumerate(doc.get("plans") or [], 1):
        entry = check_entry(raw, f"{path}: plan {i}", sources)
        if entry.id in seen:
            raise CurationError(f"{entry.where}: the id is used twice")
        seen.add(entry.id)
        entries.append(entry)
    return Register(path, sources, entries)


# ---------------------------------------------------------------- places

@dataclass
class Place:
    key: str                 # the place/{key} segment: a GB/T 2260 code, cn, or {containing key}-{name}
    name: str
    level: str               # level concept slug
    code: str | None
    parent: str | None
    printed: set[str] = field(default_factory=set)  # other printings of the name (skos:altLabel)


@dataclass
class Places:
    """The register's jurisdictions: those of jurisdictions.yaml are reused, the others made here."""

    known: dict[str, dict]
    made: dict[str, Place] = field(default_factory=dict)

    def key_of(self, names: tuple[str, str], level: str, parent: str | None) -> str:
        """The key of the place named (standard, printed) of `level` inside `parent`: its code, when the
        standard name is exactly a division's of the code table there, else {parent}-{name}."""
        if level == "national":
            return "cn"
        name, printed = names
        within = None if parent in (None, "cn") else parent
        found = gbcodes.lookup(name, level, within) if within is None or within.isdigit() else None
        key = found or f"{parent or 'cn'}-{iris.segment(name)}"
        if key not in self.known:
            place = self.made.setdefault(key, Place(key, name, level, found, parent or "cn"))
            if printed != name:
                place.printed.add(printed)
        return key

    def of(self, entry: Entry) -> str:
        """The place key of an entry's jurisdiction, its containing places made on the way."""
        level = LEVELS[entry.level]
        if level == "national":
            return "cn"
        if level == "provincial":
            return self.key_of(entry.name("jurisdiction"), level, None)
        province = self.key_of(entry.name("province"), "provincial", None)
        if level == "prefectural":
            return self.key_of(entry.name("jurisdiction"), level, province)
        parent = self.key_of(entry.name("city"), "prefectural", province) if entry.city else province
        return self.key_of(entry.name("jurisdiction"), level, parent)

    def level(self, key: str) -> str:
        if key in self.made:
            return self.made[key].level
        return str(self.known[key]["level"])


# ---------------------------------------------------------------- plans

@dataclass
class Resolved:
    """An entry placed in the graph: its place, period, IRI, and the plans.yaml plan it is (if any)."""

    entry: Entry
    place: str
    period: tuple[int, int]
    iri: str
    existing: str | None = None          # the plans.yaml id, when the entry is that plan


def period_of(entry: Entry) -> tuple[tuple[int, int], str | None]:
    """The period the sources print (a period fact, else the title), else the generation's; and why."""
    for f in entry.values("period") + entry.values("title"):
        m = YEARS.search(f.value)
        if m:
            return (int(m.group(1)), int(m.group(2))), None
    start, end = GENERATIONS[entry.generation]
    return (start, end), (f"No source prints the period; it is the register's generation {entry.generation}.")


class Registered:
    """The register resolved against plans.yaml: places, IRIs, the numbers and titles bases resolve by."""

    def __init__(self, register: Register, plans: dict[str, dict], places: dict[str, dict]):
        self.register = register
        self.plans = plans
        self.places = Places(places)
        self.resolved: dict[str, Resolved] = {}
        by_number = {normalize_number(n): pid for pid, p in plans.items()
                     for n in (p.get("number"), p.get("number_normalized")) if n}
        by_iri = {plan_iri(p): pid for pid, p in plans.items()}
        for entry in register.entries:
            if entry.id in plans:
                raise CurationError(f"{entry.where}: the id is a plan of plans.yaml; give the register entry its own id")
            place = self.places.of(entry)
            period, _ = period_of(entry)
            iri = iris.plan(place, *period)
            numbers = {number_key(f) for f in entry.values("number") if well_formed(f)}
            existing = next((by_number[n] for n in sorted(numbers) if n in by_number), None) or by_iri.get(iri)
            if existing:
                iri = plan_iri(plans[existing])
                if any(r.existing == existing for r in self.resolved.values()):
                    other = next(r.entry.id for r in self.resolved.values() if r.existing == existing)
                    raise CurationError(f"{entry.where}: {other} is already the plan {existing} of plans.yaml; "
                                        "one plan is one entry")
            elif any(r.iri == iri for r in self.resolved.values()):
                other = next(r.entry.id for r in self.resolved.values() if r.iri == iri)
                raise CurationError(f"{entry.where}: the same jurisdiction and period as {other} ({iri}); "
                                    "one plan is one entry")
            self.resolved[entry.id] = Resolved(entry, place, period, iri, existing)
        self.numbers: dict[str, str] = {}    # standard document number → plan IRI
        titles: dict[str, set[str]] = {}     # normalized title → plan IRIs
        for pid, p in plans.items():
            for key in (p.get("number"), p.get("number_normalized")):
                if key:
                    self._number(normalize_number(key), plan_iri(p), f"plans.yaml {pid}")
            titles.setdefault(normalize_title(p["title"]), set()).add(plan_iri(p))
        for r in self.resolved.values():
            for f in r.entry.values("number"):
                if well_formed(f):
                    self._number(number_key(f), r.iri, r.entry.where)
            for f in r.entry.values("title"):
                titles.setdefault(normalize_title(f.standard), set()).add(r.iri)
        # a title two plans share names neither: a basis cited by it stays unresolved
        self.titles = {t: next(iter(found)) for t, found in titles.items() if len(found) == 1}

    def _number(self, key: str, iri: str, where: str) -> None:
        if self.numbers.setdefault(key, iri) != iri:
            raise CurationError(f"{where}: {key} is also the document number of {self.numbers[key]}; "
                                "one number is one document")

    def basis(self, fact: Fact) -> str | None:
        """The plan a cited basis names: by its document number, else its exact title (or a notice's)."""
        number = PRINTED_NUMBER.search(fact.standard)
        if number and normalize_number(number.group(0)) in self.numbers:
            return self.numbers[normalize_number(number.group(0))]
        return next((self.titles[t] for t in title_forms(fact.standard) if t in self.titles), None)

    def new_entries(self) -> list[Resolved]:
        return [r for r in self.resolved.values() if r.existing is None]

    def of_existing(self, plan_id: str) -> list[Resolved]:
        return [r for r in self.resolved.values() if r.existing == plan_id]


CONFLICT_EN = "The sources disagree on this {field}: {values}. Every value is kept as a statement; none is asserted of the plan (a title stays its label)."
CONFLICT_ZH = "各来源所载{field}不一致：{values}。各值均作为陈述保留，均不断言（标题仍作标签）。"
FIELD_ZH = {"title": "标题", "number": "文号", "issuer": "发文机关", "date_issued": "成文日期", "date_published": "发布日期",
            "period": "期限", "basis": "依据", "target": "目标", "baseline": "基线"}


class RegisterFacts:
    """Writes an entry's facts into a PlanWriter: statements with page and quote, conflicts kept and flagged."""

    def __init__(self, writer: PlanWriter, registered: Registered, r: Resolved, asserted: set[URIRef] | None = None):
        self.w, self.reg, self.r = writer, registered, r
        # predicates plans.yaml already asserts of an existing plan: the register's statements join them
        self.asserted = asserted or set()

    def statement(self, predicate: URIRef, obj, fact: Fact, assert_it: bool) -> URIRef:
        w = self.w
        if assert_it:
            w.g.add((w.plan, predicate, obj))
        w.statements += 1
        st = node(iris.statement(w.iri, w.statements))
        g = w.g
        g.add((st, RDF.type, SP.SourcedStatement))
        g.add((st, RDF.subject, w.plan))
        g.add((st, RDF.predicate, predicate))
        g.add((st, RDF.object, obj))
        g.add((st, DCTERMS.source, source_node(fact.source, w.sources)))
        g.add((st, SP.verbatim, text(fact.quote)))
        g.add((st, PROV.wasDerivedFrom, node(iris.source(SOURCE))))
        if w.sources[fact.source].get("mirror"):
            w.flag(st, "mirror-source", "Read on a mirror site of doubtful quality.", "来源为质量存疑的镜像网站。")
        return st

    def single(self, name: str, predicate: URIRef, obj_of, key=lambda f: f.standard, facts: list[Fact] | None = None,
               against_asserted: bool = True) -> None:
        """A field with one value. Where the sources agree (in standard form) one printing is asserted —
        the first printed in standard form, else the first — and every fact is a statement; where they
        disagree, with each other or with plans.yaml, every value is kept as a statement, flagged, none asserted."""
        facts = self.r.entry.values(name) if facts is None else facts
        if not facts:
            return
        standards = sorted({key(f) for f in facts})
        existing = set(self.w.g.objects(self.w.plan, predicate)) if against_asserted else set()
        conflict = len(standards) > 1 or bool(existing and {obj_of(f) for f in facts} - existing)
        chosen = next((f for f in facts if f.value == key(f)), facts[0])
        for f in facts:
            st = self.statement(predicate, obj_of(f), f,
                                not conflict and f is chosen and predicate not in self.asserted)
            if conflict:
                shown = ", ".join(standards + sorted(str(e) for e in existing if str(e) not in standards))
                self.w.flag(st, "conflicting-sources", CONFLICT_EN.format(field=name, values=shown),
                            CONFLICT_ZH.format(field=FIELD_ZH[name], values=shown))
        if conflict:
            self.w.flag(self.w.plan, "conflicting-sources",
                        f"The sources disagree on the {name}; see the plan's statements.",
                        f"各来源所载{FIELD_ZH[name]}不一致，见本规划的各陈述。")

    def write(self) -> None:
        w = self.w
        numbers = [f for f in self.r.entry.values("number") if well_formed(f)]
        self.single("number", ELI.id_local, lambda f: code(f.value), number_key, numbers)
        for f in self.r.entry.values("number"):
            if not well_formed(f):  # kept as printed, not asserted: the document-number rule would refuse it
                st = self.statement(ELI.id_local, code(f.value), f, False)
                note_en = (f"The number is printed {f.value}, not in the form 代字〔YYYY〕N号 (garbled in the copy); "
                           "it is kept as printed and not asserted.")
                note_zh = f"文号原文作“{f.value}”，不合“代字〔年份〕序号号”格式（副本有误）；照原文保留，不作断言。"
                w.flag(st, "garbled", note_en, note_zh)
                w.flag(w.plan, "garbled", note_en, note_zh)
        asserted = w.g.value(w.plan, ELI.id_local)
        if asserted is not None and ELI.id_local not in self.asserted and numbers:
            standard = number_key(next(f for f in numbers if f.value == str(asserted)))
            if standard != str(asserted):
                w.g.add((w.plan, SP.documentNumberNormalized, code(standard)))
                w.flag(w.plan, "nonstandard-number",
                       f"The number is printed {asserted}; the standard form is given as sp:documentNumberNormalized.",
                       f"文号原文作“{asserted}”，规范形式见 sp:documentNumberNormalized。")
        for name, predicate in (("date_issued", ELI.date_document), ("date_published", SP.datePublished)):
            self.single(name, predicate, lambda f: Literal(f.value, datatype=XSD.date))
        self.single("issuer", ELI.passed_by, lambda f: self.body(f.standard))
        self.periods()
        self.bases()
        self.quantities()

    def periods(self) -> None:
        """The period each source prints, as statements of sp:periodStart and sp:periodEnd (the writer asserts them)."""
        for f in self.r.entry.values("period"):
            m = YEARS.fullmatch(f.value.strip())
            if m is None:  # checked in check_fact
                continue
            for predicate, year in ((SP.periodStart, m.group(1)), (SP.periodEnd, m.group(2))):
                self.statement(predicate, Literal(year, datatype=XSD.gYear), f, False)

    def body(self, name: str) -> URIRef:
        """The issuing body: a declared body of the jurisdiction, else a new body named as printed, flagged."""
        w = self.w
        found = w.bodies.names.resolve(w.jur, name)
        n = node(found.path)
        if found.new and (n, RDF.type, SP.Body) not in w.g:
            w.g.add((n, RDF.type, SP.Body))
            w.g.add((n, RDF.type, ORG.Organization))
            w.g.add((n, SKOS.prefLabel, zh(name)))
            w.g.add((n, RDFS.label, zh(name)))
            w.g.add((n, SP.jurisdiction, node(iris.place(w.jur))))
            w.g.add((n, PROV.wasDerivedFrom, node(iris.source(SOURCE))))
            w.flag(n, "unreviewed-body",
                   "Not in data/curation/organizations.yaml: the issuing body of a registered plan, named as its page "
                   "prints it. Review it there.",
                   "data/curation/organizations.yaml 中无此单位：登记规划的发文机关，按网页原文记录，请在该文件中复核。")
        return n

    def bases(self) -> None:
        w = self.w
        for f in self.r.entry.values("basis"):
            target = self.reg.basis(f)
            if target == self.r.iri:
                raise CurationError(f"{self.r.entry.where}: basis {f.value!r} is the plan itself")
            if target:
                st = self.statement(ELI.based_on, node(target), f, True)
                w.g.add((st, PROV.value, zh(f.value)))  # the citation as printed, which the quote contains
            else:
                st = self.statement(SP.citedBasis, zh(f.value), f, True)
                w.flag(st, "unresolved-basis",
                       f"The cited basis {f.value} is not a plan of plans.yaml or of the register (by document number "
                       "or exact title); it is kept as printed.",
                       f"所引依据“{f.value}”按文号或标题均未对应到 plans.yaml 或登记表中的规划，照原文保留。")

    def quantities(self) -> None:
        """Each printed percentage of a target or baseline phrase is one sp:Target/sp:Baseline (超过14%,力争达到15%:
        two), with the comparator printed right before or after it; a phrase without a number keeps its quote only."""
        w = self.w
        w.compiled = SOURCE
        for name, link, cls in (("baseline", SP.hasBaseline, SP.Baseline), ("target", SP.hasTarget, SP.Target)):
            i = len(list(w.g.objects(w.plan, link)))
            for f in self.r.entry.values(name):
                found = percentages(f.standard)
                for number, slug in found:
                    i += 1
                    q = {"indicator": "literacy-rate", "value": number, "unit": "%", "year": f.year,
                         "verbatim": f.quote, "sources": [f.source], "comparator": slug}
                    w.quantity(w.plan, link, iris.quantity(w.iri, name, i), cls, q)
                if not found:
                    i += 1
                    n = node(iris.quantity(w.iri, name, i))
                    w.g.add((w.plan, link, n))
                    w.g.add((n, RDF.type, cls))
                    w.g.add((n, RDFS.label, text(f.quote)))
                    w.g.add((n, SP.verbatim, text(f.quote)))
                    w.g.add((n, SP.indicator, node(iris.concept("indicator", "literacy-rate"))))
                    w.g.add((n, SP.targetYear if cls == SP.Target else SP.measurementYear,
                             Literal(str(f.year), datatype=XSD.gYear)))
                    w.g.add((n, DCTERMS.source, source_node(f.source, w.sources)))
                    w.g.add((n, PROV.wasDerivedFrom, node(iris.source(SOURCE))))
                    w.flag(n, "incomplete", f"The {name} is printed without a number: {f.value}.",
                           f"该{FIELD_ZH[name]}未以数值表述：{f.value}。")
        w.compiled = "parent-plans"


def percentages(phrase: str) -> list[tuple[str, str | None]]:
    """The percentages a target phrase prints, each with the comparator printed right beside it, if any:
    超过 (more-than) or 达到 (reach) just before, 不低于 before or 以上 after (at-least); 达到28%左右 has none."""
    text = squeeze(phrase)
    found = list(PERCENT.finditer(text))
    out = []
    for k, m in enumerate(found):
        before = text[found[k - 1].end() if k else 0:m.start()]
        after = text[m.end():found[k + 1].start() if k + 1 < len(found) else len(text)]
        slug: str | None = None
        if after.startswith(AT_LEAST_AFTER) or before.endswith(AT_LEAST_BEFORE):
            slug = "at-least"
        elif before.endswith(MORE_THAN):
            slug = "more-than"
        elif before.endswith(REACH) and not after.startswith("左右"):
            slug = "reach"
        out.append((m.group(1), slug))
    return out


class RegisterPlanWriter(PlanWriter):
    """A registered plan that is not in plans.yaml: the spec is made from the entry."""

    def __init__(self, r: Resolved, registered: Registered, sources: dict, bodies):
        titles = r.entry.values("title")
        # the label: the first title an official page prints, else the first printed; in its standard form
        first = next((f for f in titles if not sources[f.source].get("mirror")), titles[0] if titles else None)
        spec = {"id": r.entry.id, "jurisdiction": r.place, "period": list(r.period),
                "title": first.standard if first else r.entry.jurisdiction}
        super().__init__(spec, registered.plans, sources, bodies)
        self.registered, self.r = registered, r
        self.compiled = SOURCE

    def jur_level(self) -> str:
        return LEVELS[self.r.entry.level]

    def metadata(self) -> None:
        e, g = self.r.entry, self.g
        titles = e.values("title")
        title = self.spec["title"]
        self.labelled(self.plan, SP.Plan, title)
        g.add((self.plan, DCTERMS.identifier, code(e.id)))
        g.add((self.plan, SP.level, node(iris.concept("level", self.jur_level()))))
        g.add((self.plan, ELI.jurisdiction, node(iris.place(self.jur))))
        g.add((self.plan, PROV.wasDerivedFrom, node(iris.source(SOURCE))))
        start, end = self.r.period
        g.add((self.plan, SP.periodStart, Literal(str(start), datatype=XSD.gYear)))
        g.add((self.plan, SP.periodEnd, Literal(str(end), datatype=XSD.gYear)))
        _, why = period_of(e)
        if why:
            self.flag(self.plan, "inferred", why, f"来源未载期限，取登记表所列的世代 {e.generation}。")
        if not titles:
            self.flag(self.plan, "incomplete", "No source prints the title; the label is the jurisdiction's name.",
                      "来源未载标题，标签取辖区名称。")
        for value in sorted({f.value for f in titles} - {title}):
            g.add((self.plan, SKOS.altLabel, zh(value)))  # each other printing of the title
        facts = RegisterFacts(self, self.registered, self.r, {DCTERMS.title})
        facts.single("title", DCTERMS.title, lambda f: zh(f.value), lambda f: normalize_title(f.standard),
                     against_asserted=False)
        facts.write()
        self.flag(self.plan, "incomplete",
                  "Known from the opening of its public page only: no task points are recorded.",
                  "仅据公开网页的开头部分记录，未录要点。")
        if e.notes:
            g.add((self.plan, SKOS.editorialNote, text(" ".join(str(e.notes).split()))))


def add_to_existing(writer: PlanWriter, registered: Registered) -> None:
    """The register's facts about a plan of plans.yaml, written into that plan's own graph."""
    asserted = {p for p in (ELI.id_local, ELI.date_document, SP.datePublished, ELI.passed_by)
                if (writer.plan, p, None) in writer.g}
    for r in registered.of_existing(writer.spec["id"]):
        if r.entry.values("title"):
            facts = RegisterFacts(writer, registered, r, asserted)
            for f in r.entry.values("title"):
                conflict = normalize_title(f.standard) != normalize_title(writer.spec["title"])
                st = facts.statement(DCTERMS.title, zh(f.value), f, False)
                if conflict:
                    writer.flag(st, "conflicting-sources",
                                f"The register's page prints the title {f.value}, plans.yaml has {writer.spec['title']}.",
                                f"登记网页所载标题“{f.value}”与 plans.yaml 所载“{writer.spec['title']}”不同。")
        RegisterFacts(writer, registered, r, asserted).write()
        if r.entry.notes:
            writer.g.add((writer.plan, SKOS.editorialNote, text(" ".join(str(r.entry.notes).split()))))


# ---------------------------------------------------------------- register.ttl

KIND_ZH = {"government": "政府网站", "news": "新闻媒体", "association": "科协等团体", "mirror": "镜像/转载网站", "other": "其他"}


def register_graph(registered: Registered, known_places: dict) -> Graph:
    """The register's pages and the jurisdictions plans.yaml does not declare."""
    g = new_graph()
    src = node(iris.source(SOURCE))
    g.add((src, RDF.type, SP.SourceDocument))
    g.add((src, RDF.type, PROV.Entity))
    g.add((src, DCTERMS.identifier, code("data/curation/" + FILE)))
    g.add((src, DCTERMS.title, zh("全民科学素质行动规划（计划）纲要实施方案登记表：公开网页所载事实及原文")))
    g.add((src, DCTERMS.title, Literal("The register of plans: facts read on public web pages, with their quotes", lang="en")))
    gb = node(iris.source(GB_SOURCE))
    g.add((gb, RDF.type, SP.SourceDocument))
    g.add((gb, RDF.type, PROV.Entity))
    g.add((gb, DCTERMS.title, Literal(gbcodes.REVISION, lang="en")))
    g.add((gb, DCTERMS.title, zh(gbcodes.REVISION_ZH)))
    g.add((gb, DCTERMS.identifier, code(f"GB2260=={gbcodes.PACKAGE_VERSION}")))
    for spec in registered.register.sources.values():
        n = URIRef(spec["url"])
        g.add((n, RDF.type, SP.SourceDocument))
        g.add((n, RDF.type, PROV.Entity))
        if spec.get("page_title"):
            g.add((n, DCTERMS.title, text(str(spec["page_title"]))))
        if spec.get("publisher"):
            g.add((n, DCTERMS.publisher, text(str(spec["publisher"]))))
        g.add((n, SP.sourceKind, node(iris.concept("source-kind", spec["kind"]))))
        g.add((n, PROV.wasDerivedFrom, src))
        if spec.get("mirror"):
            g.add((n, SP.flag, node(iris.concept("flag", "mirror-source"))))
            g.add((n, SP.flagNote, Literal("A mirror site: facts read here are kept, flagged; an official copy is preferred.", lang="en")))
            g.add((n, SP.flagNote, zh("镜像网站：此处读到的事实予以保留并标记，以官方来源为准。")))
    scheme = node(iris.concept("jurisdiction"))
    for order, place in enumerate(sorted(registered.places.made.values(), key=lambda p: p.key), len(known_places) + 1):
        n = node(iris.place(place.key))
        g.add((n, RDF.type, SP.Jurisdiction))
        g.add((n, SKOS.inScheme, scheme))
        g.add((n, SKOS.prefLabel, zh(place.name)))
        g.add((n, RDFS.label, zh(place.name)))
        for printed in sorted(place.printed):
            g.add((n, SKOS.altLabel, zh(printed)))
        g.add((n, SP.order, Literal(order)))
        g.add((n, SP.level, node(iris.concept("level", place.level))))
        g.add((n, SKOS.broader, node(iris.place(place.parent or "cn"))))
        g.add((n, PROV.wasDerivedFrom, src))
        if place.code:
            g.add((n, SP.gbCode, code(place.code)))
            g.add((n, SKOS.notation, code(place.code)))
            g.add((n, PROV.wasDerivedFrom, gb))
            if gbcodes.name_of(place.code) != place.name:  # cannot happen: codes match names exactly
                raise CurationError(f"{place.key}: {place.name} is not the name of {place.code}")
        else:
            g.add((n, SP.flag, node(iris.concept("flag", "no-gb-code"))))
            g.add((n, SP.flagNote, Literal(
                f"No division of this level in {gbcodes.REVISION} is named exactly {place.name} inside its containing "
                "jurisdiction; no code is given (none is guessed).", lang="en")))
            g.add((n, SP.flagNote, zh(f"{gbcodes.REVISION_ZH}中，其上级辖区内没有名称恰为“{place.name}”的同级区划；不给代码（不作猜测）。")))
    return g

