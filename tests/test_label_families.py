"""Families of printed layouts, each shown on a real form of tests/data/realforms rewritten the way
another bureau prints the same block: the located content does not change, and each reading is
said in the 导入说明 (labels.json is the vocabulary; a new wording is one line of it)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.core.values import parse_number
from toolkit.forms.project.adopt import VOCABULARY, adopt_file, read_grids
from toolkit.forms.project.folding import fold_target
from toolkit.workbook.labels import label_table
from toolkit.workbook.locator import Grid, locate_forms

from .realforms_harness import build_form_file


@lru_cache(maxsize=None)
def _grid(form_id: str) -> Grid:
    return read_grids(build_form_file(form_id, Path(tempfile.mkdtemp(prefix="jx-family-"))))[0]


def _form(grid: Grid):
    [form] = locate_forms(grid, VOCABULARY).forms
    return form


def _funds(form) -> dict:
    return {row: {col: hit.value for col, hit in cols.items()} for row, cols in form.funds.items()}


def test_fund_amounts_written_as_label_value_pairs_in_one_cell():
    # 上海普陀 2022 (form 1): its fund block printed as one line of label：amount pairs.
    grid = _grid("shanghai-putuo-2022-tiyu")
    form = _form(grid)
    total = {key: parse_number(hit.value).value for key, hit in form.funds["total"].items()}
    header_row = min(int("".join(ch for ch in hit.cell if ch.isdigit()))
                     for key, hit in form.labels.items() if key.startswith("funds.columns."))
    last_fund_row = max(int("".join(ch for ch in hit.cell if ch.isdigit()))
                        for key, hit in form.labels.items() if key.startswith("funds.") and "columns" not in key)
    cells = {key: value for key, value in grid.cells.items() if not header_row <= key[0] <= last_fund_row}
    cells[(header_row, 1)] = f"预算数：{total['budget']}元 执行数：{total['actual']}元"
    merges = tuple(m for m in grid.merges if not (header_row <= m[0] <= last_fund_row))
    pairs = _form(Grid(grid.title, cells, merges))
    assert {key: hit.value for key, hit in pairs.funds["total"].items()} == \
           {"budget": total["budget"], "actual": total["actual"]}
    assert any("标签：金额" in note for note in pairs.notes)


def test_a_fund_block_with_only_the_initial_budget_takes_it_as_the_budget():
    # 济南历城 2019 and 北京海淀 2016: 年初预算数（A） | 全年执行数（B）, rate B/A.
    for form_id in ("shandong-jinan-2019-wenhuaguan", "beijing-haidian-2016-baojie"):
        form = _form(_grid(form_id))
        total = form.funds["total"]
        assert total["budget"].cell == total["initial"].cell, form_id
        assert any("年初预算数" in note for note in form.notes), form_id


def test_the_one_row_of_the_hubei_block_and_its_points_in_the_title():
    # 湖北黄石 2023: 「预算执行情况（万元）（20分）」, one row 年度财政资金总额, amounts 「800万元」.
    form = _form(_grid("hubei-huangshi-2023-sanzhong"))
    assert _funds(form)["total"] == {"budget": "800万元", "actual": "800万元", "rate": 1}
    assert form.fields["money_unit"].value == "万元"
    assert any("按完成情况表检查，不重新计分" in note for note in form.notes)  # no 分值 column: a completion table


def test_the_hebei_yitihua_groups_read_as_pairs():
    # 河北成安 2020: 预算数 | 6.84 | 到位数 | 6.84 | 执行数 | 6.84, 其中 rows under each group.
    funds = _funds(_form(_grid("hebei-chengan-2020-gaoling")))
    assert funds["total"]["budget"] == funds["total"]["actual"] == 6.84 and funds["total"]["rate"] == 100
    assert funds["appropriation"] == {"budget": 6.84, "arrived": 6.84, "actual": 6.84}


def test_a_two_row_header_read_without_its_merges():
    # 云南丽江 2020: 「年度指标值」 over 指标性质 | 指标值 | 度量单位; the xlwings button reads values
    # without merges, so the parent label must reach its children by position.
    grid = _grid("yunnan-lijiang-2020-weipian")
    with_merges = _form(grid).model()
    without = _form(Grid(grid.title, grid.cells, ())).model()
    assert [i["target"] for i in without["indicators"]] == [i["target"] for i in with_merges["indicators"]]
    assert [i["nature"] for i in without["indicators"]] == ["﹦", "﹦", "﹦", "≥", "≥"]


def test_side_columns_fold_into_one_target_and_say_so():
    # 内蒙古巴彦淖尔 2024: 指标性质 正向 + 指标方向 小于等于 on one row; 计量单位 after the actual.
    target, actual, notes = fold_target({"target": 1, "actual": 1, "nature": "正向", "direction": "小于等于",
                                         "unit": "个"})
    assert (target, actual) == ("≤1个", "1个")
    assert any("不一致" in note for note in notes)
    # 四川青神 2023 (一体化): 指标性质 「=」, 指标值 and 度量单位 in their own columns.
    assert fold_target({"target": 100, "actual": None, "nature": "=", "unit": "%"})[0] == "=100%"


@pytest.mark.parametrize(("table", "text", "key"), [
    ("grid_columns", "年初目标值（A）", "target"),          # 湖北黄石 2023
    ("grid_columns", "全年实际值（B）", "actual"),          # 宁夏银川 2021
    ("grid_columns", "参考分值", "weight"),                # 宁夏银川 2021
    ("grid_columns", "单项指标实际完成值", "actual"),       # 河北成安 2020
    ("grid_columns", "权重占比（%）", "weight"),            # 河北成安 2020
    ("grid_columns", "未完成原因及拟采取的改进措施", "reason"),  # 安徽濉溪 2019
    ("grid_columns", "全年完成值", "actual"),
    ("fund_columns", "执行率（B/A）", "rate"),
    ("fund_columns", "调整后预算数", "budget"),             # 四川青神 2023
    ("fund_columns", "预算执行数", "actual"),
    ("fund_rows", "其中：财政资金", "appropriation"),
    ("level1", "产出指标（70分）", "产出指标"),             # 四川中江 2022
    ("level1", "效果指标", "效益指标"),                    # 河北成安 2020
])
def test_label_variants_are_data(table, text, key):
    assert label_table(table).lookup(text) == key


def test_a_near_miss_header_names_what_is_missing(tmp_path):
    # 湖北黄石 2023 with its 实际完成值（B） column label misspelt: the refusal says which column is missing.
    grid = _grid("hubei-huangshi-2023-sanzhong")
    source = build_form_file("hubei-huangshi-2023-sanzhong", tmp_path)
    wb = load_workbook(source)
    ws = wb.active
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "实际完成值（B）":
                cell.value = "实际情况"
    broken = tmp_path / "broken.xlsx"
    wb.save(broken)
    from toolkit.core.problems import ToolkitError
    with pytest.raises(ToolkitError) as refused:
        adopt_file(broken, tmp_path / "out.xlsx")
    assert "缺少 「实际完成值」" in str(refused.value) and "「三级指标」" in str(refused.value)
    assert grid  # the original reads


def test_score_points_to_adopt_and_says_why(tmp_path):
    from toolkit.core.problems import ToolkitError
    from toolkit.service import score_file
    from .conftest import ROOT
    with pytest.raises(ToolkitError) as legacy:  # a legacy .xls: adopt reads it
        score_file(ROOT / "tests" / "data" / "foreign" / "A_offset.xls", tmp_path / "a.xlsx")
    assert "jixiao adopt A_offset.xls" in str(legacy.value)
    # 湖北黄石 2023 with its 实际完成值（B） label misspelt: neither scored nor adoptable, and why.
    source = build_form_file("hubei-huangshi-2023-sanzhong", tmp_path)
    wb = load_workbook(source)
    for row in wb.active.iter_rows():
        for cell in row:
            if cell.value == "实际完成值（B）":
                cell.value = "实际情况"
    wb.save(tmp_path / "broken.xlsx")
    with pytest.raises(ToolkitError) as refused:
        score_file(tmp_path / "broken.xlsx", tmp_path / "b.xlsx")
    assert "无法用 jixiao adopt 导入" in str(refused.value) and "缺少 「实际完成值」" in str(refused.value)


def test_a_satisfaction_target_above_100_percent_is_said(tmp_path):
    # 湖北黄石 2023 with its 教师满意度 target misprinted 「≥105%」: a warning on the target, scoring unchanged.
    from toolkit.service import score_file
    source = build_form_file("hubei-huangshi-2023-sanzhong", tmp_path)
    wb = load_workbook(source)
    for row in wb.active.iter_rows():
        if any(cell.value == "教师满意度" for cell in row):
            [target] = [cell for cell in row if cell.value == "≥95%"][:1]
            target.value = "≥105%"
    wb.save(tmp_path / "over.xlsx")
    adopt_file(tmp_path / "over.xlsx", tmp_path / "over_导入.xlsx")
    report = score_file(tmp_path / "over_导入.xlsx", tmp_path / "over_评分.xlsx").report
    items = {item["label"]: item for item in report["forms"][0]["items"]}
    codes = [f["code"] for f in items["教师满意度"]["flags"]]
    assert codes[0] == "target_above_100" and items["教师满意度"]["status"]["code"] == "not_met"  # 95 of 105
    assert not any(f["code"] == "target_above_100" for f in items["学生满意度"]["flags"])


def test_the_money_unit_printed_in_a_fund_column_label(tmp_path):
    # 云南丽江 2020 with 「项目资金（万元）」 printed 「项目资金」 and the unit moved into 「全年预算数（万元）」.
    grid = _grid("yunnan-lijiang-2020-weipian")
    cells = dict(grid.cells)
    for key, value in grid.cells.items():
        if value == "项目资金\n（万元）":
            cells[key] = "项目资金"
        elif value in ("年初预算数", "全年预算数", "全年执行数"):
            cells[key] = f"{value}（万元）"
    form = _form(Grid(grid.title, cells, grid.merges))
    assert form.fields["money_unit"].value == "万元"
    assert _funds(form)["total"]["budget"] == 7.29
