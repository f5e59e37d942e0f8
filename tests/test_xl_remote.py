"""The 「计算得分」 button path (toolkit.excel.xl) against the real xlwings API, via xlwings' remote engine.

The remote engine implements xlwings' Book/Sheet/Range over a JSON description of a workbook
and records what Excel would be asked to do as JSON actions. The tests build that JSON from the
sample workbook, run the button's function, replay the recorded actions onto the sheets' values
and fills, and compare with what ``jixiao score`` (``toolkit.service.score_file``) writes to a
file, read back with openpyxl: same cell values, same flag colours, same 「校验结果」 and
``_jx_meta`` rows.

Calls into Excel (the proxy for COM round trips) are counted with tests/xl_calls.py — reads,
writes and lookups of every xlwings call the toolkit makes — on 1, 8 and 50 forms: one bulk
read per sheet, values only where they change and in blocks (the tool's columns joined through
blank cells), colours in one call per sheet; ≤ 3 reads + writes per form + 20 per workbook once a
form has been scored (the first press adds the block filling a blank grade/total and a number-
format read for forms with numbers in 年度指标值/实际完成值, and a press that changes a form's 问题说明
block — its reasons printed under it — one block of values and its range). The recorded actions are bounded
too (``FORM_ACTIONS`` per form, ``WORKBOOK_ACTIONS`` per workbook) and no value is written cell
by cell.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from toolkit.forms.project import layout
from toolkit.forms.project.builds import seed003_projects
from toolkit.forms.project.template import build_workbook
from toolkit.excel import xl
from toolkit.core.problems import SEVERITY_COLORS
from toolkit.service import score_file
from toolkit.workbook.edits import KEEP
from toolkit.workbook.sheets import split_ref

from tests.xl_calls import CallCounter

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
FORM_VALUE_BLOCKS = 5
FORM_ACTIONS = FORM_VALUE_BLOCKS + 1
WORKBOOK_ACTIONS = 20
FORM_LOOKUPS, WORKBOOK_LOOKUPS = 7, 30  # finding sheets and ranges (tests/xl_calls.py)
KNOWN_FORMATTING = {"setFontProperty", "setColumnWidth", "setWrapText", "setScreenUpdating", "setAutofit"}


@pytest.fixture(autouse=True)
def _license(monkeypatch):
    """xlwings registers its remote engine at import time only if the licence key is set then;
    set it (noncommercial: these are tests) and register the engine if xlwings was imported
    before."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    try:
        xw.engines["remote"]
    except (KeyError, xw.LicenseError):
        from xlwings.pro import _xlremote

        xw.engines.add(xw.Engine(impl=_xlremote.engine))


# ------------------------------------------------------------------ the remote book

def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + ".000Z"
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat() + ".000Z"
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def book_json(path: Path, active_sheet_index: int = 1) -> dict:
    """The JSON the xlwings VBA client sends for a workbook: values from A1, sheet-scoped names."""
    wb = load_workbook(path, data_only=True)
    sheets, names = [], []
    for index, ws in enumerate(wb.worksheets):
        rows = [[_json_value(v) for v in row] for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        visibility = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}[ws.sheet_state]
        sheets.append({"name": ws.title, "values": rows or [[]], "visibility": visibility,
                       "pictures": [], "tables": []})
        for name, defined in ws.defined_names.items():
            names.append({"name": name, "sheet_index": index,
                          "address": defined.attr_text.rsplit("!", 1)[-1].replace("$", ""),
                          "book_scope": False, "scope_sheet_name": ws.title, "scope_sheet_index": index,
                          "refers_to": "=" + defined.attr_text})
    return {"client": "VBA", "version": xw.__version__, "names": names, "sheets": sheets,
            "book": {"name": path.name, "active_sheet_index": active_sheet_index, "selection": "A1"}}


def remote_book(path: Path):
    return xw.Book(json=book_json(path))


def open_remote(payload: dict):
    """A remote Book over a copy of ``payload`` (the engine mutates its payload) and the
    replay model of the untouched payload."""
    return xw.Book(json=copy.deepcopy(payload)), Replay(payload)


# ------------------------------------------------------------------ replaying actions

class Replay:
    """Apply recorded actions to a model of the workbook: per sheet values and fills."""

    def __init__(self, payload: dict):
        self.sheets = []
        for sheet in payload["sheets"]:
            values = {(r + 1, c + 1): v for r, row in enumerate(sheet["values"]) for c, v in enumerate(row)
                      if v not in ("", None)}
            self.sheets.append({"name": sheet["name"], "values": values, "fills": {},
                                "visibility": sheet.get("visibility", "Visible")})
        self.alerts: list[list] = []
        self.written: list[tuple[str, int, int]] = []  # (sheet, row, col) of every value write

    def sheet(self, name: str) -> dict:
        return next(s for s in self.sheets if s["name"] == name)

    def cells(self, action):
        for r in range(action["row_count"]):
            for c in range(action["column_count"]):
                yield r, c, (action["start_row"] + r + 1, action["start_column"] + c + 1)

    def apply(self, actions: list[dict]) -> "Replay":
        for action in actions:
            func = action["func"]
            sheet = self.sheets[action["sheet_position"]] if action["sheet_position"] is not None else None
            if func == "setValues":
                for r, c, key in self.cells(action):
                    value = action["values"][r][c]
                    if isinstance(value, str) and value.startswith("'"):
                        value = value[1:]  # Excel's text prefix is not part of the value
                    if value in ("", None):
                        sheet["values"].pop(key, None)
                    else:
                        sheet["values"][key] = value
                    self.written.append((sheet["name"], *key))
            elif func == "setRangeColor":
                for _, _, key in self.cells(action):
                    sheet["fills"][key] = action["args"][0]
            elif func == "setRangeColors":
                for r, c, key in self.cells(action):
                    colour = action["args"][0][r][c]
                    if colour != "keep":
                        sheet["fills"][key] = colour
            elif func == "addSheet":
                position, name = action["args"]
                self.sheets.insert(position, {"name": name, "values": {}, "fills": {}, "visibility": "Visible"})
            elif func == "sheetDelete":
                del self.sheets[action["sheet_position"]]
            elif func in ("sheetClear", "sheetClearContents"):
                sheet["values"].clear()
                if func == "sheetClear":
                    sheet["fills"].clear()
            elif func == "setSheetVisibility":
                sheet["visibility"] = action["args"][0]
            elif func == "alert":
                self.alerts.append(action["args"])
            elif func in KNOWN_FORMATTING or func == "activateSheet":
                pass
            else:
                raise AssertionError(f"unexpected action {func}")
        return self

    def rows(self, name: str) -> list[list]:
        values = self.sheet(name)["values"]
        if not values:
            return []
        height = max(r for r, _ in values)
        width = max(c for _, c in values)
        return _trim([[_normal(values.get((r, c))) for c in range(1, width + 1)] for r in range(1, height + 1)])


_LINK = re.compile(r'^=HYPERLINK\("#[^"]*(?:""[^"]*)*","((?:[^"]|"")*)"\)$')


def _normal(value):
    """Values as a reader sees them: 2.0 is 2; a HYPERLINK formula shows its text."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        match = _LINK.match(value)
        if match:
            text = match[1].replace('""', '"')
            try:
                return int(text) if text.isdigit() else text
            except ValueError:
                return text
    return value


def _trim(rows: list[list]) -> list[list]:
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _file_rows(ws) -> list[list]:
    return _trim([[_normal(v) for v in row] for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)])


def _flag_fills_in_file(ws) -> dict[tuple[int, int], str]:
    colours = set(SEVERITY_COLORS.values())
    found = {}
    for row in ws.iter_rows():
        for cell in row:
            rgb = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
            if isinstance(rgb, str) and rgb[-6:].upper() in colours:
                found[(cell.row, cell.column)] = rgb[-6:].upper()
    return found


def _flag_fills_in_replay(sheet: dict) -> dict[tuple[int, int], str]:
    colours = set(SEVERITY_COLORS.values())
    return {key: value.lstrip("#").upper() for key, value in sheet["fills"].items()
            if value and value.lstrip("#").upper() in colours}


def _ref(ref: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


# ------------------------------------------------------------------ the comparison

def run_button_and_compare(source: Path, tmp_path: Path):
    """Score ``source`` through the button path and through score_file; assert equal results."""
    book, replay = open_remote(book_json(source))
    assert xl.score_workbook(book) is True
    actions = book.json()["actions"]
    replay.apply(actions)

    outcome = score_file(source, tmp_path / "cli.xlsx")
    expected = load_workbook(tmp_path / "cli.xlsx")
    form_sheets = [r.sheet for r in outcome.results]
    for name in form_sheets:
        assert replay.rows(name) == _file_rows(expected[name]), name
        assert _flag_fills_in_replay(replay.sheet(name)) == _flag_fills_in_file(expected[name]), name
    assert replay.rows(layout.CHECK_SHEET) == _file_rows(expected[layout.CHECK_SHEET])
    # The same meta rows, apart from the digests of notes (the remote engine writes no notes, so it
    # records only those already in place; see test_notes_are_written_only_where_they_change).
    def without_notes(rows):
        return [row for row in rows if row[0] != "noted"]
    assert without_notes(replay.rows(layout.META_SHEET)) == without_notes(_file_rows(expected[layout.META_SHEET]))
    assert replay.sheet(layout.META_SHEET)["visibility"] != "Visible"
    return book, actions, replay, outcome


def test_button_gives_the_same_results_as_the_command_line(tmp_path):
    book, actions, replay, outcome = run_button_and_compare(SAMPLE, tmp_path)

    # The sample's 政府采购 sheet: 8 ÷ 29 × 10 = 2.76 in the tool column, H13 (2.75) coloured as an error.
    sheet = replay.sheet("政府采购")
    assert sheet["values"][(13, 10)] == 2.76
    assert sheet["fills"][(13, 8)].lstrip("#").upper() == SEVERITY_COLORS["error"]
    assert sheet["values"][(13, 8)] == 2.75  # the clerk's entry is kept
    check = replay.rows(layout.CHECK_SHEET)
    assert any(row[1:4] == ["政府采购", "政府采购", "H13"] and row[4] == "错误" for row in check if len(row) > 4)

    # One success message with every form's total, grade and flag counts.
    assert len(replay.alerts) == 1
    text = replay.alerts[0][0]
    for result in outcome.results:
        assert result.name in text
    assert "政府采购：总分 填报 83.95，复核 83.96，相差 0.01（不一致，见 H13）；等级 良；错误 1" in text
    assert replay.alerts[0][3] == "info"


def test_never_writes_a_cell_the_clerk_typed(tmp_path):
    payload = book_json(SAMPLE)
    original = Replay(payload)
    book, replay = open_remote(payload)
    assert xl.score_workbook(book)
    replay.apply(book.json()["actions"])
    forms = {s["name"] for s in original.sheets if s["name"] not in
             (layout.CHECK_SHEET, layout.META_SHEET, layout.INSTRUCTIONS_SHEET)}
    tool_column = 10  # J: 系统计算得分, K: 计算说明 (right of the grid B:I)
    for sheet, row, col in replay.written:
        if sheet in forms and col < tool_column:
            assert (row, col) not in original.sheet(sheet)["values"], f"{sheet}!{get_column_letter(col)}{row}"


def test_rerun_on_a_scored_workbook_matches_the_command_line(tmp_path):
    """Second press: the tool's own earlier values (registry in _jx_meta) are updated, not kept."""
    first = tmp_path / "first.xlsx"
    score_file(SAMPLE, first)
    run_button_and_compare(first, tmp_path)


def test_action_count_is_bounded_per_form(tmp_path):
    payload = book_json(SAMPLE)
    book, _ = open_remote(payload)
    run = xl.run_score(book)
    actions = book.json()["actions"]
    forms = {r.sheet for r in run.results}
    positions = {i: s["name"] for i, s in enumerate(payload["sheets"])}
    per_sheet = Counter(positions.get(a["sheet_position"]) for a in actions
                        if a["sheet_position"] is not None and positions.get(a["sheet_position"]) in forms)
    flagged = {r.sheet: len({f.cell for f in r.flags if f.cell}) for r in run.results}
    for sheet in forms:
        assert per_sheet[sheet] <= FORM_ACTIONS, (sheet, per_sheet[sheet])
        assert run.stats.value_blocks[sheet] <= FORM_VALUE_BLOCKS
        assert run.stats.coloured[sheet] == flagged[sheet]  # one colour entry per flagged cell …
    colour_actions = [a for a in actions if a["func"] in ("setRangeColor", "setRangeColors")
                      and positions.get(a["sheet_position"]) in forms]
    assert len(colour_actions) == len([s for s in forms if flagged[s]])  # … in one action per sheet
    workbook_level = len(actions) - sum(per_sheet.values())
    assert workbook_level <= WORKBOOK_ACTIONS
    # No per-cell value round-trips: far fewer value writes than cells written.
    writes = [a for a in actions if a["func"] == "setValues"]
    assert sum(a["row_count"] * a["column_count"] for a in writes) > 4 * len(writes)
    assert not run.stats.notes_supported  # the remote engine has no notes; text is in the sheet


# ------------------------------------------------------------------ calls into Excel, counted

def projects_workbook(folder: Path, count: int) -> Path:
    """A workbook of ``count`` project forms: the eight seed-003 projects, repeated."""
    projects = seed003_projects(SAMPLE.parent)
    path = folder / f"projects_{count}.xlsx"
    build_workbook([dict(projects[i % len(projects)], sheet=f"项目{i + 1}") for i in range(count)]).save(path)
    return path


def payload_after(payload: dict, replay: Replay) -> dict:
    """The JSON the VBA client would send for the workbook as ``replay`` left it (a second press)."""
    sheets = []
    for sheet in replay.sheets:
        values = sheet["values"]
        height = max((r for r, _ in values), default=0)
        width = max((c for _, c in values), default=0)
        rows = [[_json_value(values.get((r, c))) for c in range(1, width + 1)] for r in range(1, height + 1)]
        sheets.append({"name": sheet["name"], "values": rows or [[]], "visibility": sheet["visibility"],
                       "pictures": [], "tables": []})
    positions = {sheet["name"]: index for index, sheet in enumerate(sheets)}
    names = [dict(name, sheet_index=positions[name["scope_sheet_name"]],
                  scope_sheet_index=positions[name["scope_sheet_name"]]) for name in payload["names"]]
    return dict(payload, sheets=sheets, names=names)


def press(payload: dict):
    """Press 「计算得分」 on ``payload`` with every call counted: (run, calls, replay after it)."""
    book, replay = open_remote(payload)
    with CallCounter() as calls:
        run = xl.run_score(book)
    return run, calls, replay.apply(book.json()["actions"])


def clerk_cells_filled(run) -> int:
    """Forms where the engine fills a blank cell of the clerk's columns (a missing grade or total):
    written once, in a block of its own, on the first press only."""
    tools = {10, 11}  # J:K, the template's 系统计算得分/计算说明 columns
    return sum(1 for edits in run.plan.by_sheet().values()
               if any(e.value is not KEEP and split_ref(e.ref)[1] not in tools for e in edits))


@pytest.mark.parametrize("forms", [1, 8, 50])
def test_calls_into_excel_per_form_are_bounded(tmp_path, forms):
    """Reads and writes (tests/xl_calls.py) per press: one bulk read per sheet, values in blocks,
    colours in one call per sheet — ≤ 3 per form + 20 per workbook once the form has been scored.
    The first press adds one block per form where the engine fills the clerk's blank grade/total,
    and a form with numbers in 年度指标值/实际完成值 one read of their number format. Lookups
    (finding sheets and ranges: one more COM call each on Windows) are bounded too."""
    payload = book_json(projects_workbook(tmp_path, forms))
    first, calls, replay = press(payload)
    assert len(first.results) == forms
    sheets = [sheet["name"] for sheet in payload["sheets"] if sheet["name"] != layout.INSTRUCTIONS_SHEET]
    assert calls.calls["Range.value"] == len(sheets)  # one bulk read per sheet (填表说明 is only named)
    assert all(count <= 1 for count in first.stats.colour_calls.values())
    fills = clerk_cells_filled(first)
    formats = calls.calls["Range.number_format"]  # forms with numbers in 年度指标值/实际完成值: a % format matters
    assert formats <= forms
    # A form's 问题说明 block (its reasons printed under it) is one block of values, written when it changes.
    notes = sum(first.stats.notes_blocks.values())
    assert all(blocks <= 1 for blocks in first.stats.notes_blocks.values()) and notes <= forms
    assert calls.reads + calls.writes <= 3 * forms + fills + formats + notes + WORKBOOK_ACTIONS, calls.calls
    assert calls.lookups <= FORM_LOOKUPS * forms + notes + WORKBOOK_LOOKUPS, calls.by_kind("lookup")

    # Second press, nothing changed: every value is already shown, only colours and the tool's sheets.
    again, calls, replay = press(payload_after(payload, replay))
    assert sum(again.stats.value_blocks.values()) == 0
    assert calls.reads + calls.writes <= 3 * forms + WORKBOOK_ACTIONS, calls.calls
    assert [r.total_computed for r in again.results] == [r.total_computed for r in first.results]

    # The clerk corrects one 实际完成值 in every form: one block of tool values per form.
    edited = payload_after(payload, replay)
    for sheet in edited["sheets"][1:1 + forms]:
        sheet["values"][12][5] = "约50万人次" if sheet["values"][12][5] != "约50万人次" else "约47万人次"
    third, calls, _ = press(edited)
    notes = sum(third.stats.notes_blocks.values())  # the changed 实际完成值 may change a reason
    assert all(blocks - third.stats.notes_blocks[sheet] <= 1 for sheet, blocks in third.stats.value_blocks.items()), \
        third.stats.value_blocks
    assert calls.reads + calls.writes <= 3 * forms + notes + WORKBOOK_ACTIONS, calls.calls


def test_desktop_colours_go_by_colour_over_multi_area_ranges():
    """Desktop Excel: set_colors would loop cell by cell there; one multi-area range per colour
    (addresses of at most 255 characters) instead."""
    from toolkit.excel.writing import area_addresses, paint

    written = []

    class Area:
        def __init__(self, address):
            self.address = address

        @property
        def color(self):
            raise AssertionError("never read")

        @color.setter
        def color(self, value):
            written.append((self.address, value))

    class Sheet:
        def range(self, address):
            return Area(address)

    colours = {(13, 8): "#FFC7CE", (14, 8): "#FFC7CE", (20, 7): "#FFEB9C", (6, 8): None}
    colours.update({(100 + i, 9): "#FFC7CE" for i in range(0, 120, 2)})  # 60 separate cells
    calls = paint(Sheet(), colours, multi_area=True)
    assert calls == len(written)
    covered = {}
    for address, colour in written:
        assert len(address) <= 255
        for part in address.split(","):
            first, _, last = part.partition(":")
            (r1, c1), (r2, c2) = split_ref(first), split_ref(last or first)
            covered.update({(r, c): colour for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)})
    assert covered == colours
    assert calls == 1 + 1 + len(area_addresses([key for key, c in colours.items() if c == "#FFC7CE"]))
    assert "H13:H14" in written[0][0]


def _plain_book(values):
    return xw.Book(json={"client": "VBA", "version": xw.__version__, "names": [],
                         "book": {"name": "其他.xlsx", "active_sheet_index": 0, "selection": "A1"},
                         "sheets": [{"name": "Sheet1", "values": values, "pictures": [], "tables": []}]})


def test_not_a_template_gives_a_clear_message_and_writes_nothing():
    book = _plain_book([["项目名称", "x"]])
    assert xl.score_workbook(book) is False
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    prompt, title, _, mode, _ = actions[0]["args"]
    assert "没有可识别的自评表" in prompt and "计算得分" in title and mode == "critical"


def test_broken_form_names_the_cell(tmp_path):
    payload = book_json(SAMPLE)
    sheet = payload["sheets"][7]
    assert sheet["name"] == "政府采购"
    header = next(n for n in payload["names"] if n["name"] == layout.GRID_HEADER_NAME and n["sheet_index"] == 7)
    row, col = _ref(header["address"].split(":")[0])
    sheet["values"][row - 1][col - 1 + layout.GRID_COLUMNS.index("weight")] = "权重"
    book = xw.Book(json=payload)
    assert xl.score_workbook(book) is False
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert "政府采购" in actions[0]["args"][0] and "分值" in actions[0]["args"][0]


def test_wrong_template_version_is_reported_not_fatal(tmp_path):
    payload = book_json(SAMPLE)
    meta = next(s for s in payload["sheets"] if s["name"] == layout.META_SHEET)
    for row in meta["values"]:
        if row[0] == "template_version":
            row[1] = "0.9"
    book, replay = open_remote(payload)
    assert xl.score_workbook(book) is True
    replay.apply(book.json()["actions"])
    assert "模板版本为 0.9" in replay.alerts[-1][0]
    assert any("模板版本为 0.9" in str(row) for row in replay.rows(layout.CHECK_SHEET))


def test_unexpected_error_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    import toolkit.service

    def boom(*_args, **_kwargs):
        raise RuntimeError("模拟故障")

    monkeypatch.setattr(toolkit.service, "score_book", boom)
    monkeypatch.setattr(xl.tempfile, "gettempdir", lambda: str(tmp_path))
    book = remote_book(SAMPLE)
    assert xl.score_workbook(book) is False
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    prompt = actions[0]["args"][0]
    assert "意外错误" in prompt and "模拟故障" in prompt and "Traceback" not in prompt
    assert "RuntimeError" in (tmp_path / "jixiao_excel_error.log").read_text("utf-8")


def test_export_button_when_exporter_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "toolkit.submission.export", None)  # import toolkit.submission.export → ImportError
    book = remote_book(SAMPLE)
    assert xl.export_workbook(book) is False
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert xl.EXPORT_MISSING in actions[0]["args"][0]


def test_entry_modules_run_the_button_path(monkeypatch):
    """jixiao_score.main() is what the add-in's RunMain calls: it must score the active book."""
    from toolkit.excel.addin import BUTTONS_DIR

    sys.path.insert(0, str(BUTTONS_DIR))  # the add-in's settings put this folder on PYTHONPATH
    try:
        import jixiao_about
        import jixiao_export
        import jixiao_score
    finally:
        sys.path.remove(str(BUTTONS_DIR))
    book = remote_book(SAMPLE)
    monkeypatch.setattr(xl, "active_book", lambda: book)
    jixiao_score.main()
    funcs = [a["func"] for a in book.json()["actions"]]
    assert funcs.count("setValues") > 8 and funcs[-1] == "alert"
    assert "已计算 8 张自评表" in book.json()["actions"][-1]["args"][0]

    monkeypatch.setitem(sys.modules, "toolkit.submission.export", None)
    other = remote_book(SAMPLE)
    monkeypatch.setattr(xl, "active_book", lambda: other)
    jixiao_export.main()
    assert xl.EXPORT_MISSING in other.json()["actions"][-1]["args"][0]

    about = remote_book(SAMPLE)
    monkeypatch.setattr(xl, "active_book", lambda: about)
    jixiao_about.main()
    assert f"xlwings {xw.__version__}" in about.json()["actions"][-1]["args"][0]


def test_department_workbook_button_matches_the_command_line(tmp_path):
    """The same button scores a 部门整体 workbook (seed 000, Yantian) by the profile it names."""
    source = SAMPLE.parent / "seed000_部门整体支出绩效.xlsx"
    book, actions, replay, outcome = run_button_and_compare(source, tmp_path)
    assert {r.kind for r in outcome.results} == {"department"}
    text = replay.alerts[0][0]
    assert "95.16" in text and "96.8" in text
    score_sheet = replay.sheet("评分表")
    assert score_sheet["values"][(18, 12)] == 5      # 公用经费控制率 computed in the tool column (L18)
    assert score_sheet["values"][(18, 10)] == 6      # the published 6 stays in 得分 (J18)…
    assert score_sheet["fills"][(18, 10)].lstrip("#").upper() == SEVERITY_COLORS["error"]  # …flagged


@pytest.mark.parametrize("fixture, outputs, forms", [
    ("B_stacked.xlsx", ["B_stacked_导入.xlsx"], [3]),
    ("mixed", ["mixed_导入.xlsx", "mixed_部门_导入.xlsx"], [3, 1]),  # project forms and a department table
])
def test_score_button_on_a_foreign_workbook_adopts_it_beside_and_opens_it(tmp_path, monkeypatch, fixture, outputs, forms):
    """A workbook in another official layout: the button saves it, adopts it into
    <name>_导入.xlsx beside it (and <name>_部门_导入.xlsx for a department table), opens them and
    says so — the original is not changed."""
    foreign = ROOT / "tests" / "data" / "foreign"
    source = tmp_path / (fixture if fixture.endswith(".xlsx") else f"{fixture}.xlsx")
    if fixture == "mixed":  # the stacked project forms, and the department table as another sheet
        wb = load_workbook(foreign / "B_stacked.xlsx")
        department = load_workbook(foreign / "F_department.xlsx")["目标完成情况表"]
        copy_to = wb.create_sheet("部门")
        for row in department.iter_rows():
            for cell in row:
                if cell.value is not None:
                    copy_to.cell(cell.row, cell.column, cell.value)
        wb.save(source)
    else:
        shutil.copy(foreign / fixture, source)
    before = source.read_bytes()
    opened, messages = [], []

    class Books:
        def open(self, path):
            opened.append(path)

    class ForeignBook:  # what the button needs of an xlwings Book here
        fullname = str(source)
        app = type("App", (), {"books": Books()})()

        def save(self):
            pass

    monkeypatch.setattr(xl, "run_score", lambda book, profile: (_ for _ in ()).throw(
        xl.ToolkitError(f"文件「{source.name}」中没有可识别的自评表")))
    monkeypatch.setattr(xl, "alert", lambda book, text, title="", **_: messages.append(text))
    assert xl.score_workbook(ForeignBook()) is False
    adopted = [tmp_path / name for name in outputs]
    assert opened == [str(path) for path in adopted] and source.read_bytes() == before
    assert "已按本工具模板导入" in messages[-1] and all(str(path) in messages[-1] for path in adopted)
    from toolkit.service import read_workbook
    assert [len(read_workbook(path).forms) for path in adopted] == forms


@pytest.mark.parametrize("sample", ["seed003_项目支出绩效自评表.xlsx", "seed000_部门整体支出绩效.xlsx",
                                    "seed004_部门整体支出绩效.xlsx"])
def test_number_formats_asked_of_excel_match_the_file_reader(sample):
    """Desktop Excel: the button asks the number format of the numbers the rules read with it
    (年度指标值/实际完成值, 指标实际值, 基础数据的数值) — one call over them, cell by cell where they
    differ — and gets what the file reader sees on those cells. Here a stand-in sheet answers
    from the file's own formats."""
    from toolkit.excel.reading import _formats_needed
    from toolkit.forms import registry
    from toolkit.workbook.sheets import SheetAccess

    wb = load_workbook(SAMPLE.parent / sample)
    asked = []

    class Cells:
        def __init__(self, ws, first, last):
            self.formats = {ws.cell(r, c).number_format for r in range(first[0], last[0] + 1)
                            for c in range(first[1], last[1] + 1) if isinstance(ws.cell(r, c).value, (int, float))}

        @property
        def number_format(self):
            return next(iter(self.formats)) if len(self.formats) == 1 else None

    class Sheet:
        def __init__(self, ws):
            self.ws = ws

        def range(self, first, last=None):
            asked.append((first, last))
            return Cells(self.ws, first, last or first)

    checked = 0
    for ws in wb.worksheets:
        file_sheet = SheetAccess.from_openpyxl(ws)
        names = registry.names_from_sheet_labels(file_sheet.values)
        if names is None:
            continue
        asked.clear()
        formats = _formats_needed(Sheet(ws), names, file_sheet.values, desktop=True)
        for key, fmt in formats.items():
            assert file_sheet.formats.get(key) == fmt, (ws.title, key)
        wanted = {key for key in file_sheet.formats if key in formats}
        assert wanted == set(formats)
        if asked:  # one block call, then — only where the block's formats differ — numeric cells one by one
            assert asked[0][1] is not None and all(last is None for _, last in asked[1:])
            assert all(isinstance(file_sheet.values.get(first), (int, float)) for first, _ in asked[1:])
        checked += len(formats)
    if "部门" in sample:
        assert checked > 0  # the department samples hold numbers with formats the rules read


def test_notes_are_written_only_where_they_change():
    """Desktop Excel pays two or three calls per note: the button writes a note only where its
    text changes, per the digests the meta sheet keeps (Registry.noted), and removes only notes
    the tool wrote. A stand-in sheet records what would be asked of Excel."""
    from toolkit.excel.writing import ApplyStats, _write_notes
    from toolkit.service import read_workbook, resolve_profile, score_book

    class Note:
        def __init__(self, log, ref):
            self.log, self.ref = log, ref

        def delete(self):
            self.log.append(("delete", self.ref))

        @property
        def text(self):
            return notes[self.ref]

        @text.setter
        def text(self, value):
            self.log.append(("text", self.ref))
            notes[self.ref] = value

    class Cell:
        def __init__(self, log, ref):
            self.log, self.ref = log, ref

        @property
        def note(self):
            return Note(self.log, self.ref) if self.ref in notes else None

        def add_note(self, text):
            self.log.append(("add", self.ref))
            notes[self.ref] = text

    class Sheet:
        def __init__(self, log):
            self.log = log

        def range(self, ref):
            return Cell(self.log, ref)

    def press(book):
        results, plan = score_book(book, resolve_profile(book, "national"))
        log, stats = [], ApplyStats(notes_supported=True)
        for sheet, edits in plan.by_sheet().items():
            if sheet == "政府采购":
                _write_notes(Sheet(log), edits, stats)
        return plan, log, stats

    notes: dict[str, str] = {}
    book = read_workbook(SAMPLE)
    plan, log, stats = press(book)
    assert ("add", "H13") in log and stats.notes_written == len(log) > 0  # the first press writes them all
    book.registry = plan.registry  # what the meta sheet now records
    _, log, stats = press(book)
    assert log == [] and stats.notes_skipped > 0  # unchanged: not one call
    changed = next(key for key in sorted(book.registry.noted) if key[0] == "政府采购")
    book.registry.noted[changed] = "digest of an older text"  # the flag's text has changed since
    plan, log, _ = press(book)
    assert [action for action, _ in log] == ["text"]  # that one note, rewritten in place
    book.registry = plan.registry
    # Flags gone since the last press: the note the tool wrote is removed; where it wrote none, nothing is asked.
    book.registry.flagged |= {("政府采购", "A2"), ("政府采购", "A3")}
    book.registry.noted[("政府采购", "A2")] = "digest"
    notes["A2"] = "【错误】an old flag"
    _, log, _ = press(book)
    assert log == [("delete", "A2")]


def test_a_clerks_formula_showing_blank_is_not_overwritten(monkeypatch):
    """The bulk read gives values only, so a clerk's =IF(…,"",…) in the 等级 cell looks blank. On
    desktop Excel the button reads the formulas of the clerk cells it is about to fill (one call,
    first press only) and leaves a formula alone, saying so."""
    from toolkit.excel import writing

    sheet_name = "社会保险转移接续工作外包服务"
    payload = book_json(SAMPLE)
    book, replay = open_remote(payload)
    monkeypatch.setattr(writing, "is_desktop", lambda book: True)
    asked = []

    def formula(self):
        asked.append((self.sheet.name, self.address))
        return '=IF(H21="","",IF(H21>=90,"优","良"))' if self.sheet.name == sheet_name else ""

    monkeypatch.setattr(xw.main.Range, "formula", property(formula))
    run = xl.run_score(book)
    replay.apply(book.json()["actions"])
    written = {(sheet, row, col) for sheet, row, col in replay.written}
    assert (sheet_name, 22, 8) not in written  # H22 (等级) keeps the clerk's formula
    assert (sheet_name, "H22") in run.stats.formulas_kept and len(run.stats.formulas_kept) == 1
    assert "社会保险转移接续工作外包服务!H22 有公式" in xl.score_message(run)
    assert len(asked) == len({r.sheet for r in run.results})  # one formula read per form that gets a fill


def test_foreign_workbook_not_saved_locally_says_how_to_adopt_it():
    """A workbook in another layout that is not saved in a local folder cannot be adopted beside
    itself: the message says to save it first, or to use jixiao adopt — and nothing is written."""
    book = xw.Book(json=book_json(ROOT / "tests" / "data" / "foreign" / "B_stacked.xlsx", active_sheet_index=0))
    assert xl.score_workbook(book) is False
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    text = actions[0]["args"][0]
    assert "像是其他版式的自评表" in text and "jixiao adopt" in text and "保存到本机文件夹" in text
