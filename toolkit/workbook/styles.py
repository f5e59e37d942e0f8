"""Cell styles and small writers shared by the template builders of every form kind.

Example::

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> put_text(ws, "A1", "=1+1"); ws["A1"].data_type
    's'
    >>> define_name(ws, "JX_X", "B2:C3"); ws.defined_names["JX_X"].attr_text
    "'Sheet'!$B$2:$C$3"
    >>> text_lines("项目支出绩效自评表", 10)
    2
"""

from __future__ import annotations

import datetime as _dt

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

# Fixed so that building twice gives identical parts (the drift test compares them).
BUILD_TIMESTAMP = _dt.datetime(2026, 1, 1)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
TOOL_FILL = PatternFill("solid", fgColor="EDEDED")
BODY_FONT = Font(name="宋体", size=10)
BOLD_FONT = Font(name="宋体", size=10, bold=True)
TITLE_FONT = Font(name="宋体", size=16, bold=True)
TOOL_FONT = Font(name="宋体", size=9, color="595959")
TOOL_ALIGN = Alignment(horizontal="left", vertical="center", wrap_text=False)
LINE_HEIGHT = 13.5  # points per line of 10-pt 宋体


def style_range(ws, cell_range: str, *, font=BODY_FONT, alignment=CENTER, fill=None,
                border=BORDER) -> None:
    """Give every cell of ``cell_range`` a font, an alignment, a border and optionally a fill."""
    if ":" not in cell_range:
        cell_range = f"{cell_range}:{cell_range}"
    for row in ws[cell_range]:
        for cell in row:
            cell.font = font
            cell.alignment = alignment
            if border is not None:
                cell.border = border
            if fill is not None:
                cell.fill = fill


def define_name(ws, name: str, ref: str) -> None:
    """Attach a sheet-scoped defined name (absolute reference) to ``ws``."""
    col_row = ref.split(":")
    absolute = ":".join(absolute_ref(part) for part in col_row)
    ws.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!{absolute}")


def absolute_ref(ref: str) -> str:
    """'B12' → '$B$12'."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = ref[len(letters):]
    return f"${letters}${digits}"


def merge(ws, cell_range: str, value=None, **style) -> None:
    """Merge ``cell_range``, put ``value`` in its first cell and style it."""
    ws.merge_cells(cell_range)
    first = cell_range.split(":")[0]
    if value is not None:
        ws[first] = value
    style_range(ws, cell_range, **style)


def put_text(ws, ref: str, value) -> None:
    """Write a clerk's value as a literal: text starting with '=' must not become a formula."""
    cell = ws[ref]
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def show_messages(ws, validation) -> None:
    """Add ``validation`` to ``ws`` with its input message and its error message turned on."""
    validation.showErrorMessage = True
    validation.showInputMessage = bool(validation.prompt)
    ws.add_data_validation(validation)


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped text needs in a column ``width`` characters wide (CJK counts double)."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return max(1, -(-units // max(int(width) - 1, 1)))
