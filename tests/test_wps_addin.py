"""The WPS add-in's JavaScript, run in Node (tests/wps/press.test.js) against a fake WPS
``Application`` written to npm ``et-jsapi-declare``'s typings (tests/wps/fake_et.js) that holds a
sample workbook's grid. The add-in is the one ``jixiao wps install`` puts into a jsaddons folder
(config.js with the token, js/press.js, main.js); its HTTP calls go to a real ``jixiao serve``,
which the add-in starts itself through ``OAAssist.ShellExecute`` because none is running.

After a press the fake's cells equal what ``jixiao score`` writes (values, flag fills, the flags'
dashed/dotted borders, notes, 「校验结果」 and the meta rows); a second press writes no value. Calls
are counted and bounded: one used-range read per sheet; reads + writes ≤ 3 per form + 20 once a
workbook has been scored, plus on the first press the one-time work the plan names (see the test);
notes apart: at most two comment calls per changed note, the API has no bulk form.

Needs Node (18+: global fetch) and npm: the pinned typings are installed into tests/wps on first
use (.ci/run installs Node and npm and runs the same install).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from toolkit.core.problems import SEVERITY_COLORS
from toolkit.excel.writing import AREA_ADDRESS_LIMIT
from toolkit.excel.wps import install
from toolkit.workbook.meta import INSTRUCTIONS_SHEET, META_SHEET

from tests.test_protocol import SAMPLES, Host, _serial, assert_same_as_score, file_borders

ROOT = Path(__file__).resolve().parents[1]
WPS_TESTS = ROOT / "tests" / "wps"
VISIBILITY = {"visible": -1, "hidden": 0, "veryHidden": 2}  # XlSheetVisibility
WORKBOOK_CALLS = 20


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("没有找到 node（Node.js 18+）：WPS 加载项的测试需要它（.ci/run 会安装）。")
    typings = WPS_TESTS / "node_modules" / "et-jsapi-declare" / "lib.et.d.ts"
    if not typings.exists() and shutil.which("npm"):  # a fresh checkout: install the pinned typings once
        subprocess.run(["npm", "install", "--prefix", str(WPS_TESTS), "--no-audit", "--no-fund", "--silent"],
                       check=False, timeout=600)
    if not typings.exists():
        pytest.fail("tests/wps/node_modules 中没有 et-jsapi-declare（npm install --prefix tests/wps 未成功；"
                    ".ci/run 会安装 npm 并运行它）")
    return node


def grid_of(path: Path) -> dict:
    """The fake's workbook: per sheet what WPS holds — values as Value2 gives them (dates as serial
    numbers), number formats, formulas, sheet-scoped names, comments, flag fills, cell borders, visibility."""
    values_wb, formula_wb = load_workbook(path, data_only=True), load_workbook(path)
    colours = set(SEVERITY_COLORS.values())
    sheets = []
    for ws, formula_ws in zip(values_wb.worksheets, formula_wb.worksheets):
        cells = [cell for row in ws.iter_rows() for cell in row]
        sheets.append({
            "name": ws.title, "visible": VISIBILITY[ws.sheet_state],
            "values": {c.coordinate: _serial(c.value) for c in cells if c.value is not None and c.value != ""},
            "formats": {c.coordinate: c.number_format for c in cells
                        if c.value is not None and c.number_format != "General"},
            "formulas": {c.coordinate: c.value for row in formula_ws.iter_rows() for c in row
                         if isinstance(c.value, str) and c.value.startswith("=")},
            "names": {f"{ws.title}!{name}": "=" + dn.attr_text for name, dn in ws.defined_names.items()},
            "print_area": (ws.print_area or "").replace("$", "").split("!")[-1],
            "notes": {c.coordinate: c.comment.text for c in cells if c.comment},
            "fills": {c.coordinate: c.fill.fgColor.rgb[-6:].upper() for c in cells
                      if c.fill is not None and c.fill.fill_type == "solid" and isinstance(c.fill.fgColor.rgb, str)
                      and c.fill.fgColor.rgb[-6:].upper() in colours},
            "borders": {f"{get_column_letter(col)}{row}": list(sides) for (row, col), sides in file_borders(ws).items()},
        })
    return {"name": path.name, "path": str(path), "sheets": sheets}


def as_host(workbook: list[dict]) -> Host:
    """The fake's dump as the in-memory host of tests/test_protocol.py, for the same comparison."""
    from toolkit.workbook.sheets import split_ref

    host = Host.__new__(Host)
    host.sheets = [{"name": sheet["name"], "visible": sheet["visible"] == -1,
                    "values": {split_ref(ref): value for ref, value in sheet["values"].items()},
                    "fills": {split_ref(ref): value for ref, value in sheet["fills"].items()},
                    "notes": {split_ref(ref): value for ref, value in sheet["notes"].items()},
                    "borders": {split_ref(ref): tuple(sides) for ref, sides in sheet["borders"].items()}}
                   for sheet in workbook]
    return host


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_addin(tmp_path: Path, source: Path, monkeypatch, *actions: str) -> dict:
    """Install the add-in into a jsaddons folder under ``tmp_path`` and press ``actions`` in Node."""
    node = _node()
    monkeypatch.setenv("JIXIAO_CONFIG_DIR", str(tmp_path / "config"))
    addin = install(tmp_path / "jsaddons", port=_free_port())
    book = tmp_path / source.name
    shutil.copyfile(source, book)
    grid = grid_of(book)
    (tmp_path / "grid.json").write_text(json.dumps(grid, ensure_ascii=False), "utf-8")
    out = tmp_path / "out.json"
    result = None
    try:
        done = subprocess.run([node, str(WPS_TESTS / "press.test.js"), str(addin), str(tmp_path / "grid.json"), str(out),
                               *actions], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        result = json.loads(out.read_text("utf-8"))
        result["grid"] = grid
        return result
    finally:
        for pid in (result or {}).get("engines", []):  # the engines the add-in started: stop them
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _cells(area: str) -> list[str]:
    from openpyxl.utils import get_column_letter
    from toolkit.workbook.sheets import resolve_reference

    top, left, bottom, right = resolve_reference(area)
    return [f"{get_column_letter(c)}{r}" for r in range(top, bottom + 1) for c in range(left, right + 1)]


def reads_writes(calls: dict) -> int:
    return sum(n for key, n in calls.items() if key.startswith(("reads:", "writes:")))


def _keys(area: str) -> list[str]:
    return [ref for part in area.split(",") for ref in _cells(part)]


def format_reads(ask: dict, formats: dict) -> int:
    """The NumberFormat reads press.js makes for one of the engine's asks: the asked range in one read;
    where its formats differ, each run of asked cells down a column, halved until each part agrees.

    >>> format_reads({"range": "D3:D6", "cells": ["D3", "D4", "D6"]}, {"D6": "0%"})
    3
    """
    from toolkit.workbook.sheets import split_ref

    def agree(refs) -> bool:
        return len({formats.get(ref, "General") for ref in refs}) == 1

    if agree(_cells(ask["range"])):
        return 1
    runs: list[list[str]] = []
    for ref in sorted(ask["cells"], key=lambda ref: split_ref(ref)[::-1]):
        row, col = split_ref(ref)
        if runs and split_ref(runs[-1][-1]) == (row - 1, col):
            runs[-1].append(ref)
        else:
            runs.append([ref])

    def reads(run: list[str], known: bool = False) -> int:
        spent = 0 if known and len(run) > 1 else 1
        if len(run) == 1 or (not known and agree(run)):
            return spent
        half = (len(run) + 1) // 2
        return spent + reads(run[:half]) + reads(run[half:])

    whole = len(runs) == 1 and f"{runs[0][0]}:{runs[0][-1]}" == ask["range"]
    return 1 + sum(reads(run, whole) for run in runs)


BORDER_LOOKS = {"thin": ("continuous", "thin"), "dashed": ("dash", "thin"), "dotted": ("dot", "thin"),
                "mediumDashed": ("dash", "medium")}  # Borders.LineStyle and Borders.Weight, as press.js sets them


def joined(areas: list[str], limit: int = AREA_ADDRESS_LIMIT) -> int:
    """How many Range("A1,B2,…") addresses of at most ``limit`` characters ``areas`` are packed into."""
    count, current = 0, ""
    for area in areas:
        candidate = f"{current},{area}" if current else area
        if len(candidate) > limit and current:
            count += 1
            candidate = area
        current = candidate
    return count + (1 if current else 0)


def border_writes(change: dict) -> tuple[int, int]:
    """(LineStyle writes, Weight writes) press.js makes for a planned sheet's borders: styles sharing a
    line or a weight share the call."""
    lines: dict[str, list[str]] = {}
    weights: dict[str, list[str]] = {}
    for border in change.get("borders", []):
        line, weight = BORDER_LOOKS[border["style"]]
        parts = [part for area in border["areas"] for part in area.split(",")]
        lines.setdefault(line, []).extend(parts)
        weights.setdefault(weight, []).extend(parts)
    return sum(map(joined, lines.values())), sum(map(joined, weights.values()))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_a_press_in_wps_gives_the_cells_score_writes(sample, tmp_path, monkeypatch):
    result = run_addin(tmp_path, sample, monkeypatch, "score", "score")
    assert result["conformance"] >= 10  # every fake class checked against et-jsapi-declare
    first, second = result["presses"]
    assert len(result["engines"]) == 1  # the first press started the engine, the second found it running
    assert result["started"][0][1].endswith("-m toolkit.cli serve")

    results = assert_same_as_score(as_host(first["workbook"]), tmp_path / sample.name, tmp_path / "cli.xlsx")
    forms = len(results)
    scored = load_workbook(tmp_path / "cli.xlsx")
    printed = {sheet["name"]: sheet["print_area"] for sheet in first["workbook"]}
    for form in results:  # the print area reaches the 问题说明 block, as the file writer sets it
        assert printed[form.sheet] == (scored[form.sheet].print_area or "").replace("$", "").split("!")[-1]
    assert len(first["messages"]) == 1 and "计算得分完成" in first["messages"][0]
    assert all(form.name in first["messages"][0] for form in results)

    # Calls, as planned: one used-range read per sheet, one Value2 write per planned block, one colour
    # call per planned area (one area per colour unless its address outgrows 255 characters), one
    # LineStyle write per line and one Weight write per weight over the flags' frames, one
    # or two comment calls per changed note, the print area only where a 问题说明 block was written.
    calls, plan = first["calls"], first["plans"][-1]
    reading = sum(1 for sheet in result["grid"]["sheets"] if sheet["name"] != INSTRUCTIONS_SHEET)
    assert calls["reads:Range.Value2"] == reading
    # Number formats: one read per range the engine asks about; where its formats differ, per run of cells.
    asks = [ask for early in first["plans"] if early["status"] == "needs" for ask in early["needs"].get("formats", [])]
    by_sheet = {sheet["name"]: sheet for sheet in result["grid"]["sheets"]}
    format_calls = sum(format_reads(ask, by_sheet[ask["sheet"]]["formats"]) for ask in asks)
    assert len(asks) <= forms
    assert calls.get("reads:Range.NumberFormat", 0) == format_calls <= len(asks) + sum(
        len(ask["cells"]) for ask in asks if format_reads(ask, by_sheet[ask["sheet"]]["formats"]) > 1)
    planned = lambda field: [item for change in plan["sheets"] for item in change.get(field, [])]  # noqa: E731
    assert calls["writes:Range.Value2"] == len(planned("values"))
    assert calls["writes:Interior.Color"] + calls.get("writes:Interior.ColorIndex", 0) == \
        sum(len(fill["areas"]) for fill in planned("fills"))
    frames = [border_writes(change) for change in plan["sheets"]]
    assert calls.get("writes:Borders.LineStyle", 0) == sum(lines for lines, _ in frames)
    assert calls.get("writes:Borders.Weight", 0) == sum(weights for _, weights in frames)
    for change in plan["sheets"]:  # every cell the tool colours or uncolours gets its frame, and no other
        if change["name"] in {form.sheet for form in results}:
            coloured = {key for fill in change.get("fills", []) for area in fill["areas"] for key in _keys(area)}
            framed = {key for border in change.get("borders", []) for area in border["areas"] for key in _keys(area)}
            assert framed == coloured, change["name"]
    assert calls.get("notes:Range.AddComment", 0) == len([n for n in planned("notes") if n["text"]])
    assert sum(n for key, n in calls.items() if key.startswith("notes:")) <= 2 * len(planned("notes"))
    assert calls.get("reads:PageSetup.PrintArea", 0) == sum(1 for c in plan["sheets"] if "print_rows_to" in c)

    # The budget, ≤ 3 reads + writes per form + 20, holds once a workbook has been scored (the
    # second press below): per form its used-range read, one block of values, one colour. The first press
    # does one-time work per form on top, every call of it named by the plan: the clerk's blank
    # grade/total filled and the 问题说明 block written (blocks of their own: the cells between them are
    # the clerk's), a second and third severity's colour, the flags' frames (the API has no per-cell
    # style: a LineStyle and a Weight call per line and weight), the print area stretched to the block
    # (a read, to keep the clerk's columns, and a write) — and number formats beyond one read per range.
    forms_at = {form.sheet for form in results}
    one_time = {
        "blocks": sum(max(0, len(c.get("values", [])) - 1) for c in plan["sheets"] if c["name"] in forms_at),
        "colours": sum(max(0, sum(len(f["areas"]) for f in c.get("fills", [])) - 1)
                       for c in plan["sheets"] if c["name"] in forms_at),
        "frames": sum(lines + weights for lines, weights in frames),
        "print area": calls.get("reads:PageSetup.PrintArea", 0) + calls.get("writes:PageSetup.PrintArea", 0),
    }
    extra_formats = format_calls - len(asks)
    print(f"{sample.stem}: {forms} forms; reads + writes {reads_writes(calls)} on the first press "
          f"(≤ 3 × {forms} + {WORKBOOK_CALLS} + one-time {sum(one_time.values())} {one_time} + number formats "
          f"beyond one read per range {extra_formats}), {reads_writes(second['calls'])} on the second; "
          f"by call: {dict(sorted((k, n) for k, n in calls.items() if k.startswith(('reads:', 'writes:'))))}")
    assert reads_writes(calls) - extra_formats <= 3 * forms + sum(one_time.values()) + WORKBOOK_CALLS, calls
    # frames included; 「校验结果」's 级别 cells take one colour call per severity present (as the file writer colours them)
    levels = len({fill["color"] for c in plan["sheets"] if c["name"] not in forms_at for fill in c.get("fills", [])}) - 1
    assert reads_writes(calls) - extra_formats <= 10 * forms + WORKBOOK_CALLS + max(0, levels), calls

    # The second press: nothing changed, so no value but the tool's own sheets, no colour, no frame, no note.
    again = second["calls"]
    assert again.get("notes:Range.AddComment", 0) == 0
    assert again.get("writes:Range.Value2", 0) == 2  # the meta sheet and 「校验结果」, one block each
    assert again.get("writes:Borders.LineStyle", 0) == again.get("writes:Borders.Weight", 0) == 0
    assert reads_writes(again) - extra_formats <= 3 * forms + WORKBOOK_CALLS, again
    without_meta = lambda workbook: [sheet for sheet in workbook if sheet["name"] != META_SHEET]  # noqa: E731
    assert without_meta(second["workbook"]) == without_meta(first["workbook"])


def test_a_clerks_own_comment_on_a_flagged_cell_stays(tmp_path, monkeypatch):
    """A comment the clerk wrote on a cell the engine flags is never replaced or removed, as ``jixiao
    score`` keeps it (the flag is in 「校验结果」 and the 问题说明 block); the tool's notes go on the others."""
    from openpyxl.comments import Comment

    from tests.test_protocol import SAMPLE

    wb = load_workbook(SAMPLE)
    wb["政府采购"]["H13"].comment = Comment("见附件三：采购合同", "张会计")  # H13 is flagged (2.75 for 2.76)
    (tmp_path / "source").mkdir()
    source = tmp_path / "source" / SAMPLE.name
    wb.save(source)
    result = run_addin(tmp_path, source, monkeypatch, "score")
    (first,) = result["presses"]
    notes = {sheet["name"]: sheet["notes"] for sheet in first["workbook"]}
    assert notes["政府采购"]["H13"] == "见附件三：采购合同"
    assert notes["政府采购"]["H22"].startswith("【")  # the sheet's other flag got the tool's note
    assert_same_as_score(as_host(first["workbook"]), tmp_path / SAMPLE.name, tmp_path / "cli.xlsx")


def test_a_corrected_cell_loses_its_colour_frame_and_note(tmp_path, monkeypatch):
    """A workbook ``jixiao score`` marked, pressed in WPS after the clerk corrected a flagged cell: the
    cell's fill goes, its dashed frame becomes the form's thin border again, the tool's note is deleted —
    the same cells as ``jixiao score`` on that workbook."""
    from tests.test_protocol import SAMPLE
    from toolkit.service import score_file

    (tmp_path / "source").mkdir()
    scored = tmp_path / "source" / "scored.xlsx"
    score_file(SAMPLE, scored)
    wb = load_workbook(scored)
    assert wb["政府采购"]["H13"].border.left.style == "mediumDashed" and wb["政府采购"]["H13"].comment
    wb["政府采购"]["H13"] = 2.76  # the clerk corrects 2.75
    wb.save(scored)
    result = run_addin(tmp_path, scored, monkeypatch, "score")
    (first,) = result["presses"]
    sheet = next(s for s in first["workbook"] if s["name"] == "政府采购")
    assert "H13" not in sheet["notes"] and "H13" not in sheet["fills"] and sheet["borders"]["H13"] == ["thin"] * 4
    assert first["calls"].get("notes:Comment.Delete", 0) >= 1 and first["calls"].get("writes:Borders.LineStyle", 0) >= 1
    assert_same_as_score(as_host(first["workbook"]), tmp_path / "scored.xlsx", tmp_path / "cli.xlsx")


def test_export_and_report_write_beside_the_workbook(tmp_path, monkeypatch):
    """导出报送 and 生成报告 save the workbook and write their files beside it, as the Excel buttons do."""
    sample = next(path for path in SAMPLES if "项目" in path.stem)
    result = run_addin(tmp_path, sample, monkeypatch, "report", "export")
    report, export = result["presses"]
    assert "已生成自评报告草稿" in report["messages"][0]
    assert list(tmp_path.glob("*自评报告*.docx"))
    # The sample has errors: the engine asks whether to export anyway; the clerk agrees.
    assert len(export["questions"]) == 1 and "仍要导出吗" in export["questions"][0]
    assert "已导出报送文件" in export["messages"][0]
    exported = [path for path in tmp_path.glob("*.xlsx") if "含未解决问题" in path.name]
    assert len(exported) == 1 and str(exported[0]) in export["messages"][0]
    assert report["calls"].get("writes:Workbook.Save") == export["calls"].get("writes:Workbook.Save") == 1
    assert report["calls"].get("reads:Range.Value2", 0) == 0  # the engine reads the saved file


def test_about_needs_no_workbook_contents(tmp_path, monkeypatch):
    result = run_addin(tmp_path, SAMPLES[0], monkeypatch, "about")
    (about,) = result["presses"]
    assert about["messages"][0].startswith("绩效自评 - 关于") and "jixiao-toolkit" in about["messages"][0]
    assert about["calls"].get("reads:Range.Value2", 0) == 0


def test_install_keeps_other_addins_and_uninstall_removes_only_ours(tmp_path, monkeypatch):
    """publish.xml: other add-ins' entries stay; an earlier version of ours is replaced; uninstall
    removes our folder and entry only. No admin rights: everything is under the given folder."""
    from xml.etree import ElementTree as ET

    from toolkit import __version__
    from toolkit.core.problems import ToolkitError
    from toolkit.excel.wps import folder_name, uninstall

    monkeypatch.setenv("JIXIAO_CONFIG_DIR", str(tmp_path / "config"))
    jsaddons = tmp_path / "jsaddons"
    (jsaddons / "jixiao_0.0.1").mkdir(parents=True)
    (jsaddons / "other_1.0").mkdir()
    (jsaddons / "publish.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n'
        '  <jsplugin name="other" type="wps" url="other_1.0" version="1.0"/>\n'
        '  <jsplugin name="jixiao" type="et" url="jixiao_0.0.1" version="0.0.1"/>\n</jsplugins>\n', "utf-8")
    target = install(jsaddons)
    entries = [(e.get("name"), e.get("type"), e.get("url"), e.get("version"))
               for e in ET.parse(jsaddons / "publish.xml").getroot()]
    assert entries == [("other", "wps", "other_1.0", "1.0"), ("jixiao", "et", folder_name(), __version__)]
    assert target == jsaddons / folder_name() and not (jsaddons / "jixiao_0.0.1").exists()
    token = json.loads((tmp_path / "config" / "serve.json").read_text("utf-8"))["token"]
    assert token in (target / "config.js").read_text("utf-8")
    ribbon = ET.parse(target / "ribbon.xml").getroot()
    assert ribbon.tag == "{http://schemas.microsoft.com/office/2006/01/customui}customUI"
    labels = [b.get("label") for b in ribbon.iter("{http://schemas.microsoft.com/office/2006/01/customui}button")]
    assert labels == ["计算得分", "导出报送", "生成报告", "关于"]
    assert [t.get("label") for t in ribbon.iter("{http://schemas.microsoft.com/office/2006/01/customui}tab")] == ["绩效自评"]

    assert uninstall(jsaddons) == [target]
    assert [e.get("name") for e in ET.parse(jsaddons / "publish.xml").getroot()] == ["other"]
    assert (jsaddons / "other_1.0").exists()

    (jsaddons / "publish.xml").write_text("<jsplugins><broken", "utf-8")
    with pytest.raises(ToolkitError, match="无法解析"):
        install(jsaddons)
    assert not (jsaddons / folder_name()).exists()  # refused before writing anything


def test_wps_build_writes_the_addin_without_a_token(tmp_path, monkeypatch):
    from toolkit.cli import main

    monkeypatch.setenv("JIXIAO_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["wps", "build", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == \
        ["config.js", "index.html", "main.js", "manifest.xml", "press.js", "ribbon.xml"]
    assert '"token": ""' in (out / "config.js").read_text("utf-8")
    assert not (tmp_path / "config").exists()  # a build creates no token
    html = (out / "index.html").read_text("utf-8")
    assert html.index("./config.js") < html.index("./js/press.js") < html.index("./main.js")
