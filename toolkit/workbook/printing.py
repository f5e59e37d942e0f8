"""How every sheet the tool writes prints, and the 问题说明 block that puts a form's reasons on paper.

Page setup (:func:`setup_page`): A4, fit to the page width, the header rows repeated on every
page, 「第 &P 页 共 &N 页」 in a footer that sits inside the bottom margin, and page breaks placed
between 一级 groups (:func:`group_breaks`) so no merged 一级 cell is cut by a page edge.

The 问题说明 block: cell comments and the tool's 「计算说明」 column do not print (and comments print
differently in Excel, WPS and LibreOffice), so every scored form gets, two rows under its last
row and inside its print area, a numbered list of its flags — 「① H13【错误】…」 — written as plain
values in the form's first column, one printed line per row, so the same
:class:`~toolkit.workbook.edits.EditPlan` writes it through openpyxl and through the Excel button
(one block of values). The tool owns those cells only while they hold what it wrote (registry
keys ``notes:<cell>``): they are rewritten on every press, cleared when the form has no flags, and a
clerk's text under the form is never overwritten — the block then starts below it and says so.

Example::

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> for column in "ABC": ws.column_dimensions[column].width = 30
    >>> setup_page(ws, "A1:C40", title_rows=(3, 3))
    >>> ws.oddFooter.center.text, ws.print_title_rows, ws.page_setup.orientation
    ('第 &P 页 共 &N 页', '$3:$3', 'portrait')
    >>> wrap_line("①  H13【错误】" + "得分与规则不符" * 6, 40)[1]
    '      符得分与规则不符得分与规则不符得分'
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak

from toolkit.core.problems import SEVERITY_LABELS, Flag

FOOTER_PAGES = "第 &P 页 共 &N 页"
NOTES_KEY = "notes:"  # registry keys of the 问题说明 block's cells (see toolkit.workbook.meta.Registry)
NOTES_TITLE = "问题说明"
MARKERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉒㉓㉔㉕㉖㉗㉘㉙㉚㉛㉜㉝㉞㉟㊱㊲㊳㊴㊵㊶㊷㊸㊹㊺㊻㊼㊽㊾㊿"

# A4 in points and the margins every sheet gets (inches, as the file stores them).
A4_WIDTH, A4_HEIGHT = 595.3, 841.9
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER, MARGIN_FOOTER = 0.3, 0.55, 0.7, 0.25, 0.3
DEFAULT_WIDTH, DEFAULT_HEIGHT = 8.43, 15.0  # an unsized column (characters) / row (points)
MIN_PRINTED_POINTS = 8.0  # the smallest type a form may print at
MAX_SHEET_ROW = 1_048_576  # the last row of a worksheet (Excel, WPS, openpyxl)
# A column-width unit is the digit width of the workbook's default font: 7 px with Calibri in Excel and
# WPS, but about 9.25 px where LibreOffice lacks Calibri (and Carlito) and measures DejaVu Sans instead —
# a form fitted to the page width then prints at two thirds of its size. The workbooks the tool writes
# therefore take Arial 10 as their default font (Liberation Sans, metric-compatible, ships with
# LibreOffice): 7 px in Excel and WPS, about 7.5 px in LibreOffice.
EXCEL_UNIT_PX, WIDEST_UNIT_PX, PRINT_FONT_UNIT_PX = 7.0, 9.25, 7.5
PRINT_FONT_NAMES = ("Arial", "Liberation Sans")


def use_print_font(wb) -> None:
    """Give a new workbook (no styled cell yet) Arial 10 as its default font: column widths then
    measure alike in Excel, WPS and LibreOffice (see above).

    >>> from openpyxl import Workbook
    >>> wb = Workbook(); use_print_font(wb); widest_unit_px(wb)
    7.5
    """
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb._fonts = IndexedList([Font(name="Arial", size=10, family=2)])  # index 0: the default (Normal) font


def widest_unit_px(wb) -> float:
    """The widest column-width unit any renderer gives this workbook (see above)."""
    fonts = getattr(wb, "_fonts", None)
    default = fonts[0] if fonts else None
    return PRINT_FONT_UNIT_PX if default is not None and default.name in PRINT_FONT_NAMES else WIDEST_UNIT_PX


def column_points(width: float | None, unit_px: float = EXCEL_UNIT_PX) -> float:
    """Printed width of a column ``width`` characters wide (a character ``unit_px`` + 5 px padding).

    >>> round(column_points(10), 2), round(column_points(10, WIDEST_UNIT_PX), 2)
    (56.25, 73.5)
    """
    width = DEFAULT_WIDTH if width is None else width
    return (int(width * unit_px + 0.5) + 5) * 0.75


def area_bounds(area: str) -> tuple[int, int, int, int]:
    """'A1:I40' → (1, 1, 40, 9); the sheet name and $ signs may be present.

    >>> area_bounds("'项目1'!$A$1:$I$40")
    (1, 1, 40, 9)
    """
    from openpyxl.utils.cell import range_boundaries

    text = area.split("!")[-1].replace("$", "")
    min_col, min_row, max_col, max_row = range_boundaries(text)
    return min_row, min_col, max_row, max_col


def printed_width(ws, first_col: int, last_col: int, unit_px: float = EXCEL_UNIT_PX) -> float:
    """Points the columns ``first_col``..``last_col`` take on paper at 100 % (hidden ones none)."""
    total = 0.0
    for col in range(first_col, last_col + 1):
        dim = ws.column_dimensions.get(get_column_letter(col))
        if dim is not None and dim.hidden:
            continue
        total += column_points(dim.width if dim is not None and dim.width else None, unit_px)
    return total


def page_box(landscape: bool) -> tuple[float, float]:
    """(width, height) in points inside the margins of an A4 page."""
    width, height = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
    return width - 2 * MARGIN_SIDE * 72, height - (MARGIN_TOP + MARGIN_BOTTOM) * 72


def fit_scale(ws, area: str, landscape: bool, unit_px: float = EXCEL_UNIT_PX) -> float:
    """The scale fit-to-width prints ``area`` at (≤ 1), for a renderer whose width unit is ``unit_px``.

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active; ws.column_dimensions["A"].width = 200
    >>> round(fit_scale(ws, "A1:A3", False), 2), round(fit_scale(ws, "A1:A3", False, WIDEST_UNIT_PX), 2)
    (0.52, 0.4)
    """
    _, first_col, _, last_col = area_bounds(area)
    return min(1.0, page_box(landscape)[0] / max(printed_width(ws, first_col, last_col, unit_px), 1.0))


def row_points(ws, row: int) -> float:
    dim = ws.row_dimensions.get(row)
    return dim.height if dim is not None and dim.height else DEFAULT_HEIGHT


def group_breaks(ws, area: str, groups: list[tuple[int, int]], *, landscape: bool,
                 title_rows: tuple[int, int] | None = None) -> list[int]:
    """Rows after which a page break goes so that no page edge cuts a group of rows (an 一级
    指标 and its merged cells, a form and its 问题说明): groups are placed whole, page by page, at
    the fit-to-width scale of Excel (the largest scale, so the fewest rows a page); a group taller than a
    page goes on where the page has room and is cut only where it must be. Rows outside every group
    are groups of their own.

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> for row in range(1, 101): ws.row_dimensions[row].height = 20
    >>> group_breaks(ws, "A1:A100", [(30, 45)], landscape=False)
    [29, 66]
    """
    first_row, _, last_row, _ = area_bounds(area)
    scale = fit_scale(ws, area, landscape)
    room = page_box(landscape)[1] / scale
    repeated = 0.0
    if title_rows:
        repeated = sum(row_points(ws, r) for r in range(title_rows[0], title_rows[1] + 1))
    starts = {start: end for start, end in groups}
    breaks: list[int] = []
    used = 0.0
    body = False  # the page holds more than the form's title and column headers
    row = first_row
    while row <= last_row:
        end = min(starts.get(row, row), last_row)
        height = sum(row_points(ws, r) for r in range(row, end + 1))
        header = repeated if title_rows and row > title_rows[1] else 0.0
        # A group that fits on the next page starts one — unless this page would keep only the headers.
        if used and used + height > room and header + height <= room and (body or not title_rows):
            breaks.append(row - 1)
            used = header
        if height > room - used:  # taller than a page: break inside it row by row
            for r in range(row, end + 1):
                h = row_points(ws, r)
                if used and used + h > room:
                    breaks.append(r - 1)
                    used = repeated if title_rows else 0.0
                used += h
        else:
            used += height
        body = body or not title_rows or end > title_rows[1]
        row = end + 1
    return breaks


def pages_wide(ws, area: str, landscape: bool, font_points: float, title_columns: str | None = None) -> int:
    """Pages across a table needs so that ``font_points`` type prints at 8 pt or more in the widest
    renderer: 1 for every form; more only for a very wide table (collect's 项目汇总).

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> for col in "ABCDEFGHIJ": ws.column_dimensions[col].width = 30
    >>> pages_wide(ws, "A1:J5", True, 11), pages_wide(ws, "A1:C5", True, 11)
    (2, 1)
    """
    from openpyxl.utils import column_index_from_string

    needed = MIN_PRINTED_POINTS / font_points
    _, first_col, _, last_col = area_bounds(area)
    unit_px = widest_unit_px(ws.parent)
    width = printed_width(ws, first_col, last_col, unit_px)
    repeated = 0.0
    if title_columns:
        left, _, right = title_columns.replace("$", "").partition(":")
        repeated = printed_width(ws, column_index_from_string(left), column_index_from_string(right or left),
                                 unit_px)
    box = page_box(landscape)[0]
    across = 1
    while across < 20 and box * across / (width + repeated * (across - 1)) < needed:
        across += 1  # each further page repeats the title columns
    return across


def setup_page(ws, area: str, *, landscape: bool = False, title_rows: tuple[int, int] | None = None,
               groups: list[tuple[int, int]] = (), footer: bool = True, wide_table_points: float | None = None,
               title_columns: str | None = None) -> None:
    """A4 page setup of ``ws`` (see the module doc). ``groups`` are row runs kept on one page.
    ``wide_table_points`` (the table's smallest type): a table too wide to print legibly on one page
    width is spread over as many pages across as it needs (:func:`pages_wide`), ``title_columns``
    ("A:D") repeated on each."""
    ws.print_area = area
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    across = pages_wide(ws, area, landscape, wide_table_points, title_columns) if wide_table_points else 1
    setup.fitToWidth, setup.fitToHeight = across, 0
    if across > 1 and title_columns:
        ws.print_title_cols = title_columns
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left = margins.right = MARGIN_SIDE
    margins.top, margins.bottom = MARGIN_TOP, MARGIN_BOTTOM
    margins.header, margins.footer = MARGIN_HEADER, MARGIN_FOOTER  # the footer inside the bottom margin
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if footer:
        ws.oddFooter.center.text = FOOTER_PAGES
        ws.oddFooter.center.size = 10  # LibreOffice scales it with the page
    ws.row_breaks = RowBreak()
    if groups:
        for row in group_breaks(ws, area, list(groups), landscape=landscape, title_rows=title_rows):
            ws.row_breaks.append(Break(id=row))


def fit_text_rows(ws, rows: range | list[int], column_widths: dict[str, float], *, line: float = 13.5,
                  font_points: float = 10.0) -> None:
    """Give each row the height its wrapped texts need: openpyxl cannot auto-fit, and LibreOffice
    prints the stored height, so an unfitted row cuts its text off."""
    from toolkit.workbook.styles import text_lines

    for row in rows:
        lines = 1
        for column, width in column_widths.items():
            value = ws[f"{column}{row}"].value
            if value not in (None, ""):
                # a CJK character of 10-pt 宋体 is about two units wide; keep a margin for the
                # renderers' own spacing (LibreOffice sets CJK a little wider than Excel)
                lines = max(lines, sum(text_lines(part, width * 0.9 * 10 / font_points)
                                       for part in str(value).split("\n")))
        if lines > 1:
            ws.row_dimensions[row].height = lines * line + 4


# ------------------------------------------------------------------ the 问题说明 block

def text_units(text: str) -> int:
    """Width of ``text`` in column-width units (a CJK character is two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def wrap_line(text: str, width: int, indent: str = "      ") -> list[str]:
    """``text`` cut into printed lines of at most ``width`` units, continuation lines indented."""
    lines, current = [], ""
    for ch in text:
        if ch == "\n":
            lines.append(current)
            current = indent
            continue
        if text_units(current + ch) > width and current.strip():
            lines.append(current)
            current = indent
        current += ch
    if current.strip():
        lines.append(current)
    return lines


@dataclass
class NotesPlace:
    """Where a sheet's 问题说明 block goes: ``start`` (first row), ``width`` (units a printed line
    may take), the cells the tool may write (its previous block, unchanged) and ``moved`` (the
    row the clerk wrote under the form, when the block had to start below it)."""

    start: int
    width: int
    own: dict[str, object]
    moved: int | None = None


def form_bottoms(forms) -> dict[str, int]:
    """The last row of each form sheet, from the cells its reader found (the 目标完成情况自评表 of a
    department form too)."""
    from toolkit.workbook.sheets import split_ref

    bottoms: dict[str, int] = {}

    def see(sheet: str, ref: str | None) -> None:
        if ref:
            bottoms[sheet] = max(bottoms.get(sheet, 0), split_ref(ref)[0])

    for form in forms:
        for cell in form.cells():
            see(form.sheet, cell.ref)
        target = getattr(form, "target", None)
        if target is not None:
            see(target.sheet, f"A{target.total_row}")
            for row in target.indicators:
                see(target.sheet, row.actual.ref)
    return bottoms


def notes_places(sheet_values: dict[str, dict], bottoms: dict[str, int], previous_filled: dict,
                 spans: dict[str, tuple[int, float]]) -> dict[str, NotesPlace]:
    """Where each form sheet's 问题说明 block goes: two rows under its last row and under anything
    the clerk wrote below the form (within its printed columns); cells of the tool's previous
    block still holding its text are the tool's to rewrite or clear. ``spans``: each sheet's last
    printed column and the printed width (column-width units) of its columns.

    >>> place = notes_places({"项目1": {(20, 1): "填表人", (23, 2): "备注"}}, {"项目1": 20}, {}, {"项目1": (9, 138)})
    >>> place["项目1"].start, place["项目1"].moved, place["项目1"].width
    (25, 23, 131)
    """
    from toolkit.workbook.sheets import split_ref

    places: dict[str, NotesPlace] = {}
    for sheet, bottom in bottoms.items():
        values = sheet_values.get(sheet, {})
        last_col, units = spans.get(sheet, (9, 120.0))
        own: dict[str, object] = {}
        for (name, key), value in previous_filled.items():
            if name == sheet and str(key).startswith(NOTES_KEY):
                ref = key[len(NOTES_KEY):]
                own[ref] = value
        own_cells = {split_ref(ref) for ref, value in own.items()
                     if _same_text(values.get(split_ref(ref)), value)}
        clerk_rows = [r for (r, c), v in values.items() if r > bottom and c <= last_col and v not in (None, "")
                      and (r, c) not in own_cells]
        last = max(clerk_rows, default=bottom)
        width = int(units * 0.95)  # unstyled cells print in the 10-pt default font: a CJK character is about 1.9 units
        places[sheet] = NotesPlace(start=last + 2, width=width, own={ref: v for ref, v in own.items()
                                                                      if split_ref(ref) in own_cells},
                                   moved=min(clerk_rows) if clerk_rows else None)
    return places


def _same_text(shown: object, written: object) -> bool:
    if shown in (None, "") or written in (None, ""):
        return shown in (None, "") and written in (None, "")
    return str(shown) == str(written)


def notes_lines(sheet: str, flags: list[Flag], width: int, moved: int | None, start: int) -> list[str]:
    """The printed lines of a sheet's 问题说明 block (empty when there is no flag).

    >>> notes_lines("项目1", [Flag("score_mismatch", "error", "H13", "填报 2.75，应为 2.76。")], 80, None, 30)
    ['问题说明（由「计算得分」生成，共 1 条，按单元格编号；标出的单元格加了虚线框）', '①  H13【错误】填报 2.75，应为 2.76。']
    """
    if not flags:
        return []
    from toolkit.workbook.sheets import split_ref

    by_cell: dict[str, list[Flag]] = {}
    for flag in flags:
        by_cell.setdefault(flag.cell or "", []).append(flag)
    order = sorted(by_cell, key=lambda ref: split_ref(ref) if ref else (0, 0))
    title = f"{NOTES_TITLE}（由「计算得分」生成，共 {len(flags)} 条，按单元格编号；标出的单元格加了虚线框）"
    if moved is not None:
        title += f"；表下第 {moved} 行起有填报人填写的内容，问题说明移至第 {start} 行起"
    lines = wrap_line(title, width)
    for number, ref in enumerate(order):
        marker = MARKERS[number] if number < len(MARKERS) else f"({number + 1})"
        where = ref or "全表"
        for index, flag in enumerate(by_cell[ref]):
            head = f"{marker}  {where}" if index == 0 else " " * (text_units(marker) + 2 + len(where))
            lines += wrap_line(f"{head}【{SEVERITY_LABELS[flag.severity]}】{flag.message}", width)
    return lines


# Flagged cells carry a border style beside the fill: pale fills vanish on black-and-white printers.
FLAG_BORDER_STYLES = {"error": "mediumDashed", "warning": "dashed", "info": "dotted"}


def flag_border(severity: str | None):
    """The border of a flagged cell (``None``: the form's thin border, when the flag has gone).

    >>> flag_border("error").left.style, flag_border(None).left.style
    ('mediumDashed', 'thin')
    """
    from openpyxl.styles import Border, Side

    side = Side(style=FLAG_BORDER_STYLES.get(severity, "thin"), color="000000")
    return Border(left=side, right=side, top=side, bottom=side)


def notes_print_end(plan, sheet: str) -> int | None:
    """The last row the sheet's print area must reach: its 问题说明 block's last line, or the form
    when the block is gone (None when the plan has no block for the sheet)."""
    from toolkit.workbook.sheets import split_ref

    end = plan.notes_ends.get(sheet)
    if end is None:
        return None
    written = [split_ref(ref)[0] for (name, ref) in plan.notes_cells
               if name == sheet and plan.edits[(name, ref)].value not in (None, "")]
    return max(written, default=end)


def plan_notes(plan, sheet: str, flags: list[Flag], place: NotesPlace, column: str = "A") -> None:
    """Put the block's lines into ``plan`` (values in ``column``) and register them; the tool's
    cells of the previous block that the new one does not cover are cleared."""
    lines = notes_lines(sheet, flags, place.width, place.moved, place.start)
    if place.start + len(lines) - 1 > MAX_SHEET_ROW:
        # The clerk wrote at the sheet's last rows: no room below; the reasons stay in 「校验结果」 and the notes.
        lines = []
    plan.notes_ends[sheet] = place.start - 2  # the form (and whatever the clerk wrote under it) ends here
    written = set()
    for offset, text in enumerate(lines):
        ref = f"{column}{place.start + offset}"
        plan.cell(sheet, ref, value=text)
        plan.registry.filled[(sheet, NOTES_KEY + ref)] = text
        written.add(ref)
    plan.notes_cells.update((sheet, ref) for ref in written)
    for ref in place.own:
        if ref not in written:
            plan.cell(sheet, ref, value=None)
            plan.notes_cells.add((sheet, ref))
