"""The IRI patterns of the graph, relative to the configured base.

    plan/{jurisdiction}/{start}-{end}                       a plan
    plan/…/part/{kind}                                      its part (actions, projects, …)
    plan/…/part/{kind}/section/{n | title}                  a section; its number, or its title if unnumbered
    plan/…/section/{n}/point/{n | title}                    a task point (要点)
    plan/…/point/{n}/lead/{i}, …/cooperating/{i}            the i-th printed unit of a cell
    plan/…/target/{i}, plan/…/baseline/{i}                  numeric targets and baselines
    plan/…/statement/{i}                                    a sourced statement about the plan
    org/{jurisdiction}/{name as written}                    a body of a jurisdiction
    place/{GB/T 2260 code | cn}                             a jurisdiction
    scheme/{scheme}, scheme/{scheme}/{concept}              concept schemes and their concepts
    source/{id}                                             a source text kept in data/sources/
    def/{Term}                                              ontology terms
    graph/{file path}                                       the named graph of a data file

{jurisdiction} is the six-digit GB/T 2260 code, or `cn` for the national level.
"""

from __future__ import annotations

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
