"""The rule language real 部门整体 frameworks need (issue 19, items 1–7): each method or node is
scored with its explanation, and `profile check` catches what it cannot score.

Rules are evaluated on real shapes: the example profiles (toolkit/profiles/*), their sample data
(samples/example_*_department.json) and IndicatorRow objects like the reader makes.
"""

import copy
import json
from pathlib import Path

import pytest

from toolkit.core.framework import (CannotCompute, Evaluator, award_range, department_lists, leaves,
                                    level1_nodes)
from toolkit.core.grid import IndicatorRow
from toolkit.core.model import CellValue
from toolkit.core.profile import check_profile_data, load_profile, profile_from_bytes
from toolkit.forms.department.template import build_department_workbook
from toolkit.service import score_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
NATIONAL_GRID = load_profile("national")["quantitative"]


def raw(profile_id):
    return copy.deepcopy(load_profile(profile_id).data)


def problems(data):
    return [(p.code, p.location) for p in check_profile_data(data)]


def grid_row(row, level1, level3, target, actual, level2=""):
    return IndicatorRow(row=row, level1=level1, level2=level2, level3=CellValue(f"D{row}", level3),
                        target=CellValue(f"E{row}", target), actual=CellValue(f"F{row}", actual),
                        weight=None, score=None, reason=None, computed_ref=f"I{row}", explanation_ref=f"J{row}")


def find(data, node_id):
    for leaf in leaves(data):
        if leaf.node["id"] == node_id:
            return leaf.node
    raise KeyError(node_id)


# -- 1. department-defined lists -----------------------------------------------------------------------

def test_department_list_rules_are_checked_for_a_row_worth_the_whole_list():
    data = raw("dazhou-undated")
    listed = data["framework"][2]["children"][0]["department_rows"]
    listed["rules"].append({"label": "按比率", "rule": {"method": "ratio", "value": {"input": "x"}, "points": 25}})
    found = problems(data)
    assert ("rule_exceeds_weight", "$.framework[2].children[0].department_rows.rules[2].rule") in found
    assert ("input_undeclared", "$.framework[2].children[0].department_rows.rules[2].rule") in found
    listed["rules"][2]["label"] = "人工评分"
    assert ("duplicate_name", "$.framework[2].children[0].department_rows.rules[2]") in problems(data)


def test_a_node_has_children_or_department_rows_never_both():
    data = raw("dazhou-undated")
    data["framework"][2]["children"][0]["children"] = data["framework"][2]["children"][1]["children"]
    assert [code for code, _ in problems(data)] == ["schema"]


def test_a_blank_department_list_leaves_the_total_open(tmp_path):
    path = tmp_path / "空白.xlsx"
    build_department_workbook(load_profile("dazhou-undated")).save(path)
    result = score_file(path, tmp_path / "out.xlsx").results[0]
    missing = [f for f in result.flags if f.code == "indicator_missing"]
    assert any("履职成效" in f.message and "没有填写任何指标行" in f.message for f in missing)
    assert result.total_computed is None


def test_the_reader_takes_however_many_rows_the_department_wrote(tmp_path):
    data = json.loads((SAMPLES / "example_dazhou-undated_department.json").read_text("utf-8"))
    data["department_rows"]["duties"] = [{"name": f"特性指标{i}", "weight": 20 / 6, "score": 20 / 6} for i in range(1, 7)]
    path = tmp_path / "六行.xlsx"
    build_department_workbook(load_profile("dazhou-undated"), data).save(path)  # 6 rows where the template leaves 4
    result = score_file(path, tmp_path / "out.xlsx").results[0]
    rows = [item for item in result.items if item.label.startswith("特性指标")]
    assert len(rows) == 6 and not [f for f in result.flags if f.code == "department_rows_total"]


# -- 2. scoring from the 目标完成情况 grid -----------------------------------------------------------

def test_grid_completion_averages_the_selected_rows_with_directions_stated():
    rows = [grid_row(5, "产出指标", "培训人次", "≥120人次", "126人次"),
            grid_row(6, "产出指标", "办公成本", "50万元", "40万元", level2="成本指标"),
            grid_row(7, "产出指标", "宣传册", "≥1000份", "800份"),
            grid_row(8, "效益指标", "满意度", "≥90%", "80%")]
    ev = Evaluator({}, {}, grid=rows, grid_rules=NATIONAL_GRID)
    outcome = ev.evaluate({"method": "grid_completion", "select": {"level1": "产出指标"}}, 10)
    # 126/120 → capped 100%; 成本 40 ≤ 50 (direction from the 二级 label) → 100%; 800/1000 = 80%
    assert outcome.score == pytest.approx(10 * (1 + 1 + 0.8) / 3)
    assert "126人次 ÷ 120人次 = 105%，封顶 100%" in outcome.text
    assert "反向「不高于 ≤」" in outcome.text and "由指标名称推断" in outcome.text
    assert "3 项平均" in outcome.text


def test_grid_completion_refuses_a_qualitative_or_missing_row():
    rows = [grid_row(5, "产出指标", "制度建设", "健全", "已健全")]
    ev = Evaluator({}, {}, grid=rows, grid_rules=NATIONAL_GRID, row_name="制度建设")
    with pytest.raises(CannotCompute) as qualitative:
        ev.evaluate({"method": "grid_completion"}, 5)
    assert qualitative.value.code == "inputs_invalid" and "定性指标" in qualitative.value.message
    with pytest.raises(CannotCompute) as absent:
        Evaluator({}, {}, grid=rows, grid_rules=NATIONAL_GRID, row_name="别的指标").evaluate(
            {"method": "grid_completion"}, 5)
    assert absent.value.code == "inputs_missing" and "没有名为「别的指标」的指标" in absent.value.message


# -- 3. banded deduction on top of a proportional score ---------------------------------------------------

def test_deduction_bands_must_join_without_gap_or_overlap():
    data = raw("anonymous-2022")
    bands = find(data, "execution_rate")["rule"]["over_deduction"]["bands"]
    bands[1]["min"] = 3.5
    assert ("bands_gap", "$.framework[0].children[0].children[0].rule.over_deduction.bands[1]") in problems(data)
    bands[1]["min"] = 2.5
    assert ("bands_overlap", "$.framework[0].children[0].children[0].rule.over_deduction.bands[1]") in problems(data)
    bands[1]["min"], bands[1]["fraction"] = 3, 1.5  # more than the whole weight
    assert [code for code, _ in problems(data)] == ["schema"]


def test_ratio_with_over_deduction_reads_like_the_rule():
    rule = {"method": "ratio", "value": {"ratio": {"num": "b", "den": "a"}},
            "over_deduction": {"bands": [{"min": 2, "max": 3, "fraction": 0.1}, {"min": 3, "max": 5, "fraction": 0.2},
                                         {"min": 5, "fraction": 0.3}]}}
    outcome = Evaluator({"a": 100, "b": 350}, {}).evaluate(rule, 20)
    assert outcome.score == 20 - 20 * 0.1
    assert outcome.text.endswith("超额 250%，属 [200%, 300%) 档，扣分值的 10%：20 − 20 × 10% = 18")
    assert award_range(rule, 20) == (0.0, 20.0)


# -- 4. optional sub-items sharing one weight -----------------------------------------------------------------

def test_choice_group_options_need_their_own_yes_no_flag_and_a_scaling_rule():
    data = raw("sichuan-2017")
    data["inputs"][0]["type"] = "amount"  # economic_applies
    group = "$.framework[1].level1[1].children[0].children[0]"
    assert ("checklist_input_type", f"{group}.children[0].applies") in problems(data)
    data = raw("sichuan-2017")
    options = data["framework"][1]["level1"][1]["children"][0]["children"][0]["children"]
    options[1]["applies"] = options[0]["applies"]
    options[2]["rule"] = {"method": "bands", "value": {"input": "ecological_rate"},
                          "bands": [{"max": 1, "points": 0}, {"min": 1, "points": 40}]}
    data["framework"][1]["level1"][1]["children"][0]["children"][0]["choose"]["max"] = 9
    found = problems(data)
    assert ("choice_invalid", f"{group}.children[1].applies") in found  # two options, one flag
    assert ("choice_invalid", f"{group}.children[2].rule") in found  # fixed points cannot follow the share
    assert ("choice_invalid", f"{group}.choose") in found  # at most 9 of 6


# -- 5. a level above 一级 ------------------------------------------------------------------------------------

def test_group_weights_add_up_and_existing_paths_stay():
    data = raw("sichuan-2017")
    data["framework"][0]["weight"] = 35
    data["framework"][1]["weight"] = 65
    found = problems(data)
    assert ("weights_children", "$.framework[0]") in found and ("weights_children", "$.framework[1]") in found
    groups = [(path, node["name"], group["name"]) for path, node, group in level1_nodes(load_profile("sichuan-2017").data)]
    assert groups[0] == ("$.framework[0].level1[0]", "项目决策", "共性指标")
    first = next(leaves(load_profile("shenzhen-yantian-2021").data))
    assert first.path == "$.framework[0].children[0].children[0]" and first.group is None


def test_group_header_row_is_not_read_as_an_indicator(tmp_path):
    data = json.loads((SAMPLES / "example_sichuan-2017_department.json").read_text("utf-8"))
    path = tmp_path / "c.xlsx"
    build_department_workbook(load_profile("sichuan-2017"), data).save(path)
    result = score_file(path, tmp_path / "out.xlsx").results[0]
    assert not [f for f in result.flags if f.code in ("indicator_unknown", "indicator_missing")]
    assert [i.label for i in result.items][:1] == ["必要性(政策依据)"]


# -- 6. cases comparing two amounts, 0/0, negatives, bands -------------------------------------------------------

def test_cases_must_say_what_zero_and_zero_give():
    data = raw("yueyang-2018")
    rule = find(data, "balance")["rule"]
    rule["cases"][0]["when"][0]["op"] = ">"       # 「无结余」 now never matches 0 → 0 and 0 unanswered
    found = [p for p in check_profile_data(data) if p.code == "cases_uncovered"]
    assert found and "两者均为 0" in found[0].message
    assert found[0].location == "$.framework[1].children[0].children[2].rule"


def test_zero_over_zero_is_declared_and_otherwise_refused():
    spec = {"ratio": {"num": "balance", "den": "carryover"}, "zero_over_zero": 0}
    ev = Evaluator({"balance": 0.0, "carryover": 0.0}, {"balance": {"label": "资金结余"}, "carryover": {"label": "上年结转"}})
    assert ev.measure(spec) == (0.0, "资金结余 ÷ 上年结转 = 0 ÷ 0：两者均为 0，按规则视为 0%")
    ev = Evaluator({"balance": 5.0, "carryover": 0.0}, {"carryover": {"label": "上年结转"}})
    with pytest.raises(ZeroDivisionError, match="规则只规定了 0 ÷ 0"):
        ev.measure(spec)


def test_a_negative_rate_and_a_value_outside_every_band_are_flagged_not_zero():
    with pytest.raises(CannotCompute) as negative:
        Evaluator({"a": -2.0, "b": 10.0}, {}).evaluate({"method": "ratio", "value": {"ratio": {"num": "a", "den": "b"}}}, 3)
    assert negative.value.code == "value_outside_rule" and "负数" in negative.value.message
    rule = find(raw("yueyang-2018"), "key_spending_rate")["rule"]
    with pytest.raises(CannotCompute) as outside:
        Evaluator({"key_spending": -10.0, "project_spending": 100.0}, {}).evaluate(rule, 5)
    assert "不在评分标准的任何一档内" in outside.value.message


def test_award_range_covers_the_new_methods():
    data = load_profile("yueyang-2018").data
    assert award_range(find(data, "balance")["rule"], 3) == (0.0, 3.0)
    assert award_range(find(load_profile("sichuan-2017").data, "social")["rule"], 20) == (0.0, 20.0)  # a share of 40
    assert award_range({"method": "grid_completion", "cap": None}, 10)[1] == float("inf")
    assert award_range({"method": "manual", "not_applicable": {"score": 12}}, 10) == (0.0, 12.0)
    data = raw("yueyang-2018")
    find(data, "balance")["rule"]["cases"][0]["points"] = 4  # a case above the weight
    assert ("rule_exceeds_weight", "$.framework[1].children[0].children[2].rule") in problems(data)


# -- 7. not applicable → full marks, only where the rule says so -------------------------------------------------

def with_building_rule(declared: bool) -> bytes:
    """The 岳阳 profile with 重点支出安排率 (5) replaced by a published rule that says what 不适用 gives:
    长沙市雨花区 2022 新建楼堂馆所面积控制率 5 分「100%以下(含)计满分,每超出5%扣2分,扣完为止。没有楼堂馆所
    项目的部门按满分计算」(tests/data/frameworks/notes.md §3)."""
    data = raw("yueyang-2018")
    data["id"] = "yueyang-2018-building"
    data["inputs"] += [{"id": "building_actual", "label": "新建楼堂馆所实际面积", "type": "number", "unit": "平方米"},
                       {"id": "building_approved", "label": "批复面积", "type": "number", "unit": "平方米"}]
    rule = {"method": "deduct_per_point", "value": {"ratio": {"num": "building_actual", "den": "building_approved"}},
            "limit": 1, "step": 0.05, "per_step": 2, "steps": "ceil", "full": 5, "floor": 0}
    if declared:
        rule["not_applicable"] = {"score": "full", "text": "没有楼堂馆所项目的部门按满分计算"}
    node = find(data, "key_spending_rate")
    node.update({"name": "新建楼堂馆所面积控制率", "rule": rule})
    data["inputs"] = [item for item in data["inputs"] if item["id"] not in ("key_spending", "project_spending")]
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("declared", [True, False])
def test_not_applicable_gives_full_marks_only_where_the_rule_says_so(tmp_path, declared):
    profile = profile_from_bytes(with_building_rule(declared), "building.json")
    data = json.loads((SAMPLES / "example_yueyang-2018_department.json").read_text("utf-8"))
    data["inputs"].update({"building_actual": "不适用", "building_approved": "不适用"})
    data["scores"].pop("key_spending_rate")
    path = tmp_path / "na.xlsx"
    build_department_workbook(profile, data).save(path)
    item = next(i for i in score_file(path, tmp_path / "out.xlsx", profile=profile).results[0].items
                if i.label == "新建楼堂馆所面积控制率")
    if declared:
        assert item.computed == 5
        assert ("本项不适用（「新建楼堂馆所实际面积」、「批复面积」填「不适用」）："
                "按评分标准「没有楼堂馆所项目的部门按满分计算」 → 5 分") in item.explanation
    else:
        assert item.computed is None  # 不适用 is not a number: never silently 0, never silently full
        flag = next(f for f in item.flags if f.code == "inputs_missing")
        assert "填「不适用」，但该指标的评分标准未规定不适用时如何计分" in flag.message


def test_the_published_building_rule_still_scores_when_it_applies(tmp_path):
    """Same rule with numbers: 1090 ÷ 1000 = 109% → 9 points over in steps of 5% → 2 steps (ceil) × 2 = 4 off."""
    profile = profile_from_bytes(with_building_rule(True), "building.json")
    outcome = Evaluator({"building_actual": 1090.0, "building_approved": 1000.0},
                        {item["id"]: item for item in profile["inputs"]}).evaluate(find(profile.data, "key_spending_rate")["rule"], 5)
    assert outcome.score == 5 - 2 * 2


def test_one_of_two_indicators_is_a_choice_group_with_max_1(tmp_path):
    """「二者择其一进行考核,按完成比例计算得分,满分为止」 (notes.md §2): two rows sharing 20 points;
    choosing one scores it for all 20, choosing both is refused (the 综合评分 left open)."""
    data = raw("sichuan-2017")
    data["inputs"] += [{"id": "a", "label": "结转结余率是否选用", "type": "yes_no"},
                       {"id": "b", "label": "结转结余变动率是否选用", "type": "yes_no"},
                       {"id": "x", "label": "结转结余率完成比例", "type": "percent"},
                       {"id": "y", "label": "结转结余变动率完成比例", "type": "percent"}]
    level2 = data["framework"][1]["level1"][1]["children"][0]
    level2["children"][1] = {"id": "one_of_two", "name": "结转结余（二者择其一）", "weight": 10, "choose": {"max": 1},
                             "children": [{"id": "rate", "name": "结转结余率", "applies": "a",
                                           "rule": {"method": "ratio", "value": {"input": "x"}, "cap": 1}},
                                          {"id": "change", "name": "结转结余变动率", "applies": "b",
                                           "rule": {"method": "ratio", "value": {"input": "y"}, "cap": 1}}]}
    assert problems(data) == []
    sample = json.loads((SAMPLES / "example_sichuan-2017_department.json").read_text("utf-8"))
    sample["scores"].pop("client_satisfaction")
    sample["inputs"].update({"a": "是", "b": "否", "x": 0.9})
    profile = profile_from_bytes(json.dumps(data).encode("utf-8"), "one-of-two.json")
    path = tmp_path / "one.xlsx"
    build_department_workbook(profile, sample).save(path)
    items = {i.label: i for i in score_file(path, tmp_path / "o.xlsx", profile=profile).results[0].items}
    assert items["结转结余率"].computed == pytest.approx(10 * 0.9) and items["结转结余变动率"].computed == 0
    sample["inputs"].update({"b": "是", "y": 1.0})
    build_department_workbook(profile, sample).save(path)
    result = score_file(path, tmp_path / "o.xlsx", profile=profile).results[0]
    assert result.total_computed is None
    assert any("规则只允许选 1 项" in f.message for i in result.items for f in i.flags)


def test_every_example_profile_is_clean():
    for profile_id in ("dazhou-undated", "anonymous-2022", "sichuan-2017", "yueyang-2018"):
        assert check_profile_data(raw(profile_id)) == [], profile_id
    assert [d.name for d in department_lists(load_profile("anonymous-2022").data)] == ["产出", "效益"]
