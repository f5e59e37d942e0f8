"""A sheet as every form reader sees it — title, defined names, values, number formats,
formula cells — whoever read it (openpyxl from a file, xlwings from the live Excel book in one
range read), and the one resolver of defined names.

Example::

    >>> sheet = SheetAccess("项目1", {"JX_Funds": "'项目1'!$B$6:$H$9"}, {(6, 2): "年度资金总额"}, {})
    >>> sheet.bounds("JX_Funds"), sheet.get(6, 2), sheet.max_row
    ((6, 2, 9, 8), '年度资金总额', 6)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.problems import ToolkitError
from toolkit.workbook.meta import Registry

_REF = re.compile(r"^(?:(?:'(?:[^']|'')+'|[^!]+)!)?\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)"
                  r"(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?$")


def column_index(letters: str) -> int:
    """'A' → 1, 'AA' → 27.

    >>> column_index("H"), column_index("AA")
    (8, 27)
    """
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def split_ref(ref: str) -> tuple[int, int]:
    """'H15' → (15, 8).

    >>> split_ref("H15"), split_ref("$AA$3")
    ((15, 8), (3, 27))
    """
    bounds = resolve_reference(ref)
    if bounds is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    return bounds[0], bounds[1]


def resolve_reference(text: str | None) -> tuple[int, int, int, int] | None:
    """A defined name's reference text → (first row, first column, last row, last column);
    None when it points at deleted cells (``#REF!``) or is not a cell range.

    >>> resolve_reference("'项目 1'!$H$13"), resolve_reference("Sheet1!#REF!")
    ((13, 8, 13, 8), None)
    """
    match = _REF.match((text or "").strip().lstrip("="))
    if not match:
        return None
    c1, r1 = column_index(match["c1"]), int(match["r1"])
    c2 = column_index(match["c2"]) if match["c2"] else c1
    r2 = int(match["r2"]) if match["r2"] else r1
    return r1, c1, r2, c2


TOOL_HEADER = "系统计算得分"  # heads the tool's columns on every template sheet
EXCEL_CELL_CHARACTERS = 32767  # what one Excel cell can hold


def existing_cells(ws):
    """The cells a worksheet really holds — never the max_row × max_column rectangle, which one
    value typed at A1048576 makes a billion cells. openpyxl keeps them in ``ws._cells`` (its
    public ``iter_rows`` fills the rectangle); read-only worksheets stream their rows."""
    cells = getattr(ws, "_cells", None)
    if cells is not None:
        return list(cells.values())
    return [cell for row in ws.iter_rows() for cell in row if getattr(cell, "value", None) is not None]


@dataclass
class SheetAccess:
    """The minimum a reader needs from a sheet: its title, its names, and cell values.

    ``values`` maps (row, column) → value; ``formats`` maps (row, column) → number format
    (only where not General); ``formulas`` holds the cells that carry a formula.
    """

    title: str
    names: dict[str, str]
    values: dict
    formats: dict
    formulas: set = field(default_factory=set)
    visible: bool = True

    @classmethod
    def from_openpyxl(cls, ws, formula_ws=None, cached: dict | None = None) -> "SheetAccess":
        """``ws`` from a values (data_only) workbook, with ``formula_ws`` (the same sheet of the
        formula workbook) telling which cells are formulas — or ``ws`` from the formula workbook
        with ``cached`` (cell → cached result, see :mod:`toolkit.workbook.cached`) giving their
        values: one load instead of two."""
        names = {name: dn.attr_text for name, dn in ws.defined_names.items()}
        values, formats, formulas = {}, {}, set()
        for cell in existing_cells(ws):
            value = cell.value
            if cached is not None and cell.data_type == "f":
                formulas.add((cell.row, cell.column))
                value = cached.get(cell.coordinate)
            if isinstance(value, float) and not math.isfinite(value):
                raise ToolkitError(f"工作表「{ws.title}」单元格 {cell.coordinate} 的数值是 {value}（不是有限数），"
                                   "Excel/WPS 保存的文件中不会有这样的值，文件可能由其他程序生成或已损坏。"
                                   "请在 Excel/WPS 中改正该单元格后另存再试。")
            if isinstance(value, str) and len(value) > EXCEL_CELL_CHARACTERS:
                raise ToolkitError(f"工作表「{ws.title}」单元格 {cell.coordinate} 的文字有 {len(value):,} 个字符，"
                                   f"超过 Excel 单元格 {EXCEL_CELL_CHARACTERS:,} 个字符的上限（文件不是由 Excel/WPS 正常保存的）。"
                                   "请删减该单元格内容后再试。")
            if value is not None:
                values[(cell.row, cell.column)] = value
                if cell.number_format and cell.number_format != "General":
                    formats[(cell.row, cell.column)] = cell.number_format
        if formula_ws is not None:
            formulas = {(c.row, c.column) for c in existing_cells(formula_ws) if c.data_type == "f"}
        return cls(ws.title, names, values, formats, formulas,
                   visible=getattr(ws, "sheet_state", "visible") == "visible")

    def get(self, row: int, col: int) -> object:
        return self.values.get((row, col))

    def text(self, row: int, col: int) -> str:
        value = self.values.get((row, col))
        return "" if value is None else str(value).strip()

    def bounds(self, name: str) -> tuple[int, int, int, int] | None:
        """Where the sheet-scoped name points (see :func:`resolve_reference`); None if absent."""
        return resolve_reference(self.names.get(name))

    @property
    def max_row(self) -> int:
        return max((row for row, _ in self.values), default=0)

    def rows_after(self, row: int) -> list[int]:
        """The rows below ``row`` that hold a value, in order: reads follow the form's extent."""
        return sorted({r for r, _ in self.values if r > row})

    def tool_column(self, header_row: int, after_col: int) -> int:
        """Where the tool's two columns are: under its 「系统计算得分」 header right of the form,
        else the first two empty columns right of it — a column the clerk wrote in is never the
        tool's.

        >>> SheetAccess("s", {}, {(3, 9): "备注", (3, 10): "系统计算得分"}, {}).tool_column(3, 8)
        10
        >>> SheetAccess("s", {}, {(3, 9): "备注", (5, 11): "x"}, {}).tool_column(3, 8)
        12
        """
        for col in range(after_col + 1, after_col + 40):
            if self.text(header_row, col) == TOOL_HEADER:
                return col
        used = {col for _, col in self.values}
        col = after_col + 1
        while col in used or col + 1 in used:
            col += 1
        return col

    def has_names(self, prefixes: tuple[str, ...]) -> bool:
        return any(name.startswith(prefixes) for name in self.names)


@dataclass
class WorkbookData:
    """Everything read from one file: its forms, its metadata and non-fatal findings."""

    path: Path
    forms: list
    meta: dict[str, str]
    registry: Registry
    flags: list = field(default_factory=list)
    sheets: list = field(default_factory=list)  # SheetInfo of every sheet: finds the tool's own sheets
    merged: dict = field(default_factory=dict)  # sheet → [(min_row, min_col, max_row, max_col)]
    template_sheets: list = field(default_factory=list)  # titles of the sheets read as template sheets
    sheet_values: dict = field(default_factory=dict)  # title → values of each template sheet (free rows under a form)
