"""Read a department workbook (评分表, 基础数据, 目标完成情况自评表) into a DepartmentForm.

Sheets are found by their defined names (``JXD_ScoreHeader``, ``JXD_InputHeader``,
``JXD_TaskHeader``); a department workbook has one 评分表. Every 评分表 row with a 三级指标 is
read, however many there are: the rows a department writes itself under a 「部门特性指标」 node
(blank rows left out, inserted rows included) and the fixed ones alike; a header row of a level
above 一级 (共性指标 / 特性指标) has no 三级指标 and is not a row. Base data are keyed by the 编号
column, so rows may be reordered. The 目标完成情况自评表's indicator grid is read into the
shared :class:`~toolkit.core.grid.IndicatorRow` (no 分值 column: each row gets a status).

Example::

    >>> from toolkit.service import read_workbook
    >>> form = read_workbook("samples/seed000_部门整体支出绩效.xlsx").forms[0]
    >>> form.kind, form.profile_id, len(form.rows)
    ('department', 'shenzhen-yantian-2021', 21)
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from toolkit.core.grid import IndicatorRow
from toolkit.core.model import CellValue
from toolkit.core.problems import ToolkitError
from toolkit.forms.department import layout
from toolkit.forms.department.model import DepartmentForm, ScoreRow, TargetSheet, TaskRow
from toolkit.workbook.meta import Registry, embedded_text
from toolkit.workbook.sheets import SheetAccess


def read_department_forms(sheets: list[SheetAccess], registry: Registry, file_name: str,
                          meta: dict[str, str]) -> list[DepartmentForm]:
    """Every department form among ``sheets`` ([] when there is no 评分表)."""
    score_sheets = [sheet for sheet in sheets if layout.SCORE_HEADER_NAME in sheet.names]
    if not score_sheets:
        return []
    input_sheet = next((sheet for sheet in sheets if layout.INPUT_HEADER_NAME in sheet.names), None)
    target_sheet = next((sheet for sheet in sheets if layout.TASK_HEADER_NAME in sheet.names), None)
    reader = _Reader(registry, file_name)
    inputs = reader.inputs(input_sheet) if input_sheet is not None else {}
    target = reader.target(target_sheet) if target_sheet is not None else None
    forms = [reader.score_sheet(sheet, inputs, input_sheet.title if input_sheet is not None else None,
                                target, meta.get("profile_id")) for sheet in score_sheets]
    for form in forms:
        form.profile_embedded = embedded_text(meta) is not None
    return forms


class _Reader:
    def __init__(self, registry: Registry, file_name: str):
        self.registry, self.file_name = registry, file_name

    def resolve(self, sheet: SheetAccess, name: str) -> tuple[int, int, int, int]:
        text = sheet.names.get(name)
        if text is None:
            raise ToolkitError(f"文件「{self.file_name}」工作表「{sheet.title}」缺少字段名称 {name}：请从模板重新复制该工作表。")
        bounds = sheet.bounds(name)
        if bounds is None:
            raise ToolkitError(f"文件「{self.file_name}」工作表「{sheet.title}」的字段 {name} 指向已删除的单元格（{text}），"
                               "请撤销删除或从模板重新生成。")
        return bounds

    def cell(self, sheet: SheetAccess, row: int, col: int, anchor: str = "") -> CellValue:
        """A cell with its registry anchor (see toolkit.workbook.meta): fields by name, 评分表 rows by
        their 三级指标 (unique in a framework), so the tool's values survive inserted rows."""
        ref = f"{get_column_letter(col)}{row}"
        value = sheet.get(row, col)
        return CellValue(ref, value, sheet.formats.get((row, col)),
                         tool_filled=self.registry.is_tool_value(sheet.title, anchor or ref, value),
                         formula=(row, col) in sheet.formulas, anchor=anchor)

    def score_sheet(self, sheet, inputs, input_sheet, target, profile_id) -> DepartmentForm:
        fields = {}
        for key, name in layout.FIELD_NAMES.items():
            row, col, _, _ = self.resolve(sheet, name)
            fields[key] = self.cell(sheet, row, col, f"field:{key}")
        header, c1, _, c2 = self.resolve(sheet, layout.SCORE_HEADER_NAME)
        for index, expected in enumerate(layout.SCORE_HEADERS):
            found = sheet.text(header, c1 + index)
            if found != expected:
                raise ToolkitError(f"文件「{self.file_name}」工作表「{sheet.title}」单元格 {get_column_letter(c1 + index)}{header}"
                                   f"应为表头「{expected}」，实际为「{found}」：评分表的列被改动，请从模板重新生成。")
        total_row = self.resolve(sheet, layout.FIELD_NAMES["total_score"])[0]
        col = {name: c1 + index for index, name in enumerate(layout.SCORE_COLUMNS)}
        tool = sheet.tool_column(header, c2)
        rows: list[ScoreRow] = []
        level1 = level2 = ""
        for row in range(header + 1, total_row):
            if sheet.text(row, col["level1"]):
                level1, level2 = sheet.text(row, col["level1"]), ""
            if sheet.text(row, col["level2"]):
                level2 = sheet.text(row, col["level2"])
            level3 = self.cell(sheet, row, col["level3"])
            if not level3.text:
                continue
            anchor = f"grid:{level3.text}"
            rows.append(ScoreRow(
                row=row, level1=level1, level2=level2, level3=level3,
                weight=self.cell(sheet, row, col["weight"], f"{anchor}:weight"),
                measure=self.cell(sheet, row, col["measure"], f"{anchor}:measure"),
                score=self.cell(sheet, row, col["score"], f"{anchor}:score"),
                justification=self.cell(sheet, row, col["justification"], f"{anchor}:justification"),
                computed_ref=f"{get_column_letter(tool)}{row}", explanation_ref=f"{get_column_letter(tool + 1)}{row}",
                criteria=self.cell(sheet, row, col["criteria"], f"{anchor}:criteria")))
        return DepartmentForm(sheet=sheet.title, fields=fields, rows=rows, inputs=inputs, input_sheet=input_sheet,
                              target=target, profile_id=profile_id or None,
                              total_computed_ref=f"{get_column_letter(tool)}{total_row}",
                              total_explanation_ref=f"{get_column_letter(tool + 1)}{total_row}")

    def inputs(self, sheet: SheetAccess) -> dict[str, CellValue]:
        header, c1, _, _ = self.resolve(sheet, layout.INPUT_HEADER_NAME)
        id_col = c1 + layout.INPUT_COLUMNS.index("id")
        value_col = c1 + layout.INPUT_COLUMNS.index("value")
        inputs: dict[str, CellValue] = {}
        for row in sheet.rows_after(header):
            key = sheet.text(row, id_col)
            if key:
                inputs[key] = self.cell(sheet, row, value_col)
        return inputs

    def target(self, sheet: SheetAccess) -> TargetSheet:
        header, c1, _, _ = self.resolve(sheet, layout.TASK_HEADER_NAME)
        total_row, t1, _, _ = self.resolve(sheet, layout.TASK_TOTAL_NAME)
        tasks = []
        for row in range(header + 1, total_row):
            cells = {key: self.cell(sheet, row, c1 + index) for index, key in enumerate(layout.TASK_COLUMNS)}
            if all(cell.entered is None for cell in cells.values()):
                continue
            tasks.append(TaskRow(row, cells["name"], cells))
        total = {key: self.cell(sheet, total_row, t1 + index)
                 for index, key in enumerate(layout.TASK_COLUMNS[3:])}
        tool = t1 + len(layout.TASK_COLUMNS) - 3  # the two tool columns right of 金额合计
        goals = {key: self.cell(sheet, *sheet.bounds(name)[:2]) for key, name in layout.GOAL_NAMES.items()
                 if sheet.bounds(name) is not None}
        return TargetSheet(sheet.title, tasks, total, total_row, self.indicator_grid(sheet, tool),
                           (f"{get_column_letter(tool)}{total_row}", f"{get_column_letter(tool + 1)}{total_row}"),
                           goals)

    def indicator_grid(self, sheet: SheetAccess, tool: int) -> list[IndicatorRow]:
        """The 年度绩效指标完成情况 grid: 一级/二级/三级, 预期指标值, 实际完成指标值 (no 分值)."""
        bounds = sheet.bounds(layout.TARGET_HEADER_NAME)
        if bounds is None:
            return []
        header, c1 = bounds[0], bounds[1]
        column = {key: c1 + index for index, key in enumerate(("level1", "level2", "level3", "target", "actual"))}
        rows: list[IndicatorRow] = []
        level1 = level2 = ""
        for row in sheet.rows_after(header):
            if sheet.text(row, column["level1"]):
                level1, level2 = sheet.text(row, column["level1"]), ""
            if sheet.text(row, column["level2"]):
                level2 = sheet.text(row, column["level2"])
            level3, target, actual = (self.cell(sheet, row, column[key]) for key in ("level3", "target", "actual"))
            if not (level3.text or target.text or actual.text):
                continue
            rows.append(IndicatorRow(row=row, level1=level1, level2=level2, level3=level3, target=target,
                                     actual=actual, weight=None, score=None, reason=None,
                                     computed_ref=f"{get_column_letter(tool)}{row}",
                                     explanation_ref=f"{get_column_letter(tool + 1)}{row}"))
        return rows
