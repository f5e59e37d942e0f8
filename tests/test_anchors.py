"""The template's names as its printed labels place them (toolkit.workbook.anchors), and what the
file readers do when stored names and labels disagree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.forms import registry
from toolkit.forms.project.builds import seed003_projects
from toolkit.forms.project.template import build_workbook
from toolkit.service import read_workbook, score_file
from toolkit.workbook.anchors import disagreements
from toolkit.workbook.sheets import existing_cells

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
PROJECTS = SAMPLES / "seed003_项目支出绩效自评表.xlsx"
WORKBOOKS = sorted(SAMPLES.glob("*.xlsx")) + sorted((ROOT / "templates").glob("*.xlsx"))


def _values(ws) -> dict:
    return {(c.row, c.column): c.value for c in existing_cells(ws) if c.value is not None}


def _template_sheets(path: Path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        stored = {name: dn.attr_text for name, dn in ws.defined_names.items()}
        if stored:
            yield ws, stored


def _assert_labels_give_the_names(path: Path) -> int:
    count = 0
    for ws, stored in _template_sheets(path):
        derived = registry.names_from_sheet_labels(_values(ws))
        assert derived is not None, f"{path.name}「{ws.title}」: labels do not give the names"
        assert set(derived) == set(stored), (ws.title, set(stored) ^ set(derived))
        assert disagreements(stored, derived) == [], (path.name, ws.title)
        count += 1
    return count


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_labels_give_every_stored_name_on_templates_and_samples(path):
    assert _assert_labels_give_the_names(path) >= 1


def test_labels_give_the_names_after_scoring_and_with_more_or_fewer_rows(tmp_path):
    scored = tmp_path / "scored.xlsx"
    score_file(PROJECTS, scored)
    assert _assert_labels_give_the_names(scored) == 8
    projects = seed003_projects(SAMPLES)
    long_grid = dict(projects[0], sheet="长", indicators=projects[0]["indicators"] * 4)  # 36 rows
    short_grid = dict(projects[1], sheet="短", indicators=projects[1]["indicators"][:2])
    blank = {"sheet": "空白"}
    built = tmp_path / "rows.xlsx"
    build_workbook([long_grid, short_grid, blank]).save(built)
    assert _assert_labels_give_the_names(built) == 3


def test_non_template_sheets_give_no_names():
    wb = load_workbook(PROJECTS)
    assert registry.names_from_sheet_labels(_values(wb["填表说明"])) is None
    grid_only = {(5, 2 + i): h for i, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                                       "分值", "得分", "偏差原因分析及改进措施"])}
    assert registry.names_from_sheet_labels(grid_only) is None  # a header alone is not the template


def test_a_damaged_name_is_read_where_the_labels_are_and_reported(tmp_path):
    """JX_TotalScore moved by hand to the last indicator row: the total is read from the 总分 row
    (H21, the clerk's 98) and the mismatch is a warning naming both cells."""
    damaged = tmp_path / "damaged.xlsx"
    wb = load_workbook(PROJECTS)
    ws = wb["社会保险转移接续工作外包服务"]
    ws.defined_names["JX_TotalScore"].attr_text = f"'{ws.title}'!$H$20"
    wb.save(damaged)
    book = read_workbook(damaged)
    form = next(f for f in book.forms if f.sheet == ws.title)
    assert form.fields["total_score"].ref == "H21" and form.fields["total_score"].value == 98
    [flag] = [f for f in book.flags if f.code == "name_label_mismatch"]
    assert flag.severity == "warning" and flag.sheet == ws.title and flag.cell == "H21"
    assert "JX_TotalScore 指向 H20" in flag.message and "已按标签读取 H21" in flag.message
    # The same result as the undamaged file, plus the warning.
    clean = {r.sheet: (r.total_computed, r.total_shown) for r in score_file(PROJECTS, tmp_path / "a.xlsx").results}
    again = {r.sheet: (r.total_computed, r.total_shown) for r in score_file(damaged, tmp_path / "b.xlsx").results}
    assert again == clean


def test_a_retyped_header_keeps_the_stored_names_and_the_reader_names_the_cell(tmp_path):
    """Labels that no longer make the template (分值 retyped as 权重) give no names: nothing is
    guessed, the stored names are used and the reader's structure check reports the cell."""
    changed = tmp_path / "changed.xlsx"
    shutil.copy(PROJECTS, changed)
    wb = load_workbook(changed)
    wb["政府采购"]["G12"] = "权重"
    wb.save(changed)
    with pytest.raises(registry.ToolkitError, match="G12.*分值"):
        read_workbook(changed)
