"""Render a validation (sciplan.validate.Validation) for people and for CI systems.

text    grouped plan → section → task point, with the Chinese titles and what to fix
turtle  the SHACL validation report (sh:ValidationReport, sh:conforms following --fail-on)
json    one object per result, with its plan, section and task point
junit   JUnit XML: one <testsuite> per plan in scope plus one for the shared graphs
        (ontology, bodies, jurisdictions, schemes, sources); in each, one <testcase>
        per rule, split into one <testcase> per focus node where the rule has results.
        A result that fails under --fail-on is a <failure>; a warning that does not
        fail is a passing test case whose <system-out> carries the warning.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict

from . import vocab
from .validate import Finding, Rule, Validation

FORMATS = ("text", "turtle", "json", "junit")
SEVERITY_ZH = {"Violation": "违规", "Warning": "警告", "Info": "提示"}
SHARED = "共享数据"


def render(v: Validation, fmt: str, fail_on: str = "violation") -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return {"text": text, "turtle": turtle, "json": to_json, "junit": junit}[fmt](v, fail_on)


PREFIXES = {f"{name}:": ns for name, ns in vocab.COMMON_PREFIXES.items()}


def rel(v: Validation, iri: str | None) -> str:
    """An IRI as the data files write it: relative to the base, or a prefixed name."""
    if iri is None:
        return ""
    if iri.startswith(v.base + "def/"):
        return "sp:" + iri[len(v.base) + 4:]
    if iri.startswith(v.base):
        return iri[len(v.base):]
    if iri.startswith("^"):
        return "^" + rel(v, iri[1:])
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return iri


def summary(v: Validation, fail_on: str) -> str:
    verdict = "未通过" if v.failed(fail_on) else "通过"
    return (f"{verdict}：{v.count('Violation')} 个违规（Violation），{v.count('Warning')} 个警告（Warning）"
            f" — --fail-on {fail_on}")


def where(f: Finding) -> str:
    """The task point, section or plan a finding is about, in Chinese."""
    if f.task:
        number = f"第{f.task_number}项" if f.task_number else ""
        return f"「{f.section_title or '?'}」{number}「{f.task_title}」"
    if f.section:
        return f"「{f.section_title}」"
    return f.plan_title or f.graph or f.focus


# ---------------------------------------------------------------- grouping

def groups(v: Validation) -> list[tuple[str, str, str | None, list[Finding]]]:
    """(id, title, plan IRI or None, findings): every plan in scope, then the shared graphs."""
    by_plan: dict[str | None, list[Finding]] = defaultdict(list)
    for f in v.findings:
        by_plan[f.plan].append(f)
    out: list[tuple[str, str, str | None, list[Finding]]] = [(p.id, p.title, p.iri, by_plan.pop(p.iri, [])) for p in v.plans]
    for plan, findings in sorted(by_plan.items(), key=lambda kv: kv[0] or "~"):
        if plan is not None:  # a plan outside the scope (e.g. a dangling node whose IRI names it)
            out.append((rel(v, plan), findings[0].plan_title or plan, plan, findings))
    if v.whole or None in by_plan:
        out.append(("shared", SHARED, None, by_plan.get(None, [])))
    return out


# ---------------------------------------------------------------- text

def text(v: Validation, fail_on: str) -> bytes:
    lines = [f"sciplan validate：{v.scope}（{v.data_triples} 个三元组，{v.seconds:.2f} 秒，base {v.base}）",
             summary(v, fail_on)]
    if v.fallback:
        lines.append("由 pyshacl 校验的规则（引擎未能编译）：" + "；".join(f"{r}（{why}）" for r, why in sorted(v.fallback.items())))
    lines.append("")
    for _, title, plan, findings in groups(v):
        if not findings:
            continue
        lines.append(f"■ {title}  {rel(v, plan) or '（本体、单位、行政区划、方案、来源等非规划图）'}")
        section = task = object()
        for f in findings:
            if f.section != section:
                section, task = f.section, object()
                if f.section:
                    lines.append(f"  「{f.section_title}」  {rel(v, f.section)}")
                elif f.plan:
                    lines.append("  规划本身")
            if f.task != task:
                task = f.task
                if f.task:
                    number = f"第{f.task_number}项" if f.task_number else "要点"
                    lines.append(f"    {number}「{f.task_title}」  {rel(v, f.task)}")
            lines += finding_lines(v, f, "      " if f.task else "    ")
        lines.append("")
    if not v.findings:
        lines.append("没有发现问题。")
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def finding_lines(v: Validation, f: Finding, indent: str) -> list[str]:
    lines = [f"{indent}[{SEVERITY_ZH.get(f.severity, f.severity)}] {f.rule.label}（{f.rule.id}）",
             f"{indent}  {f.message}"]
    detail = []
    if f.focus not in (f.task, f.section, f.plan):
        detail.append(f"对象 {rel(v, f.focus)}")
    if f.path:
        detail.append(f"属性 {rel(v, f.path)}")
    if f.value is not None and f.value != f.focus:
        detail.append(f"值 {rel(v, f.value)}")
    if f.graph and f.plan is None:
        detail.append(f"图 {rel(v, f.graph)}")
    if detail:
        lines.append(f"{indent}  " + "；".join(detail))
    if f.rule.fix:
        lines.append(f"{indent}  修改：{f.rule.fix}")
    return lines


# ---------------------------------------------------------------- turtle and json

def turtle(v: Validation, fail_on: str) -> bytes:
    return v.report_graph(fail_on).serialize(format="turtle").encode("utf-8")


def to_json(v: Validation, fail_on: str) -> bytes:
    doc = {
        "tool": "sciplan validate",
        "base": v.base,
        "scope": v.scope,
        "failOn": fail_on,
        "conforms": not v.failed(fail_on),
        "counts": {"violations": v.count("Violation"), "warnings": v.count("Warning"), "infos": v.count("Info")},
        "seconds": round(v.seconds, 3),
        "engine": v.engine,
        "pyshaclShapes": sorted(v.fallback),
        "plans": [{"iri": p.iri, "id": p.id, "title": p.title} for p in v.plans],
        "results": [finding_json(f) for f in v.findings],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def finding_json(f: Finding) -> dict:
    def ref(iri, title, **more):
        return {"iri": iri, "title": title, **more} if iri else None

    return {
        "severity": f.severity,
        "rule": f.rule.id,
        "ruleLabel": f.rule.label,
        "ruleLabelEn": f.rule.label_en,
        "message": f.message,
        "fix": f.rule.fix,
        "focusNode": f.focus,
        "resultPath": f.path,
        "value": f.value,
        "sourceShape": f.rule.iri,
        "constraintComponent": f.component,
        "graph": f.graph,
        "plan": ref(f.plan, f.plan_title),
        "section": ref(f.section, f.section_title),
        "task": ref(f.task, f.task_title, number=f.task_number),
    }


# ---------------------------------------------------------------- junit

def junit(v: Validation, fail_on: str) -> bytes:
    failing = set(map(id, v.failing(fail_on)))
    root = ET.Element("testsuites", name="sciplan validate")
    total = failed = 0
    for group_id, title, _plan, findings in groups(v):
        suite = ET.SubElement(root, "testsuite", name=f"{title} ({group_id})")
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            by_rule[f.rule.id].append(f)
        tests = failures = 0
        for rule in rules_with_extras(v.rules, findings):
            cases = by_focus(by_rule.get(rule.id, []))
            if not cases:
                ET.SubElement(suite, "testcase", classname=f"sciplan.{group_id}", name=case_name(rule), time="0")
                tests += 1
                continue
            for focus_findings in cases:
                tests += 1
                failures += test_case(v, suite, group_id, rule, focus_findings, failing)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total, failed = total + tests, failed + failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    root.set("time", f"{v.seconds:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def rules_with_extras(rules: list[Rule], findings: list[Finding]) -> list[Rule]:
    known = {r.id for r in rules}
    extras = {f.rule.id: f.rule for f in findings if f.rule.id not in known}
    return rules + sorted(extras.values(), key=lambda r: r.id)


def by_focus(findings: list[Finding]) -> list[list[Finding]]:
    cases: dict[str, list[Finding]] = {}
    for f in findings:
        cases.setdefault(f.focus, []).append(f)
    return list(cases.values())


def case_name(rule: Rule, f: Finding | None = None, v: Validation | None = None) -> str:
    name = f"{rule.label}（{rule.id}）"
    if f is None or v is None:
        return name
    target = where(f)
    if f.focus not in (f.task, f.section, f.plan):
        target += f" {rel(v, f.focus)}"
    return f"{name}：{target}"


def test_case(v: Validation, suite, group_id: str, rule: Rule, findings: list[Finding], failing: set) -> int:
    first = findings[0]
    classname = f"sciplan.{group_id}" + (f".{first.section_title}" if first.section_title else "")
    case = ET.SubElement(suite, "testcase", classname=classname, name=case_name(rule, first, v), time="0")
    details = "\n".join(junit_details(v, f) for f in findings)
    if any(id(f) in failing for f in findings):
        worst = "Violation" if any(f.severity == "Violation" for f in findings) else findings[0].severity
        failure = ET.SubElement(case, "failure", type=worst, message=" ".join(f.message for f in findings))
        failure.text = details
        return 1
    ET.SubElement(case, "system-out").text = details
    return 0


def junit_details(v: Validation, f: Finding) -> str:
    parts = [f"[{f.severity}] {f.message}", f"规划：{f.plan_title or '—'}  {rel(v, f.plan)}"]
    if f.section:
        parts.append(f"行动/工程：{f.section_title}  {rel(v, f.section)}")
    if f.task:
        parts.append(f"要点：第{f.task_number or '?'}项 {f.task_title}  {rel(v, f.task)}")
    parts.append(f"对象：{rel(v, f.focus)}" + (f"  属性：{rel(v, f.path)}" if f.path else "")
                 + (f"  值：{rel(v, f.value)}" if f.value is not None and f.value != f.focus else ""))
    if f.rule.fix:
        parts.append(f"修改：{f.rule.fix}")
    return "\n".join(parts)
