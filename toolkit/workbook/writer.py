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
from openpyxl.utils import get_column_letter, quote_sheetname

from toolkit.core.problems import SEVERITY_COLORS, SEVERITY_LABELS
from toolkit.workbook.edits import CHECK_HEADER, CHECK_LEVEL_COLUMN, KEEP, LEVEL_FILLS, EditPlan, is_header_row
from toolkit.workbook.meta import meta_rows
from toolkit.workbook.printing import area_bounds, fit_text_rows, flag_border, notes_print_end, setup_page

SEVERITY_OF_COLOR = {colour: severity for severity, colour in SEVERITY_COLORS.items()}
CHECK_WIDTHS = dict(zip("ABCDEFGH", (12, 14, 18, 8, 6, 20, 56, 16)))  # A:G print landscape at full size

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
                cell.border = flag_border(SEVERITY_OF_COLOR.get(edit.fill) if edit.fill else None)
            if edit.comment is not KEEP:
                if cell.comment is not None and not is_tool_note(cell.comment.author, cell.comment.text):
                    pass  # the clerk's own comment is never replaced or removed: the flag is in 「校验结果」
                elif edit.comment:
                    comment = Comment(edit.comment, AUTHOR)
                    comment.width, comment.height = 360, 160
                    cell.comment = comment
                else:
                    cell.comment = None
        _print_notes(ws, plan, sheet)
    _write_check_sheet(wb, plan)
    _write_meta_sheet(wb, plan)


def is_tool_note(author: str | None, text: str | None) -> bool:
    """Is a cell comment the tool's own note: written here (author :data:`AUTHOR`) or by the Excel
    buttons (Excel writes the user's name as author; the text starts with the flag's level)?

    >>> is_tool_note("张会计", "【提醒】得分低于分值，须写偏差原因。"), is_tool_note("张会计", "见调查报告")
    (True, False)
    """
    if author == AUTHOR:
        return True
    return (text or "").lstrip().startswith(tuple(f"【{label}】" for label in SEVERITY_LABELS.values()))


def _print_notes(ws, plan: EditPlan, sheet: str) -> None:
    """The print area reaches down to the 问题说明 block (or back to the form when it is gone); the
    comments themselves do not print — the block carries their text."""
    ws.page_setup.cellComments = None
    end = notes_print_end(plan, sheet)
    if end is None or not ws.print_area:
        return
    first_row, first_col, _, last_col = area_bounds(ws.print_area.split(",")[0])
    ws.print_area = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{end}"


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
    for column, width in CHECK_WIDTHS.items():
        ws.column_dimensions[column].width = width
    body = Font(name="宋体", size=10)
    for row in ws.iter_rows(min_row=3, min_col=1, max_col=len(CHECK_HEADER)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if not cell.font.b and not cell.hyperlink:
                cell.font = body
    for row in ws.iter_rows(min_row=3, min_col=CHECK_LEVEL_COLUMN, max_col=CHECK_LEVEL_COLUMN):
        colour = LEVEL_FILLS.get(row[0].value)
        if colour:  # 级别 in its colour, bold: readable on a black-and-white printer too
            row[0].fill = PatternFill("solid", fgColor=colour)
            row[0].font = Font(name="宋体", size=10, bold=True)
    ws.column_dimensions["H"].hidden = False  # the English code: last column, outside the print area
    fit_text_rows(ws, range(3, ws.max_row + 1), {c: CHECK_WIDTHS[c] for c in "ABCDEFG"})
    ws.freeze_panes = "A4"
    flag_header = next((index + 1 for index, row in enumerate(plan.check_rows) if row[:1] == ["序号"]), None)
    setup_page(ws, f"A1:G{ws.max_row}", landscape=True,
               title_rows=(flag_header, flag_header) if flag_header else None)  # column names on every page


def _write_meta_sheet(wb, plan: EditPlan) -> None:
    if plan.meta_title in wb.sheetnames:
        del wb[plan.meta_title]
    ws = wb.create_sheet(plan.meta_title)
    for row in meta_rows(plan.meta, plan.registry):
        _append_text_safe(ws, row)
    ws.sheet_state = "veryHidden"
