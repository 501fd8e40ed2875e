"""The vocabulary's reference documentation: one HTML page, made from the ontology graphs of a store.

`sciplan build` writes it beside the store (<build>/published/def/index.html, sciplan/publish.py)
and the server answers /def/ with it for browsers (server/reference.py); for a store without it (a
remote store, `--no-publish`) the server makes the same page from the store once per version.

What the page holds, each read from the graph rather than written twice:
- every term of ours (ontology/*.ttl under <base>def/), grouped as GROUPS says: its zh and en labels
  and definitions, the ELI/ORG/PROV/SKOS/DCTERMS term it specializes, domain and range, the literal
  form (sciplan/literals.py) with the idiom to match it, two values from the graph, and its example
  query (skos:example, ontology/examples.ttl) with a link that runs it on the query page;
- the reused terms the graph gives a meaning (skos:scopeNote in ontology/reused.ttl), likewise;
- every concept scheme with its concepts in order (sp:order), their codes, labels and definitions;
- the IRI patterns (sciplan/iris.py DOCUMENTED) and the named queries of queries/ with the terms
  each uses.

Why not pyLODE (measured on pyLODE 3.4.1, the version on the package index here): the installed wheel
fails on import (pylode/version.py reads a pyproject.toml the wheel does not ship, RDFLib/pyLODE#260);
with that patched, its OntPub profile runs the zh and en labels together ("Task point要点") and mixes
languages between a term and its domain, lists no SKOS concepts (VocPub is a separate document per
scheme), and has no place for IRI patterns, runnable example queries or sample values. Those are what
researchers needed, so the page is made here from the graph with a Jinja2 template.

Cost: a handful of queries over the ontology graphs (named in FROM), one `LIMIT 2` sample per
property and one count per class; no query scans the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
import pyoxigraph as ox

from . import iris, literals, vocab
from .config import Settings
from .errors import file_errors

DIRECTORY = "def"          # below a build's published/ directory
INDEX = "index.html"
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
NO_ROW = "(no row in the shipped graph"  # the mark of an example for a term the shipped data does not use
SCHEME_LISTING = 60        # members of a scheme listed on the page (the jurisdictions of a national graph: thousands)

# The sections of the reference: our terms by what they describe. A term of ours not listed here is
# still documented, in the last section (OTHER), so a new term is never left out.
GROUPS = [
    ("plans", "规划及其元数据", "Plans and their metadata",
     ["Plan", "issuedBy", "dateIssued", "datePublished", "documentNumberNormalized", "periodStart", "periodEnd", "level",
      "citedBasis"]),
    ("structure", "结构：部分、行动/工程、要点", "Structure: parts, sections, task points",
     ["Part", "Section", "TaskPoint", "partKind", "number", "order", "bodyTitle", "text"]),
    ("division-of-work", "分工：牵头与配合单位", "Division of work: lead and cooperating units",
     ["UnitAssignment", "leadUnit", "cooperatingUnit", "leadUnitsText", "cooperatingUnitsText", "assignment", "role", "unit",
      "position", "nameAsWritten"]),
    ("bodies", "单位与行政区划", "Bodies and jurisdictions", ["Body", "Jurisdiction", "jurisdiction", "gbCode", "englishLabelStatus"]),
    ("targets", "目标与基线值", "Targets and baselines",
     ["Target", "Baseline", "hasTarget", "hasBaseline", "indicator", "measure", "value", "unitOfMeasure", "comparator", "targetYear",
      "measurementYear", "verbatim"]),
    ("provenance", "出处与数据质量", "Provenance and data quality",
     ["SourceDocument", "SourcedStatement", "sourceText", "sourceRow", "sourceParagraph", "sourceLine", "sourceSheet",
      "sourceRowNumber", "paragraphLine", "sha256", "sourceKind", "flag", "flagNote"]),
    ("alignment", "跨规划：派生与对应", "Across plans: derivation and alignment",
     ["AlignmentProposal", "CuratedLink", "matchMethod", "score", "titleCharScore", "titleWordScore", "textScore", "decision", "reason"]),
    ("derived", "派生捷径（派生图）", "Derived shortcuts (the derived graph, <base>graph/derived)",
     ["inPlan", "jurisdictionCode", "effectiveLeadUnit", "derivesFrom", "sectionNumber", "taskPointCount", "LeadTally", "FunctionTally",
      "tallyPlan", "tallyUnit", "tallyFunction", "tallyUnitName", "tallyUnitFunction", "tallyUnitFunctions", "tallyPosition"]),
]
OTHER = ("other", "其他术语（含派生捷径）", "Other terms (derived shortcuts and terms added since)")

KINDS = {vocab.OWL + "Class": "class", vocab.OWL + "ObjectProperty": "object property",
         vocab.OWL + "DatatypeProperty": "datatype property", vocab.RDF + "Property": "property",
         vocab.RDFS + "Class": "class", vocab.OWL + "AnnotationProperty": "annotation property"}
KIND_ZH = {"class": "类", "object property": "对象属性", "datatype property": "数据属性", "property": "属性",
           "annotation property": "注释属性"}
FIELDS = {
    vocab.RDFS_LABEL: "label", vocab.SKOS + "definition": "definition", vocab.SKOS + "scopeNote": "scope",
    vocab.RDFS + "subClassOf": "super", vocab.RDFS + "subPropertyOf": "super", vocab.RDFS + "domain": "domain",
    vocab.RDFS + "range": "range", vocab.SKOS + "example": "example", vocab.RDFS + "isDefinedBy": "defined_by",
    vocab.RDF_TYPE: "type",
}


@dataclass
class Link:
    """A term or resource as the page links it: short name, label, where it goes."""
    iri: str
    short: str
    href: str
    label: str = ""


@dataclass
class Example:
    question_en: str
    question_zh: str
    query: str            # with the PREFIX lines it needs
    run: str              # the query page with the query filled in
    expect_rows: bool     # False for a term the shipped data does not use


@dataclass
class Term:
    iri: str
    name: str             # local name (the anchor)
    short: str            # sp:leadUnit, eli:based_on
    kind: str
    label: dict[str, str] = field(default_factory=dict)
    definition: dict[str, str] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)
    supers: list[Link] = field(default_factory=list)
    domain: list[Link] = field(default_factory=list)
    range: list[Link] = field(default_factory=list)
    form: str | None = None      # text, code, an XSD datatype IRI (literals.form), None for object properties
    idiom: str = ""
    samples: list[Link] = field(default_factory=list)  # values in the graph, as SPARQL writes them (short: the text)
    count: int | None = None     # instances of a class
    example: Example | None = None
    page: str = ""               # the term's own page on this server (usage in the graph)
    domain_of: list[Link] = field(default_factory=list)
    range_of: list[Link] = field(default_factory=list)


@dataclass
class Concept:
    link: Link
    notation: str
    label: dict[str, str]
    definition: dict[str, str]


@dataclass
class Scheme:
    link: Link
    name: str
    label: dict[str, str]
    definition: dict[str, str]
    concepts: list[Concept]
    total: int


@dataclass
class Query:
    name: str
    title: str
    run: str
    terms: list[Link]


@dataclass
class Reference:
    base: str
    namespace: str
    title: dict[str, str]
    definition: dict[str, str]
    version: str
    groups: list[tuple[str, str, str, list[Term]]]
    reused: list[Term]
    schemes: list[Scheme]
    patterns: list[tuple[iris.Documented, str]]
    queries: list[Query]
    declared: list[Link]         # reused terms declared without a note

    def terms(self) -> list[Term]:
        return [t for _, _, _, terms in self.groups for t in terms] + self.reused


# ---------------------------------------------------------------- reading the graph

class Reader:
    def __init__(self, store, settings: Settings):
        self.store, self.settings = store, settings
        self.base = settings.base
        self.ns = vocab.sp(self.base)
        self.prefixes = sorted(vocab.prefixes(self.base).items(), key=lambda kv: -len(kv[1]))

    def solutions(self, query: str):
        return vocab.solutions(self.store, vocab.prologue(self.base) + query, use_default_graph_as_union=True)

    def short(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri[len(self.base):] if iri.startswith(self.base) else iri

    def href(self, iri: str) -> str:
        """A link from /def/: our own terms to their anchor, other IRIs under the base to their page."""
        if iri.startswith(self.ns) and "/" not in iri[len(self.ns):] and iri != self.ns:
            return "#" + iri[len(self.ns):]
        if iri.startswith(self.base):
            return "../" + quote(iri[len(self.base):], safe=PATH_SAFE)
        return iri

    def page(self, iri: str) -> str:
        return "../" + quote(iri[len(self.base):], safe=PATH_SAFE) if iri.startswith(self.base) else iri

    def link(self, iri: str, label: str = "") -> Link:
        return Link(iri, self.short(iri), self.href(iri), label)

    def ontology_graphs(self) -> list[str]:
        prefix = self.base + iris.graph("ontology/")
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(prefix))

    def term_triples(self, graphs: list[str]) -> dict[str, dict[str, list]]:
        """subject → field → objects, for the fields of FIELDS, from the ontology graphs only."""
        froms = " ".join(f"FROM <{g}>" for g in graphs)
        values = " ".join(f"<{p}>" for p in FIELDS)
        query = f"SELECT ?s ?p ?o {froms} WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o FILTER(isIRI(?s)) }}"
        found: dict[str, dict[str, list]] = {}
        for row in vocab.solutions(self.store, vocab.prologue(self.base) + query):
            found.setdefault(row["s"].value, {}).setdefault(FIELDS[row["p"].value], []).append(row["o"])
        return found

    def ontology_header(self, graphs: list[str]) -> tuple[dict[str, str], dict[str, str], str]:
        froms = " ".join(f"FROM <{g}>" for g in graphs)
        rows = list(vocab.solutions(self.store, vocab.prologue(self.base) + f"""
            SELECT ?p ?o {froms} WHERE {{ <{self.ns}> ?p ?o }}"""))
        label = languages(r["o"] for r in rows if r["p"].value == vocab.RDFS_LABEL)
        definition = languages(r["o"] for r in rows if r["p"].value == vocab.SKOS + "definition")
        version = next((r["o"].value for r in rows if r["p"].value == vocab.OWL + "versionInfo"), "")
        return label, definition, version

    def samples(self, prop: str) -> list[Link]:
        """Two values of a property in the graph, written as in SPARQL (the literal's tag or type shows);
        resources link to their page."""
        rows = self.solutions(f"SELECT DISTINCT ?o WHERE {{ ?s <{prop}> ?o }} LIMIT 2")
        return [Link(r["o"].value, self.sparql_term(r["o"]), self.page(r["o"].value) if isinstance(r["o"], ox.NamedNode) else "")
                for r in rows]

    def sparql_term(self, term) -> str:
        if isinstance(term, ox.NamedNode):
            return f"<{term.value}>" if not self.short(term.value).count(":") else self.short(term.value)
        if isinstance(term, ox.Literal):
            text = term.value if len(term.value) <= 60 else term.value[:57] + "…"
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
            if term.language:
                return f"{text}@{term.language}"
            if term.datatype.value in (vocab.XSD_STRING,):
                return text
            if term.datatype.value in (vocab.XSD_INTEGER, vocab.XSD + "decimal"):
                return term.value
            return f"{text}^^{self.short(term.datatype.value)}"
        return str(term)

    def count(self, cls: str) -> int:
        rows = list(self.solutions(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{cls}> }}"))
        return int(rows[0]["n"].value) if rows else 0

    def run_link(self, query: str) -> str:
        return "../?" + urlencode({"query": query})

    def example(self, text: str) -> Example:
        lines = text.strip("\n").splitlines()
        questions = [ln.lstrip("# ").strip() for ln in lines[:2] if ln.startswith("#")]
        query = needed_prologue(text, self.base) + text.strip("\n")
        return Example(questions[0] if questions else "", questions[1] if len(questions) > 1 else "", query,
                       self.run_link(query), NO_ROW not in text)


def languages(terms) -> dict[str, str]:
    """lang → text of tagged literals (zh, en); the first of each language."""
    found: dict[str, str] = {}
    for t in terms:
        if isinstance(t, ox.Literal) and t.language:
            found.setdefault(t.language.split("-")[0].lower(), t.value)
    return found


def needed_prologue(query: str, base: str) -> str:
    """The PREFIX lines of the prefix table that a query uses (so examples stay short)."""
    used = set(re.findall(r"(?<![\w?$:])([a-z][\w-]*):", re.sub(r"<[^>]*>|\"[^\"]*\"|#[^\n]*", "", query)))
    return "".join(f"PREFIX {name}: <{ns}>\n" for name, ns in vocab.prefixes(base).items() if name in used)


IDIOMS = {
    literals.TEXT_FORM: 'text with a language tag: write "…"@zh (or "…"@en), or FILTER(STR(?x) = "…") to ignore the tag',
    literals.CODE_FORM: 'a code: a plain string, write "…" without a tag',
}
IDIOMS_ZH = {literals.TEXT_FORM: '带语言标签的文本：写 "…"@zh（或 "…"@en），不确定时用 FILTER(STR(?x) = "…")',
             literals.CODE_FORM: '代码：不带语言标签的字符串，写 "…"'}


def idiom(form: str | None, short: str) -> tuple[str, str]:
    if form in IDIOMS:
        return IDIOMS[form], IDIOMS_ZH[form]
    if form:
        return f'typed {short}: write "…"^^{short} or a number', f'带类型 {short}：写 "…"^^{short} 或数字'
    return "", ""


def collect(store, settings: Settings) -> Reference:
    """Everything the page shows, read from the store."""
    r = Reader(store, settings)
    graphs = r.ontology_graphs()
    triples = r.term_triples(graphs)
    ranges = {s: f["range"][0].value for s, f in triples.items() if f.get("range")}

    def term(iri: str, fields: dict[str, list]) -> Term:
        kinds = [KINDS[t.value] for t in fields.get("type", []) if t.value in KINDS]
        kind = next((k for k in ("class", "object property", "datatype property", "annotation property", "property") if k in kinds), "property")
        t = Term(iri=iri, name=iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1], short=r.short(iri), kind=kind,
                 label=languages(fields.get("label", [])), definition=languages(fields.get("definition", [])),
                 scope=languages(fields.get("scope", [])),
                 supers=[r.link(o.value) for o in fields.get("super", []) if isinstance(o, ox.NamedNode)],
                 domain=[r.link(o.value) for o in fields.get("domain", []) if isinstance(o, ox.NamedNode)],
                 range=[r.link(o.value) for o in fields.get("range", []) if isinstance(o, ox.NamedNode)],
                 page=r.page(iri))
        if kind != "class":
            t.form = literals.form(iri, ranges)
            t.idiom = " / ".join(x for x in idiom(t.form, r.short(t.form) if t.form and t.form.startswith("http") else "") if x)
            t.samples = r.samples(iri)
        else:
            t.count = r.count(iri)
        examples = [o.value for o in fields.get("example", []) if isinstance(o, ox.Literal)]
        if examples:
            t.example = r.example(examples[0])
        return t

    own = {s: term(s, f) for s, f in triples.items() if s.startswith(r.ns) and s != r.ns and "type" in f
           and any(t.value in KINDS for t in f["type"])}
    for t in own.values():  # classes: the properties that start or end at them
        for other in own.values():
            if any(d.iri == t.iri for d in other.domain):
                t.domain_of.append(r.link(other.iri, other.label.get("en", "")))
            if any(d.iri == t.iri for d in other.range):
                t.range_of.append(r.link(other.iri, other.label.get("en", "")))
    placed: set[str] = set()
    groups = []
    for key, zh, en, names in GROUPS:
        members = [own[r.ns + n] for n in names if r.ns + n in own]
        placed |= {m.iri for m in members}
        groups.append((key, zh, en, members))
    rest = sorted((t for iri, t in own.items() if iri not in placed), key=lambda t: (t.kind != "class", t.name))
    if rest:
        groups.append((*OTHER, rest))
    reused = sorted((term(s, f) for s, f in triples.items() if not s.startswith(r.ns) and f.get("scope")),
                    key=lambda t: t.short)
    declared = sorted((r.link(s) for s, f in triples.items() if not s.startswith(r.ns) and not f.get("scope")
                       and f.get("defined_by")), key=lambda link: link.short)
    label, definition, version = r.ontology_header(graphs)
    return Reference(
        base=r.base, namespace=r.ns, title=label, definition=definition, version=version, groups=groups, reused=reused,
        schemes=schemes(r), patterns=[(d, r.page(r.base + d.example)) for d in iris.DOCUMENTED],
        queries=named_queries(r, settings, {t.short for t in own.values()} | {t.short for t in reused}),
        declared=declared,
    )


def schemes(r: Reader) -> list[Scheme]:
    rows = r.solutions("""
        SELECT ?scheme ?p ?o WHERE {
          ?scheme a skos:ConceptScheme ; ?p ?o .
          VALUES ?p { skos:prefLabel rdfs:label skos:definition }
        }""")
    found: dict[str, dict[str, list]] = {}
    for row in rows:
        found.setdefault(row["scheme"].value, {}).setdefault(row["p"].value, []).append(row["o"])
    out = []
    for iri, fields in sorted(found.items()):
        members = list(r.solutions(f"""
            SELECT ?c ?notation ?order ?p ?o WHERE {{
              ?c skos:inScheme <{iri}> .
              OPTIONAL {{ ?c skos:notation ?notation }} OPTIONAL {{ ?c sp:order ?order }}
              OPTIONAL {{ VALUES ?p {{ skos:prefLabel skos:definition }} ?c ?p ?o }}
            }}"""))
        concepts: dict[str, dict] = {}
        for row in members:
            c = concepts.setdefault(row["c"].value, {"notation": "", "order": None, "label": [], "definition": []})
            if row["notation"] is not None:
                c["notation"] = row["notation"].value
            if row["order"] is not None:
                c["order"] = int(row["order"].value)
            if row["p"] is not None:
                c["label" if row["p"].value == vocab.SKOS_PREF_LABEL else "definition"].append(row["o"])
        ordered = sorted(concepts.items(), key=lambda kv: (kv[1]["order"] is None, kv[1]["order"] or 0, kv[1]["notation"], kv[0]))
        out.append(Scheme(
            link=Link(iri, r.short(iri), r.page(iri)), name=iri.rstrip("/").rsplit("/", 1)[-1],
            label=languages(fields.get(vocab.SKOS_PREF_LABEL, []) + fields.get(vocab.RDFS_LABEL, [])),
            definition=languages(fields.get(vocab.SKOS + "definition", [])),
            concepts=[Concept(Link(c, r.short(c), r.page(c)), v["notation"], languages(v["label"]), languages(v["definition"]))
                      for c, v in ordered[:SCHEME_LISTING]],
            total=len(ordered),
        ))
    return out


def named_queries(r: Reader, settings: Settings, documented: set[str]) -> list[Query]:
    """queries/*.rq: title, a link that runs it, and the documented terms it uses."""
    out = []
    for path in sorted(Path(settings.queries_dir).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        body = re.sub(r"#[^\n]*", "", text)
        used = []
        for name in re.findall(r"(?<![\w?$])((?:sp|eli|org|prov|skos|dcterms|rdfs|rdf|owl):[A-Za-z_]\w*)", body):
            if name in documented and name not in used:
                used.append(name)
        terms = [Link(n, n, "#" + anchor(n)) for n in used]
        title = next((m.group(1).strip() for m in re.finditer(r"(?m)^#\s*title:(.*)$", text)), path.stem)
        out.append(Query(path.stem, title, r.run_link(text), terms))
    return out


def anchor(short: str) -> str:
    """The page anchor of a term: our own by local name (#leadUnit), a reused one by its short name (#eli-based_on)."""
    prefix, _, name = short.partition(":")
    return name if prefix == "sp" else f"{prefix}-{name}"


# ---------------------------------------------------------------- the page

def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("sciplan", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["anchor"] = anchor
    return env


def render(ref: Reference) -> str:
    return environment().get_template("reference.html").render(ref=ref, kind_zh=KIND_ZH, literal_rules=LITERAL_RULES)


# The convention as the page states it (sciplan/literals.py is the rule itself).
LITERAL_RULES = [
    ("文本 Text", "名称、标题、标签、原文单位名称与单元格、原文摘录、说明、定义",
     "names, titles, labels, printed names and cells, verbatim excerpts, notes, definitions",
     '?b skos:prefLabel "区科协"@zh', "a language tag: @zh, or @en for English labels"),
    ("代码 Code", "文号、GB/T 2260 代码、概念代码、简短标识、摘要、文件路径、媒体类型、工作表名、计量单位",
     "document numbers, GB/T 2260 codes, notations, short ids, digests, file paths, media types, sheet names, units of measure",
     '?p eli:id_local "穗南府[2022]7号"', "a plain string, no tag"),
    ("带类型 Typed", "序号、位置、数值、年份、日期", "numbers, positions, values, years, dates",
     '?t sp:targetYear "2025"^^xsd:gYear', "an XSD datatype; numbers may be written bare (sp:order 3)"),
]


def page(store, settings: Settings) -> str:
    return render(collect(store, settings))


def write(directory: Path, store, settings: Settings) -> Path:
    """Write the page into `directory` (a build's published/def/); returns its path."""
    path = Path(directory) / INDEX
    with file_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(store, settings), encoding="utf-8")
    return path


def published(directory: Path) -> bytes | None:
    """The page a build published into `directory` (its published/ folder), if it did."""
    path = Path(directory) / DIRECTORY / INDEX
    return path.read_bytes() if path.is_file() else None
