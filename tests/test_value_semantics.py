"""No silent wrong score: the cases that used to be scored wrongly without a word, typed into
forms of our own, and the one-total rule (the sheet shows what the report says)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from toolkit.core.pairing import compare
from toolkit.core.values import parse_indicator_value
from toolkit.forms.project.template import build_workbook
from toolkit.service import score_file
from toolkit.workbook.edits import summary_line

from .test_rules import NATIONAL, filler, project, row, score

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))
QUANTITATIVE = NATIONAL["quantitative"]


def codes(item) -> set[str]:
    return {flag.code for flag in item.flags}


def test_cost_row_without_comparator_is_a_ceiling_and_says_so(tmp_path):
    result = score(tmp_path, project([row("50000.00元", "55000.00元", 10, level2="成本指标", level3="设备采购成本"),
                                      filler(80)]))
    cost = result.items[1]
    assert cost.computed == pytest.approx(9.09)  # 50000 ÷ 55000 × 10: an overrun costs points
    assert "按「不高于 ≤」计（由指标名称推断）" in cost.explanation
    [inferred] = [f for f in cost.flags if f.code == "direction_inferred"]
    assert inferred.severity == "info" and inferred.cell == "E13" and "成本指标" in inferred.message
    # The same row outside 成本 stays "at least" (the rule's default), stated in the explanation.
    plain = score(tmp_path, project([row("50000.00元", "55000.00元", 90, level3="资金规模")])).items[1]
    assert plain.computed == 90 and "未写比较符" in plain.explanation and "direction_inferred" not in codes(plain)


def test_words_give_the_direction(tmp_path):
    result = score(tmp_path, project([row("控制在30万元以内", "35万元", 30, level3="费用"),
                                      row("不低于95%", "90%", 30, level3="完成率"),
                                      row("降低10%", "8%", 30, level3="差错率")]))
    ceiling, floor, ambiguous = result.items[1:4]
    assert ceiling.computed == pytest.approx(25.71)  # 30 ÷ 35 × 30
    assert floor.computed == pytest.approx(28.42)
    assert ambiguous.computed is None and "direction_ambiguous" in codes(ambiguous)


def test_bare_actual_takes_the_targets_unit_and_scale(tmp_path):
    result = score(tmp_path, project([row("≤30万元", "35", 90, level2="成本指标", level3="维修费用")]))
    cost = result.items[1]
    assert cost.computed == pytest.approx(77.14)  # 300000 ÷ 350000 × 90, never "35 元 ≤ 30 万元"
    [assumed] = [f for f in cost.flags if f.code == "unit_assumed"]
    assert "35万元" in assumed.message and assumed.cell == "F13"


def test_a_sentence_with_one_number_is_read_and_said(tmp_path):
    result = score(tmp_path, project([row("≥95%", "经抽样调查，服务对象满意度高于90%", 20, level2="服务对象满意度指标",
                                          level3="服务对象满意度"),
                                      row("≥40万人次", "全年累计服务8万余人次", 70, level3="服务人次")]))
    satisfaction, served = result.items[1:3]
    assert satisfaction.computed == pytest.approx(18.95)  # 90 ÷ 95 × 20
    [taken] = [f for f in satisfaction.flags if f.code == "number_from_text"]
    assert "90%" in taken.message and "高于" in taken.message and taken.severity == "info"
    assert served.computed == pytest.approx(14)  # 8万 ÷ 40万 × 70, with no length limit on the words


def test_a_sentence_with_two_numbers_takes_the_one_whose_unit_matches(tmp_path):
    result = score(tmp_path, project([row("29台", "完成，2021年采购8台台式机，花费3万元", 90, level3="采购数量")]))
    item = result.items[1]
    assert item.computed == pytest.approx(24.83)  # 8 ÷ 29 × 90
    [taken] = [f for f in item.flags if f.code == "number_from_text"]
    assert "「8台」" in taken.message and "「3万元」" in taken.message
    two_of_a_kind = score(tmp_path, project([row("29台", "采购8台台式机，另有3台待交付", 90)])).items[1]
    assert two_of_a_kind.computed is None and "judgement_required" in codes(two_of_a_kind)


def test_a_typed_score_on_an_unreadable_row_is_the_rows_score(tmp_path):
    result = score(tmp_path, project([row("90-95%", "93%", 20, score=18, reason="按区间中值评分", level3="合格率"),
                                      filler(70)]))
    item = result.items[1]
    assert item.computed == 18 and item.method == "manual"
    assert {f.code: f.severity for f in item.flags} == {"unparseable_value": "warning", "manual_score": "info"}
    assert result.total_computed == 98  # 10 + 18 + 70: the total is computed
    unscored = score(tmp_path, project([row("90-95%", "93%", 20, level3="合格率"), filler(70)]))
    assert unscored.items[1].computed is None and unscored.total_computed is None


def test_activity_on_a_satisfaction_row_is_not_a_result(tmp_path):
    result = score(tmp_path, project([row("≥90%", "已组织满意度调查", 20, level1="满意度指标",
                                          level2="服务对象满意度指标", level3="服务对象满意度"),
                                      row("及时", "已开展及时性测评", 20, level3="办理及时性"),
                                      row("有效", "效果显著", 10, level3="成效"),
                                      row("按期完成", "已实现目标", 10, level3="进度"), filler(30)]))
    survey, activity, claim, done = result.items[1:5]
    for item in (survey, activity, claim):
        assert item.computed is None and "judgement_required" in codes(item)
    assert "开展了工作" in activity.explanation and "不是数值" in survey.explanation
    assert done.computed == 10 and "score_proposed" in codes(done)  # a closed-list attainment phrase


def test_the_sheet_shows_the_reports_total_on_every_sample(tmp_path):
    """A blank total is filled with the sum of the scores the sheet shows; the report says that
    number (``total.shown``) beside the rule's, and the console line names both."""
    for sample in SAMPLES:
        out = tmp_path / sample.name
        outcome = score_file(sample, out, json_path=tmp_path / f"{sample.stem}.json")
        wb = load_workbook(out)
        for form in outcome.report["forms"]:
            result = next(r for r in outcome.results if r.sheet == form["sheet"])
            if not result.total_cell:
                continue
            assert wb[form["sheet"]][result.total_cell].value == form["total"]["shown"], (sample.name, form["name"])


def test_a_blank_total_after_a_wrong_typed_score_shows_both_numbers(tmp_path):
    data = project([row("10宗", "10宗", 90, score=90)])
    data["funds"]["total"]["score"] = 0  # typed 0, the rule gives 10
    path = tmp_path / "form.xlsx"
    build_workbook([data]).save(path)
    outcome = score_file(path, tmp_path / "out.xlsx")
    [result] = outcome.results
    sheet = load_workbook(tmp_path / "out.xlsx")["项目1"]
    assert result.total_computed == 100 and result.total_shown == 90
    assert sheet[result.total_cell].value == 90 == outcome.report["forms"][0]["total"]["shown"]
    grade_ref = outcome.book.forms[0].fields["grade"].ref
    assert outcome.report["forms"][0]["grade_shown"] == "优" == sheet[grade_ref].value  # the band of 90
    assert "总分 100（表中按各项得分填入 90）" in summary_line(result)
    assert any(f.code == "total_mismatch" for f in result.flags)


# -- properties ---------------------------------------------------------------------------

UNITS = ["元", "份", "人", "人次", "页", "台", "次"]


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(1, 99999), unit=st.sampled_from(UNITS), wan=st.booleans())
def test_wan_scaling_round_trips(amount, unit, wan):
    text = f"{amount}{'万' if wan else ''}{unit}"
    parsed = parse_indicator_value(text)
    assert parsed.number == amount * (10_000 if wan else 1) and parsed.unit == unit
    assert parsed.unit_label == ("万" if wan else "") + unit
    assert parse_indicator_value(f"{parsed.number / parsed.scale:g}{parsed.unit_label}").number == parsed.number


@settings(max_examples=150, deadline=None)
@given(target=st.integers(1, 9999), bare=st.integers(0, 99999), unit=st.sampled_from(UNITS + ["%"]),
       wan=st.booleans(), comparator=st.sampled_from(["", "≥", "≤"]))
def test_a_bare_number_never_gets_a_unit_the_other_side_contradicts(target, bare, unit, wan, comparator):
    scale = "万" if wan and unit != "%" else ""
    reading = compare(parse_indicator_value(f"{comparator}{target}{scale}{unit}"),
                      parse_indicator_value(str(bare)), "数量指标", QUANTITATIVE)
    assert reading.problem is None
    factor = 10_000 if scale else 1
    assert reading.actual == bare * factor and reading.target == target * factor  # same unit, same scale
    assert [n.code for n in reading.notes] == ["unit_assumed"]
    other = "人" if unit != "人" else "台"
    mismatch = compare(parse_indicator_value(f"{target}{unit}"), parse_indicator_value(f"{bare}{other}"),
                       "数量指标", QUANTITATIVE)
    assert mismatch.problem is not None and mismatch.problem.code == "unit_mismatch"


def test_a_form_without_any_weight_is_checked_as_a_completion_table(tmp_path):
    """绩效目标完成情况表: statuses, the execution rate, the same flags — and no invented total."""
    data = project([row("≥14宗", "24宗", None, level3="案件调查数"),
                    row("≤30万元", "35", None, level2="成本指标", level3="调查费用"),
                    row("及时", "及时", None, level2="时效指标", level3="办理及时")], budget=100.0, actual=87.0)
    data["funds"]["total"]["weight"] = None  # a completion table has no 分值 column values
    result = score(tmp_path, data)
    execution, count, cost, timely = result.items
    assert result.total_computed is None and result.grade is None
    assert execution.status == "执行率 87%" and execution.computed is None
    assert (count.status, timely.status) == ("达成", "达成")
    assert cost.status == "未达成（完成 85.71%，超出上限 5万元）"  # 30万 ÷ 35万 of a ceiling
    assert cost.status_code == "not_met" and "ceiling_exceeded" in codes(cost)
    assert {"over_achievement"} <= codes(count) and {"unit_assumed", "reason_missing"} <= codes(cost)
    assert any(f.code == "completion_only" for f in result.flags)
    assert not [f for f in result.flags if f.code in ("missing_value", "weights_total", "total_incomplete")]
    # One weight typed switches the form back to points (and the blanks are errors again).
    data["indicators"][0]["weight"] = 90
    pointed = score(tmp_path, data)
    assert pointed.items[1].computed == 90 and any(f.code == "missing_value" for f in pointed.flags)
