"""Targeted checks on the real forms added for the 「real forms first」 round (云南永德 2022, 云南临翔 2023,
云南保山 2022 in tests/data/realforms): the value-writing and layout families they brought in, asserted on the
forms themselves (and on a real form changed in one cell, where the rule's other branch needs a witness)."""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

from toolkit.core.values import comparator_word, parse_indicator_value
from toolkit.forms.project.adopt import adopt_file
from toolkit.service import score_file

from .realforms_harness import REALFORMS, _builder


def _scored(data: dict, folder: Path) -> dict:
    """Render ``data`` (a transcription) in its printed layout, adopt and score it: the first form's report."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['id']}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    _builder().build(str(path), str(folder))
    adopted = folder / f"{data['id']}_导入.xlsx"
    adopt_file(folder / f"{data['id']}.xlsx", adopted)
    return score_file(adopted, folder / f"{data['id']}_评分.xlsx", profile="national").report["forms"][0]


def _load(form_id: str) -> dict:
    return json.loads((REALFORMS / f"{form_id}.json").read_text("utf-8"))


@lru_cache(maxsize=None)
def _items(form_id: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="jx-more-") as folder:
        form = _scored(_load(form_id), Path(folder))
    return {item["label"]: item for item in form["items"]}


# -- 「═」 printed for an equals sign (云南永德 2022, 指标性质 column) --------------------------------------

def test_box_drawing_equals_is_read_as_equals():
    assert comparator_word("═") == "="
    assert parse_indicator_value("═100%").comparator == "="


def test_yongde_equals_rows_are_scored_as_equal_targets():
    items = _items("yunnan-yongde-2022-yingyang")
    met = items["生均补助标准达标率"]  # ═ 100 % vs 100%
    assert (met["method"], met["computed"]) == ("equal_met", 10)
    missed = items["政策知晓率"]  # ═ 100 % vs 98%: 等于 missed, scored as 正向 → 9.8 (printed 9)
    assert missed["computed"] == 9.8
    assert "未写比较符" not in missed["explanation"]
    assert "score_mismatch" in {flag["code"] for flag in missed["flags"]}


# -- a bare date as a 时效 target is a deadline (云南临翔 2023, 项目完工时限 「2023年12月」 / 「2023年10月」) ------

def test_linxiang_completion_before_the_deadline_is_met():
    item = _items("yunnan-linxiang-2023-shourongsuo")["项目完工时限"]
    assert (item["method"], item["computed"]) == ("reverse_met", 15)
    assert "完成期限" in item["explanation"] and "已达成" in item["explanation"]
    assert "晚于目标时间" not in item["explanation"]


def test_linxiang_completion_after_the_deadline_goes_to_a_person():
    data = _load("yunnan-linxiang-2023-shourongsuo")
    row = next(ind for ind in data["forms"][0]["indicators"] if ind[2] == "项目完工时限")
    row[4] = "2024年2月"  # the same real form, finished two months late
    with tempfile.TemporaryDirectory(prefix="jx-more-") as folder:
        form = _scored(data, Path(folder))
    item = next(item for item in form["items"] if item["label"] == "项目完工时限")
    assert item["method"] == "quantitative_manual"
    assert "晚于目标时间" in item["explanation"] or any("晚于目标时间" in f["message"] for f in item["flags"])


# -- the 20-point execution form with 得分 and no 分值 column (云南保山 2022) -------------------------------------

def test_baoshan_form_without_weights_is_checked_not_scored():
    items = _items("yunnan-baoshan-2022-weiwen")
    execution = items["预算执行率"]
    assert execution["weight"] is None  # no points invented for a form that prints no per-row 分值
    judged = items["全市重点优抚对象、企业军转干部总体保持稳定，年内无群体性事件发生"]
    assert judged["method"] == "qualitative_judgement"  # 「无上访」 against 「小于5次」: a person confirms
    assert items["春节前完成走访慰问"]["method"] == "qualitative_met"


# -- a narrative row under the grid (「其他需要说明事项 | 无」, 云南永德 2022) ends the grid ------------------------

def test_yongde_remarks_row_is_not_read_as_an_indicator():
    from toolkit.forms.project.adopt import VOCABULARY, read_grids
    from toolkit.workbook.locator import locate_forms

    from .realforms_harness import build_form_file

    with tempfile.TemporaryDirectory(prefix="jx-more-") as folder:
        [grid] = read_grids(build_form_file("yunnan-yongde-2022-yingyang", Path(folder)))
    [form] = locate_forms(grid, VOCABULARY).forms
    model = form.model()
    assert "其他需要说明事项" not in {item["level1"] for item in model["indicators"]}
    assert [item["level3"] for item in model["indicators"] if item.get("level3")][-2:] == ["学生满意度", "家长满意度"]
    assert (model["total_weight"], model["total_score"]) == (100, 96)  # the 总分 row below it is still read


# -- 「部门：…」 above the form and 「主管部门 | …」 in it (云南永德 2022): the 主管部门 is the department --------

def test_yongde_department_is_the_supervising_department_not_the_line_above_the_form(tmp_path):
    from toolkit.service import read_workbook

    _scored(_load("yunnan-yongde-2022-yingyang"), tmp_path)
    form = read_workbook(tmp_path / "yunnan-yongde-2022-yingyang_导入.xlsx").forms[0]
    assert form.fields["department"].value == "永德县教育体育局"
    assert form.fields["implementer"].value == "永德县明朗中学"


# -- a 得分 column without a 分值 column, 一级 分值 in the labels (云南保山 2022) -------------------------------

def test_baoshan_typed_scores_are_kept_and_their_sums_checked(tmp_path):
    """No row can be re-scored without 分值, but nothing the clerk typed is ignored: the rows' scores
    are kept, each 一级's rows are added against its printed 分值, the 总分 (printed right of
    「总分（100分）」) against 执行率得分 + rows — all consistent on the published form."""
    form = _scored(_load("yunnan-baoshan-2022-weiwen"), tmp_path / "as_published")
    assert [item["entered"] for item in form["items"]] == [20, 20, 20, 20, 10, 10]
    assert form["total"]["entered"] == 100
    [note] = [flag for flag in form["flags"] if flag["code"] == "completion_only"]
    assert "产出指标 20 + 20 + 20 = 60（分值 60）" in note["message"] and "与填报总分 100 一致" in note["message"]
    assert not [flag for flag in form["flags"] if flag["code"] in ("level1_weight_mismatch", "total_not_sum")]


def test_baoshan_a_slip_in_a_typed_score_is_flagged(tmp_path):
    data = _load("yunnan-baoshan-2022-weiwen")
    data["forms"][0]["indicators"][1][6] = 25  # 补助经费足额拨付率: 25 instead of 20
    form = _scored(data, tmp_path)
    codes = {flag["code"]: flag["message"] for flag in form["flags"]}
    assert "20 + 25 + 20 = 65，超过产出指标分值 60" in codes["level1_weight_mismatch"]
    assert "总分填 100" in codes["total_not_sum"] and "= 105" in codes["total_not_sum"]
