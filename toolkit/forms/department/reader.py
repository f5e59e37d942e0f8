"""Read a department workbook (评分表, 基础数据, 目标完成情况自评表) into a DepartmentForm.

Sheets are found by their defined names (``JXD_ScoreHeader``, ``JXD_InputHeader``,
``JXD_TaskHeader``); a department workbook has one 评分表. Base data are keyed by the 编号
column, so rows may be reordered.

Example::

    >>> from toolkit.workbook.reader import read_workbook
    >>> form = read_workbook("samples/seed000_部门整体支出绩效.xlsx").forms[0]
    >>> form.kind, form.profile_id, len(form.rows)
    ('department', 'shenzhen-yantian-2021', 21)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import column_index_from_string, get_column_letter

from toolkit.forms.project.model import CellValue
from toolkit.core.problems import ToolkitError
from toolkit.forms.department import layout

_REF = re.compile(r"!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$")


@dataclass(frozen=True)
class ScoreRow:
    """One 三级 row of the 评分表 (merged 一级/二级 labels resolved)."""

    row: int
    level1: str
    level2: str
    level3: CellValue
    weight: CellValue
    measure: CellValue
    score: CellValue
    justification: CellValue
    computed_ref: str
    explanation_ref: str


@dataclass(frozen=True)
class TaskRow:
    row: int
    name: CellValue
    cells: dict[str, CellValue]


@dataclass
class TargetSheet:
    """The 目标完成情况自评表: task rows and the 金额合计 row."""

    sheet: str
    tasks: list[TaskRow]
    total: dict[str, CellValue]
    total_row: int


@dataclass
class DepartmentForm:
    """A department self-evaluation as read from one workbook."""

    sheet: str
    fields: dict[str, CellValue]
    rows: list[ScoreRow]
    inputs: dict[str, CellValue]
    input_sheet: str | None
    target: TargetSheet | None
    profile_id: str | None
    total_computed_ref: str
    total_explanation_ref: str
    kind: str = "department"
    read_flags: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.fields["department"].text or self.sheet

    def cells(self):
        """Every clerk cell of the 评分表 (the sheet the result belongs to)."""
        yield from self.fields.values()
        for row in self.rows:
            yield from (row.level3, row.weight, row.measure, row.score, row.justification)


def is_department_sheet(ws) -> bool:
    """True when an openpyxl worksheet is a department 评分表."""
    return layout.SCORE_HEADER_NAME in ws.defined_names


def _resolve(ws, name: str, file_name: str) -> tuple[int, int, int, int]:
    dn = ws.defined_names.get(name)
    if dn is None:
        raise ToolkitError(f"文件「{file_name}」工作表「{ws.title}」缺少字段名称 {name}：请从模板重新复制该工作表。")
    match = _REF.search(dn.attr_text.strip())
    if not match:
        raise ToolkitError(f"文件「{file_name}」工作表「{ws.title}」的字段 {name} 指向已删除的单元格（{dn.attr_text}），"
                           "请撤销删除或从模板重新生成。")
    c1, r1 = column_index_from_string(match["c1"]), int(match["r1"])
    c2 = column_index_from_string(match["c2"]) if match["c2"] else c1
    r2 = int(match["r2"]) if match["r2"] else r1
    return r1, c1, r2, c2


def read_department_forms(wb, registry, file_name: str, meta: dict[str, str]) -> list[DepartmentForm]:
    """Every department form of an openpyxl workbook ([] when it has none)."""
    score_sheets = [ws for ws in wb.worksheets if is_department_sheet(ws)]
    if not score_sheets:
        return []
    input_ws = next((ws for ws in wb.worksheets if layout.INPUT_HEADER_NAME in ws.defined_names), None)
    target_ws = next((ws for ws in wb.worksheets if layout.TASK_HEADER_NAME in ws.defined_names), None)
    inputs = _read_inputs(input_ws, registry, file_name) if input_ws is not None else {}
    target = _read_target(target_ws, registry, file_name) if target_ws is not None else None
    return [_read_score_sheet(ws, registry, file_name, inputs, input_ws.title if input_ws is not None else None,
                              target, meta.get("profile_id")) for ws in score_sheets]


def _cell(ws, registry, row: int, col: int, anchor: str = "") -> CellValue:
    """A cell with its registry anchor (see toolkit.workbook.meta): fields by name, 评分表 rows by their
    三级指标 (unique in a framework), so the tool's values survive inserted rows."""
    ref = f"{get_column_letter(col)}{row}"
    cell = ws.cell(row, col)
    value = cell.value
    return CellValue(ref, value, cell.number_format if cell.number_format != "General" else None,
                     tool_filled=registry.is_tool_value(ws.title, anchor or ref, value), anchor=anchor)


def _read_score_sheet(ws, registry, file_name, inputs, input_sheet, target, profile_id) -> DepartmentForm:
    fields = {}
    for key, name in layout.FIELD_NAMES.items():
        row, col, _, _ = _resolve(ws, name, file_name)
        fields[key] = _cell(ws, registry, row, col, f"field:{key}")
    header, c1, _, c2 = _resolve(ws, layout.SCORE_HEADER_NAME, file_name)
    for index, expected in enumerate(layout.SCORE_HEADERS):
        found = str(ws.cell(header, c1 + index).value or "").strip()
        if found != expected:
            raise ToolkitError(f"文件「{file_name}」工作表「{ws.title}」单元格 {get_column_letter(c1 + index)}{header}"
                               f"应为表头「{expected}」，实际为「{found}」：评分表的列被改动，请从模板重新生成。")
    total_row = int(re.sub(r"\D", "", fields["total_score"].ref))
    col = {name: c1 + index for index, name in enumerate(layout.SCORE_COLUMNS)}
    tool = c2 + 1
    rows: list[ScoreRow] = []
    level1 = level2 = ""
    for row in range(header + 1, total_row):
        if ws.cell(row, col["level1"]).value:
            level1, level2 = str(ws.cell(row, col["level1"]).value).strip(), ""
        if ws.cell(row, col["level2"]).value:
            level2 = str(ws.cell(row, col["level2"]).value).strip()
        level3 = _cell(ws, registry, row, col["level3"])
        if not level3.text:
            continue
        anchor = f"grid:{level3.text}"
        rows.append(ScoreRow(
            row=row, level1=level1, level2=level2, level3=level3,
            weight=_cell(ws, registry, row, col["weight"], f"{anchor}:weight"),
            measure=_cell(ws, registry, row, col["measure"], f"{anchor}:measure"),
            score=_cell(ws, registry, row, col["score"], f"{anchor}:score"),
            justification=_cell(ws, registry, row, col["justification"], f"{anchor}:justification"),
            computed_ref=f"{get_column_letter(tool)}{row}", explanation_ref=f"{get_column_letter(tool + 1)}{row}"))
    return DepartmentForm(sheet=ws.title, fields=fields, rows=rows, inputs=inputs, input_sheet=input_sheet,
                          target=target, profile_id=profile_id or None,
                          total_computed_ref=f"{get_column_letter(tool)}{total_row}",
                          total_explanation_ref=f"{get_column_letter(tool + 1)}{total_row}")


def _read_inputs(ws, registry, file_name) -> dict[str, CellValue]:
    header, c1, _, _ = _resolve(ws, layout.INPUT_HEADER_NAME, file_name)
    id_col = c1 + layout.INPUT_COLUMNS.index("id")
    value_col = c1 + layout.INPUT_COLUMNS.index("value")
    inputs: dict[str, CellValue] = {}
    for row in range(header + 1, ws.max_row + 1):
        key = ws.cell(row, id_col).value
        if key is None or not str(key).strip():
            continue
        inputs[str(key).strip()] = _cell(ws, registry, row, value_col)
    return inputs


def _read_target(ws, registry, file_name) -> TargetSheet:
    header, c1, _, _ = _resolve(ws, layout.TASK_HEADER_NAME, file_name)
    total_row, t1, _, _ = _resolve(ws, layout.TASK_TOTAL_NAME, file_name)
    tasks = []
    for row in range(header + 1, total_row):
        cells = {key: _cell(ws, registry, row, c1 + index) for index, key in enumerate(layout.TASK_COLUMNS)}
        if all(cell.entered is None for cell in cells.values()):
            continue
        tasks.append(TaskRow(row, cells["name"], cells))
    total = {key: _cell(ws, registry, total_row, t1 + index)
             for index, key in enumerate(layout.TASK_COLUMNS[3:])}
    return TargetSheet(ws.title, tasks, total, total_row)
