"""The label locator finds every form of the foreign fixtures as ``tests/data/foreign/expected.json``
says (content, the cell of every field, labels), reads our own template the same way, accounts
for every non-blank cell, and is unmoved by layout perturbations (a hypothesis property)."""

from __future__ import annotations

import json
import random
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from toolkit.forms.project.adopt import VOCABULARY, read_grids
from toolkit.workbook.locator import (LABELS, REASON_UNKNOWN, Grid, locate_forms, normalise)
from toolkit.workbook.sheets import SheetAccess

from .conftest import ROOT, SAMPLE

FOREIGN = ROOT / "tests" / "data" / "foreign"
EXPECTED = json.loads((FOREIGN / "expected.json").read_text("utf-8"))
FIXTURES = list(EXPECTED["fixtures"])
# Fields a form may leave out; when expected.json omits one, the locator must not invent it.
OPTIONAL = ("year", "department_code", "project_amount", "grade", "total_weight", "total_score")


def _blank(value):
    return None if value == "" else value


def _original(name: str) -> dict:
    entry = EXPECTED["fixtures"][name]
    return EXPECTED["fixtures"][entry["copy_of"]] if "copy_of" in entry else entry


@lru_cache(maxsize=None)
def _located(name: str) -> tuple:
    return tuple(locate_forms(grid, VOCABULARY) for grid in read_grids(FOREIGN / name))


@pytest.mark.parametrize("name", FIXTURES)
def test_every_expected_fact_holds(name):
    expected = _original(name)
    sheets = _located(name)
    assert [sheet.sheet for sheet in sheets] == expected["sheets"]
    forms = [form for sheet in sheets for form in sheet.forms]
    assert len(forms) == len(expected["forms"])
    for want, form in zip(expected["forms"], forms):
        got, cells = form.model(), form.cells()
        where = f"{name} {want['sheet']}!{want['top_left']}"
        assert (form.sheet, form.top_left, form.kind) == (want["sheet"], want["top_left"], want["kind"]), where
        for key, value in want.items():
            if key in ("cells", "labels", "cells_containing", "indicators", "sheet", "top_left", "kind"):
                continue
            assert _blank(got.get(key)) == _blank(value), (where, key)
        for key in OPTIONAL:
            if key not in want:
                assert key not in got, (where, key)
        assert len(got["indicators"]) == len(want["indicators"]), where
        for index, (mine, theirs) in enumerate(zip(got["indicators"], want["indicators"])):
            assert {k: _blank(mine.get(k)) for k in theirs} == {k: _blank(v) for k, v in theirs.items()}, (where, index)
            if not want["scored"]:
                assert "weight" not in mine and "score" not in mine
        assert {key: cells.get(key) for key in want["cells"]} == want["cells"], where
        assert sorted(set(form.cells_containing()) & set(want["cells"])) == sorted(want.get("cells_containing", [])), where
        assert {key: (form.labels[key].cell, form.labels[key].value) for key in want["labels"]} == \
               {key: (label["cell"], label["text"]) for key, label in want["labels"].items()}, where


@pytest.mark.parametrize("name", FIXTURES)
def test_every_non_blank_cell_is_a_value_a_label_or_listed_with_a_reason(name):
    for grid, sheet in zip(read_grids(FOREIGN / name), _located(name)):
        accounted = {item.cell for item in sheet.unmapped}
        for form in sheet.forms:
            accounted |= set(form.cells().values()) | {hit.cell for hit in form.labels.values()}
            accounted |= {item.cell for item in form.unmapped}
            assert not [item for item in form.unmapped if item.reason == REASON_UNKNOWN], (name, form.top_left)
        from toolkit.workbook.locator import address
        assert {address(*key) for key in grid.cells} <= accounted, (name, sheet.sheet)


def test_sheets_that_are_not_forms_and_forms_that_are_not_project_forms():
    cover, targets = _located("F_department.xlsx")
    grid = read_grids(FOREIGN / "F_department.xlsx")[0]
    assert not cover.forms and not cover.looks_like_form
    assert len(cover.unmapped) == len(grid.cells) == 9
    [form] = targets.forms
    assert form.kind == "department_targets" and form.problems
    assert form.notes[0] == "一级指标「产出」（B6）按「产出指标」导入。"
    half = Grid.from_rows("残表", [["项目支出绩效自评表"], ["项目名称", "零星修缮"], ["主管部门", "社保局"]])
    location = locate_forms(half)
    assert not location.forms and "没有找到绩效指标表头" in location.looks_like_form


def test_our_own_template_reads_back_as_the_seed_data():
    data = json.loads((ROOT / "samples" / "seed003_projects.json").read_text("utf-8"))
    wb = load_workbook(SAMPLE, data_only=True)
    for project in data["projects"]:
        [form] = locate_forms(Grid.from_openpyxl(wb[project["sheet"]]), VOCABULARY).forms
        got = form.model()
        for key in ("project_name", "project_amount", "department", "goal_expected", "goal_actual",
                    "total_weight", "total_score"):
            assert _blank(got.get(key)) == _blank(project[key]), (project["sheet"], key)
        assert (got["year"], got["money_unit"]) == (data["year"], data["money_unit"])
        assert got["funds"]["total"] == project["funds"]["total"]
        for mine, theirs in zip(got["indicators"], project["indicators"], strict=True):
            assert {k: _blank(mine[k]) for k in theirs} == {k: _blank(v) for k, v in theirs.items()}
        assert {item.reason for item in form.unmapped} <= {
            "占位符（—）：版式的一部分，不是数值", "工具列（系统计算得分、计算说明）：评分时重新计算，不导入",
            "一级指标分值行的说明文字，未导入"}


def test_every_reader_gives_the_same_forms():
    """openpyxl, SheetAccess (no merges), a bulk 2-D read as xlwings returns it (None for blanks,
    starting at the used range) and calamine on the .xls copy."""
    wb = load_workbook(FOREIGN / "A_offset.xlsx", data_only=True)
    ws = wb["附表1"]
    reference = locate_forms(Grid.from_openpyxl(ws)).forms[0]
    bulk = [[ws.cell(row, col).value for col in range(2, ws.max_column + 1)] for row in range(3, ws.max_row + 1)]
    merges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    variants = [Grid.from_sheet_access(SheetAccess.from_openpyxl(ws), merges),
                Grid.from_rows("附表1", bulk, top=3, left=2, merges=merges),
                read_grids(FOREIGN / "A_offset.xls")[0]]
    for grid in variants:
        form = locate_forms(grid).forms[0]
        assert form.model() == reference.model() and form.cells() == reference.cells()
    without_merges = locate_forms(Grid.from_sheet_access(SheetAccess.from_openpyxl(ws))).forms[0]
    assert without_merges.model() == reference.model()


# -- the property: perturbing a layout leaves the located model unchanged ----------------------------

SPELLINGS = {  # other ways forms print the same label
    "funds.total": ["年度资金总额", "资金总额", "合计", "年度资金\n总额"],
    "funds.appropriation": ["其中：当年财政拨款", "本年财政拨款：", "当年财政拨款", "其中:本年财政拨款"],
    "funds.carryover": ["上年结转资金", "上年结转资金：", "其中：上年结转资金"],
    "funds.other": ["其他资金", "其他资金："],
    "indicators.columns.level1": ["一级指标", "一级\n指标", "一级"],
    "indicators.columns.level2": ["二级指标", "二级 指标", "二级"],
    "indicators.columns.level3": ["三级指标", "三级\n指标", "三级"],
    "indicators.columns.target": ["年度指标值", "预期指标值", "年度\n指标值"],
    "indicators.columns.actual": ["实际完成值", "实际完成指标值", "实际\n完成值"],
    "indicators.columns.reason": ["偏差原因分析及改进措施", "偏差原因", "偏差原因分析\n及改进措施"],
    "total": ["总分", "总  分"],
    "goal_expected": ["预期目标", "预期 目标"],
    "goal_actual": ["实际完成情况", "实际完成\n情况"],
}
LEVEL1_SPELLINGS = {"产出指标": ["产出指标", "完成指标", "产出", "产出 指标"],
                    "效益指标": ["效益指标", "效益"],
                    "满意度指标": ["满意度指标", "服务对象满意度指标", "满意度"]}
BASES = [("A_offset.xlsx", "附表1"), ("B_stacked.xlsx", "项目自评表"), ("C_completion.xlsx", "绩效目标自评表1"),
         ("D_eight.xlsx", "项目7"), ("E_lastyear.xlsx", "Sheet1"), ("seed003", "政府采购")]


@lru_cache(maxsize=None)
def _base(index: int) -> Grid:
    name, sheet = BASES[index]
    if name == "seed003":
        return Grid.from_openpyxl(load_workbook(SAMPLE, data_only=True)[sheet])
    return next(grid for grid in read_grids(FOREIGN / name) if grid.title == sheet)


def _content(form) -> dict:
    """What must not change: the model without its place and without labels as written."""
    model = form.model()
    for key in ("sheet", "top_left"):
        model.pop(key)
    for item in model["indicators"]:
        item.pop("level1_raw")
    return model


def _insert(grid: Grid, at: int, count: int, axis: int) -> Grid:
    """Insert ``count`` blank rows (axis 0) or columns (axis 1) before ``at``; merges stretch."""
    def move(key):
        return tuple(v + count if i == axis and v >= at else v for i, v in enumerate(key))

    merges = []
    for r1, c1, r2, c2 in grid.merges:
        first, last = ((r1, r2) if axis == 0 else (c1, c2))
        first, last = (first + count, last + count) if first >= at else (first, last + count if last >= at else last)
        merges.append((first, c1, last, c2) if axis == 0 else (r1, first, r2, last))
    return Grid(grid.title, {move(key): value for key, value in grid.cells.items()}, tuple(merges))


def _relabel(grid: Grid, rng: random.Random) -> Grid:
    """Spell every label another way forms print it (aliases, spaces, line breaks, colons)."""
    cells = dict(grid.cells)
    for form in locate_forms(grid).forms:
        for key, hit in form.labels.items():
            choices = SPELLINGS.get(key)
            if choices:
                cells[_key(hit.cell)] = rng.choice(choices)
            elif key in LABELS and rng.random() < 0.5:
                text = str(hit.value)
                cut = rng.randrange(1, max(len(text), 2))
                cells[_key(hit.cell)] = text[:cut] + rng.choice([" ", "\n", "  "]) + text[cut:] + rng.choice(["", "：", ":"])
        for ind in form.indicators:
            raw = ind.cells["level1_raw"]
            canonical = ind.cells["level1"].value
            if raw.value is not None and canonical in LEVEL1_SPELLINGS:
                cells[_key(raw.cell)] = rng.choice(LEVEL1_SPELLINGS[canonical])
    return Grid(grid.title, cells, grid.merges)


def _key(ref: str) -> tuple[int, int]:
    from toolkit.workbook.sheets import split_ref
    return split_ref(ref)


def _stack(top: Grid, bottom: Grid, gap: int) -> Grid:
    shift = max(row for row, _ in top.cells) + gap
    cells = dict(top.cells)
    cells.update({(row + shift, col): value for (row, col), value in bottom.cells.items()})
    merges = top.merges + tuple((r1 + shift, c1, r2 + shift, c2) for r1, c1, r2, c2 in bottom.merges)
    return Grid(top.title, cells, merges)


@st.composite
def perturbations(draw):
    return {
        "base": draw(st.integers(0, len(BASES) - 1)),
        "offset": (draw(st.integers(0, 6)), draw(st.integers(0, 4))),
        "rows": draw(st.lists(st.tuples(st.integers(1, 70), st.integers(1, 2)), max_size=4)),
        "cols": draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 2)), max_size=3)),
        "unmerge": draw(st.lists(st.booleans(), min_size=80, max_size=80)),
        "relabel": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
        "stack": draw(st.none() | st.integers(0, len(BASES) - 1)),
        "gap": draw(st.integers(0, 3)),
    }


def _perturb(grid: Grid, p: dict) -> Grid:
    rng = random.Random(p["seed"])
    if p["relabel"]:
        grid = _relabel(grid, rng)
    for at, count in p["rows"]:
        grid = _insert(grid, at, count, 0)
    for at, count in p["cols"]:
        grid = _insert(grid, at, count, 1)
    grid = _insert(_insert(grid, 1, p["offset"][0], 0), 1, p["offset"][1], 1) if any(p["offset"]) else grid
    kept = tuple(m for m, drop in zip(grid.merges, p["unmerge"] * 4) if not drop)
    return Grid(grid.title, grid.cells, kept)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(perturbations())
def test_perturbed_layouts_locate_to_the_same_model(p):
    original = [_content(form) for form in locate_forms(_base(p["base"])).forms]
    grid = _perturb(_base(p["base"]), p)
    if p["stack"] is not None:
        original += [_content(form) for form in locate_forms(_base(p["stack"])).forms]
        grid = _stack(grid, _perturb(_base(p["stack"]), dict(p, seed=p["seed"] + 1)), p["gap"])
    assert [_content(form) for form in locate_forms(grid).forms] == original


def test_normalise_handles_what_pdf_and_word_conversions_leave():
    assert {normalise(text) for text in ("一级\n指标", "一级 指标", "一级　指标", "一级指标：")} == {"一级指标"}
