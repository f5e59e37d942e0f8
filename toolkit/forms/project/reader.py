"""Read one 项目支出绩效自评表 sheet into a :class:`~toolkit.forms.project.model.ProjectForm`.

Fields are found through the sheet-scoped defined names of :mod:`toolkit.forms.project.layout`;
their printed labels are checked so that a deleted row is reported instead of misread. Every
failure raises :class:`~toolkit.core.problems.ToolkitError` with a Chinese message naming the
file, sheet and cell.

Example::

    >>> from toolkit.service import read_workbook
    >>> book = read_workbook("samples/seed003_项目支出绩效自评表.xlsx")
    >>> [form.name for form in book.forms][:1]
    ['社会保险转移接续工作外包服务']
"""

from __future__ import annotations

import re

from openpyxl.utils import get_column_letter

from toolkit.core.grid import IndicatorRow
from toolkit.core.model import CellValue
from toolkit.core.problems import ToolkitError
from toolkit.forms.project import layout
from toolkit.forms.project.model import FundRow, ProjectForm
from toolkit.workbook.meta import Registry
from toolkit.workbook.sheets import SheetAccess, resolve_reference


def read_project_forms(sheets: list[SheetAccess], registry: Registry, file_name: str,
                       meta: dict[str, str]) -> list[ProjectForm]:
    """Every project form among ``sheets`` (one per sheet carrying the grid header name)."""
    return [read_project_sheet(sheet, registry, file_name) for sheet in sheets
            if layout.GRID_HEADER_NAME in sheet.names]


def read_project_sheet(sheet: SheetAccess, registry: Registry, file_name: str) -> ProjectForm:
    """Read one project sheet; structural damage raises ToolkitError naming the cell."""

    def where(ref: str = "") -> str:
        return f"文件「{file_name}」工作表「{sheet.title}」" + (f"单元格 {ref}" if ref else "")

    def resolve(name: str) -> tuple[int, int, int, int]:
        text = sheet.names.get(name)
        if text is None:
            raise ToolkitError(f"{where()}缺少字段名称 {name}：表格结构不是本模板，或名称被删除。"
                               "请从模板重新复制该工作表。")
        bounds = resolve_reference(text)
        if bounds is None:
            raise ToolkitError(f"{where()}的字段 {name} 指向已删除的单元格（{text}），"
                               f"很可能删除了「{_label_of(name)}」所在的行或列。请撤销删除或从模板重新复制该工作表。")
        return bounds

    def cell(row: int, col: int, anchor: str | tuple[str, str] = "") -> CellValue:
        ref = f"{get_column_letter(col)}{row}"
        value = sheet.get(row, col)
        key = ":".join(anchor) if isinstance(anchor, tuple) else anchor or ref
        return CellValue(ref, value, sheet.formats.get((row, col)),
                         tool_filled=registry.is_tool_value(sheet.title, key, value),
                         formula=(row, col) in sheet.formulas, anchor=anchor)

    fields: dict[str, CellValue] = {}
    for key, spec in layout.FIELDS.items():
        row, col, _, _ = resolve(spec.name)
        fields[key] = cell(row, col, f"field:{key}")

    # 项目资金 block: check the row labels so a deleted row is reported, not misread.
    r1, c1, r2, c2 = resolve(layout.FUND_BLOCK_NAME)
    if r2 - r1 + 1 != len(layout.FUND_ROWS):
        raise ToolkitError(f"{where(f'{get_column_letter(c1)}{r1}')}：项目资金表应有 {len(layout.FUND_ROWS)} 行"
                           f"（{'、'.join(label for _, label in layout.FUND_ROWS)}），现为 {r2 - r1 + 1} 行；"
                           "可能删除或插入了资金行。请恢复模板的资金表结构。")
    if c2 - c1 + 1 != len(layout.FUND_COLUMNS):
        headers = "、".join(h for h in layout.FUND_HEADERS if h)
        raise ToolkitError(f"{where(f'{get_column_letter(c1)}{r1}')}：项目资金表应有 {len(layout.FUND_COLUMNS)} 列"
                           f"（行名与 {headers}），现为 {c2 - c1 + 1} 列；可能在表中插入或删除了列。"
                           "请删除插入的列（或恢复删除的列）后再试。")
    funds: dict[str, FundRow] = {}
    for offset, (key, label) in enumerate(layout.FUND_ROWS):
        row = r1 + offset
        found = cell(row, c1).text.replace(":", "：")
        if _squash(found) != _squash(label):
            raise ToolkitError(f"{where(f'{get_column_letter(c1)}{row}')}应为「{label}」，实际为「{found}」："
                               "资金表的行被改动或删除。请恢复模板结构。")
        cells = {column: cell(row, c1 + index, f"fund:{key}:{column}")
                 for index, column in enumerate(layout.FUND_COLUMNS)}
        funds[key] = FundRow(key=key, **cells)

    header_row, hc1, _, hc2 = resolve(layout.GRID_HEADER_NAME)
    for index, expected in enumerate(layout.GRID_HEADERS):
        found = cell(header_row, hc1 + index).text
        if _squash(found) != _squash(expected):
            ref = f"{get_column_letter(hc1 + index)}{header_row}"
            raise ToolkitError(f"{where(ref)}应为表头「{expected}」，实际为「{found}」：指标表的列被改动。"
                               "请恢复模板的列结构（不要删除或插入列）。")
    total_row, total_col, _, _ = resolve(layout.FIELDS["total_score"].name)
    if total_row <= header_row:
        raise ToolkitError(f"{where()}的「总分」行位于指标表头之上，表格结构已被破坏。")

    tool_col = sheet.tool_column(header_row, hc2)
    indicators: list[IndicatorRow] = []
    level1 = level2 = ""
    seen_labels: dict[str, int] = {}
    for row in range(header_row + 1, total_row):
        # A row is known by its 三级指标 text (and which occurrence of it), not its number,
        # so the tool's earlier values are recognised after the clerk inserts rows above.
        label = str(sheet.get(row, hc1 + layout.GRID_COLUMNS.index("level3")) or "").strip()
        seen_labels[label] = seen_labels.get(label, 0) + 1
        row_anchor = f"grid:{label}#{seen_labels[label]}" if label else ""
        cells = {column: cell(row, hc1 + index, (row_anchor, column) if row_anchor else "")
                 for index, column in enumerate(layout.GRID_COLUMNS)}
        if cells["level1"].text:
            if cells["level1"].text != level1:
                level2 = ""
            level1 = cells["level1"].text
        if cells["level2"].text:
            level2 = cells["level2"].text
        content = ("level3", "target", "actual", "weight", "score", "reason")
        if all(cells[column].text == "" for column in content):
            continue  # an unused template row
        indicators.append(IndicatorRow(
            row=row, level1=level1, level2=level2,
            level3=cells["level3"], target=cells["target"], actual=cells["actual"],
            weight=cells["weight"], score=cells["score"], reason=cells["reason"],
            computed_ref=f"{get_column_letter(tool_col)}{row}",
            explanation_ref=f"{get_column_letter(tool_col + 1)}{row}",
        ))

    fund_row = r1
    return ProjectForm(
        sheet=sheet.title, fields=fields, funds=funds, indicators=indicators,
        fund_computed_ref=f"{get_column_letter(tool_col)}{fund_row}",
        fund_explanation_ref=f"{get_column_letter(tool_col + 1)}{fund_row}",
        total_computed_ref=f"{get_column_letter(tool_col)}{total_row}",
        total_explanation_ref=f"{get_column_letter(tool_col + 1)}{total_row}",
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _label_of(name: str) -> str:
    for spec in layout.FIELDS.values():
        if spec.name == name:
            return spec.label
    return {"JX_Funds": "项目资金", "JX_IndicatorHeader": "指标表头"}.get(name, name)
