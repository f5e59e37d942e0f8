"""The department framework language and the profile checker, on the seed profiles."""

import copy
import json
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.core.framework import Evaluator, award_range, leaves
from toolkit.core.profile import ProfileError, check_profile_data, load_profile

PROFILES = Path(__file__).resolve().parents[1] / "toolkit" / "profiles"
AS_PUBLISHED = Path(__file__).resolve().parents[1] / "samples" / "seed002_yanzhou-2020_as_published.json"


def raw(name):
    return json.loads((PROFILES / f"{name}.json").read_text("utf-8"))


@pytest.mark.parametrize("name,count", [("shenzhen-yantian-2021", 21), ("wuhua-2023", 25),
                                        ("yanzhou-2020-corrected", 34)])
def test_seed_profiles_load_and_pass(name, count):
    profile = load_profile(name)
    assert [p for p in check_profile_data(profile.data) if p.severity == "error"] == []
    assert sum(1 for _ in leaves(profile.data)) == count
    assert sum(node["weight"] for node in profile["framework"]) == 100


def test_yanzhou_as_published_reports_its_three_defects():
    problems = check_profile_data(json.loads(AS_PUBLISHED.read_text("utf-8")))
    errors = [p for p in problems if p.severity == "error"]
    by_code = {p.code: p for p in errors}
    # 1. a 5-point rule on a 3-point indicator
    rule = by_code["rule_exceeds_weight"]
    assert "三公经费”变动率" in rule.message and "5 分" in rule.message and "分值 3" in rule.message
    assert rule.location == "$.framework[0].children[2].children[1].rule"
    # 2. 生态效益 missing from the results table
    missing = by_code["results_missing"]
    assert "生态效益" in missing.message
    assert {p.code for p in errors} >= {"results_weight", "declared_count"}
    # 3. grade bands leave 60–70 undefined
    gap = by_code["bands_gap"]
    assert gap.location.startswith("$.grades") and "[60, 70)" in gap.message
    with pytest.raises(ProfileError):
        load_profile(AS_PUBLISHED)


def test_every_builtin_profile_loads_and_lists():
    assert main(["profile", "list"]) == 0


def test_profile_check_cli_exit_codes(capsys):
    assert main(["profile", "check", str(AS_PUBLISHED)]) == 3
    out = capsys.readouterr().err  # errors go to stderr
    assert "生态效益" in out and "[60, 70)" in out
    assert main(["profile", "check", str(PROFILES / "yanzhou-2020-corrected.json")]) == 0


def test_checker_finds_weight_input_name_and_band_defects():
    data = raw("shenzhen-yantian-2021")
    bad = copy.deepcopy(data)
    bad["framework"][0]["children"][0]["children"][0]["weight"] = 6          # children ≠ parent
    bad["framework"][2]["children"][1]["children"][2]["rule"]["value"]["ratio"]["num"] = "nowhere"
    bad["framework"][0]["children"][1]["children"][1]["name"] = "绩效目标完整性"  # duplicate name
    bands = bad["framework"][1]["children"][2]["children"][1]["rule"]["bands"]
    bands[1]["min"] = 0.5                                                    # overlap
    bad["framework"][2]["children"][3]["children"][1]["rule"]["bands"].pop()  # gap ≥95%
    codes = [p.code for p in check_profile_data(bad)]
    for code in ("weights_children", "input_undeclared", "duplicate_name", "bands_overlap", "bands_gap"):
        assert code in codes, code
    assert all(p.location.startswith("$") and p.message for p in check_profile_data(bad))


def test_schema_rejects_unknown_method():
    bad = raw("wuhua-2023")
    bad["framework"][0]["children"][0]["children"][0]["rule"] = {"method": "guess"}
    assert [p.code for p in check_profile_data(bad)][0] == "schema"


def test_methods_on_seed_numbers():
    yantian = load_profile("shenzhen-yantian-2021")
    rules = {leaf.name: leaf.node["rule"] for leaf in leaves(yantian.data)}
    declared = {i["id"]: i for i in yantian["inputs"]}
    values = {"progress_q1": 0.4243, "progress_q2": 0.6312, "progress_q3": 0.787, "progress_q4": 0.9574}
    quarterly = rules["预算执行率"]
    assert round(Evaluator(values, declared).evaluate(quarterly, 6).score, 2) == 5.36
    other = dict(quarterly, average_basis="ratio_to_schedule")
    assert round(Evaluator(values, declared).evaluate(other, 6).score, 2) == 5.94
    count = rules["重点工作完成情况"]
    assert Evaluator({"key_tasks_planned": 5, "key_tasks_completed": 3}, declared).evaluate(count, 8).score == 0
    assert Evaluator({"key_tasks_planned": 5, "key_tasks_completed": 4}, declared).evaluate(count, 8).score == 4
    purchase = rules["政府采购执行情况"]
    over = Evaluator({"procurement_plan": 8.6, "procurement_actual": 9, "procurement_policy_points": 1}, declared)
    assert over.evaluate(purchase, 2).score == 1
    wuhua = load_profile("wuhua-2023")
    carry = next(l.node["rule"] for l in leaves(wuhua.data) if l.name == "结转结余率")
    wdecl = {i["id"]: i for i in wuhua["inputs"]}
    mid = Evaluator({"carryover_end": 12.5, "carryover_begin": 0, "revenue_final": 100}, wdecl).evaluate(carry, 4)
    assert mid.score == pytest.approx(4 * (0.2 - 0.125) / 0.15)
    assert award_range(carry, 4) == (0.0, 4)
