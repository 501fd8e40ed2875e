"""Turn curated metadata and parsed plans into RDF graphs.

All IRIs are minted against iris.PLACEHOLDER and written out relative (see
`serialize`), so the files load under any configured base. Literals follow the
convention of sciplan/literals.py: text is made with `zh`, `en` or `text` (tagged),
codes with `code` (plain).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from .. import iris, literals, vocab
from ..errors import CurationError
from .model import Excerpt, ParsedPlan, Units
from .resolve import NEW_BODY_NOTE_EN, NEW_BODY_NOTE_ZH, Names

BASE = Namespace(iris.PLACEHOLDER)
SP = Namespace(vocab.sp(iris.PLACEHOLDER))
ELI = Namespace(vocab.ELI)
WD = Namespace(vocab.WD)
PREFIXES = {**{name: Namespace(ns) for name, ns in vocab.prefixes(iris.PLACEHOLDER).items()}, "wd": WD}

__all__ = ["CurationError"]  # raised here, defined with the other errors in sciplan/errors.py


def node(path: str) -> URIRef:
    return BASE[path]


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def text(value: str) -> Literal:
    """A quotation the curated files do not tag: tagged by its script (literals.language)."""
    return Literal(value, lang=literals.language(value))


def code(value: str) -> Literal:
    """A code or identifier: a plain string (literals.py)."""
    return Literal(value)


UNOFFICIAL = iris.concept("translation", "unofficial")
OFFICIAL = iris.concept("translation", "official")
ENGLISH_NAMES = "english-names"  # the source (plans.yaml) that records the English-language pages read


def english_label(g: Graph, subject: URIRef, label: str | None, pref: bool = False, official: bool = False) -> None:
    """The English label of a body, place, plan, part or section, and whether it is official."""
    if not label:
        return
    g.add((subject, RDFS.label, en(label)))
    if pref:
        g.add((subject, SKOS.prefLabel, en(label)))
    g.add((subject, SP.englishLabelStatus, node(OFFICIAL if official else UNOFFICIAL)))


def label_statement(g: Graph, iri: str, subject: URIRef, predicate: URIRef, label: str, quote: dict, sources: dict) -> None:
    """A reified English name with the page it was read on and the verbatim quote (an sp:SourcedStatement)."""
    st = node(iri)
    g.add((st, RDF.type, SP.SourcedStatement))
    g.add((st, RDF.subject, subject))
    g.add((st, RDF.predicate, predicate))
    g.add((st, RDF.object, en(label)))
    for ident in quote.get("sources") or [quote["source"]]:
        g.add((st, DCTERMS.source, source_node(ident, sources)))
    g.add((st, SP.verbatim, text(" ".join(quote["verbatim"].split()))))
    if ENGLISH_NAMES in sources:
        g.add((st, PROV.wasDerivedFrom, node(iris.source(ENGLISH_NAMES))))


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def serialize(g: Graph, header: str) -> str:
    """Turtle with relative IRIs: the placeholder base is cut from every IRI."""
    text = g.serialize(format="turtle")
    text = text.replace("<" + iris.PLACEHOLDER, "<")
    return header.rstrip() + "\n\n" + text


# ---------------------------------------------------------------- schemes, places, bodies

def schemes_graph(schemes: dict) -> Graph:
    """schemes.yaml: each scheme with its labels and definition, its concepts in order (sp:order)."""
    g = new_graph()
    for scheme, spec in schemes.items():
        s = node(iris.concept(scheme))
        g.add((s, RDF.type, SKOS.ConceptScheme))
        scheme_labels(g, s, *spec["label"], *spec["definition"])
        for order, (slug, (label_zh, label_en, definition_en, definition_zh)) in enumerate(spec["concepts"].items(), 1):
            c = node(iris.concept(scheme, slug))
            g.add((c, RDF.type, SKOS.Concept))
            g.add((c, SKOS.inScheme, s))
            g.add((c, SKOS.topConceptOf, s))
            g.add((c, SKOS.prefLabel, zh(label_zh)))
            g.add((c, SKOS.prefLabel, en(label_en)))
            g.add((c, RDFS.label, zh(label_zh)))
            g.add((c, SKOS.notation, code(slug)))
            g.add((c, SP.order, Literal(order)))
            g.add((c, SKOS.definition, en(definition_en)))
            g.add((c, SKOS.definition, zh(definition_zh)))
    return g


def scheme_labels(g: Graph, s: URIRef, label_zh: str, label_en: str, definition_en: str, definition_zh: str) -> None:
    for label in (zh(label_zh), en(label_en)):
        g.add((s, RDFS.label, label))
        g.add((s, SKOS.prefLabel, label))
    g.add((s, SKOS.definition, en(definition_en)))
    g.add((s, SKOS.definition, zh(definition_zh)))


def jurisdictions_graph(places: dict) -> Graph:
    g = new_graph()
    scheme = node(iris.concept("jurisdiction"))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    scheme_labels(g, scheme, "行政区划", "jurisdictions",
                  "The administrative divisions the plans belong to (sp:Jurisdiction), with their GB/T 2260 codes and parents.",
                  "规划所属的行政区划（sp:Jurisdiction），附 GB/T 2260 代码及上级区划。")
    for order, (key, p) in enumerate(places.items(), 1):
        n = node(iris.place(key))
        g.add((n, RDF.type, SP.Jurisdiction))
        g.add((n, SKOS.inScheme, scheme))
        g.add((n, SKOS.prefLabel, zh(p["name"])))
        g.add((n, RDFS.label, zh(p["name"])))
        english_label(g, n, p.get("en"), pref=True)
        g.add((n, SP.order, Literal(order)))
        g.add((n, SP.level, node(iris.concept("level", p["level"]))))
        if p.get("code"):
            g.add((n, SP.gbCode, code(p["code"])))
            g.add((n, SKOS.notation, code(p["code"])))
        if p.get("parent"):
            g.add((n, SKOS.broader, node(iris.place(p["parent"]))))
        if p.get("wikidata"):
            g.add((n, OWL.sameAs, WD[p["wikidata"]]))
        g.add((n, PROV.wasDerivedFrom, node(iris.source("parent-plans"))))
    return g


class Bodies:
    """The declared bodies (organizations.yaml) and the names that resolve to them (resolve.Names)."""

    def __init__(self, curation: dict, parents: dict[str, str | None] | None = None):
        self.curation = curation
        self.names = Names(curation, parents)

    def resolve(self, jur: str, name: str, where: str) -> tuple[URIRef, str | None]:
        """(body, corrected name if the printed one is a known typo) of a curated name: unknown is an error."""
        found = self.names.lookup(jur, name)
        if found is None:
            raise CurationError(f"{where}: unit {name!r} is not a body of {jur} in data/curation/organizations.yaml")
        return node(found.path), found.corrected

    def graph(self, sources: dict | None = None) -> Graph:
        """The declared bodies; `sources` (plans.yaml) are the pages an official English name is read on."""
        g = new_graph()
        for jur, bodies in self.curation["jurisdictions"].items():
            for name, spec in bodies.items():
                spec = spec or {}
                path = iris.org(jur, name)
                n = node(path)
                g.add((n, RDF.type, SP.Body))
                g.add((n, RDF.type, ORG.Organization))
                g.add((n, SKOS.prefLabel, zh(name)))
                g.add((n, RDFS.label, zh(name)))
                official = spec.get("en_official")
                english_label(g, n, spec.get("en"), pref=True, official=bool(official))
                if official:
                    if not sources or official.get("source") not in sources:
                        raise CurationError(f"organizations.yaml: {jur}/{name}: en_official names source "
                                            f"{official.get('source')!r}, which plans.yaml `sources` lacks")
                    label_statement(g, iris.statement(path, 1), n, SKOS.prefLabel, spec["en"], official, sources)
                for alt in spec.get("alt", []):
                    g.add((n, SKOS.altLabel, zh(alt)))
                for function in spec.get("functions", []):
                    g.add((n, ORG.classification, node(iris.concept("function", function))))
                g.add((n, SP.jurisdiction, node(iris.place(jur))))
                if spec.get("branch_of"):
                    parent_jur, parent = spec["branch_of"].split("/", 1)
                    g.add((n, ORG.subOrganizationOf, node(iris.org(parent_jur, parent))))
                if spec.get("unit_of"):
                    g.add((n, ORG.unitOf, node(iris.org(jur, spec["unit_of"]))))
        return g


def sources_graph(sources: dict, sources_dir: Path, staged: dict[str, bytes] | None = None) -> Graph:
    """The source documents; `staged` gives the bytes of files about to be copied into sources_dir."""
    g = new_graph()
    for ident, spec in sources.items():
        n = source_node(ident, sources)
        g.add((n, RDF.type, SP.SourceDocument))
        g.add((n, RDF.type, PROV.Entity))
        if spec.get("title"):
            g.add((n, DCTERMS.title, text(spec["title"])))
        if spec.get("file"):
            data = (staged or {}).get(spec["file"]) or (sources_dir / spec["file"]).read_bytes()
            g.add((n, DCTERMS.identifier, code("data/sources/" + spec["file"])))
            g.add((n, SP.sha256, code(hashlib.sha256(data).hexdigest())))
            g.add((n, DCTERMS["format"], code(media_type(spec["file"]))))
        if spec.get("mirror"):
            g.add((n, SP.flag, node(iris.concept("flag", "mirror-source"))))
            g.add((n, SP.flagNote, en("A mirror site of doubtful quality; facts read here are kept but an official copy is preferred.")))
            g.add((n, SP.flagNote, zh("质量存疑的镜像网站；此处读到的事实予以保留，但以官方来源为准。")))
    return g


MEDIA_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv", ".tsv": "text/plain",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}


def media_type(file: str) -> str:
    return MEDIA_TYPES.get(Path(file).suffix.lower(), "application/octet-stream")


def source_node(ident: str, sources: dict) -> URIRef:
    spec = sources[ident]
    return URIRef(spec["url"]) if spec.get("url") else node(iris.source(ident))


# ---------------------------------------------------------------- plans

class PlanWriter:
    """Writes one plan (metadata, structure, units, targets) into its own graph."""

    def __init__(self, spec: dict, plans: dict, sources: dict, bodies: Bodies, translations: dict | None = None):
        self.spec, self.plans, self.sources, self.bodies = spec, plans, sources, bodies
        # English labels of part and section titles (translations.yaml): {"parts": {zh: en}, "sections": {zh: en}}
        self.translations = translations or {}
        self.g = new_graph()
        self.jur = spec["jurisdiction"]
        self.iri = plan_iri(spec)
        self.plan = node(self.iri)
        self.statements = 0
        self.source = source_node(spec["source"], sources) if spec.get("source") else None
        # Names of unit cells that resolve to no declared body: name → where each was printed (holder path, role).
        self.new_bodies: dict[str, list[tuple[str, str]]] = {}
        self.parsed_plan: ParsedPlan | None = None  # the plan's table as read, once `parsed` has written it
        # The compiled record web-page facts are derived from (prov:wasDerivedFrom): parent-plans.md for
        # plans.yaml, the register (data/curation/register.yaml) for facts written by extract/register.py.
        self.compiled = "parent-plans"

    # -- helpers
    def flag(self, subject: URIRef, flag: str, note_en: str, note_zh: str | None = None) -> None:
        self.g.add((subject, SP.flag, node(iris.concept("flag", flag))))
        self.g.add((subject, SP.flagNote, en(" ".join(note_en.split()))))
        if note_zh:
            self.g.add((subject, SP.flagNote, zh(note_zh)))

    def sourced(self, predicate: URIRef, obj, source_ids: list[str], inferred: str | None = None,
                inferred_zh: str | None = None) -> None:
        """Assert a triple about the plan and a reified copy saying where it was read."""
        self.g.add((self.plan, predicate, obj))
        self.statements += 1
        st = node(iris.statement(self.iri, self.statements))
        self.g.add((st, RDF.type, SP.SourcedStatement))
        self.g.add((st, RDF.subject, self.plan))
        self.g.add((st, RDF.predicate, predicate))
        self.g.add((st, RDF.object, obj))
        for ident in source_ids:
            self.g.add((st, DCTERMS.source, source_node(ident, self.sources)))
            if self.sources[ident].get("mirror"):
                self.flag(st, "mirror-source", "Read on a mirror site of doubtful quality.", "来源为质量存疑的镜像网站。")
        if not source_ids or any(self.sources[i].get("url") for i in source_ids):
            self.g.add((st, PROV.wasDerivedFrom, node(iris.source(self.compiled))))
        if inferred:
            self.flag(st, "inferred", inferred, inferred_zh)

    def labelled(self, subject: URIRef, cls: URIRef, title: str) -> None:
        self.g.add((subject, RDF.type, cls))
        self.g.add((subject, RDFS.label, zh(title)))
        self.g.add((subject, DCTERMS.title, zh(title)))
        glossary = {SP.Part: "parts", SP.Section: "sections"}.get(cls)
        if glossary:
            english_label(self.g, subject, self.translations.get(glossary, {}).get(title))

    def excerpt(self, subject: URIRef, prop: URIRef, line_prop: URIRef, ex: Excerpt | None) -> None:
        if ex is not None:
            self.g.add((subject, prop, zh(ex.raw)))  # the seeds are Chinese texts
            self.position(subject, line_prop, ex)

    def position(self, subject: URIRef, line_prop: URIRef, ex: Excerpt) -> None:
        """Where an excerpt is: its line in a text, its sheet and row in a workbook."""
        if ex.line is not None:
            self.g.add((subject, line_prop, Literal(ex.line)))
        if ex.sheet is not None:
            self.g.add((subject, SP.sourceSheet, code(ex.sheet)))
            self.g.add((subject, SP.sourceRowNumber, Literal(ex.row)))

    # -- the plan itself
    def metadata(self) -> None:
        s, g = self.spec, self.g
        self.labelled(self.plan, SP.Plan, s["title"])
        g.add((self.plan, DCTERMS.identifier, code(s["id"])))  # the short id: file, graph, `validate --plan`
        g.add((self.plan, SP.level, node(iris.concept("level", self.jur_level()))))
        g.add((self.plan, ELI.jurisdiction, node(iris.place(self.jur))))
        start, end = s["period"]
        g.add((self.plan, SP.periodStart, Literal(str(start), datatype=XSD.gYear)))
        g.add((self.plan, SP.periodEnd, Literal(str(end), datatype=XSD.gYear)))
        if s.get("number"):
            g.add((self.plan, ELI.id_local, code(s["number"])))
            if "[" in s["number"]:
                self.flag(self.plan, "nonstandard-number",
                          f"The number is printed with square brackets ({s['number']}); the standard form is given as sp:documentNumberNormalized.",
                          f"文号原文使用方括号（{s['number']}），规范形式见 sp:documentNumberNormalized。")
        if s.get("number_normalized"):
            g.add((self.plan, SP.documentNumberNormalized, code(s["number_normalized"])))
        self.agents_and_dates(s, None)
        for fact in s.get("facts", []):
            self.agents_and_dates(fact, fact["sources"])
        for basis in s.get("based_on", []):
            self.sourced(ELI.based_on, node(plan_iri(self.plans[basis["plan"]])), basis.get("sources", []),
                         basis.get("inferred"), basis.get("inferred_zh"))
        if self.source is not None:
            g.add((self.plan, PROV.wasDerivedFrom, self.source))
        else:
            g.add((self.plan, PROV.wasDerivedFrom, node(iris.source("parent-plans"))))
        if s.get("incomplete"):
            self.flag(self.plan, "incomplete", s["incomplete"], s.get("incomplete_zh"))
        for i, b in enumerate(s.get("baselines", []), 1):
            self.quantity(self.plan, SP.hasBaseline, iris.quantity(self.iri, "baseline", i), SP.Baseline, b)
        for i, t in enumerate(s.get("targets", []), 1):
            self.quantity(self.plan, SP.hasTarget, iris.quantity(self.iri, "target", i), SP.Target, t)
        self.english(s)  # last: its statements are numbered after the plan's other sourced statements

    def english(self, s: dict) -> None:
        """The plan's English label (an unofficial translation), where an official title was looked for,
        and English titles others use, each with its page and quote."""
        english_label(self.g, self.plan, s.get("title_en"))
        if s.get("english_note"):
            self.g.add((self.plan, SKOS.editorialNote, en(" ".join(s["english_note"].split()))))
        if s.get("english_note_zh"):
            self.g.add((self.plan, SKOS.editorialNote, zh(" ".join(s["english_note_zh"].split()))))
        for rendering in s.get("english_renderings", []):
            self.g.add((self.plan, SKOS.altLabel, en(rendering["label"])))
            self.statements += 1
            label_statement(self.g, iris.statement(self.iri, self.statements), self.plan, SKOS.altLabel,
                            rendering["label"], rendering, self.sources)

    def jur_level(self) -> str:
        """The level of a GB/T 2260 code: pp0000 province, ppcc00 prefecture, else county."""
        if self.jur == "cn":
            return "national"
        return "provincial" if self.jur.endswith("0000") else "prefectural" if self.jur.endswith("00") else "county"

    def agents_and_dates(self, fact: dict, sources: list[str] | None) -> None:
        """passed_by / issued_by / dates, either stated by the seed itself or with their sources."""
        def put(pred, obj):
            if sources is None:
                self.g.add((self.plan, pred, obj))
            else:
                self.sourced(pred, obj, sources)

        for key, pred in (("passed_by", ELI.passed_by), ("issued_by", SP.issuedBy)):
            if fact.get(key):
                body, _ = self.bodies.resolve(self.jur, fact[key], self.spec["id"])
                put(pred, body)
        for key, pred in (("date_document", ELI.date_document), ("date_issued", SP.dateIssued),
                          ("date_published", SP.datePublished)):
            if fact.get(key):
                put(pred, Literal(fact[key].isoformat(), datatype=XSD.date))

    def quantity(self, owner: URIRef, link: URIRef, path: str, cls: URIRef, q: dict) -> None:
        n = node(path)
        g = self.g
        g.add((owner, link, n))
        g.add((n, RDF.type, cls))
        g.add((n, RDFS.label, text(q["verbatim"])))
        g.add((n, SP.value, Literal(q["value"], datatype=XSD.decimal)))
        g.add((n, SP.unitOfMeasure, code(q["unit"])))
        g.add((n, SP.verbatim, text(q["verbatim"])))
        if q.get("indicator"):
            g.add((n, SP.indicator, node(iris.concept("indicator", q["indicator"]))))
        if q.get("comparator"):
            g.add((n, SP.comparator, node(iris.concept("comparator", q["comparator"]))))
        if q.get("year"):  # a target's deadline; a baseline's year of measurement
            year = SP.measurementYear if cls == SP.Baseline else SP.targetYear
            g.add((n, year, Literal(str(q["year"]), datatype=XSD.gYear)))
        if q.get("period"):
            g.add((n, SP.periodStart, Literal(str(q["period"][0]), datatype=XSD.gYear)))
            g.add((n, SP.periodEnd, Literal(str(q["period"][1]), datatype=XSD.gYear)))
        if q.get("measure"):
            g.add((n, SP.measure, text(q["measure"])))
        for ident in q.get("sources", []):
            g.add((n, DCTERMS.source, source_node(ident, self.sources)))
            if self.sources[ident].get("mirror"):
                self.flag(n, "mirror-source", "Read on a mirror site of doubtful quality.", "来源为质量存疑的镜像网站。")
        if q.get("sources"):
            g.add((n, PROV.wasDerivedFrom, node(iris.source(self.compiled))))
        elif self.source is not None:
            g.add((n, PROV.wasDerivedFrom, self.source))

    # -- structure known only from secondary sources
    def known_parts(self) -> None:
        for p_order, p in enumerate(self.spec.get("known_parts", []), 1):
            part = node(iris.part(self.iri, p["kind"]))
            self.structure_node(self.plan, part, SP.Part, p["title"], None, p_order)
            self.g.add((part, SP.partKind, node(iris.concept("part-kind", p["kind"]))))
            for ident in p.get("sources", []):
                self.g.add((part, DCTERMS.source, source_node(ident, self.sources)))
            for order, sec in enumerate(p["sections"], 1):
                number = sec.get("number")
                s_iri = node(iris.section(str(part)[len(iris.PLACEHOLDER):], number, sec["title"]))
                self.structure_node(part, s_iri, SP.Section, sec["title"], number, order)
                for ident in p.get("sources", []):
                    self.g.add((s_iri, DCTERMS.source, source_node(ident, self.sources)))
                for t_order, title in enumerate(sec.get("tasks", []), 1):
                    t_iri = node(iris.task(str(s_iri)[len(iris.PLACEHOLDER):], None, title))
                    self.structure_node(s_iri, t_iri, SP.TaskPoint, title, None, t_order)
                    self.g.add((t_iri, PROV.wasDerivedFrom, node(iris.source("parent-plans"))))
                    for ident in p.get("sources", []):
                        self.g.add((t_iri, DCTERMS.source, source_node(ident, self.sources)))

    def structure_node(self, parent: URIRef, child: URIRef, cls: URIRef, title: str, number: int | None,
                       order: int) -> None:
        """A part, section or task point: sp:order is its position in its parent, sp:number the printed number."""
        self.labelled(child, cls, title)
        self.g.add((parent, ELI.has_part, child))
        self.g.add((child, ELI.is_part_of, parent))
        self.g.add((child, SP.order, Literal(order)))
        if number is not None:
            self.g.add((child, SP.number, Literal(number)))

    # -- a parsed seed
    def parsed(self, parsed: ParsedPlan) -> None:
        self.parsed_plan = parsed
        for p_order, p in enumerate(parsed.parts, 1):
            part_path = iris.part(self.iri, p.kind)
            part = node(part_path)
            self.structure_node(self.plan, part, SP.Part, p.title, p.number, p_order)
            self.g.add((part, SP.partKind, node(iris.concept("part-kind", p.kind))))
            for s_order, sec in enumerate(p.sections, 1):
                sec_path = iris.section(part_path, sec.number, sec.title)
                s = node(sec_path)
                self.structure_node(part, s, SP.Section, sec.title, sec.number, s_order)
                if sec.text:
                    self.g.add((s, SP.text, zh(sec.text)))
                self.excerpt(s, SP.sourceParagraph, SP.paragraphLine, sec.paragraph)
                if sec.lead is not None or sec.cooperating is not None:
                    self.units(s, sec_path, sec.lead, sec.cooperating, sec.units_excerpt)
                for t_order, t in enumerate(sec.tasks, 1):
                    self.task(s, sec_path, t, t_order)
        for i, target in enumerate(parsed.targets, 1):
            self.quantity(self.plan, SP.hasTarget, iris.quantity(self.iri, "target", i), SP.Target, vars(target))

    def task(self, section: URIRef, sec_path: str, t, order: int) -> None:
        path = iris.task(sec_path, t.number, t.title)
        n = node(path)
        self.structure_node(section, n, SP.TaskPoint, t.title, t.number, order)
        g = self.g
        if t.body_title:
            g.add((n, SP.bodyTitle, zh(t.body_title)))
        if t.text:
            g.add((n, SP.text, zh(t.text)))
        self.excerpt(n, SP.sourceRow, SP.sourceLine, t.row)
        self.excerpt(n, SP.sourceParagraph, SP.paragraphLine, t.paragraph)
        if self.source is not None:  # a parsed plan always has its source text
            g.add((n, PROV.wasDerivedFrom, self.source))
        if t.lead is not None:
            self.units(n, path, t.lead, t.cooperating, None, t)
        for flag, note_en, note_zh in t.flags:
            self.flag(n, flag, note_en, note_zh)
        for i, target in enumerate(t.targets, 1):
            self.quantity(n, SP.hasTarget, iris.quantity(path, "target", i), SP.Target, vars(target))

    def units(self, subject: URIRef, path: str, lead: Units | None, coop: Units | None, clause: Excerpt | None,
              task=None) -> None:
        g = self.g
        if clause is not None:
            g.add((subject, SP.sourceText, zh(clause.raw)))
            self.position(subject, SP.sourceLine, clause)
        for role, units, prop, text_prop in (("lead", lead, SP.leadUnit, SP.leadUnitsText),
                                             ("cooperating", coop, SP.cooperatingUnit, SP.cooperatingUnitsText)):
            if units is None or not units.raw.strip():
                continue
            g.add((subject, text_prop, zh(units.raw)))
            seen: dict[URIRef, str] = {}
            for pos, name in enumerate(units.names, 1):
                body, corrected = self.unit_body(name, path, role)
                g.add((subject, prop, body))
                a = node(iris.assignment(path, role, pos))
                g.add((subject, SP.assignment, a))
                g.add((a, RDF.type, SP.UnitAssignment))
                g.add((a, SP.role, node(iris.concept("role", role))))
                g.add((a, SP.unit, body))
                g.add((a, SP.position, Literal(pos)))
                g.add((a, SP.nameAsWritten, zh(name)))
                if corrected:
                    self.flag(subject, "typo", f"The {role} cell prints {name!r}, a typo of {corrected!r}; the unit is linked to {corrected}.",
                              f"原文“{name}”系“{corrected}”之笔误，已关联至该单位。")
                if body in seen:
                    self.flag(subject, "duplicate-unit", f"The {role} cell lists {name} twice; the data keeps both listings.",
                              f"{'牵头' if role == 'lead' else '配合'}单位中“{name}”重复列出两次，数据照原文保留。")
                seen[body] = name

    def unit_body(self, name: str, holder: str, role: str) -> tuple[URIRef, str | None]:
        """The body a printed name resolves to; a name no declared body has becomes a new, flagged body."""
        found = self.bodies.names.resolve(self.jur, name)
        body = node(found.path)
        if found.new:
            if name not in self.new_bodies:
                g = self.g
                g.add((body, RDF.type, SP.Body))
                g.add((body, RDF.type, ORG.Organization))
                g.add((body, SKOS.prefLabel, zh(name)))
                g.add((body, RDFS.label, zh(name)))
                g.add((body, SP.jurisdiction, node(iris.place(self.jur))))
                if self.source is not None:
                    g.add((body, PROV.wasDerivedFrom, self.source))
                self.flag(body, "unreviewed-body", NEW_BODY_NOTE_EN, NEW_BODY_NOTE_ZH)
            self.new_bodies.setdefault(name, []).append((holder, role))
        return body, found.corrected


def plan_iri(spec: dict) -> str:
    start, end = spec["period"]
    return iris.plan(spec["jurisdiction"], start, end)
