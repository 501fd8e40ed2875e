"""`sciplan import`: a plan's 任务分工表 through the seeds' own path, into a copy of the repository's data.

The fixtures (tests/fixtures/import/, made by make_fixtures.py) are the seeds' tables in the
layouts of real published tables. Each is imported in place of its seed's reader and
checked row by row against the seed plan in the built graph: every section and task
point, and every lead and cooperating unit by name as written, body and position.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef

from conftest import ROOT
from sciplan import cli
from sciplan.config import Settings
from sciplan.extract import write_all
from sciplan.extract.readers.workbook import workbook_text
from sciplan.extract.writer import CurationError
from sciplan.iris import PLACEHOLDER
from sciplan.query import rows, run
from sciplan.validate import load_files

FIXTURES = ROOT / "tests" / "fixtures" / "import"
BASE = "https://w3id.org/sciplan/"
SP = Namespace(PLACEHOLDER + "def/")
PLANS = {"huadu-2022-2025": "plan/440114/2022-2025", "nansha-2022-2025": "plan/440115/2022-2025",
         "jiangmen-2016-2020": "plan/440700/2016-2020"}
SEED_READER = {"huadu-2022-2025": "    parser: table\n    source: seed-huadu\n",
               "nansha-2022-2025": "    parser: nansha\n    source: seed-nansha\n",
               "jiangmen-2016-2020": "    parser: jiangmen\n    source: seed-jiangmen\n"}
# A plan for the small fixtures: a 花都 plan of a later period, so the fixtures' names are 花都's bodies.
FIXTURE_PLAN = "fixture-2026-2030"
FIXTURE_ENTRY = f"""
  - id: {FIXTURE_PLAN}
    jurisdiction: "440114"
    period: [2026, 2030]
    title: 实施青少年科学素质提升行动任务分工表
"""

PREFIXES = f"""PREFIX sp: <{BASE}def/> PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


# ---------------------------------------------------------------- helpers

@pytest.fixture
def repo(tmp_path) -> Settings:
    """A data root in tmp_path: a copy of the repository's data/, ontology/ and shapes/."""
    for folder in ("data", "ontology", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    settings = Settings.at(tmp_path)
    (curation(settings) / "plans.yaml").write_text(
        (curation(settings) / "plans.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + FIXTURE_ENTRY, encoding="utf-8")
    write_all(settings)  # the new entry's metadata-only plan file, as `sciplan extract` writes it
    return settings


def curation(settings: Settings) -> Path:
    return settings.curation_dir


def without_seed_reader(settings: Settings, plan: str) -> None:
    """The seed's plans.yaml entry without its reader: what a maintainer writes for a plan to import."""
    path = curation(settings) / "plans.yaml"
    text = path.read_text(encoding="utf-8")
    assert SEED_READER[plan] in text
    path.write_text(text.replace(SEED_READER[plan], "", 1), encoding="utf-8")


def sciplan(settings: Settings, capsys, *args) -> tuple[int, str, str]:
    """`sciplan --root COPY ARGS` through the CLI's own settings and exit-code mapping."""
    code = cli.main(["--root", str(settings.root), *(str(a) for a in args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def tree(settings: Settings) -> dict[str, str]:
    """SHA-256 of every file under data/."""
    root = settings.data_dir.parent
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def select(store, body: str) -> list[list[str]]:
    return rows(run(store, PREFIXES + body))[1]


def division_of_work(store, plan: str) -> tuple[list, list]:
    """(every task point with its part kind and section, every unit listing with its holder, role and position)."""
    tasks = select(store, f"""SELECT ?kind ?sn ?st ?task ?tn ?title WHERE {{
        <{BASE}{plan}> eli:has_part ?part . ?part sp:partKind ?k ; eli:has_part ?s . ?s dcterms:title ?st .
        OPTIONAL {{ ?s sp:number ?sn }} ?s eli:has_part ?task . ?task sp:number ?tn ; dcterms:title ?title .
        BIND (STRAFTER(STR(?k), "/part-kind/") AS ?kind) }} ORDER BY ?task""")
    units = select(store, f"""SELECT ?holder ?role ?pos ?written ?body ?label WHERE {{
        <{BASE}{plan}> eli:has_part+ ?holder . ?holder sp:assignment ?a .
        ?a sp:role ?r ; sp:position ?pos ; sp:nameAsWritten ?written ; sp:unit ?body . ?body skos:prefLabel ?label FILTER(LANG(?label) = "zh")
        BIND (STRAFTER(STR(?r), "/role/") AS ?role) }} ORDER BY ?holder ?role ?pos""")
    return tasks, units


def plan_graph(settings: Settings, plan_id: str) -> Graph:
    return Graph().parse(settings.data_dir / "plans" / f"{plan_id}.ttl", format="turtle", publicID=PLACEHOLDER)


def node(path: str) -> URIRef:
    return URIRef(PLACEHOLDER + path)


# ---------------------------------------------------------------- the seeds' tables, row by row

SEED_FIXTURES = [
    ("huadu.xlsx", "huadu-2022-2025", 38),     # merged parts and sections, title rows, 序号, multi-line cells
    ("huadu.txt", "huadu-2022-2025", 38),      # tab-separated text, one row per line
    ("nansha.csv", "nansha-2022-2025", 39),    # CSV, (一) sections on their first row, 1、 tasks, garbled cells
    ("jiangmen.xlsx", "jiangmen-2016-2020", 36),  # units per section merged down, 序号 restarting, paragraphs
    ("jiangmen.csv", "jiangmen-2016-2020", 36),   # a section row carrying the section's units, 一、 and （一）
]


@pytest.mark.parametrize("fixture, plan, n_tasks", SEED_FIXTURES, ids=[f for f, _, _ in SEED_FIXTURES])
def test_a_seed_table_imports_to_the_seed_plan_row_by_row(repo, capsys, kg_store, fixture, plan, n_tasks):
    without_seed_reader(repo, plan)
    code, out, err = sciplan(repo, capsys, "import", FIXTURES / fixture, "--plan", plan, "--force")
    assert code == 0, out + err
    assert f"{n_tasks} task point(s)" in out and "new bodies" not in out
    imported = load_files([repo.data_dir], repo)
    got_tasks, got_units = division_of_work(imported, PLANS[plan])
    seed_tasks, seed_units = division_of_work(kg_store, PLANS[plan])
    assert len(seed_tasks) == n_tasks and len(seed_units) > 2 * n_tasks
    assert got_tasks == seed_tasks
    assert got_units == seed_units
    assert write_all(repo, check=True) == []  # re-derivable: `sciplan extract --check` holds after the import


def test_units_per_section_stay_on_the_section(repo, capsys):
    without_seed_reader(repo, "jiangmen-2016-2020")
    assert sciplan(repo, capsys, "import", FIXTURES / "jiangmen.xlsx", "--plan", "jiangmen-2016-2020", "--force")[0] == 0
    g = plan_graph(repo, "jiangmen-2016-2020")
    section = node("plan/440700/2016-2020/part/key-tasks/section/3")
    assert {str(g.value(a, SP.nameAsWritten)) for a in g.objects(section, SP.assignment)
            if str(g.value(a, SP.role)).endswith("/lead")} == {"市人力资源社会保障局", "市总工会", "市安全监管局", "市科协"}
    assert not list(g.subjects(SP.leadUnit, None)) or all("/point/" not in str(s) for s in g.subjects(SP.leadUnit, None))
    # the merged cell is stored on the section's first row: that row is the units' source position
    assert g.value(section, SP.sourceSheet).value == "重点任务分工" and g.value(section, SP.sourceRowNumber).value > 3
    # full paragraphs in the task cells: the first sentence is the title, the paragraph the text
    task = node("plan/440700/2016-2020/part/key-tasks/section/1/point/1")
    assert str(g.value(task, SP.text)).startswith("完善学校科学教育课程体系。加强义务教育阶段的科学教育")


# ---------------------------------------------------------------- provenance

def test_the_source_is_copied_and_recorded_with_its_sha256(repo, capsys):
    without_seed_reader(repo, "huadu-2022-2025")
    assert sciplan(repo, capsys, "import", FIXTURES / "huadu.xlsx", "--plan", "huadu-2022-2025", "--force")[0] == 0
    copy = repo.sources_dir / "huadu-2022-2025.xlsx"
    data = (FIXTURES / "huadu.xlsx").read_bytes()
    assert copy.read_bytes() == data
    sha = hashlib.sha256(data).hexdigest()
    sources = Graph().parse(repo.data_dir / "sources.ttl", format="turtle", publicID=PLACEHOLDER)
    doc = node("source/huadu-2022-2025-table")
    assert str(sources.value(doc, SP.sha256)) == sha
    assert str(sources.value(doc, URIRef("http://purl.org/dc/terms/identifier"))) == "data/sources/huadu-2022-2025.xlsx"
    assert "spreadsheetml" in str(sources.value(doc, URIRef("http://purl.org/dc/terms/format")))
    record = (curation(repo) / "imports" / "huadu-2022-2025.yaml").read_text(encoding="utf-8")
    assert f"sha256: {sha}" in record and "- 任务分工表" in record
    g = plan_graph(repo, "huadu-2022-2025")
    tasks = list(g.subjects(SP.number, None))
    points = [t for t in tasks if "/point/" in str(t)]
    assert len(points) == 38
    text = workbook_text(data)
    for t in points:
        assert g.value(t, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == doc
        assert g.value(t, SP.sourceSheet).value == "任务分工表"
        assert isinstance(g.value(t, SP.sourceRowNumber).value, int)
        assert str(g.value(t, SP.sourceRow)) in text  # the verbatim cells of its row
        assert g.value(t, SP.sourceLine) is None
    # 序号 17 is 花都 (四)3 发挥老年人独特优势: the section cell is merged from the row two above, so empty here
    t = node("plan/440114/2022-2025/part/actions/section/4/point/3")
    assert str(g.value(t, SP.sourceRow)).startswith("17\t\t3.发挥老年人独特优势。\t区科协\t")


def test_text_and_csv_rows_keep_their_lines_verbatim(repo, capsys):
    without_seed_reader(repo, "nansha-2022-2025")
    assert sciplan(repo, capsys, "import", FIXTURES / "nansha.csv", "--plan", "nansha-2022-2025", "--force")[0] == 0
    g = plan_graph(repo, "nansha-2022-2025")
    text = (FIXTURES / "nansha.csv").read_bytes().decode("utf-8")
    lines = io.StringIO(text, newline="").readlines()
    points = [t for t in g.subjects(SP.sourceRow, None) if "/point/" in str(t)]
    assert len(points) == 39
    for t in points:
        row, line = str(g.value(t, SP.sourceRow)), g.value(t, SP.sourceLine).value
        assert row in text and row.startswith(lines[line - 1].rstrip("\r\n"))
    # a quoted cell with line breaks: one record over several lines, its title read as one line
    t = node("plan/440115/2022-2025/part/actions/section/1/point/5")
    assert "\n" in str(g.value(t, SP.sourceRow)) and str(g.value(t, URIRef("http://purl.org/dc/terms/title"))) == "建立校内外科学教育资源有效衔接机制"
    # the garbled cell: only the curated legible names, the raw cell kept, both flags
    t = node("plan/440115/2022-2025/part/projects/section/3/point/2")
    assert {str(f).rsplit("/", 1)[-1] for f in g.objects(t, SP.flag)} == {"garbled", "truncated"}
    assert "区住房城乡建 商局" in str(g.value(t, SP.cooperatingUnitsText))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("fixture, plan", [("huadu.xlsx", "huadu-2022-2025"), ("jiangmen.csv", "jiangmen-2016-2020")])
def test_every_title_and_name_occurs_in_the_table(repo, capsys, fixture, plan):
    without_seed_reader(repo, plan)
    assert sciplan(repo, capsys, "import", FIXTURES / fixture, "--plan", plan, "--force")[0] == 0
    data = (FIXTURES / fixture).read_bytes()
    source = squeeze(workbook_text(data) if fixture.endswith(".xlsx") else data.decode("utf-8"))
    g = plan_graph(repo, plan)
    quoted = [o for p in (URIRef("http://purl.org/dc/terms/title"), SP.nameAsWritten, SP.leadUnitsText, SP.cooperatingUnitsText)
              for s, o in g.subject_objects(p) if "/part/" in str(s)]
    assert len(quoted) > 100
    assert [str(q) for q in quoted if squeeze(str(q)) not in source] == []


# ---------------------------------------------------------------- names

def test_an_unknown_name_becomes_a_new_flagged_body_of_the_jurisdiction(repo, capsys):
    orgs_before = (repo.data_dir / "organizations.ttl").read_bytes()
    code, out, _ = sciplan(repo, capsys, "import", FIXTURES / "new-body.csv", "--plan", FIXTURE_PLAN)
    assert code == 0, out  # a new body is a warning, not a violation
    assert "new bodies: 1" in out and "区宇宙探索局  — part/key-tasks/section/1/point/3 (cooperating, line 4)" in out
    g = plan_graph(repo, FIXTURE_PLAN)
    body = node("org/440114/区宇宙探索局")
    assert (body, SP.flag, node("scheme/flag/unreviewed-body")) in g
    assert g.value(body, SP.jurisdiction) == node("place/440114") and g.value(body, SP.flagNote) is not None
    task = node("plan/440114/2026-2030/part/key-tasks/section/1/point/3")
    assert (task, SP.cooperatingUnit, body) in g and (task, SP.cooperatingUnit, node("org/440114/区总工会")) in g
    assert (repo.data_dir / "organizations.ttl").read_bytes() == orgs_before  # the reviewed bodies stay as curated
    assert write_all(repo, check=True) == []  # derived again from the source by `sciplan extract`
    # once reviewed in organizations.yaml the body is declared there, and the flag is gone
    orgs = curation(repo) / "organizations.yaml"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace(
        '  "440114":\n', '  "440114":\n    区宇宙探索局: {functions: [science-technology]}\n', 1), encoding="utf-8")
    write_all(repo)
    g = plan_graph(repo, FIXTURE_PLAN)
    assert (task, SP.cooperatingUnit, body) in g and (body, SP.flag, None) not in g and (body, SP.jurisdiction, None) not in g
    assert "区宇宙探索局" in (repo.data_dir / "organizations.ttl").read_text(encoding="utf-8")


def test_a_name_is_never_matched_by_similarity(repo, capsys, tmp_path):
    """区科协会 is not 区科协, 区教育 is not 区教育局, 南沙's 区科技局 is no body of 花都, nor the city's 市公安局."""
    table = tmp_path / "near.csv"
    table.write_text("项目,要点,牵头单位,配合单位\n（一）实施青少年科学素质提升行动,1.将弘扬科学精神贯穿于育人全链条。,区科协会,"
                     "区教育、区科技局、市公安局\n", encoding="utf-8")
    code, out, _ = sciplan(repo, capsys, "import", table, "--plan", FIXTURE_PLAN)
    assert code == 0
    g = plan_graph(repo, FIXTURE_PLAN)
    new = {str(b) for b in g.subjects(SP.flag, node("scheme/flag/unreviewed-body"))}
    assert new == {PLACEHOLDER + "org/440114/" + n for n in ("区科协会", "区教育", "区科技局", "市公安局")}
    # the city's body of that name is pointed out to the reviewer, never linked
    assert "市公安局  — part/key-tasks/section/1/point/1 (cooperating, line 2; a body of 440100 has this name)" in out
    assert out.count("a body of") == 1


def test_alt_forms_and_typos_resolve_as_curated(repo, capsys, tmp_path):
    table = tmp_path / "alt.csv"
    table.write_text("项目,要点,牵头单位,配合单位\n（一）实施青少年科学素质提升行动,1.将弘扬科学精神贯穿于育人全链条。,区国资局,"
                     "区来穗人员服务管理局；区科技工业商务信息化局区\n", encoding="utf-8")
    assert sciplan(repo, capsys, "import", table, "--plan", FIXTURE_PLAN)[0] == 0
    g = plan_graph(repo, FIXTURE_PLAN)
    task = node("plan/440114/2026-2030/part/key-tasks/section/1/point/1")
    assert set(g.objects(task, SP.leadUnit)) == {node("org/440114/区财政局")}
    assert set(g.objects(task, SP.cooperatingUnit)) == {node("org/440114/区委政法委"), node("org/440114/区科技工业商务信息化局")}
    assert (task, SP.flag, node("scheme/flag/typo")) in g
    assert not list(g.subjects(SP.flag, node("scheme/flag/unreviewed-body")))


# ---------------------------------------------------------------- validation

def test_an_empty_lead_cell_is_imported_as_printed_and_reported_by_title(repo, capsys):
    code, out, _ = sciplan(repo, capsys, "import", FIXTURES / "empty-lead.csv", "--plan", FIXTURE_PLAN)
    assert code == 1
    assert "no lead unit printed: 提升基础教育阶段科学教育水平 (line 3)" in out
    assert "validation (shapes/): fails: 1 violation(s)" in out
    assert "第2项「提升基础教育阶段科学教育水平」" in out and "LeadUnitShape" in out
    g = plan_graph(repo, FIXTURE_PLAN)  # imported all the same, as printed
    task = node("plan/440114/2026-2030/part/key-tasks/section/1/point/2")
    assert g.value(task, SP.leadUnit) is None and (task, SP.cooperatingUnit, node("org/440114/区科协")) in g
    assert str(g.value(task, SP.sourceRow)) == ',2.提升基础教育阶段科学教育水平。,,区科协'


def test_a_valid_import_exits_0_and_says_so(repo, capsys):
    code, out, err = sciplan(repo, capsys, "import", FIXTURES / "new-body.csv", "--plan", FIXTURE_PLAN)
    assert (code, err) == (0, "")
    assert "validation (shapes/): passes: 0 violation(s)" in out
    assert f"wrote data/sources/{FIXTURE_PLAN}.csv, data/curation/imports/{FIXTURE_PLAN}.yaml, data/ttl/plans/{FIXTURE_PLAN}.ttl, data/ttl/sources.ttl" in out


# ---------------------------------------------------------------- what is not written

def test_dry_run_prints_the_summary_and_writes_nothing(repo, capsys):
    before = tree(repo)
    code, out, _ = sciplan(repo, capsys, "import", FIXTURES / "empty-lead.csv", "--plan", FIXTURE_PLAN, "--dry-run")
    assert code == 1 and "dry run: nothing written" in out and "第2项「提升基础教育阶段科学教育水平」" in out
    assert tree(repo) == before


def test_an_earlier_import_is_replaced_only_with_force(repo, capsys):
    assert sciplan(repo, capsys, "import", FIXTURES / "huadu.xlsx", "--plan", FIXTURE_PLAN)[0] == 0
    before = tree(repo)
    code, _, err = sciplan(repo, capsys, "import", FIXTURES / "huadu.txt", "--plan", FIXTURE_PLAN)
    assert code == 2 and f"{FIXTURE_PLAN} was imported before" in err and "--force" in err
    assert tree(repo) == before
    code, out, _ = sciplan(repo, capsys, "import", FIXTURES / "huadu.txt", "--plan", FIXTURE_PLAN, "--force")
    assert code == 0 and f"removed data/sources/{FIXTURE_PLAN}.xlsx" in out
    assert not (repo.sources_dir / f"{FIXTURE_PLAN}.xlsx").exists()
    assert (repo.sources_dir / f"{FIXTURE_PLAN}.txt").read_bytes() == (FIXTURES / "huadu.txt").read_bytes()
    assert write_all(repo, check=True) == []


def test_a_plan_file_with_more_than_plans_yaml_gives_is_kept_without_force(repo, capsys):
    without_seed_reader(repo, "huadu-2022-2025")  # its data/ttl file still holds the seed's tasks
    before = tree(repo)
    code, _, err = sciplan(repo, capsys, "import", FIXTURES / "huadu.xlsx", "--plan", "huadu-2022-2025")
    assert code == 2 and "holds more than plans.yaml gives" in err
    assert tree(repo) == before


def test_a_plan_with_only_its_plans_yaml_metadata_is_imported_without_force(repo, capsys):
    assert (repo.data_dir / "plans" / f"{FIXTURE_PLAN}.ttl").exists()  # written by `sciplan extract` from plans.yaml
    assert sciplan(repo, capsys, "import", FIXTURES / "new-body.csv", "--plan", FIXTURE_PLAN)[0] == 0


BAD_INPUT = [
    ("errors/not-a-workbook.xlsx", [], r"errors/not-a-workbook\.xlsx: not an XLSX workbook that can be read"),
    ("errors/no-header.csv", [], r"errors/no-header\.csv: no header found: a header row names"),
    ("errors/unknown-column.csv", [], r"errors/unknown-column\.csv: line 1: unknown column '完成时限' \(column 5\)"),
    ("errors/two-sheets.xlsx", [], r"errors/two-sheets\.xlsx: several sheets hold a task table \(提升行动, 重点工程\); choose one with --sheet"),
    ("errors/no-task-title.csv", [], r"errors/no-task-title\.csv: line 4: the row has no task title"),
    ("errors/no-task-title.xlsx", [], r"errors/no-task-title\.xlsx: sheet '分工表', row 4: the row has no task title"),
    ("errors/not-utf8.csv", [], r"errors/not-utf8\.csv: line 1: not UTF-8"),
    ("errors/duplicate-task.csv", [], r"errors/duplicate-task\.csv: line 5: task point 2 of section '实施青少年科学素质提升行动' is printed twice \(first at line 3\)"),
    ("errors/missing-cell.txt", [], r"errors/missing-cell\.txt: line 11: the row has 3 cells, the header 4"),
    ("huadu.xlsx", ["--sheet", "说明"], r"huadu\.xlsx: no header found in sheet '说明'"),
    ("huadu.xlsx", ["--sheet", "无此表"], r"huadu\.xlsx: --sheet: no sheet '无此表' in the workbook; its sheets: 任务分工表, 说明"),
    ("nansha.csv", ["--sheet", "任务分工表"], r"nansha\.csv: --sheet applies to workbooks"),
    ("nansha.csv", ["--columns", "lead=主责单位"], r"nansha\.csv: --columns: no header cell '主责单位' in the table's header"),
    ("nansha.csv", ["--columns", "boss=牵头单位"], r"--columns: unknown role 'boss'"),
    ("nansha.csv", ["--columns", "lead"], r"--columns: 'lead' is not ROLE=HEADER"),
]


@pytest.mark.parametrize("fixture, extra, message", BAD_INPUT, ids=[f"{f} {' '.join(e)}".strip() for f, e, _ in BAD_INPUT])
def test_input_that_cannot_be_read_exits_2_and_changes_nothing(repo, capsys, fixture, extra, message):
    before = tree(repo)
    code, out, err = sciplan(repo, capsys, "import", FIXTURES / fixture, "--plan", FIXTURE_PLAN, *extra)
    assert code == 2 and out == ""
    assert re.search(message, err), err
    assert tree(repo) == before


@pytest.mark.parametrize("name, args, message", [
    ("table.xls", ["--plan", FIXTURE_PLAN], r"table\.xls: cannot be read: an Excel 97–2003 workbook \(\.xls\): open it and save it as \.xlsx"),
    ("table.docx", ["--plan", FIXTURE_PLAN], r"table\.docx: cannot be read: a Word document"),
    ("table.ods", ["--plan", FIXTURE_PLAN], r"table\.ods: unknown file type '\.ods'"),
    ("table.csv", ["--plan", "nowhere-2022-2025"], r"--plan: no plan 'nowhere-2022-2025' in data/curation/plans\.yaml"),
    ("table.csv", ["--plan", "nansha-2022-2025"], r"--plan: nansha-2022-2025 is read from data/sources/000_e37b814599954b21\.txt by the 'nansha' reader"),
])
def test_a_wrong_file_or_plan_exits_2_and_changes_nothing(repo, capsys, tmp_path, name, args, message):
    path = tmp_path / name
    path.write_bytes((FIXTURES / "new-body.csv").read_bytes())
    before = tree(repo)
    code, _, err = sciplan(repo, capsys, "import", path, *args)
    assert code == 2 and re.search(message, err), err
    assert tree(repo) == before


def test_a_write_that_fails_leaves_every_file_as_it_was(repo, capsys):
    """The four files are staged first and renamed only when all are: one that cannot be written stops them all."""
    (curation(repo) / "imports").write_text("a file where the imports folder should be", encoding="utf-8")
    before = tree(repo)
    code, out, err = sciplan(repo, capsys, "import", FIXTURES / "new-body.csv", "--plan", FIXTURE_PLAN)
    assert code == 2 and f"imports/{FIXTURE_PLAN}.yaml" in err and "Traceback" not in err
    assert tree(repo) == before  # no copy in data/sources/, no plan file, no temporary file left
    assert not (repo.sources_dir / f"{FIXTURE_PLAN}.csv").exists()


def test_a_missing_file_exits_2(repo, capsys, tmp_path):
    code, _, err = sciplan(repo, capsys, "import", tmp_path / "nothing.xlsx", "--plan", FIXTURE_PLAN)
    assert code == 2 and "nothing.xlsx: no such file" in err


# ---------------------------------------------------------------- afterwards, `sciplan extract`

def test_extract_stops_when_an_imported_source_changed(repo, capsys):
    assert sciplan(repo, capsys, "import", FIXTURES / "new-body.csv", "--plan", FIXTURE_PLAN)[0] == 0
    copy = repo.sources_dir / f"{FIXTURE_PLAN}.csv"
    copy.write_bytes(copy.read_bytes().replace("区宇宙探索局".encode(), "区科协".encode()))
    before = tree(repo)
    with pytest.raises(CurationError, match=rf"data/sources/{FIXTURE_PLAN}\.csv is not the file imported"):
        write_all(repo)
    code, _, err = sciplan(repo, capsys, "extract")
    assert code == 2 and "--force" in err
    assert tree(repo) == before


def test_known_parts_from_secondary_sources_give_way_to_the_table(repo, capsys, tmp_path):
    table = tmp_path / "guangzhou.csv"
    table.write_text("一、五项提升行动,,,\n项目,要点,牵头单位,配合单位\n（一）实施青少年科学素质提升行动,1.将弘扬科学精神贯穿于育人全链条。,市公安局,市生态环境局\n",
                     encoding="utf-8")
    code, out, _ = sciplan(repo, capsys, "import", table, "--plan", "guangzhou-2022-2025", "--force")
    assert "known_parts of plans.yaml (from secondary sources) are superseded" in out, out
    g = plan_graph(repo, "guangzhou-2022-2025")
    sections = {str(s) for s in g.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), SP.Section)}
    assert sections == {PLACEHOLDER + "plan/440100/2022-2025/part/actions/section/1"}
    assert code == 0
