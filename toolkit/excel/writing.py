"""Writing an :class:`~toolkit.workbook.edits.EditPlan` into the workbook open in Excel, in as
few calls as the plan allows.

Per form sheet:

* **values** — only cells whose value changes (compared with the bulk read), one write per
  rectangle. Inside the tool's own columns (under 「系统计算得分」/「计算说明」) a rectangle may
  also cover cells written back unchanged — blank, the tool's header text, planned values
  already shown — so the fund row, the indicator rows and the total row go in one block.
  Nothing the clerk typed is ever inside a rectangle; a blank clerk cell the engine fills (a
  missing grade or total) is a block of its own, written once: the next press finds it shown.
  On desktop Excel the formulas of those cells are read first (:func:`clerk_formulas`): a
  clerk's formula that shows "" looks blank in a values-only read, and is left alone;
* **colours** — one call: ``Range.set_colors`` over the bounding box on the remote engine, one
  multi-area range per colour on Excel for Windows (where ``set_colors`` would loop cell by cell);
* **borders** — Excel for Windows only (:func:`frame`; the remote engine and a Mac have no border
  call here): the dashed/dotted border by severity ``jixiao score`` draws around each coloured cell,
  the form's thin one where a flag has gone, one call per line style and one per weight;
* **notes** — desktop Excel only (the remote engine has none), and only where the text changes:
  the meta sheet records a digest of every note the tool wrote, so pressing the button again
  on an unchanged form writes none. The row's 「计算说明」 cell and 「校验结果」 carry the same text.

Per workbook: the meta sheet (cleared and written in one block), the 「校验结果」 sheet (one
block of values; header rows bold and grey in one call each on Excel for Windows; columns sized only
when it is first created), screen updating off and on.

Example::

    >>> rectangles({(6, 10): 1, (6, 11): "a", (7, 10): 2, (7, 11): "b", (9, 8): 3})
    [(6, 10, [[1, 'a'], [2, 'b']]), (9, 8, [[3]])]
    >>> area_addresses([(13, 8), (15, 8), (16, 8)], limit=12)  # multi-area ranges, ≤ limit characters
    ['H13,H15:H16']
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from dataclasses import dataclass, field

from openpyxl.utils import quote_sheetname

from toolkit.excel.engine import EXCEL_ERRORS, is_desktop, multi_area_colours
from toolkit.excel.reading import OpenBook
from toolkit.forms.project import layout
from toolkit.core.problems import SEVERITY_COLORS
from toolkit.workbook.printing import FLAG_BORDER_STYLES
from toolkit.workbook.edits import CHECK_HEADER, CHECK_LEVEL_COLUMN, KEEP, EditPlan, is_header_row
from toolkit.workbook.locator import address
from toolkit.workbook.meta import meta_rows
from toolkit.workbook.sheets import TOOL_HEADER, split_ref

CHECK_WIDTHS = (8, 22, 26, 9, 8, 24, 90, 16)
NOTE_COLUMN = CHECK_HEADER.index("说明") + 1  # wide and wrapped; the English code is the last column
LEVEL_FILLS = {"错误": "#" + SEVERITY_COLORS["error"], "提醒": "#" + SEVERITY_COLORS["warning"],
               "说明": "#" + SEVERITY_COLORS["info"]}
HEADER_FILL = "#F2F2F2"
AREA_ADDRESS_LIMIT = 255  # characters Excel accepts in one Range("A1,B2,…") address
SET_COLORS_LIMIT = 10_000  # cells xlwings' set_colors takes in one call


@dataclass
class ApplyStats:
    """What :func:`apply_plan` did, for tests and for measuring round-trips."""

    value_blocks: dict[str, int] = field(default_factory=dict)  # sheet → rectangles written
    notes_blocks: dict[str, int] = field(default_factory=dict)  # … of them the 问题说明 block (one when it changes)
    coloured: dict[str, int] = field(default_factory=dict)      # sheet → cells coloured/cleared
    colour_calls: dict[str, int] = field(default_factory=dict)  # sheet → calls that coloured them
    frame_calls: dict[str, int] = field(default_factory=dict)   # sheet → calls that drew the flags' borders
    formulas_kept: list[tuple[str, str]] = field(default_factory=list)  # (sheet, cell): a formula showing ""
    notes_written: int = 0
    notes_skipped: int = 0  # already in place (per the meta sheet's digests)
    notes_supported: bool = True


_NUMBER_LIKE = re.compile(r"^\s*[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*$")


def _cell_value(value: object) -> object:
    """A plan value as Excel must receive it: text that Excel would turn into a formula,
    number or date keeps Excel's text prefix (').

    >>> _cell_value("=1+1"), _cell_value("001"), _cell_value("—"), _cell_value(2.76)
    ("'=1+1", "'001", '—', 2.76)
    """
    if isinstance(value, str) and (value[:1] in ("=", "+", "-", "@", "'", "\t", "\r", "\n") or _NUMBER_LIKE.match(value)):
        return "'" + value
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return _dt.datetime(value.year, value.month, value.day)
    return value


def consecutive_runs(numbers) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive ``numbers``.

    >>> consecutive_runs([13, 6, 7, 15, 14, 20])
    [(6, 7), (13, 15), (20, 20)]
    """
    runs: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def rectangles(cells: dict[tuple[int, int], object]) -> list[tuple[int, int, list[list[object]]]]:
    """Cover planned cells with rectangles made only of planned cells: (top, left, rows).

    Horizontal runs first, then runs with the same columns on consecutive rows are stacked.

    >>> rectangles({(6, 10): 1, (6, 11): "a", (7, 10): 2, (7, 11): "b", (9, 8): 3})
    [(6, 10, [[1, 'a'], [2, 'b']]), (9, 8, [[3]])]
    """
    runs = {row: consecutive_runs(c for r, c in cells if r == row) for row in sorted({r for r, _ in cells})}
    blocks: list[list] = []  # [top, bottom, left, right]
    open_blocks: dict[tuple[int, int], list] = {}
    for row in sorted(runs):
        for span in runs[row]:
            block = open_blocks.get(span)
            if block and block[1] == row - 1:
                block[1] = row
            else:
                block = [row, row, span[0], span[1]]
                blocks.append(block)
                open_blocks[span] = block
    blocks.sort(key=lambda b: (b[0], b[2]))
    return [(top, left, [[cells[(r, c)] for c in range(left, right + 1)] for r in range(top, bottom + 1)])
            for top, bottom, left, right in blocks]


def tool_columns(values: dict) -> set[int]:
    """The columns under the tool's 「系统计算得分」 header and the one right of it (「计算说明」).

    >>> sorted(tool_columns({(12, 10): "系统计算得分", (12, 11): "计算说明", (13, 8): 20}))
    [10, 11]
    """
    return {col + offset for (_, col), value in values.items() if value == TOOL_HEADER for offset in (0, 1)}


def unchanged(shown: object, planned: object) -> bool:
    """Does the sheet already show ``planned`` (so writing it again would change nothing)?

    >>> unchanged(2.76, 2.76), unchanged(2, 2.0), unchanged("良", "良"), unchanged(None, ""), unchanged(2.75, 2.76)
    (True, True, True, True, False)
    """
    if planned in (None, "") or shown in (None, ""):
        return planned in (None, "") and shown in (None, "")
    numbers = (int, float)
    if isinstance(planned, numbers) and isinstance(shown, numbers) and not isinstance(planned, bool):
        return abs(float(planned) - float(shown)) < 1e-9
    if isinstance(planned, _dt.date) and isinstance(shown, _dt.date):
        as_datetime = lambda d: d if isinstance(d, _dt.datetime) else _dt.datetime(d.year, d.month, d.day)  # noqa: E731
        return as_datetime(planned) == as_datetime(shown)
    return type(planned) is type(shown) and planned == shown


def value_blocks(planned: dict[tuple[int, int], object], current: dict, columns: set[int]):
    """The rectangles to write for ``planned`` values on a sheet that shows ``current``:
    only cells that change, joined into larger blocks inside the tool ``columns`` by cells that
    may be written back unchanged — planned cells already showing their value, blank cells and
    the tool's own header text. Nothing else is ever inside a block.

    >>> planned = {(6, 10): 10, (6, 11): "10 分", (13, 10): 2.76, (13, 11): "8 ÷ 29 × 10 = 2.76"}
    >>> shown = {(6, 10): 10, (6, 11): "10 分", (12, 10): "系统计算得分", (12, 11): "计算说明"}
    >>> [(top, left, len(rows)) for top, left, rows in value_blocks(planned, shown, {10, 11})]
    [(13, 10, 1)]
    >>> planned[(6, 10)] = 9.5
    >>> [(top, left, len(rows)) for top, left, rows in value_blocks(planned, shown, {10, 11})]  # one block
    [(6, 10, 8)]
    >>> value_blocks(planned, shown, {10, 11})[0][2][3]  # the blank J9:K9 written blank
    [None, None]
    >>> len(value_blocks(planned, {**shown, (9, 10): "我的备注"}, {10, 11}))  # a clerk's cell splits it
    3
    """
    changed = {key: value for key, value in planned.items() if not unchanged(current.get(key), value)}
    if not changed:
        return []
    tool = [key for key in changed if key[1] in columns]
    if tool:
        top, bottom = min(r for r, _ in tool), max(r for r, _ in tool)
        left, right = min(c for _, c in tool), max(c for _, c in tool)
        for row in range(top, bottom + 1):
            for col in range(left, right + 1):
                key = (row, col)
                if key in changed or col not in columns:
                    continue
                if key in planned:
                    changed[key] = planned[key]
                elif current.get(key) is None or current.get(key) in layout.TOOL_HEADERS:
                    changed[key] = current.get(key)
    return rectangles({key: _cell_value(value) for key, value in changed.items()})


def notes_block(notes: dict[tuple[int, int], object], current: dict) -> list:
    """The 问题说明 block's cells as rectangles, all of them when any changes (else none): its rows
    are consecutive, so that is one block.

    >>> notes_block({(30, 1): "问题说明", (31, 1): "① H13…"}, {(30, 1): "问题说明"})
    [(30, 1, [['问题说明'], ['① H13…']])]
    >>> notes_block({(30, 1): "问题说明"}, {(30, 1): "问题说明"})
    []
    """
    if all(unchanged(current.get(key), value) for key, value in notes.items()):
        return []
    return rectangles({key: _cell_value(value) for key, value in notes.items()})


def clerk_formulas(sheet, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of ``cells`` — blank in the bulk read, in the clerk's columns, about to be filled by
    the engine (a missing grade or total) — hold a formula that shows "": one read of their
    formulas, on the first press only (the next press finds the tool's value shown).

    >>> class Sheet:
    ...     def range(self, first, last):
    ...         class Block:
    ...             formula = (('=IF(H21="","",H21)', ""), ("", ""))
    ...         return Block()
    >>> clerk_formulas(Sheet(), [(21, 8), (22, 9)])
    {(21, 8)}
    """
    if not cells:
        return set()
    top, bottom = min(r for r, _ in cells), max(r for r, _ in cells)
    left, right = min(c for _, c in cells), max(c for _, c in cells)
    try:
        formulas = sheet.range((top, left), (bottom, right)).formula
    except EXCEL_ERRORS:  # an engine that cannot tell: as the file path would without formulas
        return set()
    if isinstance(formulas, str):
        formulas = ((formulas,),)
    return {(row, col) for row, col in cells if str(formulas[row - top][col - left] or "").startswith("=")}


def area_addresses(cells, *, limit: int = AREA_ADDRESS_LIMIT) -> list[str]:
    """Multi-area addresses covering ``cells`` [(row, column)], vertical runs joined (H15:H16),
    each address at most ``limit`` characters."""
    runs = [address(first, col) + ("" if last == first else ":" + address(last, col))
            for col in sorted({c for _, c in cells})
            for first, last in consecutive_runs(r for r, c in cells if c == col)]
    addresses, current = [], ""
    for run in sorted(runs, key=lambda text: split_ref(text.split(":")[0])):
        candidate = f"{current},{run}" if current else run
        if len(candidate) > limit and current:
            addresses.append(current)
            candidate = run
        current = candidate
    return addresses + ([current] if current else [])


def paint(sheet, colours: dict[tuple[int, int], str | None], *, multi_area: bool) -> int:
    """Fill (or clear, None) the given cells; returns the number of calls made. ``multi_area``:
    see :func:`toolkit.excel.engine.multi_area_colours`."""
    if multi_area:
        calls = 0
        by_colour: dict[str | None, list[tuple[int, int]]] = {}
        for key, colour in colours.items():
            by_colour.setdefault(colour, []).append(key)
        for colour, cells in by_colour.items():
            for text in area_addresses(cells):
                sheet.range(text).color = colour
                calls += 1
        return calls
    top, bottom = min(r for r, _ in colours), max(r for r, _ in colours)
    left, right = min(c for _, c in colours), max(c for _, c in colours)
    if (bottom - top + 1) * (right - left + 1) > SET_COLORS_LIMIT:
        for (row, col), colour in colours.items():
            sheet.range((row, col)).color = colour
        return len(colours)
    sheet.range((top, left), (bottom, right)).set_colors(
        [[colours.get((r, c), ...) for c in range(left, right + 1)] for r in range(top, bottom + 1)])
    return 1


SEVERITY_OF_FILL = {colour: severity for severity, colour in SEVERITY_COLORS.items()}
# The flags' border styles as Borders.LineStyle (xlContinuous 1, xlDash -4115, xlDot -4118) and
# Borders.Weight (xlThin 2, xlMedium -4138) take them.
BORDER_LOOKS = {"thin": (1, 2), "dashed": (-4115, 2), "dotted": (-4118, 2), "mediumDashed": (-4115, -4138)}


def border_style(fill: str | None) -> str:
    """The border ``jixiao score`` draws on a cell the tool colours ``fill`` ("RRGGBB" or "#RRGGBB";
    None: the flag has gone, the form's thin border comes back) — the style of
    :func:`toolkit.workbook.printing.flag_border`, by which a flag still shows on a black-and-white printout.

    >>> border_style(SEVERITY_COLORS["error"]), border_style("#" + SEVERITY_COLORS["info"]), border_style(None)
    ('mediumDashed', 'dotted', 'thin')
    """
    severity = SEVERITY_OF_FILL.get(fill.lstrip("#").upper()) if fill else None
    return FLAG_BORDER_STYLES.get(severity, "thin")


def frame(sheet, colours: dict[tuple[int, int], str | None]) -> int:
    """Desktop Excel on Windows: every coloured (or uncoloured, None) cell gets its border by severity
    on all four sides, as the file writer draws it — Range(areas).Borders sets the edges and inside
    lines alike; one LineStyle call per line and one Weight call per weight over multi-area ranges.
    Returns the calls made.

    >>> class Sheet:
    ...     calls = []
    ...     def range(self, text):
    ...         calls = self.calls
    ...         class Borders:
    ...             def __setattr__(self, name, value): calls.append((text, name, value))
    ...         class Api: pass
    ...         class Rng: pass
    ...         Api.Borders, Rng.api = Borders(), Api()
    ...         return Rng()
    >>> frame(Sheet(), {(13, 8): "#FFC7CE", (22, 8): "#FFEB9C", (16, 8): "#FFEB9C"}), Sheet.calls
    (3, [('H13,H16,H22', 'LineStyle', -4115), ('H13', 'Weight', -4138), ('H16,H22', 'Weight', 2)])
    """
    lines: dict[int, list] = {}
    weights: dict[int, list] = {}
    for key, colour in sorted(colours.items()):
        line, weight = BORDER_LOOKS[border_style(colour)]
        lines.setdefault(line, []).append(key)
        weights.setdefault(weight, []).append(key)
    calls = 0
    for attribute, groups in (("LineStyle", lines), ("Weight", weights)):  # LineStyle first: it keeps the weight
        for value, cells in groups.items():
            for text in area_addresses(cells):
                setattr(sheet.range(text).api.Borders, attribute, value)
                calls += 1
    return calls


def _set_note(rng, text: str | None) -> None:
    note = rng.note
    if text:
        if note is not None:
            note.text = text
        else:
            rng.add_note(text)
    elif note is not None:
        note.delete()


def _hyperlink(sheet: str, ref: str, text: object) -> str:
    target = f"#{quote_sheetname(sheet)}!{ref}".replace('"', '""')
    shown = str(text).replace('"', '""')
    return f'=HYPERLINK("{target}","{shown}")'


def check_sheet_rows(plan: EditPlan) -> list[list[object]]:
    """The 「校验结果」 sheet as one rectangle; linked cells become HYPERLINK formulas.

    >>> plan = EditPlan(check_rows=[["标题"], ["序号", "工作表", "项目", "单元格"], [1, "政府采购", "政府采购", "H13"]],
    ...                 check_links={2: ("政府采购", "H13")})
    >>> print(check_sheet_rows(plan)[2][3])
    =HYPERLINK("#'政府采购'!H13","H13")
    """
    width = max((len(row) for row in plan.check_rows), default=1)
    rows = [[_cell_value(v) for v in row] + [None] * (width - len(row)) for row in plan.check_rows]
    for index, (sheet, ref) in plan.check_links.items():
        column = 0 if ref == "A1" else 3
        rows[index][column] = _hyperlink(sheet, ref, plan.check_rows[index][column])
    return rows


def _add_sheet(book, name: str, opened: OpenBook):
    """A new sheet after the last visible one (the meta sheet, hidden, stays last); visibility as
    read (see :func:`toolkit.excel.reading.read_open_book`), so placing it asks Excel nothing."""
    visible = [info.title for info in opened.data.sheets if info.visible and info.title in opened.reads]
    after = opened.reads[visible[-1]].sheet if visible else list(book.sheets)[-1]
    return book.sheets.add(name, after=after)


def _hide(sheet, *, desktop: bool) -> None:
    """Very hidden on desktop Excel on Windows (like the openpyxl writer); hidden elsewhere."""
    if desktop and sys.platform.startswith("win"):
        sheet.api.Visible = 2  # xlSheetVeryHidden
    else:
        sheet.visible = False


def embolden(sheet, rows: list[int], width: int, *, multi_area: bool) -> int:
    """Bold type on whole rows 1..``width`` wide; one call on Excel for Windows, one per row elsewhere."""
    areas = [f"{address(row, 1)}:{address(row, width)}" for row in rows]
    if multi_area:
        texts, current = [], ""
        for area in areas:
            joined = f"{current},{area}" if current else area
            if len(joined) > AREA_ADDRESS_LIMIT and current:
                texts.append(current)
                joined = area
            current = joined
        texts += [current] if current else []
    else:
        texts = areas
    for text in texts:
        sheet.range(text).font.bold = True
    return len(texts)


def _write_check_sheet(book, plan: EditPlan, opened: OpenBook, *, multi_area: bool):
    """「校验结果」: cleared (keeping its column widths) when the tool's own sheet is there, else added
    with its columns sized: the 说明 column wide and wrapped, the others fitted to their content."""
    read = opened.reads.get(plan.check_title)  # the title is the tool's own sheet's, or a free one
    rows = check_sheet_rows(plan)
    width = len(rows[0])
    if read is not None:
        sheet = read.sheet
        sheet.clear()
    else:
        sheet = _add_sheet(book, plan.check_title, opened)
    sheet.range((1, 1)).value = rows
    if read is None:
        sheet.range((3, 1), (len(rows), width)).columns.autofit()  # from row 3: not the long title
        sheet.range((1, NOTE_COLUMN)).column_width = CHECK_WIDTHS[NOTE_COLUMN - 1]
    headers = [i + 1 for i, row in enumerate(plan.check_rows) if is_header_row(row)]
    embolden(sheet, [1] + headers, width, multi_area=multi_area)
    colours = {(row, col): HEADER_FILL for row in headers for col in range(1, width + 1)}
    colours.update({(index + 1, CHECK_LEVEL_COLUMN): LEVEL_FILLS[row[CHECK_LEVEL_COLUMN - 1]]  # 级别 in its colour
                    for index, row in enumerate(plan.check_rows)
                    if index >= 2 and len(row) >= CHECK_LEVEL_COLUMN and row[CHECK_LEVEL_COLUMN - 1] in LEVEL_FILLS})
    paint(sheet, colours, multi_area=multi_area)
    sheet.range((3, NOTE_COLUMN), (len(rows), NOTE_COLUMN)).wrap_text = True
    return sheet


def _write_meta_sheet(book, plan: EditPlan, opened: OpenBook, *, desktop: bool) -> None:
    sheet = opened.meta_sheet()
    if sheet is None:
        sheet = _add_sheet(book, plan.meta_title, opened)
        _hide(sheet, desktop=desktop)
    else:
        sheet.clear_contents()
    rows = meta_rows(plan.meta, plan.registry)
    if rows:
        sheet.range((1, 1)).value = [[_cell_value(v) for v in row] for row in rows]


def apply_plan(book, plan: EditPlan, opened: OpenBook, *, notes: bool = True) -> ApplyStats:
    """Apply ``plan`` to the open workbook ``opened`` was read from (see the module doc)."""
    stats = ApplyStats(notes_supported=notes)
    desktop, multi_area = is_desktop(book), multi_area_colours(book)  # asked once: each is a call on Windows
    stats.notes_supported = notes and desktop  # xlwings' remote engine has no notes
    app = book.app
    updating = None
    if desktop:  # nothing is redrawn elsewhere
        try:
            updating = app.screen_updating
        except EXCEL_ERRORS:
            updating = None
    if updating:
        app.screen_updating = False
    try:
        for sheet_name, edits in plan.by_sheet().items():
            read = opened.reads[sheet_name]
            sheet = read.sheet
            values = {split_ref(e.ref): e.value for e in edits if e.value is not KEEP}
            # The 问题说明 block (the tool's own cells) is written whole, in one block, when any line changes.
            notes = {key: values.pop(key) for key in [split_ref(e.ref) for e in edits
                                                      if (sheet_name, e.ref) in plan.notes_cells] if key in values}
            tools = tool_columns(read.values)
            if desktop:  # the bulk read holds values only: a clerk's formula showing "" looks blank
                for key in clerk_formulas(sheet, [key for key, value in values.items() if key[1] not in tools
                                                  and value is not None and read.values.get(key) is None]):
                    del values[key]
                    stats.formulas_kept.append((sheet_name, address(*key)))
            blocks = value_blocks(values, read.values, tools)
            note_blocks = notes_block(notes, read.values)
            for top, left, rows in blocks + note_blocks:
                sheet.range((top, left)).value = rows
            stats.value_blocks[sheet_name] = len(blocks) + len(note_blocks)
            stats.notes_blocks[sheet_name] = len(note_blocks)
            colours = {split_ref(e.ref): (f"#{e.fill}" if e.fill else None) for e in edits if e.fill is not KEEP}
            stats.colour_calls[sheet_name] = paint(sheet, colours, multi_area=multi_area) if colours else 0
            if multi_area and colours:  # COM's Borders; the remote engine draws none (its call counts are pinned)
                stats.frame_calls[sheet_name] = frame(sheet, colours)
            stats.coloured[sheet_name] = len(colours)
            _write_notes(sheet, edits, stats)
            if desktop:
                _print_to_notes(sheet, plan, sheet_name)
        if not stats.notes_supported:  # nothing was noted: the next desktop run writes every note
            plan.registry.noted.clear()
        _write_meta_sheet(book, plan, opened, desktop=desktop)
        check = _write_check_sheet(book, plan, opened, multi_area=multi_area)
        check.activate()
    finally:
        if updating:
            app.screen_updating = True
    return stats


def _print_to_notes(sheet, plan: EditPlan, sheet_name: str) -> None:
    """Desktop Excel: the print area reaches the 问题说明 block (as the file writer sets it); one
    read and at most one write, only for a sheet that has or had a block."""
    from toolkit.workbook.printing import area_bounds, notes_print_end

    end = notes_print_end(plan, sheet_name)
    if end is None:
        return
    try:
        area = sheet.page_setup.print_area
        if not area:
            return
        first_row, first_col, last_row, last_col = area_bounds(str(area).split(",")[0])
        if last_row != end:
            sheet.page_setup.print_area = f"{address(first_row, first_col)}:{address(end, last_col)}"
    except (*EXCEL_ERRORS, NotImplementedError, ValueError):  # an engine without page setup: the block is still there
        return


def _write_notes(sheet, edits, stats: ApplyStats) -> None:
    for edit in edits:
        if edit.comment is KEEP or not stats.notes_supported:
            continue
        if edit.comment_in_place:
            stats.notes_skipped += 1
            continue
        try:
            _set_note(sheet.range(edit.ref), edit.comment)
            stats.notes_written += 1
        except NotImplementedError:  # remote engine: no notes; the text is in the sheet anyway
            stats.notes_supported = False
