"""江门市 2016–2020 (seed 001): web page text of 江府办〔2017〕9号.

Tasks sit under 三、重点任务 in ten sections; each section closes with one
parenthesis naming its lead and cooperating units, which therefore belong to
the section, not to each task. Numeric targets are read from the task
paragraphs and from the plan's overall goals.
"""

from __future__ import annotations

import re

from .body import blocks, find_line, strip_number
from .model import ParsedPlan, Target, Units
from .table import Heading, Row, Table, assemble
from .text import first_sentence, split_units, squeeze, without_stop

NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万人次|人次|场次|所|个|%|元|G|M)")
CLAUSE_SPLIT = re.compile(r"[,，;；]")
SOURCE = "001_04ac0dd97a26a9d2.txt"


def parse(text: str, curation: dict) -> ParsedPlan:
    return assemble(read(text), curation)


def read(text: str, source: str = SOURCE) -> Table:
    """One row per task paragraph; the units clause closing a section is the section's."""
    lines = text.split("\n")
    first, last = find_line(lines, r"^\s*三、重点任务"), find_line(lines, r"^\s*四、组织实施")
    part = Heading(3, "重点任务", kind="key-tasks")
    section: Heading | None = None
    rows: list[Row] = []
    for block in blocks(lines, first, last):
        if block.kind == "section":
            section = Heading(block.numbered, without_stop(block.lines[0]))
        elif block.kind in ("task", "units"):
            if section is None:
                raise ValueError(f"line {block.start}: a {block.kind} paragraph before the first section")
            if block.kind == "task":
                body = strip_number(block.text)
                rows.append(Row(part, section, block.numbered, first_sentence(body), None, None, None,
                                text=body, paragraph=block.excerpt, targets=targets_in(body)))
            else:
                section.lead, section.cooperating = units_clause(block.lines[0])
                section.units_at = block.excerpt
    return Table(source, rows, targets=plan_targets(lines))


def units_clause(line: str) -> tuple[Units, Units]:
    """(市教育局、团市委、市科协牵头,市委宣传部、…等单位配合。) → lead, cooperating."""
    inner = squeeze(line).strip("()（）")
    lead_raw, _, coop_raw = inner.partition("牵头")
    coop_raw = coop_raw.lstrip(",，")
    coop_names = coop_raw.removesuffix("。").removesuffix("等单位配合")
    return Units(lead_raw, split_units(lead_raw)), Units(coop_raw, split_units(coop_names))


def sentences(text: str) -> list[str]:
    return [s + "。" for s in text.split("。") if s.strip()]


def deadline(sentence: str) -> dict:
    if m := re.search(r"到(\d{4})年", sentence):
        return {"year": int(m.group(1))}
    if "十三五" in sentence and "末期" in sentence:  # 至“十三五”末期: by the end of 2020
        return {"year": 2020}
    if "十三五" in sentence:
        return {"period": (2016, 2020)}
    return {}


def comparator(sentence: str, start: int, end: int) -> str | None:
    before, after = sentence[max(0, start - 3):start], sentence[end:end + 2]
    if after.startswith("以上") or before.endswith("不低于"):
        return "at-least"
    if before.endswith("超过"):
        return "more-than"
    if before.endswith("达到"):
        return "reach"
    return None


def targets_in(text: str) -> list[Target]:
    """Every number with a unit of measure in the paragraph, one Target each."""
    found = []
    for sentence in sentences(text):
        when = deadline(sentence)
        for m in NUMBER.finditer(sentence):
            clause = next(c for c in _clauses(sentence) if m.group(0) in c)
            if len(NUMBER.findall(clause)) > 1:  # 基地3个、省级…5个: one number per list item
                clause = next(c for c in clause.split("、") if m.group(0) in c)
            found.append(Target(
                value=m.group(1), unit=m.group(2), comparator=comparator(sentence, m.start(), m.end()),
                measure=clause, verbatim=sentence, **when,
            ))
    return found


def _clauses(sentence: str) -> list[str]:
    return [c.strip().rstrip("。") for c in CLAUSE_SPLIT.split(sentence) if c.strip()]


def plan_targets(lines: list[str]) -> list[Target]:
    """The two overall goals: the literacy rate and the per-capita funding, read from their sentences."""
    found = []
    for needle, indicator in (("公民具备科学素质的比例达到", "literacy-rate"), ("人均科普经费", "per-capita-funding")):
        sentence = next(s for s in sentences(squeeze(_line_with(lines, needle))) if needle in s)
        for target in targets_in(sentence):
            target.indicator = indicator
            found.append(target)
    return found


def _line_with(lines: list[str], needle: str) -> str:
    return next(line for line in lines if needle in line)
