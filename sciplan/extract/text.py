"""Text clean-up shared by the seed parsers.

The seeds are PDF or web extractions: line breaks and spaces fall inside
words, and page numbers sit inside paragraphs. These helpers undo exactly
that and nothing else, so every cleaned string is still the source text
with whitespace removed.
"""

from __future__ import annotations

import re

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

# Page furniture of the 南沙 PDF: "— 7 —", "— 5 **—**".
PAGE_MARK = re.compile(r"^\s*—\s*\d+\s*\**—\**\s*$")
# A space between two non-ASCII characters is an extraction artefact.
INNER_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
PART_HEAD = re.compile(r"^\s*([一二三四五六七八九十]+)、\s*(.+?)\s*$")
SECTION_HEAD = re.compile(r"^\s*[(（]([一二三四五六七八九十]+)[)）]\s*(.+?)\s*$")
TASK_HEAD = re.compile(r"^\s*(?:-\s*)?(\d+)\.\s*(.*)$")


def cn_number(numeral: str) -> int:
    """一..十, 十一.. as an integer."""
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + CN_DIGITS[numeral[1]]
    if numeral.endswith("十"):
        return CN_DIGITS[numeral[0]] * 10
    if "十" in numeral:
        tens, ones = numeral.split("十")
        return CN_DIGITS[tens] * 10 + CN_DIGITS[ones]
    return CN_DIGITS[numeral]


def squeeze(text: str) -> str:
    """Remove extraction whitespace: inside CJK runs, and at both ends."""
    return INNER_SPACE.sub("", text).strip()


def join_lines(lines: list[str]) -> str:
    """A paragraph broken over lines and pages, read as one string."""
    kept = [line.strip() for line in lines if line.strip() and not PAGE_MARK.match(line)]
    return squeeze("".join(kept))


def strip_bullet(text: str) -> str:
    return re.sub(r"^\s*-\s*", "", text)


def first_sentence(text: str) -> str:
    """The title of a task point: its text up to the first full stop."""
    head, _, _ = text.partition("。")
    return head.strip()


def without_stop(text: str) -> str:
    return text.rstrip("。").strip()


# Between two names of a unit cell: 、 ， , ； ; or a line break (a workbook's multi-line cell).
UNIT_SEPARATOR = re.compile(r"[、，,；;\n]")


def split_units(cell: str) -> list[str]:
    """Names of a unit cell, each as printed less the extraction's whitespace.

    The cell is split before it is squeezed: a line break separates two names, while a
    space inside a name (区 妇联, a PDF artefact) is removed from the name."""
    return [name for name in (squeeze(n) for n in UNIT_SEPARATOR.split(cell)) if name]


# A printed number before a title: 1. 1． 1、 (1) （1） (一) （一） 一、  — `1.5万` is no number.
NUMBERED = re.compile(
    r"^\s*(?:[(（]\s*(?P<paren>[一二三四五六七八九十]+|\d+)\s*[)）]"
    r"|(?P<cn>[一二三四五六七八九十]+)\s*、"
    r"|(?P<arabic>\d+)\s*(?:[.．](?!\d)|、))\s*(?P<rest>.*)$", re.S)


def numbered(text: str) -> tuple[int | None, str]:
    """(the printed number, the text after it); (None, text) when none is printed."""
    m = NUMBERED.match(text)
    if not m:
        return None, text.strip()
    digits = m.group("paren") or m.group("cn") or m.group("arabic")
    return (int(digits) if digits.isdigit() else cn_number(digits)), m.group("rest").strip()


def one_line(text: str) -> str:
    """A multi-line cell read as one line: breaks inside CJK runs vanish, others become a space."""
    return squeeze(re.sub(r"\s*\n\s*", " ", text))
