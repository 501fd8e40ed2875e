"""Task alignment and section derivation: similarity, proposals, curated decisions, generated Turtle."""

from __future__ import annotations

import shutil

import pytest
import yaml

from sciplan.align import apply, curation, propose, similarity
from sciplan.align.tasks import load_graph, plan_files, short, tasks
from conftest import ROOT
from sciplan.config import Settings
from sciplan.extract.writer import CurationError

NS, HD, JM = "440115/2022-2025/", "440114/2022-2025/", "440700/2016-2020/key-tasks/"


# ---------------------------------------------------------------- similarity

def test_normalize_drops_punctuation_and_unifies_quotes():
    assert similarity.normalize('促进"一带一路"科技人文交流') == similarity.normalize("促进“一带一路”科技人文交流")
    assert similarity.normalize("推进特色教育,强化科技教育基础建设") == "推进特色教育强化科技教育基础建设"


def test_character_bigrams_and_dice():
    assert similarity.bigrams("科普基地") == ["科普", "普基", "基地"]
    assert similarity.dice("大力加强科普基地建设", "大力加强科普基地建设") == 1.0
    assert similarity.dice("实施银龄科普行动", "发挥老年人独特优势") == 0.0
    assert 0.6 < similarity.dice("加强科普教育基地建设", "大力加强科普基地建设") < 0.7


def test_jieba_words_leave_out_generic_verbs():
    words = similarity.words("加强科普教育基地建设")
    assert "加强" not in words and "建设" not in words
    assert "基地" in words


def test_text_measure_only_where_both_have_paragraphs():
    tfidf = similarity.TfIdf(["甲乙丙丁", "丙丁戊己"])
    assert "text-tfidf" not in similarity.scores("甲乙", "丙丁", "甲乙丙丁", "", tfidf)
    assert similarity.scores("甲乙", "甲乙", "甲乙丙丁", "甲乙丙丁", tfidf)["text-tfidf"] == pytest.approx(1.0)


# ---------------------------------------------------------------- proposals

@pytest.fixture(scope="module")
def repo_tasks():
    return tasks(load_graph(plan_files(Settings().data_dir)))


@pytest.fixture(scope="module")
def proposals(repo_tasks):
    return propose.propose(propose.load_config(Settings()), repo_tasks)


def test_seed_task_counts(repo_tasks):
    counts = {}
    for t in repo_tasks:
        counts[t.plan] = counts.get(t.plan, 0) + 1
    assert counts["plan/440115/2022-2025"] == 39
    assert counts["plan/440114/2022-2025"] == 38
    assert counts["plan/440700/2016-2020"] == 36


def test_proposals_are_deterministic(repo_tasks):
    config = propose.load_config(Settings())
    first = propose.render(config, propose.propose(config, repo_tasks))
    second = propose.render(config, propose.propose(config, list(reversed(repo_tasks))))
    assert first == second


def test_proposals_file_is_up_to_date():
    path, changed, count = propose.run(Settings(), check=True)
    assert not changed, f"{path} is stale: run `sciplan align propose`"
    assert count > 50


def test_same_numbered_tasks_are_proposed_not_linked(proposals):
    by_id = {p.id: p for p in proposals}
    silver = by_id[f"{NS}actions/4/3~{HD}actions/4/3"]       # 实施银龄科普行动 ~ 发挥老年人独特优势
    assert silver.methods == ["position"] and silver.score == 0.0
    museum = by_id[f"{NS}projects/3/2~{HD}projects/3/2"]     # 创新现代科技馆体系 ~ 大力加强科普基地建设
    assert museum.methods == ["position"]
    # the shifted numbering is found by the titles
    bases = by_id[f"{NS}projects/3/3~{HD}projects/3/2"]
    assert bases.score == 1.0 and "position" not in bases.methods


def test_every_proposal_reaches_the_threshold_or_shares_a_position(proposals):
    for p in proposals:
        assert p.score >= 0.3 or p.methods == ["position"], p.id


def test_generation_proposals_use_paragraphs(proposals):
    by_id = {p.id: p for p in proposals}
    works = by_id[f"{JM}7/2~{NS}projects/2/1"]   # 推动科普资源开发与共享 ~ 实施繁荣科普创作资助计划
    assert works.methods == ["text-tfidf"]
    assert works.scores["title-char-bigram"] < 0.3


# ---------------------------------------------------------------- curated decisions

@pytest.fixture(scope="module")
def decisions():
    return yaml.safe_load((ROOT / "data/curation/alignment.yaml").read_text(encoding="utf-8"))["decisions"]


def decision(decisions, a, b):
    found = [d for d in decisions if d["a"] == a and d["b"] == b]
    assert len(found) == 1, (a, b)
    return found[0]


def test_every_decision_has_a_reason(decisions):
    for d in decisions:
        assert len(" ".join(str(d["reason"]).split())) > 40, (d["a"], d["b"])


def test_the_silver_age_judgement_is_recorded(decisions):
    d = decision(decisions, f"{NS}actions/4/3", f"{HD}actions/4/3")
    assert d["decision"] == "closeMatch"
    assert "老年" in d["reason"] and "区委老干部局" in d["reason"]


def test_the_science_museum_system_has_no_counterpart_in_huadu(decisions):
    linked = [d for d in decisions if d["a"] == f"{NS}projects/3/2" and d["decision"] in ("exactMatch", "closeMatch")]
    assert linked == []
    assert decision(decisions, f"{NS}projects/3/2", f"{HD}projects/3/2")["decision"] == "rejected"


def test_exact_matches_have_identical_titles(decisions):
    for d in decisions:
        if d["decision"] == "exactMatch":
            assert similarity.normalize(d["a_title"]) == similarity.normalize(d["b_title"])


def test_generated_turtle_is_up_to_date():
    assert apply.run(Settings(), check=True) == [], "run `sciplan align apply`"


# ---------------------------------------------------------------- checks of the curated files

@pytest.fixture
def data_copy(tmp_path):
    """A copy of data/ttl/plans, data/curation and data/generated to break."""
    for sub in ("data/ttl/plans", "data/curation", "data/generated"):
        shutil.copytree(ROOT / sub, tmp_path / sub)
    return Settings().with_(data_dir=tmp_path / "data" / "ttl")


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_proposal_without_decision_stops_apply(data_copy):
    path = data_copy.data_dir.parent / "curation" / "alignment.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["decisions"] = doc["decisions"][1:]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CurationError, match="no decision"):
        apply.render(data_copy)


def test_a_stale_title_stops_apply(data_copy):
    edit(data_copy.data_dir.parent / "curation" / "alignment.yaml", "a_title: 实施银龄科普行动", "a_title: 实施银龄行动")
    with pytest.raises(CurationError, match="not the title in the data"):
        apply.render(data_copy)


def test_exact_match_needs_identical_titles(data_copy):
    path = data_copy.data_dir.parent / "curation" / "alignment.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("b_title: 发挥老年人独特优势")
    text = text[:start] + text[start:].replace("decision: closeMatch", "decision: exactMatch", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurationError, match="exactMatch is kept for identical titles"):
        apply.render(data_copy)


def test_an_unreasoned_derivation_must_pass_the_name_rule(data_copy):
    path = data_copy.data_dir.parent / "curation" / "derivation.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    jiangmen = next(g for g in doc["plans"] if g["plan"] == "440700/2016-2020")
    education = next(s for s in jiangmen["sections"] if s["from"] == "key-tasks/5")
    education["to"] = ["cn/2016-2020/major-projects/科技教育与培训"]     # the judgement without its reason
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CurationError, match="differ beyond the name rule"):
        apply.render(data_copy)


def test_derivation_only_follows_plan_level_bases(data_copy):
    edit(data_copy.data_dir.parent / "curation" / "derivation.yaml",
         "      - {from: key-tasks/6, to: [cn/2016-2020/major-projects/社区科普益民]}",
         "      - {from: key-tasks/6, to: [cn/2021-2035/projects/基层科普能力提升工程]}")
    with pytest.raises(CurationError, match="is not based on"):
        apply.render(data_copy)


def test_short_keys():
    assert short("plan/440115/2022-2025/part/actions/section/4/point/3") == "440115/2022-2025/actions/4/3"
    assert short("plan/cn/2021-2035/part/actions/section/青少年科学素质提升行动") == "cn/2021-2035/actions/青少年科学素质提升行动"


def test_name_rule():
    assert curation.same_name("实施科普信息化工程", "科普信息化")
    assert curation.same_name("实施青少年科学素质提升行动", "青少年科学素质提升行动")
    assert not curation.same_name("实施科普基础设施建设工程", "科普基础设施工程")
