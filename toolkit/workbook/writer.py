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

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname

from toolkit.workbook.edits import KEEP, EditPlan, is_header_row
from toolkit.workbook.meta import meta_rows
from toolkit.workbook.styles import print_within_page

# What makes a spreadsheet read text as a formula (also DDE): such text is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

AUTHOR = "绩效自评工具箱"


def apply_plan(wb, plan: EditPlan) -> None:
    """Write the plan's cell edits, the 「校验结果」 sheet and the meta sheet into ``wb``."""
    for sheet, edits in plan.by_sheet().items():
        if sheet not in wb.sheetnames:
            continue  # a sheet deleted since the last run (its registry rows are stale)
        ws = wb[sheet]
        for edit in edits:
            cell = ws[edit.ref]
            if isinstance(cell, MergedCell):  # inside a merge: no value; its colour and note go on the merge
                cell = ws[merge_anchor(ws, edit.ref)]
            elif edit.value is not KEEP:
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


def merge_anchor(ws, ref: str) -> str:
    """The first cell of the merged range holding ``ref`` (``ref`` itself when not merged)."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def safe_text(text: str) -> str:
    """Text a workbook can hold: bytes that were not UTF-8 (in a file name) and control characters
    XML forbids become U+FFFD.

    >>> safe_text("a" + chr(0xDCFF) + chr(1) + "b") == "a" + chr(0xFFFD) * 2 + "b"
    True
    """
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", display_text(text))


def display_text(text: str) -> str:
    """Text as a report shows it: bytes of a file name that were not UTF-8 (surrogate escapes)
    become U+FFFD, as any UTF-8 decoder would show them.

    >>> display_text("a" + chr(0xDCD1) + "b.xlsx") == "a" + chr(0xFFFD) + "b.xlsx"
    True
    """
    try:
        text.encode("utf-8")
        return text  # the usual case: no surrogates, no copy (a big plan holds thousands of texts)
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def put_value(cell, value: object) -> None:
    """Write ``value``; text is always text — a clerk's 「=cmd|…」 or 「+86…」 never becomes a formula.

    >>> from openpyxl import Workbook
    >>> cell = Workbook().active["A1"]; put_value(cell, "=1+1"); cell.data_type
    's'
    """
    if isinstance(value, str):
        value = safe_text(value)
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f" or isinstance(value, str) and value[:1] in FORMULA_STARTS:
        cell.data_type = "s"


def _append_text_safe(ws, row: list) -> None:
    ws.append([None] * len(row))
    for column, value in enumerate(row, start=1):
        put_value(ws.cell(ws.max_row, column), value)


def _write_check_sheet(wb, plan: EditPlan) -> None:
    if plan.check_title in wb.sheetnames:  # the tool's own sheet (see tool_sheet_titles)
        del wb[plan.check_title]
    ws = wb.create_sheet(plan.check_title)
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
    if plan.meta_title in wb.sheetnames:
        del wb[plan.meta_title]
    ws = wb.create_sheet(plan.meta_title)
    for row in meta_rows(plan.meta, plan.registry):
        _append_text_safe(ws, row)
    ws.sheet_state = "veryHidden"
