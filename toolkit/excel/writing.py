"""The xlwings host's half of the press protocol, writing: the engine's plan
(:func:`toolkit.excel.protocol.score`) applied to the workbook open in Excel, in as few calls as
the plan allows — and the pieces the engine builds that plan with (value blocks, multi-area
addresses, the flags' border styles, the 「校验结果」 rows).

Per form sheet (the plan's entries; :func:`apply_plan` turns each into xlwings calls):

* **values** — only cells whose value changes (compared with the bulk read), one write per
  rectangle. Inside the tool's own columns (under 「系统计算得分」/「计算说明」) a rectangle may
  also cover cells written back unchanged — blank, the tool's header text, planned values
  already shown — so the fund row, the indicator rows and the total row go in one block.
  Nothing the clerk typed is ever inside a rectangle; a blank clerk cell the engine fills (a
  missing grade or total) is a block of its own, written once: the next press finds it shown.
  On desktop Excel the engine asks for the formulas of those cells (:func:`clerk_formulas`,
  through :attr:`Target.formulas`): a clerk's formula that shows "" looks blank in a values-only
  read, and is left alone;
* **colours** — one call: ``Range.set_colors`` over the bounding box on the remote engine, one
  multi-area range per colour on Excel for Windows (where ``set_colors`` would loop cell by cell);
* **borders** — Excel for Windows only (:func:`frame`; the remote engine and a Mac have no border
  call here): the dashed/dotted border by severity ``jixiao score`` draws around each coloured cell,
  the form's thin one where a flag has gone, one call per line style and one per weight;
* **notes** — desktop Excel only (the remote engine has none), and only where the text changes:
  the meta sheet records a digest of every note the tool wrote, so pressing the button again
  on an unchanged form writes none. The row's 「计算说明」 cell and 「校验结果」 carry the same text;
* **print area** — desktop Excel: reaching the 问题说明 block when the block changes.

Per workbook: the meta sheet (cleared and written in one block; added after the last visible
sheet and hidden when new), the 「校验结果」 sheet (one block of values; header rows bold and grey in
one call each on Excel for Windows; columns sized only when it is first created), screen updating
off and on. Sheets are found in the bulk read's Sheet objects: placing one asks Excel nothing.

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
from toolkit.forms.project import layout
from toolkit.core.problems import SEVERITY_COLORS
from toolkit.workbook.printing import FLAG_BORDER_STYLES
from toolkit.workbook.edits import CHECK_HEADER, KEEP, EditPlan
from toolkit.workbook.locator import address
from toolkit.workbook.sheets import TOOL_HEADER, resolve_reference, split_ref

CHECK_WIDTHS = (8, 22, 26, 9, 8, 24, 90, 16)
NOTE_COLUMN = CHECK_HEADER.index("说明") + 1  # wide and wrapped; the English code is the last column
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
    return frame_styles(sheet, {key: border_style(colour) for key, colour in colours.items()})


def frame_styles(sheet, styles: dict[tuple[int, int], str]) -> int:
    """:func:`frame` by the plan's border styles (cell → "mediumDashed", "dashed", "dotted" or
    "thin"): styles sharing a line or a weight share the call. Returns the calls made."""
    lines: dict[int, list] = {}
    weights: dict[int, list] = {}
    for key, style in sorted(styles.items()):
        if style not in BORDER_LOOKS:
            continue  # a style this host does not know: the fill still marks the cell
        line, weight = BORDER_LOOKS[style]
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


def changed_notes(edits, stats: ApplyStats | None = None) -> list[dict]:
    """The notes a press writes, as the plan lists them: ``{"cell", "text"}`` (text None: remove
    the note) only where the text changes — a note already in place (per the meta sheet's digests)
    is counted in ``stats.notes_skipped`` instead.

    >>> from toolkit.workbook.edits import CellEdit
    >>> changed_notes([CellEdit("政府采购", "H13", comment="【错误】…"),
    ...                CellEdit("政府采购", "H14", comment="【提醒】…", comment_in_place=True)])
    [{'cell': 'H13', 'text': '【错误】…'}]
    """
    changed = []
    for edit in edits:
        if edit.comment is KEEP:
            continue
        if edit.comment_in_place:
            if stats is not None:
                stats.notes_skipped += 1
            continue
        changed.append({"cell": edit.ref, "text": edit.comment or None})
    return changed


def write_notes(sheet, notes: list[dict], stats: ApplyStats) -> None:
    """Write the plan's changed notes (desktop Excel: two or three calls each); an engine without
    notes (NotImplementedError) stops it, the text is in the sheet anyway."""
    for note in notes:
        if not stats.notes_supported:
            return
        try:
            _set_note(sheet.range(note["cell"]), note["text"])
            stats.notes_written += 1
        except NotImplementedError:  # remote engine: no notes; the text is in the sheet anyway
            stats.notes_supported = False


def _write_notes(sheet, edits, stats: ApplyStats) -> None:
    """The notes of a sheet's edits, written only where they change (see :func:`changed_notes`)."""
    if stats.notes_supported:
        write_notes(sheet, changed_notes(edits, stats), stats)


@dataclass
class Target:
    """The open workbook a plan is applied to: its sheets by title (the bulk read's Sheet objects,
    so finding one asks Excel nothing) and whether it is desktop Excel (asked once)."""

    book: object  # the xlwings Book
    sheets: dict  # title → xlwings Sheet
    desktop: bool

    def formulas(self, name: str, cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """The engine's question (:func:`toolkit.excel.protocol.form_sheet_changes`): which of these
        blank cells of sheet ``name`` hold a formula showing ""."""
        return clerk_formulas(self.sheets[name], cells)


def target(book, sheets: dict) -> Target:
    """The :class:`Target` for ``book`` whose sheets the bulk read found (title → Sheet)."""
    return Target(book, dict(sheets), is_desktop(book))


def _cells(areas: list[str]):
    """Every (row, column) of multi-area addresses ("H13,H15:H16")."""
    for text in areas:
        for part in text.split(","):
            top, left, bottom, right = resolve_reference(part)
            for row in range(top, bottom + 1):
                for col in range(left, right + 1):
                    yield row, col


def apply_plan(where: Target, changes: list[dict], stats: ApplyStats) -> ApplyStats:
    """Apply the plan's ``changes`` (``plan["sheets"]``, toolkit/schemas/plan.schema.json) to the
    open workbook; ``stats`` (the engine's, :func:`toolkit.excel.protocol.score`) gets the calls made."""
    book = where.book
    multi_area = multi_area_colours(book)  # asked once: each is a call on Windows
    app = book.app
    updating = None
    if where.desktop:  # nothing is redrawn elsewhere
        try:
            updating = app.screen_updating
        except EXCEL_ERRORS:
            updating = None
    if updating:
        app.screen_updating = False
    try:
        for change in changes:
            _apply_sheet(where, change, stats, multi_area=multi_area)
    finally:
        if updating:
            app.screen_updating = True
    return stats


def _apply_sheet(where: Target, change: dict, stats: ApplyStats, *, multi_area: bool) -> None:
    """One entry of the plan, in the schema's order: add or clear, values, fills, borders, notes, print
    area, bold, wrap, column sizes, hide, activate."""
    name = change["name"]
    form = name in stats.value_blocks  # a form sheet (the engine counted its blocks), not one of the tool's
    if change.get("create"):  # after the last visible sheet (the meta sheet, hidden, stays last)
        after = where.sheets.get(change.get("after")) or list(where.book.sheets)[-1]
        sheet = where.sheets[name] = where.book.sheets.add(name, after=after)
    else:
        sheet = where.sheets[name]
    if change.get("clear") == "all":
        sheet.clear()
    elif change.get("clear") == "contents":
        sheet.clear_contents()
    for block in change.get("values", []):
        sheet.range(split_ref(block["cell"])).value = block["rows"]
    colours = {key: (f"#{fill['color']}" if fill["color"] else None)
               for fill in change.get("fills", []) for key in _cells(fill["areas"])}
    calls = paint(sheet, colours, multi_area=multi_area) if colours else 0
    if form:
        stats.colour_calls[name] = calls
    if multi_area and change.get("borders"):  # COM's Borders; the remote engine draws none (its call counts are pinned)
        calls = frame_styles(sheet, {key: border["style"] for border in change["borders"]
                                     for key in _cells(border["areas"])})
        if form:
            stats.frame_calls[name] = calls
    if stats.notes_supported and change.get("notes"):
        write_notes(sheet, change["notes"], stats)
    if where.desktop and change.get("print_rows_to"):
        _print_to(sheet, change["print_rows_to"])
    if change.get("bold_rows"):
        embolden(sheet, change["bold_rows"], change.get("width", 1), multi_area=multi_area)
    if change.get("wrap"):
        sheet.range(change["wrap"]).wrap_text = True
    if change.get("autofit"):
        sheet.range(change["autofit"]).columns.autofit()
    for column, width in change.get("column_widths", {}).items():
        sheet.range(f"{column}1").column_width = width
    if change.get("hidden"):
        _hide(sheet, desktop=where.desktop)
    if change.get("activate"):
        sheet.activate()


def _print_to(sheet, end: int) -> None:
    """Desktop Excel: the print area (when one is set) reaches row ``end`` — the 问题说明 block under
    the form prints with it, as the file writer sets it; one read and at most one write."""
    from toolkit.workbook.printing import area_bounds

    try:
        area = sheet.page_setup.print_area
        if not area:
            return
        first_row, first_col, last_row, last_col = area_bounds(str(area).split(",")[0])
        if last_row != end:
            sheet.page_setup.print_area = f"{address(first_row, first_col)}:{address(end, last_col)}"
    except (*EXCEL_ERRORS, NotImplementedError, ValueError):  # an engine without page setup: the block is still there
        return
