"""Rule profiles: schema and semantic checks, and every knob changing the score as documented."""

from __future__ import annotations

import copy
import json

import pytest

from toolkit.cli import main
from toolkit.core.profile import Profile, ProfileError, check_profile_data, load_profile
from toolkit.service import read_workbook
from toolkit.forms.project.scoring import score_form
from toolkit.forms.project.template import build_workbook

NATIONAL = load_profile("national")


def profile_with(**changes) -> Profile:
    """The national profile with some knobs changed, validated like any profile file."""
    data = copy.deepcopy(NATIONAL.data)
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("__")
        for key in path:
            node = node[key]
        node[last] = value
    problems = [p for p in check_profile_data(data) if p.severity == "error"]
    assert not problems, problems
    return Profile(data=data, source="test", sha256="0" * 64)


def project(indicators, budget=100.0, actual=100.0):
    return {
        "sheet": "项目1", "project_name": "测试项目", "year": 2021,
        "funds": {"total": {"initial": budget, "budget": budget, "actual": actual, "weight": 10},
                  "appropriation": {"budget": budget, "actual": actual}},
        "indicators": indicators,
    }


def score(tmp_path, data, profile=NATIONAL):
    path = tmp_path / "form.xlsx"
    build_workbook([data]).save(path)
    [form] = read_workbook(path).forms
    return score_form(form, profile)


def row(target, actual, weight, score=None, reason=None, level1="产出指标", level2="数量指标", level3="指标"):
    return {"level1": level1, "level2": level2, "level3": level3, "target": target, "actual": actual,
            "weight": weight, "score": score, "reason": reason}


def filler(weight):
    # a plainly met qualitative row (not named 满意度: a 满意度 row needs a number)
    return row("及时", "及时", weight, level1="满意度指标", level2="", level3="投诉回应及时")


# -- profile checks -------------------------------------------------------------------

def test_national_profile_is_valid_and_listed(capsys):
    assert check_profile_data(NATIONAL.data) == []
    assert main(["profile", "list"]) == 0
    assert "national" in capsys.readouterr().out


def test_schema_errors_carry_their_json_path():
    data = copy.deepcopy(NATIONAL.data)
    data["quantitative"]["reverse"]["method"] = "square"
    [problem] = check_profile_data(data)
    assert problem.code == "schema" and problem.location == "$.quantitative.reverse.method"


@pytest.mark.parametrize("tiers, code", [
    ([{"id": "a", "label": "甲", "min": 80, "max": 100}, {"id": "b", "label": "乙", "min": 0, "max": 70}],
     "bands_gap"),
    ([{"id": "a", "label": "甲", "min": 70, "max": 100}, {"id": "b", "label": "乙", "min": 0, "max": 80}],
     "bands_overlap"),
    ([{"id": "a", "label": "甲", "min": 0, "max": 90}], "bands_gap"),
])
def test_tiers_must_cover_0_to_100(tiers, code):
    data = copy.deepcopy(NATIONAL.data)
    data["qualitative"]["tiers"] = tiers
    problems = check_profile_data(data)
    assert [p.code for p in problems] == [code]
    assert problems[0].location.startswith("$.qualitative.tiers")


def test_weights_must_add_up_and_grades_cover(tmp_path, capsys):
    data = copy.deepcopy(NATIONAL.data)
    data["level1_weights"]["效益指标"] = 20
    data["grades"] = [g for g in data["grades"] if g["grade"] != "中"]  # leaves [60, 80) undefined
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["profile", "check", str(path)]) == 3
    out = capsys.readouterr().err  # errors go to stderr
    assert "应为 100" in out and "[60, 80)" in out
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert len(error.value.problems) == 2
    assert main(["score", "samples/seed003_项目支出绩效自评表.xlsx", "--profile", str(path)]) == 3


def test_unknown_profile_name_lists_the_builtins(capsys):
    assert main(["score", "samples/seed003_项目支出绩效自评表.xlsx", "--profile", "hubei"]) == 3
    assert "national" in capsys.readouterr().err  # errors go to stderr


# -- knobs ----------------------------------------------------------------------------

def test_reverse_formula_ratio_and_linear(tmp_path):
    data = project([row("≤100%", "120%", 50, level2="成本指标"), filler(40)])
    ratio = score(tmp_path, data)
    assert ratio.items[1].computed == 41.67 and ratio.items[1].method == "reverse_ratio"
    linear = score(tmp_path, data, profile_with(quantitative__reverse={"method": "linear_to_zero",
                                                                        "zero_at_multiple": 2.0}))
    assert linear.items[1].computed == 40.0 and linear.items[1].method == "reverse_linear"


def test_positive_equal_and_full_width(tmp_path):
    result = score(tmp_path, project([row("≧９５％", "９０％", 30), row("=4次", "5次", 30, level3="会议"),
                                      filler(30)]))
    assert result.items[1].computed == 28.42          # 90 ÷ 95 × 30
    assert result.items[2].computed == 30              # 等于: otherwise as 正向
    strict = score(tmp_path, project([row("=4次", "5次", 90)]), profile_with(quantitative__equal="all_or_nothing"))
    assert strict.items[1].computed == 0


def test_qualitative_tiers_are_a_knob(tmp_path):
    # 部分 → the partial tier: 60–80% nationally, 50–80% with Hubei's 80/50 tiers.
    data = project([row("及时", "部分及时", 10, score=5.5, reason="人手不足"), filler(80)])
    national = score(tmp_path, data)
    assert [f.code for f in national.items[1].flags] == ["manual_score_outside_tier"]
    hubei = profile_with(qualitative__tiers=[
        {"id": "met", "label": "达成年度指标", "min": 80, "max": 100},
        {"id": "partial", "label": "部分达成并具有一定效果", "min": 50, "max": 80},
        {"id": "not_met", "label": "未达成且效果较差", "min": 0, "max": 50}])
    accepted = score(tmp_path, data, hubei)
    assert accepted.items[1].computed == 5.5
    assert [f.code for f in accepted.items[1].flags] == ["manual_score_accepted"]


def test_qualitative_blank_score_is_proposed_only_when_plainly_met(tmp_path):
    result = score(tmp_path, project([row("合格", "100%", 10), row("有效保障", "基本保障", 10, level3="保障"),
                                      filler(70)]))
    met, judged = result.items[1], result.items[2]
    assert met.computed == 10 and result.fills[met.cell] == 10
    assert judged.computed is None and judged.flags[0].code == "judgement_required"
    assert "6–8" in judged.flags[0].message  # partial tier range for a 10-point indicator


def test_over_achievement_explain_or_deduct(tmp_path):
    data = project([row("10宗", "15宗", 40), filler(50)])
    explained = score(tmp_path, data)
    assert explained.items[1].computed == 40
    assert explained.items[1].flags[0].code == "over_achievement"
    deducting = profile_with(over_achievement={"trigger_ratio": 1.3, "consequence": "deduct",
                                               "deduct_fraction": 0.1})
    deducted = score(tmp_path, data, deducting)
    assert deducted.items[1].computed == 36
    assert {f.code for f in deducted.items[1].flags} == {"over_achievement_deducted", "over_achievement",
                                                         "reason_missing"}


def test_not_applicable_zero_weight_or_rescale(tmp_path):
    data = project([row("10宗", "5宗", 45), row("不适用", "不适用", 0, level3="不适用"), filler(45)])
    assert score(tmp_path, data).items[1].computed == 22.5
    data = project([row("10宗", "5宗", 40), row("不适用", "不适用", 10, level3="不适用"), filler(40)])
    zero = score(tmp_path, data)
    assert zero.items[2].flags[0].code == "na_with_weight"
    rescaled = score(tmp_path, data, profile_with(not_applicable={"mode": "rescale"}))
    # the 不适用 row's 10 points are spread over the others: 40 × 90 ÷ 80 = 45
    assert rescaled.items[1].weight == 45 and rescaled.items[1].computed == 22.5
    assert rescaled.items[3].weight == 45 and rescaled.total_computed == 10 + 22.5 + 0 + 45
    assert not any(f.code == "weights_total" for f in rescaled.flags)


def test_execution_rate_cap_and_total_cap(tmp_path):
    data = project([row("10宗", "10宗", 90)], budget=100.0, actual=65.0)
    plain = score(tmp_path, data)
    assert plain.items[0].computed == 6.5 and plain.total_computed == 96.5
    capped = score(tmp_path, data, profile_with(total_cap_by_execution=[
        {"rate_min": 0.6, "rate_max": 0.7, "max_total": 79}, {"rate_min": 0.7, "rate_max": 0.8, "max_total": 89}]))
    assert capped.total_computed == 79 and any(f.code == "total_capped" for f in capped.flags)
    over = score(tmp_path, project([row("10宗", "10宗", 90)], budget=100.0, actual=120.0),
                 profile_with(execution_rate={"weight": 10, "rate_decimals": 2, "cap_rate": 0.9}))
    assert over.items[0].computed == 9.0


def test_grade_bands_and_rounding_are_knobs(tmp_path):
    data = project([row("3台", "2台", 90)])
    result = score(tmp_path, data)
    assert result.items[1].computed == 60 and result.grade == "中"
    strict = profile_with(grades=[{"grade": "优", "min": 80, "max": 100}, {"grade": "良", "min": 70, "max": 80},
                                  {"grade": "中", "min": 60, "max": 70}, {"grade": "差", "min": 0, "max": 60}])
    assert score(tmp_path, data, strict).grade == "良"
    down = score(tmp_path, project([row("3台", "2台", 10), filler(80)]),
                 profile_with(rounding={"decimals": 1, "mode": "down"}))
    assert down.items[1].computed == 6.6


def test_unit_mismatch_is_flagged_not_guessed(tmp_path):
    result = score(tmp_path, project([row("≥300人", "280人次", 90)]))
    [flag] = result.items[1].flags
    assert flag.code == "unit_mismatch" and "人" in flag.message and "人次" in flag.message
    assert result.items[1].computed is None and result.total_computed is None


def test_weights_not_adding_up_and_total_not_sum(tmp_path):
    data = project([row("10宗", "10宗", 80)])
    data["total_score"] = 95
    result = score(tmp_path, data)
    codes = {(f.code, f.cell) for f in result.flags}
    assert ("weights_total", "G14") in codes and ("total_not_sum", "H14") in codes
    assert "10 + 80 = 90" in next(f.message for f in result.flags if f.code == "weights_total")


def test_fund_total_zero_is_recomputed_from_sub_rows(tmp_path):
    data = project([row("10宗", "10宗", 90)])
    data["funds"]["total"].update(budget=0, actual=0)
    data["funds"]["appropriation"] = {"budget": 80.0, "actual": 60.0}
    data["funds"]["other"] = {"budget": 20.0, "actual": 20.0}
    result = score(tmp_path, data)
    assert result.execution_rate == 0.8 and result.items[0].computed == 8
    flags = [f for f in result.flags if f.code == "fund_total_mismatch"]
    assert {f.cell for f in flags} == {"D6", "E6"}
    assert "80.00 + 0.00 + 20.00 = 100.00" in flags[0].message


def test_unparseable_values_and_sub_row_rates_are_flagged_in_their_cells(tmp_path):
    data = project([row("90-95%", "93%", 90)])
    data["funds"]["appropriation"]["rate"] = 0.9
    result = score(tmp_path, data)
    [flag] = result.items[1].flags
    assert flag.code == "unparseable_value" and flag.cell == "E13" and "90-95%" in flag.message
    assert any(f.code == "rate_mismatch" and f.cell == "G7" and "应为 1" in f.message for f in result.flags)


# -- invariants ------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from toolkit.forms.project.model import CellValue, FundRow, IndicatorRow, ProjectForm  # noqa: E402

VALUE_TEXT = st.one_of(
    st.sampled_from(["≥95%", "≤100%", "100%", "86%", "27人", "25人次", "30.68万份", "30.5万份", "及时",
                     "部分完成", "未完成", "不适用", "合格", "=4次", "5次", "100", "0", "", "约 24000 份"]),
    st.text(max_size=12),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from(["≤-5%", "≥-5%", "-10%", "0%", "≤0", "0台", "-3台"]),
)
SCORE = st.one_of(st.none(), st.floats(min_value=-5, max_value=150, allow_nan=False), st.text(max_size=4))


def model_form(rows, budget, actual) -> ProjectForm:
    """A ProjectForm built directly (no workbook), as any reader would produce it."""
    def cell(ref, value=None):
        return CellValue(ref, value)

    fields = {key: cell(f"Z{n}") for n, key in enumerate(
        ["year", "money_unit", "project_name", "project_amount", "department", "implementer", "goal_expected",
         "goal_actual", "total_weight", "total_score", "grade", "weight_output", "weight_benefit",
         "weight_satisfaction", "preparer", "phone", "fill_date"], start=1)}
    funds = {key: FundRow(key, cell(f"B{r}", key), cell(f"C{r}"), cell(f"D{r}", budget if key == "total" else None),
                          cell(f"E{r}", actual if key == "total" else None), cell(f"F{r}", 10 if key == "total" else None),
                          cell(f"G{r}"), cell(f"H{r}")) for r, key in enumerate(["total", "appropriation", "carryover",
                                                                                  "other"], start=6)}
    indicators = [IndicatorRow(13 + i, "产出指标", "数量指标", cell(f"D{13 + i}", f"指标{i}"), cell(f"E{13 + i}", target),
                               cell(f"F{13 + i}", actual_value), cell(f"G{13 + i}", weight), cell(f"H{13 + i}", score),
                               cell(f"I{13 + i}"), f"J{13 + i}", f"K{13 + i}")
                  for i, (target, actual_value, weight, score) in enumerate(rows)]
    return ProjectForm("项目1", fields, funds, indicators, "J6", "K6", "J30", "K30")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(VALUE_TEXT, VALUE_TEXT, st.sampled_from([0, 5, 10, 20, 45.5]), SCORE), max_size=6),
       budget=st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False), st.text(max_size=5)),
       actual=st.one_of(st.none(), st.floats(min_value=0, max_value=2e9, allow_nan=False)),
       reverse=st.sampled_from(["ratio", "linear_to_zero"]))
def test_any_form_scores_without_raising_and_no_rule_exceeds_its_weight(rows, budget, actual, reverse):
    profile = profile_with(quantitative__reverse={"method": reverse, "zero_at_multiple": 2.0}) \
        if reverse != "ratio" else NATIONAL
    result = score_form(model_form(rows, budget, actual), profile)
    for item in result.items:
        if item.computed is not None:
            assert 0 <= item.computed <= item.weight + 1e-9, item
        assert all(flag.message and flag.code for flag in item.flags)
    if result.total_computed is not None:
        assert 0 <= result.total_computed <= 100 + 1e-9 or any(f.code == "weights_total" for f in result.flags)
        if result.grade is None:
            assert result.total_computed > 100 or any(f.code == "grade_undefined" for f in result.flags)


def test_zero_and_negative_targets_need_a_person(tmp_path):
    result = score(tmp_path, project([row("≤-5%", "2%", 50, level2="成本指标"), filler(40)]))
    exceeded, flag = result.items[1].flags  # 2% is above the ceiling of −5% whatever a person scores
    assert exceeded.code == "ceiling_exceeded" and "超出 7 个百分点" in exceeded.message
    assert flag.code == "judgement_required" and "负数" in flag.message and result.items[1].computed is None
    judged = score(tmp_path, project([row("≥-5%", "-10%", 50, score=30, reason="降幅未达目标"), filler(40)]))
    assert judged.items[1].computed == 30 and judged.items[1].method == "quantitative_manual"
    assert score(tmp_path, project([row("≤0", "0", 90)])).items[1].computed == 90  # 0 ≤ 0 is met


def test_a_total_in_an_undefined_grade_band_is_flagged(tmp_path):
    gap = profile_with()
    gap.data["grades"] = [{"grade": "优", "min": 90, "max": 100}, {"grade": "差", "min": 0, "max": 60}]
    result = score(tmp_path, project([row("3台", "2台", 90)]), gap)
    assert result.total_computed == 70 and result.grade is None
    assert any(f.code == "grade_undefined" for f in result.flags)


def test_execution_rate_typed_as_percent_text(tmp_path):
    data = project([row("10宗", "10宗", 90)], budget=100.0, actual=87.0)
    data["funds"]["total"]["rate"] = "87%"
    assert not [f for f in score(tmp_path, data).flags if f.code == "rate_mismatch"]
    data["funds"]["total"]["rate"] = "1.5%"
    [flag] = [f for f in score(tmp_path, data).flags if f.code == "rate_mismatch"]
    assert "填报执行率 0.015" in flag.message
