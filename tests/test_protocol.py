"""The press protocol (toolkit/excel/protocol.py): for every sample and every real-form fixture, a
snapshot of the workbook (built here from the file with openpyxl, as a host reads it: one Value2
per used range, names and number formats only when the engine asks) → plan → applied to an
in-memory model of the sheets gives exactly the cells ``jixiao score`` (``score_file``) writes:
values, flag fills, the flags' borders (dashed/dotted by severity, for black-and-white printing), notes,
the 「校验结果」 rows and the meta rows. Snapshot and plan validate
against their schemas.

:class:`Host` is that in-memory host; tests/test_serve.py drives ``jixiao serve`` with it.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from toolkit.core.problems import SEVERITY_COLORS
from toolkit.excel import protocol
from toolkit.forms.project.adopt import adopt_file
from toolkit.service import score_file
from toolkit.workbook.meta import CHECK_SHEET, META_SHEET
from toolkit.workbook.sheets import resolve_reference, split_ref

from tests.realforms_harness import build_form_file, form_ids

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))
SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
SEVERITY = set(SEVERITY_COLORS.values())


def _serial(value):
    """What Value2 hands over for a date: Excel's serial number."""
    if isinstance(value, dt.datetime):
        delta = value - protocol.EXCEL_EPOCH
        return delta.days + delta.seconds / 86400
    if isinstance(value, dt.date):
        return (dt.datetime(value.year, value.month, value.day) - protocol.EXCEL_EPOCH).days
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return value


class Host:
    """An in-memory spreadsheet host: per sheet values, fills, notes and visibility, loaded from a
    file; it answers the engine's questions from that file and applies plans as a WPS host would."""

    def __init__(self, path: Path):
        self.path = path
        self.wb = load_workbook(path, data_only=True)
        self.sheets = []
        for ws in self.wb.worksheets:
            values = {(c.row, c.column): _serial(c.value) for row in ws.iter_rows() for c in row
                      if c.value is not None}  # "" kept: a formula showing nothing, as Value2 gives it
            fills = {(c.row, c.column): c.fill.fgColor.rgb[-6:].upper() for row in ws.iter_rows() for c in row
                     if c.fill is not None and c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str)
                     and c.fill.fgColor.rgb[-6:].upper() in SEVERITY}
            notes = {(c.row, c.column): c.comment.text for row in ws.iter_rows() for c in row if c.comment}
            self.sheets.append({"name": ws.title, "values": values, "fills": fills, "notes": notes,
                                "borders": file_borders(ws), "visible": ws.sheet_state == "visible"})
        self.calls = {"snapshots": 0, "blocks": 0, "fills": 0, "notes": 0}

    def sheet(self, name: str) -> dict:
        return next(s for s in self.sheets if s["name"] == name)

    # -- reading
    def snapshot(self, action: str = "score", *, notes: bool = True) -> dict:
        sheets = []
        for sheet in self.sheets:
            values = sheet["values"]
            if values:
                top, left = min(r for r, _ in values), min(c for _, c in values)
                bottom, right = max(r for r, _ in values), max(c for _, c in values)
                rows = [[values.get((r, c)) for c in range(left, right + 1)] for r in range(top, bottom + 1)]
            else:
                top, left, rows = 1, 1, [[None]]
            sheets.append({"name": sheet["name"], "visible": sheet["visible"], "origin": [top, left], "values": rows})
        self.calls["snapshots"] += 1
        return {"protocol": protocol.PROTOCOL, "version": protocol.VERSION, "action": action,
                "host": {"name": "test", "notes": notes},
                "workbook": {"name": self.path.name, "path": str(self.path), "saved": True}, "sheets": sheets}

    def answer(self, snapshot: dict, needs: dict) -> dict:
        """The snapshot with what the engine asked for: names from the file, number formats."""
        snapshot = copy.deepcopy(snapshot)
        by_name = {sheet["name"]: sheet for sheet in snapshot["sheets"]}
        for title in needs.get("names", []):
            ws = self.wb[title]
            by_name[title]["names"] = {f"{title}!{name}": "=" + dn.attr_text for name, dn in ws.defined_names.items()}
        for ask in needs.get("formats", []):
            ws = self.wb[ask["sheet"]]
            formats = {ref: ws[ref].number_format for ref in ask["cells"]}
            by_name[ask["sheet"]]["formats"] = {ref: fmt for ref, fmt in formats.items() if fmt != "General"}
        return snapshot

    # -- writing
    def apply(self, plan: dict) -> None:
        for change in plan["sheets"]:
            if change.get("create"):
                after = [s["name"] for s in self.sheets].index(change["after"]) if change.get("after") else -1
                self.sheets.insert(after + 1, {"name": change["name"], "values": {}, "fills": {}, "notes": {},
                                               "borders": {}, "visible": True})
            sheet = self.sheet(change["name"])
            if change.get("clear"):
                sheet["values"].clear()
                if change["clear"] == "all":
                    sheet["fills"].clear()
                    sheet["notes"].clear()
                    sheet["borders"].clear()
            for block in change.get("values", []):
                top, left = split_ref(block["cell"])
                cells = {(top + r, left + c): value for r, row in enumerate(block["rows"]) for c, value in enumerate(row)}
                self.calls["blocks"] += 1
                for key, value in cells.items():
                    if isinstance(value, str) and value.startswith("'"):
                        value = value[1:]  # Excel's text prefix is not part of the value
                    if value in (None, ""):
                        sheet["values"].pop(key, None)
                    else:
                        sheet["values"][key] = value
            for fill in change.get("fills", []):
                for area in fill["areas"]:
                    self.calls["fills"] += 1
                    for key in _cells(area):
                        if fill["color"]:
                            sheet["fills"][key] = fill["color"].upper()
                        else:
                            sheet["fills"].pop(key, None)
            for border in change.get("borders", []):  # Range(areas).Borders: all four sides of every cell
                for area in border["areas"]:
                    for key in _cells(area):
                        sheet["borders"][key] = (border["style"],) * 4
            for note in change.get("notes", []):
                self.calls["notes"] += 1
                key = split_ref(note["cell"])
                if note["text"]:
                    sheet["notes"][key] = note["text"]
                else:
                    sheet["notes"].pop(key, None)
            if change.get("hidden"):
                sheet["visible"] = False

    def rows(self, name: str) -> list[list]:
        values = self.sheet(name)["values"]
        if not values:
            return []
        height, width = max(r for r, _ in values), max(c for _, c in values)
        return _trim([[_normal(values.get((r, c))) if values.get((r, c)) != "" else None
                       for c in range(1, width + 1)] for r in range(1, height + 1)])


def _cells(area: str):
    for part in area.split(","):
        top, left, bottom, right = resolve_reference(part)
        for row in range(top, bottom + 1):
            for col in range(left, right + 1):
                yield row, col


def press(host: Host, action: str = "score", *, notes: bool = True, engine=protocol.press) -> tuple[dict, int]:
    """One press: snapshot → (answer the engine's questions)* → plan, applied. (plan, rounds)."""
    snapshot = host.snapshot(action, notes=notes)
    for rounds in range(1, 4):
        assert protocol.schema_problems(snapshot, "snapshot") == []
        plan = engine(snapshot)
        assert protocol.schema_problems(plan, "plan") == [], plan
        if plan["status"] != "needs":
            host.apply(plan) if plan["status"] == "done" else None
            return plan, rounds
        snapshot = host.answer(snapshot, plan["needs"])
    raise AssertionError("the engine kept asking")


_LINK = re.compile(r'^=HYPERLINK\("#[^"]*(?:""[^"]*)*","((?:[^"]|"")*)"\)$')


def _normal(value):
    """Values as a reader sees them: 2.0 is 2; a HYPERLINK formula shows its text; a date as Value2."""
    value = _serial(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        match = _LINK.match(value)
        if match:
            text = match[1].replace('""', '"')
            return int(text) if text.isdigit() else text
    return value


def _trim(rows: list[list]) -> list[list]:
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def file_rows(ws) -> list[list]:
    return _trim([[_normal(v) for v in row] for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)])


def file_fills(ws) -> dict:
    return {(c.row, c.column): c.fill.fgColor.rgb[-6:].upper() for row in ws.iter_rows() for c in row
            if c.fill is not None and c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str)
            and c.fill.fgColor.rgb[-6:].upper() in SEVERITY}


def file_borders(ws) -> dict:
    """(row, column) → the line styles of a cell's left, right, top and bottom borders, for every
    cell with a border (the form's thin grid, the flags' dashed and dotted frames)."""
    borders = {}
    for row in ws.iter_rows():
        for cell in row:
            edges = cell.border
            sides = tuple(side.style if side is not None else None
                          for side in (edges.left, edges.right, edges.top, edges.bottom))
            if any(sides):
                borders[(cell.row, cell.column)] = sides
    return borders


def file_notes(ws) -> dict:
    return {(c.row, c.column): c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def assert_same_as_score(host: Host, source: Path, scored: Path) -> list:
    """The host's cells after a press equal what score_file writes for ``source`` into ``scored``."""
    outcome = score_file(source, scored)
    expected = load_workbook(scored)
    for result in outcome.results:
        name = result.sheet
        assert host.rows(name) == file_rows(expected[name]), name
        fills = {key: colour for key, colour in host.sheet(name)["fills"].items() if colour in SEVERITY}
        assert fills == file_fills(expected[name]), name
        assert host.sheet(name)["notes"] == file_notes(expected[name]), name
        assert host.sheet(name)["borders"] == file_borders(expected[name]), name  # the B/W printout's frames
    check = outcome.plan.check_title
    assert host.rows(check) == file_rows(expected[check])
    meta = outcome.plan.meta_title
    assert host.rows(meta) == file_rows(expected[meta])  # notes written: the digests agree too
    assert not host.sheet(meta)["visible"]
    assert [s["name"] for s in host.sheets if s["visible"]] == [ws.title for ws in expected.worksheets
                                                                 if ws.sheet_state == "visible"]
    return outcome.results


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_gives_the_cells_score_writes(sample, tmp_path):
    host = Host(sample)
    plan, _ = press(host)
    assert plan["status"] == "done"
    results = assert_same_as_score(host, sample, tmp_path / "cli.xlsx")
    for result in results:
        assert result.name in plan["message"]["text"]
    # A second press on what the first left: nothing to write but the tool's own sheets.
    again, _ = press(host)
    assert again["status"] == "done"
    forms = {result.sheet for result in results}
    assert [block for change in again["sheets"] if change["name"] in forms for block in change.get("values", [])] == []
    assert [note for change in again["sheets"] for note in change.get("notes", [])] == []


def test_a_scored_workbook_pressed_again_matches_the_command_line(tmp_path):
    """The registry in _jx_meta: the tool's own earlier values are updated, notes already in place skipped."""
    first = tmp_path / "first.xlsx"
    score_file(SAMPLE, first)
    host = Host(first)
    plan, _ = press(host)
    assert_same_as_score(host, first, tmp_path / "second.xlsx")
    assert not any(change.get("notes") for change in plan["sheets"])  # every note is in place


def test_a_corrected_cell_loses_its_frame_and_other_borders_stay(tmp_path):
    """B/W printing: a flagged cell carries a dashed (错误: medium dashed) frame; once the clerk corrects
    it, the next press gives it back the form's thin border — the tool's borders only, as
    ``jixiao score`` does; a border the clerk drew on another cell stays."""
    from openpyxl.styles import Border, Side

    first = tmp_path / "first.xlsx"
    score_file(SAMPLE, first)
    wb = load_workbook(first)
    ws = wb["政府采购"]
    assert ws["H13"].border.left.style == "mediumDashed"
    ws["H13"] = 2.76  # the clerk corrects 2.75
    ws["L3"].border = Border(bottom=Side(style="double"))  # and underlines a cell of their own
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    host = Host(edited)
    plan, _ = press(host)
    change = next(c for c in plan["sheets"] if c["name"] == "政府采购")
    thin = [area for border in change["borders"] if border["style"] == "thin" for area in border["areas"]]
    assert (13, 8) in set(_cells(",".join(thin)))
    assert host.sheet("政府采购")["borders"][(13, 8)] == ("thin",) * 4
    assert host.sheet("政府采购")["borders"][(3, 12)] == (None, None, None, "double")
    assert_same_as_score(host, edited, tmp_path / "second.xlsx")


def test_the_sample_plan_holds_the_known_flag_and_value():
    """政府采购: 8 ÷ 29 × 10 = 2.76 in J13, the clerk's 2.75 in H13 filled red and noted."""
    host = Host(SAMPLE)
    plan, rounds = press(host)
    sheet = host.sheet("政府采购")
    assert sheet["values"][(13, 10)] == 2.76 and sheet["values"][(13, 8)] == 2.75
    assert sheet["fills"][(13, 8)] == SEVERITY_COLORS["error"]
    assert "【错误】" in sheet["notes"][(13, 8)]
    assert rounds == 2  # values, then the number formats of 年度指标值/实际完成值
    change = next(c for c in plan["sheets"] if c["name"] == "政府采购")
    assert len(change["fills"]) <= 2  # one multi-area fill per colour
    assert "政府采购：总分 填报 83.95，复核 83.96" in plan["message"]["text"]


def test_a_host_without_notes_gets_none_and_the_registry_forgets_them():
    host = Host(SAMPLE)
    plan, _ = press(host, notes=False)
    assert not any(change.get("notes") for change in plan["sheets"])
    assert not any(row and row[0] == "noted" for row in host.rows(META_SHEET))


def test_a_percent_format_changes_what_the_rules_read(tmp_path):
    """The number formats the engine asks for are used: 0.95 shown as 95% is 95, not 0.95."""
    host = Host(SAMPLE)
    snapshot = host.snapshot()
    needs = protocol.press(snapshot)["needs"]
    ask = needs["formats"][0]
    answered = host.answer(snapshot, needs)
    sheet = next(s for s in answered["sheets"] if s["name"] == ask["sheet"])
    as_general = protocol.press(dict(answered, sheets=[dict(s, formats={}) if s is sheet else s
                                                       for s in answered["sheets"]]))
    as_percent = protocol.press(dict(answered, sheets=[dict(s, formats={ref: "0%" for ref in ask["cells"]})
                                                       if s is sheet else s for s in answered["sheets"]]))
    assert as_general["status"] == as_percent["status"] == "done"
    assert as_general["sheets"] != as_percent["sheets"]


def test_a_sheet_its_labels_do_not_settle_is_read_by_its_names(tmp_path):
    """A copied form (not listed in the meta sheet): the engine asks for that sheet's names."""
    from openpyxl import load_workbook as load

    wb = load(SAMPLE)
    copy_ws = wb.copy_worksheet(wb.worksheets[1])
    copy_ws.title = "复制的项目"
    path = tmp_path / "copied.xlsx"
    wb.save(path)
    host = Host(path)
    snapshot = host.snapshot()
    first = protocol.press(snapshot)
    assert first["status"] == "needs" and "复制的项目" in first["needs"]["names"]


def test_a_workbook_without_forms_or_a_bad_snapshot_gets_a_message():
    plan = protocol.press({"protocol": protocol.PROTOCOL, "version": 1, "action": "score"})
    assert plan["status"] == "failed" and "快照的格式不对" in plan["message"]["text"]
    assert protocol.schema_problems(plan, "plan") == []


def test_dates_in_value2_come_back_as_dates():
    assert protocol.as_date(protocol._json_value(dt.datetime(2021, 12, 31))) == dt.datetime(2021, 12, 31)


@pytest.mark.parametrize("form_id", form_ids())
def test_every_real_form_adopted_gives_the_cells_score_writes(form_id, tmp_path):
    """The published forms (tests/data/realforms), adopted into the template as the button does,
    then pressed: the same cells as ``jixiao score`` on the adopted workbook."""
    adopted = tmp_path / f"{form_id}_导入.xlsx"
    adopt_file(build_form_file(form_id, tmp_path), adopted)
    host = Host(adopted)
    plan, _ = press(host)
    assert plan["status"] == "done", plan["message"]
    assert_same_as_score(host, adopted, tmp_path / "cli.xlsx")


def test_a_real_form_in_its_own_layout_is_adopted_beside_it(tmp_path):
    """Pressed on a published layout (saved): adopted into ``<name>_导入.xlsx`` beside it, to be opened."""
    source = build_form_file(form_ids()[0], tmp_path)
    plan, _ = press(Host(source))
    assert plan["status"] == "done" and plan["open"]
    assert all(Path(path).parent == tmp_path and Path(path).exists() for path in plan["open"])
    assert "导入" in plan["message"]["text"]


def test_an_engine_that_reads_no_file_says_how_to_adopt_instead(tmp_path):
    """The in-page engine (``host.files`` false) cannot adopt beside the workbook: it says to run
    ``jixiao adopt`` on a machine with the toolkit, and writes nothing."""
    source = build_form_file(form_ids()[0], tmp_path)
    host = Host(source)
    snapshot = host.snapshot()
    snapshot["host"]["files"] = False
    plan = protocol.press(snapshot)
    while plan["status"] == "needs":
        plan = protocol.press(host.answer(snapshot, plan["needs"]))
    assert plan["status"] == "failed" and "jixiao adopt" in plan["message"]["text"] and "页面内运行" in plan["message"]["text"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [source.name]


def test_a_blank_cell_showing_a_formula_result_is_left_alone():
    """Value2 gives "" for a clerk's formula that shows nothing (null for an empty cell): the engine
    does not fill it — as the xlwings host reads the formula first — and says so."""
    host = Host(SAMPLE)
    snapshot = host.snapshot()
    plan = protocol.press(host.answer(snapshot, protocol.press(snapshot)["needs"]))
    guarded = next((change["name"], block["cell"]) for change in plan["sheets"] for block in change.get("values", [])
                   if len(block["rows"]) == 1 and len(block["rows"][0]) == 1 and block["rows"][0][0] == "优")
    sheet = next(s for s in snapshot["sheets"] if s["name"] == guarded[0])
    row, col = split_ref(guarded[1])
    top, left = sheet["origin"]
    while len(sheet["values"]) <= row - top:
        sheet["values"].append([None] * len(sheet["values"][0]))
    sheet["values"][row - top][col - left] = ""
    again = protocol.press(host.answer(snapshot, protocol.press(snapshot)["needs"]))
    change = next(c for c in again["sheets"] if c["name"] == guarded[0])
    assert all(block["cell"] != guarded[1] for block in change["values"])
    assert f"{guarded[0]}!{guarded[1]}" in again["message"]["text"] and "有公式" in again["message"]["text"]
