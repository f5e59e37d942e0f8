"""The hidden metadata sheet: template id/version and the registry of what the tool wrote.

The registry lets a second run tell the tool's own earlier values (which it may update)
from the clerk's entries (which it never changes), and lets it clear the colour of a cell
whose flag has gone away.

Rows of the ``_jx_meta`` sheet::

    template_id | jixiao.project-self-evaluation
    filled      | <sheet> | <cell key> | <value>
    flagged     | <sheet> | <cell key>
    noted       | <sheet> | <cell key> | <digest of the note the tool wrote there>

A cell key is the cell's anchor (``field:total_score``, ``grid:案件调查数#1:score`` …), which
stays true when the clerk inserts or deletes rows, or its A1 reference for cells without one.

Example::

    >>> reg = Registry()
    >>> reg.filled[("项目1", "H13")] = 2.76
    >>> reg.is_tool_value("项目1", "H13", 2.76), reg.is_tool_value("项目1", "H13", 2.75)
    (True, False)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

# The tool's own sheets, the same in every form kind's workbook.
META_SHEET = "_jx_meta"  # very hidden: template id/version and the registry below
CHECK_SHEET = "校验结果"  # written by 计算得分
PROBLEM_SHEET = "未解决问题"  # the last sheet of a forced export (its texts may quote form titles)
INSTRUCTIONS_SHEET = "填表说明"  # written by the template builders

# Meta key listing the template sheets as of the tool's last write (JSON list of titles): the
# Excel buttons trust printed labels on these without reading their defined names again.
TEMPLATE_SHEETS_KEY = "template_sheets"
FILLED = "filled"
FLAGGED = "flagged"
NOTED = "noted"


@dataclass
class Registry:
    filled: dict[tuple[str, str], object] = field(default_factory=dict)
    flagged: set[tuple[str, str]] = field(default_factory=set)
    # The note (comment) text the tool last wrote on a cell, as a digest: a writer that pays per
    # note (the live Excel) rewrites only notes that change.
    noted: dict[tuple[str, str], str] = field(default_factory=dict)

    def is_tool_value(self, sheet: str, key: str, value: object) -> bool:
        """Does the cell known by ``key`` still hold the value the tool wrote there?"""
        if value is None or (sheet, key) not in self.filled:
            return False
        return _same(self.filled[(sheet, key)], value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return str(a) == str(b)


def meta_rows_from_values(rows) -> tuple[dict[str, str], Registry]:
    """Parse the meta sheet's rows (lists of cell values)."""
    meta: dict[str, str] = {}
    registry = Registry()
    for row in rows:
        row = list(row) + [None] * 4
        kind = row[0]
        if kind == FILLED and row[1] and row[2]:
            registry.filled[(str(row[1]), str(row[2]))] = row[3]
        elif kind == FLAGGED and row[1] and row[2]:
            registry.flagged.add((str(row[1]), str(row[2])))
        elif kind == NOTED and row[1] and row[2]:
            registry.noted[(str(row[1]), str(row[2]))] = str(row[3] or "")
        elif isinstance(kind, str) and kind:
            meta[kind] = "" if row[1] is None else str(row[1])
    return meta, registry


CHECK_TITLE_MARK = "校验结果（由「计算得分」生成"  # A1 of the tool's check sheet starts so
META_FIRST_KEY = "template_id"  # A1 of the tool's (hidden) meta sheet


@dataclass(frozen=True)
class SheetInfo:
    """What tells the tool's own sheets from a clerk's: title, visibility and cell A1."""

    title: str
    visible: bool
    first: object


def is_meta_sheet(info: SheetInfo) -> bool:
    """The tool's meta sheet is hidden and starts with the template id — a clerk's sheet that is
    merely titled _jx_meta is not it."""
    return not info.visible and info.first == META_FIRST_KEY and info.title.startswith(META_SHEET)


def is_check_sheet(info: SheetInfo, meta: dict[str, str]) -> bool:
    return info.title == meta.get("check_sheet", CHECK_SHEET) and str(info.first or "").startswith(CHECK_TITLE_MARK)


def tool_sheet_titles(sheets: list[SheetInfo], meta: dict[str, str]) -> tuple[str, str, list[str]]:
    """(title of the check sheet, title of the meta sheet, notes for the clerk).

    The tool's sheets are found by what it wrote into them, never by title alone; when a clerk's
    sheet holds the title the tool wants, the clerk's sheet is left alone and the tool takes
    another title — and says so.

    >>> clerk = SheetInfo("校验结果", True, "我的核对记录")
    >>> tool_sheet_titles([clerk], {})[0], tool_sheet_titles([clerk], {})[2][0][:19]
    ('校验结果（工具）', '工作表「校验结果」是填报人自己的工作表')
    """
    titles = {info.title for info in sheets}
    notes = []
    check = next((info.title for info in sheets if is_check_sheet(info, meta)), None)
    if check is None:
        check = _free_title(CHECK_SHEET, "（工具）", titles)
        if check != CHECK_SHEET:
            notes.append(f"工作表「{CHECK_SHEET}」是填报人自己的工作表，工具未改动它；校验结果写在「{check}」。")
    meta_title = next((info.title for info in sheets if is_meta_sheet(info)), None)
    if meta_title is None:
        meta_title = _free_title(META_SHEET, "_tool", titles)
        if meta_title != META_SHEET:
            notes.append(f"工作表「{META_SHEET}」是填报人自己的工作表，工具未改动它；工具的记录写在隐藏的「{meta_title}」。")
    return check, meta_title, notes


def _free_title(wanted: str, suffix: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    candidate, number = f"{wanted}{suffix}", 2
    while candidate in taken:
        candidate, number = f"{wanted}{suffix}{number}", number + 1
    return candidate


def sheet_infos(wb) -> list[SheetInfo]:
    """:class:`SheetInfo` of every worksheet of an openpyxl workbook."""
    return [SheetInfo(ws.title, getattr(ws, "sheet_state", "visible") == "visible", _first_value(ws))
            for ws in wb.worksheets]


def _first_value(ws) -> object:
    for row in ws.iter_rows(min_row=1, max_row=1, min_col=1, max_col=1, values_only=True):
        return row[0]
    return None


def template_sheets_of(meta: dict[str, str]) -> set[str]:
    """The titles :data:`TEMPLATE_SHEETS_KEY` lists (empty when absent or damaged).

    >>> sorted(template_sheets_of({"template_sheets": '["项目1", "项目2"]'})), template_sheets_of({"template_sheets": "x"})
    (['项目1', '项目2'], set())
    """
    try:
        titles = json.loads(meta.get(TEMPLATE_SHEETS_KEY) or "[]")
    except ValueError:
        return set()
    return {title for title in titles if isinstance(title, str)} if isinstance(titles, list) else set()


def template_sheets_row(titles) -> tuple[str, str]:
    """The meta row recording ``titles`` (see :func:`template_sheets_of`).

    >>> template_sheets_row(["项目1"])
    ('template_sheets', '["项目1"]')
    """
    return TEMPLATE_SHEETS_KEY, json.dumps(list(titles), ensure_ascii=False)


def read_meta(wb) -> tuple[dict[str, str], Registry]:
    """Metadata and registry of an openpyxl workbook (empty when it has no meta sheet of the tool)."""
    for info, ws in zip(sheet_infos(wb), wb.worksheets):
        if is_meta_sheet(info):
            return meta_rows_from_values(ws.iter_rows(values_only=True))
    return {}, Registry()


def note_digest(text: str) -> str:
    """A short, stable digest of a note's text (what :attr:`Registry.noted` holds).

    >>> note_digest("【错误】得分超过分值")
    '18903b47f90b'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def meta_rows(meta: dict[str, str], registry: Registry) -> list[list[object]]:
    """The meta sheet's content as rows, the inverse of :func:`meta_rows_from_values`.

    >>> meta_rows({"template_id": "x"}, Registry(flagged={("s", "A1")}))
    [['template_id', 'x', None, None], ['flagged', 's', 'A1', None]]
    """
    rows = [[key, value, None, None] for key, value in meta.items()]
    rows += [[FILLED, sheet, ref, value] for (sheet, ref), value in sorted(registry.filled.items())]
    rows += [[FLAGGED, sheet, ref, None] for sheet, ref in sorted(registry.flagged)]
    rows += [[NOTED, sheet, ref, digest] for (sheet, ref), digest in sorted(registry.noted.items())]
    return rows
