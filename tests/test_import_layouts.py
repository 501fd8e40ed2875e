"""The layout rules of the table readers (sciplan/extract/readers/grid.py), one small table each."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from sciplan.errors import TableError
from sciplan.extract.readers import read
from sciplan.extract.readers.grid import parse_columns
from sciplan.extract.table import assemble
from sciplan.extract.text import numbered, split_units

HEADER = "项目,要点,牵头单位,配合单位\n"
SECTION = "（一）实施青少年科学素质提升行动"


def csv_table(text: str, columns: list[str] | None = None):
    return assemble(read(text.encode("utf-8"), "csv", "t.csv", columns=parse_columns(columns)))


def xlsx_bytes(rows: list[list], merges: list[str] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def tasks(parsed) -> list[tuple]:
    return [(p.kind, s.number, s.title, t.number, t.title, t.lead and t.lead.names, t.cooperating and t.cooperating.names)
            for p in parsed.parts for s in p.sections for t in s.tasks]


@pytest.mark.parametrize("printed, number, rest", [
    ("1.将弘扬", 1, "将弘扬"), ("12．将弘扬", 12, "将弘扬"), ("3、树立", 3, "树立"), ("(2)树立", 2, "树立"),
    ("（一）实施", 1, "实施"), ("(十一)实施", 11, "实施"), ("二十、实施", 20, "实施"),
    ("1.5万人次以上", None, "1.5万人次以上"), ("2025年前完成", None, "2025年前完成"), ("完善机制", None, "完善机制"),
])
def test_printed_numbers(printed, number, rest):
    assert numbered(printed) == (number, rest)


def test_unit_names_are_split_at_every_separator_and_kept_as_printed():
    assert split_units("区教育局、区科协，区总工会,团区委；区妇联;区 民政局\n区财政局（区国资局）") == \
        ["区教育局", "区科协", "区总工会", "团区委", "区妇联", "区民政局", "区财政局（区国资局）"]


def test_a_table_without_part_rows_is_one_key_tasks_part_titled_by_its_section_header():
    parsed = csv_table("重点任务,具体任务,责任单位,参与单位\n" + SECTION + ",1.将弘扬科学精神。,区教育局,区科协\n")
    assert [(p.kind, p.title, p.number) for p in parsed.parts] == [("key-tasks", "重点任务", None)]


def test_header_words_of_every_role():
    parsed = csv_table("序号,行动,主要任务,牵头部门,协同单位\n1," + SECTION + ",将弘扬科学精神。,区教育局,区科协\n")
    assert tasks(parsed) == [("key-tasks", 1, "实施青少年科学素质提升行动", 1, "将弘扬科学精神", ["区教育局"], ["区科协"])]


def test_a_header_on_two_rows_is_read_as_one():
    text = "项目,要点,责任单位,\n,,牵头单位,配合单位\n" + SECTION + ",1.将弘扬科学精神。,区教育局,区科协\n"
    assert tasks(csv_table(text))[0][5:] == (["区教育局"], ["区科协"])


def test_a_header_on_two_rows_with_a_merged_upper_cell():
    data = xlsx_bytes([["项目", "要点", "责任分工", None], [None, None, "牵头单位", "配合单位"],
                       [SECTION, "1.将弘扬科学精神。", "区教育局", "区科协"]], ["C1:D1", "A1:A2", "B1:B2"])
    assert tasks(assemble(read(data, "xlsx", "t.xlsx")))[0][5:] == (["区教育局"], ["区科协"])


def test_columns_name_other_headers_and_leave_columns_out():
    text = "行动/工程,工作任务,主责单位,协办单位,完成时限\n" + SECTION + ",1.将弘扬科学精神。,区教育局,区科协,2025年\n"
    with pytest.raises(TableError, match="no header found"):
        csv_table(text)
    parsed = csv_table(text, ["section=行动/工程,task=工作任务", "lead=主责单位,cooperating=协办单位,ignore=完成时限"])
    assert tasks(parsed) == [("key-tasks", 1, "实施青少年科学素质提升行动", 1, "将弘扬科学精神", ["区教育局"], ["区科协"])]


@pytest.mark.parametrize("header", ["项目,要点,牵头单位,责任单位", "项目,要点,配合单位,牵头单位,配合单位"])
def test_two_columns_with_the_same_role_are_refused(header):
    with pytest.raises(TableError, match=r"line 1: two columns are headed as the (lead|cooperating) column"):
        csv_table(header + "\n" + SECTION + ",1.将弘扬科学精神。,区教育局,区科协,区总工会\n")


def test_a_header_cell_merged_across_two_columns_names_the_first_and_the_second_must_stay_empty():
    rows = [["项目", "要点", "牵头单位", "配合单位", None], [SECTION, "1.将弘扬科学精神。", "区教育局", "区科协", None]]
    assert tasks(assemble(read(xlsx_bytes(rows, ["D1:E1"]), "xlsx", "t.xlsx")))[0][5:] == (["区教育局"], ["区科协"])
    rows[1][4] = "区总工会"
    with pytest.raises(TableError, match=r"sheet '表', row 2: a value in column 5 \('区总工会'\), which has no header"):
        read(xlsx_bytes(rows, ["D1:E1"]), "xlsx", "t.xlsx")


def test_a_value_in_a_column_without_header_is_refused():
    with pytest.raises(TableError, match=r"line 2: a value in column 5 \('第3页'\), which has no header"):
        csv_table(HEADER + SECTION + ",1.将弘扬科学精神。,区教育局,区科协,第3页\n")


def test_the_serial_number_counts_where_the_task_cell_prints_none():
    restarting = csv_table("序号,项目,要点,牵头单位\n1," + SECTION + ",将弘扬科学精神。,区教育局\n2,,提升科学教育水平。,区教育局\n"
                           "1,（二）实施农民科学素质提升行动,树立科学观念。,区科协\n")
    assert [(t[1], t[3]) for t in tasks(restarting)] == [(1, 1), (1, 2), (2, 1)]
    running = csv_table("序号,项目,要点,牵头单位\n1," + SECTION + ",将弘扬科学精神。,区教育局\n2,,提升科学教育水平。,区教育局\n"
                        "3,（二）实施农民科学素质提升行动,树立科学观念。,区科协\n")
    assert [(t[1], t[3]) for t in tasks(running)] == [(1, 1), (1, 2), (2, 1)]  # the row's place in its section
    printed = csv_table("序号,项目,要点,牵头单位\n7," + SECTION + ",3.将弘扬科学精神。,区教育局\n")
    assert tasks(printed)[0][3] == 3


def test_sections_merged_down_printed_once_or_repeated_are_one_section():
    for rows, merges in (([[SECTION, "1.甲。", "区教育局"], [None, "2.乙。", "区教育局"]], ["A2:A3"]),
                         ([[SECTION, "1.甲。", "区教育局"], [None, "2.乙。", "区教育局"]], []),
                         ([[SECTION, "1.甲。", "区教育局"], [SECTION, "2.乙。", "区教育局"]], [])):
        parsed = assemble(read(xlsx_bytes([["项目", "要点", "牵头单位"], *rows], merges), "xlsx", "t.xlsx"))
        assert [(s.number, [t.number for t in s.tasks]) for p in parsed.parts for s in p.sections] == [(1, [1, 2])]


def test_a_lead_cell_merged_down_a_whole_section_is_the_sections_and_over_part_of_it_each_tasks():
    rows = [["项目", "要点", "牵头单位", "配合单位"], ["一、五项提升行动"],
            [SECTION, "1.甲。", "区教育局", "区科协"], [None, "2.乙。", None, "区总工会"],
            ["（二）实施农民科学素质提升行动", "1.丙。", "区农业农村局", "区科协"], [None, "2.丁。", None, "区民政局"],
            [None, "3.戊。", "区科协", None]]
    data = xlsx_bytes(rows, ["A2:D2", "C3:C4", "C5:C6"])
    parsed = assemble(read(data, "xlsx", "t.xlsx"))
    first, second = parsed.parts[0].sections
    assert (first.lead.names, first.cooperating) == (["区教育局"], None)
    assert [t.lead for t in first.tasks] == [None, None] and [t.cooperating.names for t in first.tasks] == [["区科协"], ["区总工会"]]
    assert second.lead is None and [t.lead.names for t in second.tasks] == [["区农业农村局"], ["区农业农村局"], ["区科协"]]


def test_note_rows_below_the_table_are_not_read():
    parsed = csv_table(HEADER + SECTION + ",1.将弘扬科学精神。,区教育局,区科协\n注：各单位按职责分工落实。,,,\n")
    assert len(tasks(parsed)) == 1


@pytest.mark.parametrize("text, message", [
    ("一、三项宣传活动,,,\n" + HEADER + SECTION + ",1.甲。,区教育局,\n", r"line 1: part row '一、三项宣传活动': its kind is not known"),
    (HEADER + "一、五项提升行动,,,\n" + SECTION + ",1.甲。,区教育局,\n一、五项提升行动,,,\n" + SECTION + ",1.乙。,区教育局,\n",
     r"line 4: part '五项提升行动' is the second part of kind 'actions'"),
    (HEADER + SECTION + ",1.甲。,区教育局,\n（二）实施农民科学素质提升行动,1.乙。,区科协,\n" + SECTION + ",2.丙。,区教育局,\n",
     r"line 4: section '实施青少年科学素质提升行动' is printed twice"),
    ("要点,牵头单位\n1.甲。,区教育局\n", r"line 2: a task point before any section"),
    (HEADER + SECTION + ",,区教育局,区科协\n", r"line 2: section '实施青少年科学素质提升行动' has no task point below it"),
    (HEADER + SECTION + ",3.,区教育局,区科协\n", r"line 2: the row has no task title \(its task cell is '3\.'\)"),
    (HEADER, r"the table has a header but no task rows below it"),
])
def test_tables_that_cannot_be_read(text, message):
    with pytest.raises(TableError, match=message):
        csv_table(text)
