"""The seed-003 facts of the domain brief, asserted on the sample workbook scored by the profile
it records, `shenzhen` (the national rule with Shenzhen's two-decimal execution rate).

The sample is the eight published forms entered exactly as published (published scores and
totals included); the Shenzhen rule must reproduce the brief's 'by the rule' column and flag
each published slip in its cell. Scored by `national` (the 一体化系统: the rate is not rounded
first) the clerks' two-decimal execution scores are infos, not errors.
"""

from __future__ import annotations

import json
import re

import pytest

from toolkit.core.profile import load_profile
from toolkit.service import read_workbook, resolve_profile
from toolkit.forms.project.scoring import score_form

from .conftest import ROOT, SAMPLE, SEED003_TEXT

# project → (published total, total by the rule): the domain brief's table.
BRIEF = {
    "社会保险转移接续工作外包服务": (98, 100),
    "社保业务公众服务经费": (96.1, 97.59),
    "案件调查取证费": (91.9, 91.9),
    "零星购置费": (99.6, 99.7),
    "零星修缮": (96.8, 96.8),
    "社保关系转移业务邮寄费": (97.4, 98.64),
    "政府采购": (83.95, 83.96),
    "社保业务档案管理外包": (92, 91.66),
}


@pytest.fixture(scope="module")
def results():
    book = read_workbook(SAMPLE)
    profile = resolve_profile(book)  # what the sample records
    assert profile.id == "shenzhen" and profile["execution_rate"]["rate_decimals"] == 2
    return {form.name: score_form(form, profile) for form in book.forms}


@pytest.fixture(scope="module")
def national():
    book = read_workbook(SAMPLE)
    return {form.name: score_form(form, load_profile("national")) for form in book.forms}


def flags_at(result, cell, code=None):
    return [f for f in result.flags if f.cell == cell and (code is None or f.code == code)]


def item(result, label):
    return next(i for i in result.items if i.label == label)


def test_sample_has_the_eight_projects_in_order(results):
    assert list(results) == list(BRIEF)


@pytest.mark.parametrize("name", list(BRIEF))
def test_totals_match_the_brief(results, name):
    published, by_rule = BRIEF[name]
    result = results[name]
    assert result.total_entered == pytest.approx(published)
    assert result.total_computed == pytest.approx(by_rule)


def test_published_totals_in_the_sample_are_those_of_the_seed_text():
    """The sample data really is the published document: each total appears in the seed."""
    text = SEED003_TEXT.read_text("utf-8")
    data = json.loads((ROOT / "samples" / "seed003_projects.json").read_text("utf-8"))
    blocks = text.split("项目支出绩效自评表")[1:]
    assert len(blocks) == len(data["projects"]) == 8
    for block, project in zip(blocks, data["projects"]):
        assert project["project_name"] in block
        total_line = next(line for line in block.splitlines() if line.strip().startswith("总分"))
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", total_line)]
        assert numbers[-1] == pytest.approx(project["total_score"])


def test_case_investigation_agrees_with_published_and_wants_an_over_achievement_reason(results):
    result = results["案件调查取证费"]
    assert result.total_computed == pytest.approx(91.9) == result.total_entered
    assert not [f for f in result.flags if f.severity == "error"]
    over = [f for f in result.flags if f.code == "over_achievement"]
    assert len(over) == 1 and "171.43%" in over[0].message and over[0].cell == "I13"
    # "100" without % against "100%": computed as 100% but never silently.
    assumed = flags_at(result, "F14", "unit_assumed")
    assert assumed and item(result, "案件调查完成率").computed == 10


def test_government_procurement_quantity_is_2_76_flagged_against_2_75(results):
    result = results["政府采购"]
    quantity = item(result, "采购办公设备计划数")
    assert (quantity.computed, quantity.entered) == (2.76, 2.75)
    [flag] = flags_at(result, "H13", "score_mismatch")
    assert flag.severity == "error"
    assert "8 ÷ 29 × 10 = 2.76" in flag.message and "2.75" in flag.message


def test_public_service_execution_rate_is_0_87_flagged(results):
    result = results["社保业务公众服务经费"]
    assert result.execution_rate == pytest.approx(0.87)
    [rate_flag] = flags_at(result, "G6", "rate_mismatch")
    assert "0.86" in rate_flag.message and "0.8693 → 0.87" in rate_flag.message
    execution = item(result, "预算执行率")
    assert (execution.computed, execution.entered) == (8.7, 8.6)
    assert flags_at(result, "H6", "score_mismatch")
    # 25 ÷ 27 × 15 = 13.89, as written.
    staffing = item(result, "劳务派遣人员到岗率")
    assert staffing.computed == staffing.entered == 13.89
    assert "25 ÷ 27 × 15 = 13.89" in staffing.explanation
    # ≤100% with 86% is met: the clerk's 8.6 is kept and shown as a deduction, not replaced.
    cost = item(result, "预算成本控制率")
    assert (cost.computed, cost.entered) == (10, 8.6)
    assert [f.code for f in cost.flags] == ["manual_deduction"]


def test_transfer_outsourcing_manual_deduction_is_kept_and_explained(results):
    result = results["社会保险转移接续工作外包服务"]
    satisfaction = item(result, "参保人对转移的数据录入基本满意")
    assert (satisfaction.computed, satisfaction.entered, satisfaction.standing) == (20, 18, 18)
    [flag] = satisfaction.flags
    assert flag.code == "manual_deduction" and flag.severity == "info"  # a reason was written
    assert "人工扣 2" in flag.message


def test_repairs_qualitative_cost_score_is_an_accepted_manual_score(results):
    result = results["零星修缮"]
    cost = item(result, "预算成本控制率")
    assert cost.method == "qualitative_manual" and cost.computed == cost.entered == 8.4
    assert [f.code for f in cost.flags] == ["manual_score_accepted"]
    assert "达成年度指标" in cost.flags[0].message
    assert result.total_computed == result.total_entered == 96.8


def test_mailing_quantity_uses_wan_scaling(results):
    quantity = item(results["社保关系转移业务邮寄费"], "联系函、信息表邮寄量")
    assert quantity.computed == 9.94 and quantity.entered == 10
    assert "305000 ÷ 306800 × 10 = 9.94" in quantity.explanation


def test_archives_quantity_15_66_against_written_16(results):
    quantity = item(results["社保业务档案管理外包"], "纸质档案数量；补扫描电子档案数量")
    assert (quantity.computed, quantity.entered) == (15.66, 16)
    assert quantity.flags[0].code == "score_mismatch"


def test_cost_control_applied_three_ways_is_made_consistent(results):
    """≤100% with 19%, 86%, 99%: the rule gives full marks every time."""
    for name, actual in (("案件调查取证费", 19), ("社保业务公众服务经费", 86), ("零星购置费", 99)):
        cost = next(i for i in results[name].items if "成本控制率" in i.label)
        assert cost.computed == 10, (name, actual)
        assert cost.method == "reverse_met"


def test_score_below_weight_without_reason_is_flagged(results):
    result = results["零星购置费"]
    [flag] = flags_at(result, "I16", "reason_missing")
    assert "9.9" in flag.message


def test_grades(results):
    assert results["政府采购"].grade == "良"
    assert all(r.grade == "优" for name, r in results.items() if name != "政府采购")


def test_shenzhen_weights_are_those_the_seed_forms_add_up_to():
    """The shenzhen profile's 一级 weights (prefilled by its template) are what every seed-003 form's
    indicator weights add up to: 产出 50, 效益 20, 满意度 20."""
    data = json.loads((ROOT / "samples" / "seed003_projects.json").read_text("utf-8"))
    assert data["profile"] == "shenzhen"
    weights = load_profile("shenzhen")["level1_weights"]
    for project in data["projects"]:
        sums: dict[str, float] = {}
        for indicator in project["indicators"]:
            sums[indicator["level1"]] = sums.get(indicator["level1"], 0) + indicator["weight"]
        assert sums == weights, project["project_name"]
    assert sum(weights.values()) + load_profile("shenzhen")["execution_rate"]["weight"] == 100


def test_national_rounds_the_rate_once_and_takes_the_clerks_two_decimal_rates_as_a_convention(national):
    """The 一体化系统 rule: 44594 ÷ 230000 = 0.1939 × 10 = 1.94; the clerk's 1.9 (0.19 × 10) is what the
    two-decimal convention gives: an info naming both conventions, not an error."""
    result = national["案件调查取证费"]
    execution = item(result, "预算执行率")
    assert (execution.computed, execution.entered) == (1.94, 1.9)
    [flag] = execution.flags
    assert (flag.code, flag.severity, flag.cell) == ("rounding_convention", "info", "H6")
    assert "执行率先保留 2 位小数再乘分值" in flag.message and "0.1939 → 0.19 × 10 = 1.9" in flag.message
    assert "执行率不先舍入" in flag.message and "1.94" in flag.message
    assert result.total_computed == pytest.approx(91.94)
    assert not [f for f in result.flags if f.severity == "error"]
    # A slip under both conventions stays an error: 0.8693 × 10 = 8.69 (0.87 × 10 = 8.7), written 8.6.
    public = item(national["社保业务公众服务经费"], "预算执行率")
    assert (public.computed, public.entered) == (8.69, 8.6)
    assert [f.code for f in public.flags] == ["rate_mismatch", "score_mismatch"]
    expected = {"社会保险转移接续工作外包服务": 10, "零星购置费": 9.88, "零星修缮": 8.4, "社保关系转移业务邮寄费": 8.73,
                "政府采购": 1.16, "社保业务档案管理外包": 7.98}
    assert {name: item(national[name], "预算执行率").computed for name in expected} == expected
