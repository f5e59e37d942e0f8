"""Apply an :class:`~toolkit.workbook.edits.EditPlan` to an openpyxl workbook and save atomically.

Example::

    >>> from toolkit.workbook.edits import EditPlan
    >>> from openpyxl import Workbook
    >>> wb = Workbook(); wb.active.title = "项目1"
    >>> plan = EditPlan(); _ = plan.cell("项目1", "H13", value=2.76, fill="FFC7CE", comment="算式")
    >>> apply_plan(wb, plan)
    >>> wb["项目1"]["H13"].value, wb["项目1"]["H13"].comment.text
    (2.76, '算式')
"""

from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname

from toolkit.workbook.edits import KEEP, EditPlan, is_header_row
from toolkit.workbook.meta import CHECK_SHEET, META_SHEET, meta_rows
from toolkit.workbook.styles import print_within_page

# What makes a spreadsheet read text as a formula (also DDE): such text is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

AUTHOR = "绩效自评工具箱"


def apply_plan(wb, plan: EditPlan) -> None:
    """Write the plan's cell edits, the 「校验结果」 sheet and the meta sheet into ``wb``."""
    for sheet, edits in plan.by_sheet().items():
        ws = wb[sheet]
        for edit in edits:
            cell = ws[edit.ref]
            if edit.value is not KEEP:
                put_value(cell, edit.value)
            if edit.fill is not KEEP:
                cell.fill = PatternFill("solid", fgColor=edit.fill) if edit.fill else PatternFill(fill_type=None)
            if edit.comment is not KEEP:
                if edit.comment:
                    comment = Comment(edit.comment, AUTHOR)
                    comment.width, comment.height = 360, 160
                    cell.comment = comment
                else:
                    cell.comment = None
        if any(edit.comment for edit in edits if edit.comment is not KEEP):
            ws.page_setup.cellComments = "atEnd"  # the flags print on the form's last page
    _write_check_sheet(wb, plan)
    _write_meta_sheet(wb, plan)


def put_value(cell, value: object) -> None:
    """Write ``value``; text is always text — a clerk's 「=cmd|…」 or 「+86…」 never becomes a formula.

    >>> from openpyxl import Workbook
    >>> cell = Workbook().active["A1"]; put_value(cell, "=1+1"); cell.data_type
    's'
    """
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f" or isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.data_type = "s"


def _append_text_safe(ws, row: list) -> None:
    ws.append([None] * len(row))
    for column, value in enumerate(row, start=1):
        put_value(ws.cell(ws.max_row, column), value)


def _write_check_sheet(wb, plan: EditPlan) -> None:
    if CHECK_SHEET in wb.sheetnames:
        del wb[CHECK_SHEET]
    ws = wb.create_sheet(CHECK_SHEET)
    ws.sheet_properties.tabColor = "C00000"
    for row in plan.check_rows:
        _append_text_safe(ws, row)
    ws["A1"].font = Font(name="宋体", size=14, bold=True)
    bold = Font(name="宋体", size=10, bold=True)
    for row in ws.iter_rows(min_row=2):
        if is_header_row([cell.value for cell in row]):
            for cell in row:
                cell.font = bold
                cell.fill = PatternFill("solid", fgColor="F2F2F2")
    for index, (sheet, ref) in plan.check_links.items():
        row = index + 1
        column = 1 if ref == "A1" else 4
        cell = ws.cell(row, column)
        cell.hyperlink = f"#{quote_sheetname(sheet)}!{ref}"
        cell.font = Font(name="宋体", size=10, color="0563C1", underline="single")
    for column, width in zip("ABCDEFG", (10, 22, 26, 10, 10, 24, 80)):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=3, min_col=2, max_col=7):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    flag_header = next((index + 1 for index, row in enumerate(plan.check_rows) if row[:1] == ["序号"]), None)
    if flag_header:
        ws.print_title_rows = f"{flag_header}:{flag_header}"  # the column names on every printed page
    print_within_page(ws, f"A1:G{ws.max_row}", landscape=True)


def _write_meta_sheet(wb, plan: EditPlan) -> None:
    if META_SHEET in wb.sheetnames:
        del wb[META_SHEET]
    ws = wb.create_sheet(META_SHEET)
    for row in meta_rows(plan.meta, plan.registry):
        _append_text_safe(ws, row)
    ws.sheet_state = "veryHidden"
