"""Issue 22, 「Nothing the clerk owns is lost」: scoring writes only its cells, fills, notes and its own
sheets; every other part of the clerk's package comes out as it went in (toolkit.workbook.preserve).

The fixtures (tests/data/preserve/make_preserve.py) are the real seed-003 sample with what Excel adds
and openpyxl drops — x14 data validation with a cross-sheet list, x14 conditional format, sparklines, a
drawing with a chart, a picture and a text box, a clerk's comment, printer settings, a defined name,
custom XML, custom document properties, the company in app.xml — and the same file saved by
LibreOffice, and as an .xlsm with a real vbaProject.bin."""

from __future__ import annotations

import posixpath
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

import toolkit.service as service
import toolkit.workbook.preserve as preserve
from toolkit.cli import main
from toolkit.workbook.writer import AUTHOR

from .conftest import ROOT

DATA = ROOT / "tests" / "data" / "preserve"
FORM = "社会保险转移接续工作外包服务"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Parts the tool writes (cells, styles, names, its sheets, the package's bookkeeping): compared by
# their content below, not byte for byte. Shared strings: openpyxl writes the cells' text its own way.
TOOL_OWNED = {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml",
              "docProps/core.xml", "docProps/app.xml"}
X14_URIS = {"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}", "{78C0D931-6437-407d-A8EE-F0AAD7539E65}",
            "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"}


# -- reading packages --------------------------------------------------------------------------

def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def rels(package: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target part) of ``part``."""
    folder, name = posixpath.split(part)
    data = package.get(posixpath.join(folder, "_rels", name + ".rels"))
    if data is None:
        return {}
    found = {}
    for rel in etree.fromstring(data):
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id")] = (rel.get("Type"), target)
    return found


def sheets(package: dict[str, bytes]) -> dict[str, str]:
    """Sheet title → part."""
    targets = rels(package, "xl/workbook.xml")
    book = etree.fromstring(package["xl/workbook.xml"])
    return {sheet.get("name"): targets[sheet.get(R_ID)][1] for sheet in book.iter(f"{MAIN}sheet")}


def related(package: dict[str, bytes], part: str, kind: str) -> list[str]:
    return [target for rel_type, target in rels(package, part).values() if rel_type.endswith("/" + kind)]


def extensions(package: dict[str, bytes], part: str) -> dict[str, bytes]:
    """uri → the canonical form (exclusive C14N) of each ``<ext>`` of the sheet's ``<extLst>``."""
    root = etree.fromstring(package[part])
    return {ext.get("uri"): etree.tostring(ext, method="c14n", exclusive=True)
            for ext_list in root.iter(f"{MAIN}extLst") for ext in ext_list}


def comments(package: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Cell → (author, text) of the sheet's comments."""
    found = {}
    for target in related(package, part, "comments"):
        root = etree.fromstring(package[target])
        authors = [author.text for author in root.iter(f"{MAIN}author")]
        for comment in root.iter(f"{MAIN}comment"):
            found[comment.get("ref")] = (authors[int(comment.get("authorId"))],
                                         "".join(t.text or "" for t in comment.iter(f"{MAIN}t")))
    return found


def note_shapes(package: dict[str, bytes], part: str) -> set[str]:
    """The cells the sheet's VML holds a note shape for."""
    import re

    from openpyxl.utils import get_column_letter

    cells = set()
    for target in related(package, part, "vmlDrawing"):
        text = package[target].decode()
        for shape in re.findall(r"<(?:\w+:)?shape\b.*?</(?:\w+:)?shape>", text, re.S):
            if 'ObjectType="Note"' in shape:
                row = int(re.search(r"<(?:\w+:)?Row>(\d+)<", shape)[1])
                column = int(re.search(r"<(?:\w+:)?Column>(\d+)<", shape)[1])
                cells.add(f"{get_column_letter(column + 1)}{row + 1}")
    return cells


def controls(package: dict[str, bytes], part: str) -> list[tuple[str, str, bytes]]:
    """(shape id, name, properties part) of each form control of the sheet."""
    targets = rels(package, part)
    return [(control.get("shapeId"), control.get("name"), package[targets[control.get(R_ID)][1]])
            for control in etree.fromstring(package[part]).iter(f"{MAIN}control")]


def vml_objects(package: dict[str, bytes], part: str) -> list[tuple[str, str]]:
    """(shape id, object type: Note, Checkbox …) of each shape of the sheet's VML."""
    import re

    found = []
    for target in related(package, part, "vmlDrawing"):
        for shape in re.findall(r"<(?:\w+:)?shape\b.*?</(?:\w+:)?shape>", package[target].decode(), re.S):
            found.append((re.search(r'\bid="([^"]+)"', shape)[1], re.search(r'ObjectType="(\w+)"', shape)[1]))
    return found


def tool_cells(path: Path) -> dict[str, dict]:
    """Sheet → {cell: (value, fill colour, tool note)} for every sheet, as openpyxl reads the file."""
    wb = load_workbook(path)
    found = {}
    for ws in wb.worksheets:
        found[ws.title] = {cell.coordinate: (cell.value, cell.fill.fgColor.rgb if cell.fill.fill_type else None,
                                             cell.comment.text if cell.comment and cell.comment.author == AUTHOR
                                             else None)
                           for row in ws.iter_rows() for cell in row
                           if cell.value is not None or cell.fill.fill_type or cell.comment}
    return found


# -- scoring ------------------------------------------------------------------------------------

def score(source: Path, folder: Path, mode: str, suffix: str | None = None) -> tuple[Path, Path]:
    """Score a copy of ``source`` by ``-o`` or ``--in-place``: (the input as it was, the output)."""
    folder.mkdir(parents=True, exist_ok=True)
    original = folder / f"in{source.suffix}"
    shutil.copy(source, original)
    if mode == "-o":
        output = folder / f"out{suffix or source.suffix}"
        assert main(["score", str(original), "-o", str(output)]) in (0, 1)
        return original, output
    working = folder / f"work{source.suffix}"
    shutil.copy(source, working)
    assert main(["score", str(working), "--in-place"]) in (0, 1)
    assert len(list(folder.glob("work.bak-*"))) == 1  # the backup of the in-place run
    return original, working


def assert_nothing_lost(before: dict[str, bytes], after: dict[str, bytes], notes_of: set[str]) -> None:
    """Every part of ``before`` is in ``after``; each part the tool does not own is byte-identical;
    each sheet keeps its extensions, drawing, printer settings and the clerk's comments."""
    assert set(before) - set(after) <= {"xl/sharedStrings.xml", "xl/calcChain.xml"}, set(before) - set(after)
    in_sheets, out_sheets = sheets(before), sheets(after)
    checked = set(in_sheets.values())  # sheets: their cells are the tool's, their other parts checked here
    for title, part in in_sheets.items():
        checked |= {target for kind in ("comments", "vmlDrawing") for target in related(before, part, kind)}
        if title.startswith("_jx") or title == "校验结果":
            continue
        mine = out_sheets[title]
        assert extensions(after, mine) == extensions(before, part), title
        assert controls(after, mine) == controls(before, part), title
        shapes = vml_objects(after, mine)
        assert [shape for shape in vml_objects(before, part) if shape[1] != "Note"] == \
            [shape for shape in shapes if shape[1] != "Note"], title  # controls' shapes, ids unchanged
        assert len({shape_id for shape_id, _ in shapes}) == len(shapes) or \
            len({shape_id for shape_id, _ in vml_objects(before, part)}) < len(vml_objects(before, part))
        for kind in ("drawing", "printerSettings", "image", "ctrlProp"):  # image: a sheet's background
            assert [before[p] for p in related(before, part, kind)] == [after[p] for p in related(after, mine, kind)]
        clerk = {ref: note for ref, note in comments(before, part).items() if note[0] != AUTHOR}
        assert clerk.items() <= comments(after, mine).items(), title  # the clerk's comments, unchanged
        assert set(comments(after, mine)) <= note_shapes(after, mine)  # every comment has its shape
        if title not in notes_of:  # no note of the tool here: comments and VML exactly as they were
            for kind in ("comments", "vmlDrawing"):
                assert [before[p] for p in related(before, part, kind)] == [after[p] for p in related(after, mine, kind)]
    for name, data in before.items():
        if name not in TOOL_OWNED and name not in checked and not name.endswith(".rels"):
            assert after.get(name) == data, name


def sheets_with_tool_notes(output: Path) -> set[str]:
    package = parts(output)
    return {title for title, part in sheets(package).items()
            if any(author == AUTHOR for author, _ in comments(package, part).values())}


@pytest.mark.parametrize("mode", ["-o", "--in-place"])
@pytest.mark.parametrize("fixture", ["clerk_parts.xlsx", "clerk_parts_libreoffice.xlsx"])
def test_scoring_keeps_every_part_the_clerk_owns(tmp_path, fixture, mode):
    original, output = score(DATA / fixture, tmp_path, mode)
    before, after = parts(original), parts(output)
    assert_nothing_lost(before, after, sheets_with_tool_notes(output))
    form = sheets(after)[FORM]
    assert set(extensions(after, form)) >= X14_URIS - ({"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"}
                                                       if "libreoffice" in fixture else set())
    drawing = after[related(after, form, "drawing")[0]].decode()
    assert "经办人备注：数量指标以社保系统导出台账为准。" in drawing and "<a:blip" in drawing  # text box, picture
    assert len(controls(after, form)) == 1 and b"CheckBox" in controls(after, form)[0][2]  # the form control …
    assert "Checkbox" in dict(vml_objects(after, form)).values()
    if "libreoffice" not in fixture:  # (LibreOffice numbers its control 1001 and both its shapes shape_0)
        assert ("_x0000_s1030", "Checkbox") in vml_objects(after, form)
    notes = comments(after, form)
    assert notes["B3"][1] == "项目名称按预算批复文件填写。"  # the clerk's comments …
    assert notes["H20"][1] == "满意度扣 2 分：见满意度调查报告第 3 页。"  # … also where the tool flags the cell
    assert any(author == AUTHOR for author, _ in notes.values())  # … beside the tool's notes
    book = load_workbook(output)
    assert "完成情况" in book.defined_names and book["Lists"]["A2"].value == "部分完成"
    custom = {p.name: p.value for p in book.custom_doc_props}
    assert custom["报送批次"] == "2021年第一批"
    assert "customXml/item1.xml" in after and "customXml/itemProps1.xml" in after
    instructions = sheets(after)["填表说明"]
    assert b"<picture" in after[instructions] and related(after, instructions, "image")  # the background picture
    if "libreoffice" not in fixture:
        assert b"<Company>" in after["docProps/app.xml"] and "深圳市社会保险基金管理局" in after["docProps/app.xml"].decode()
        assert after["xl/printerSettings/printerSettings1.bin"] == before["xl/printerSettings/printerSettings1.bin"]


@pytest.mark.parametrize("fixture", ["clerk_parts.xlsx", "clerk_parts_libreoffice.xlsx"])
def test_the_tools_cells_are_those_scored_without_the_extra_parts(tmp_path, fixture, monkeypatch):
    _, kept = score(DATA / fixture, tmp_path / "kept", "-o")
    monkeypatch.setattr(preserve, "keep_clerk_parts", lambda *args, **kwargs: None)  # service imports it per write
    _, plain = score(DATA / fixture, tmp_path / "plain", "-o")
    assert tool_cells(kept) == tool_cells(plain)
    assert comments(parts(kept), sheets(parts(kept))[FORM]).items() >= {
        ref: note for ref, note in comments(parts(plain), sheets(parts(plain))[FORM]).items()
        if note[0] == AUTHOR}.items()


def test_scoring_the_scored_file_again_keeps_everything_and_adds_no_second_note(tmp_path):
    _, first = score(DATA / "clerk_parts.xlsx", tmp_path / "first", "-o")
    again, second = score(first, tmp_path / "second", "-o")
    before, after = parts(again), parts(second)
    assert_nothing_lost(before, after, sheets_with_tool_notes(second))
    for title, part in sheets(before).items():
        if title in sheets(after) and title != "校验结果" and not title.startswith("_jx"):
            assert comments(after, sheets(after)[title]) == comments(before, part), title
            assert note_shapes(after, sheets(after)[title]) == note_shapes(before, part), title


def test_a_macro_workbook_scored_to_xlsm_keeps_its_project_byte_for_byte(tmp_path):
    original, output = score(DATA / "clerk_parts.xlsm", tmp_path, "-o")
    before, after = parts(original), parts(output)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert "xl/vbaProject.bin" in related(after, "xl/workbook.xml", "vbaProject")
    assert_nothing_lost(before, after, sheets_with_tool_notes(output))


def test_a_macro_workbook_scored_to_xlsx_leaves_the_macros_out(tmp_path):
    original, output = score(DATA / "clerk_parts.xlsm", tmp_path, "-o", suffix=".xlsx")
    after = parts(output)
    assert not any("vbaProject" in name for name in after)
    assert b"macroEnabled" not in after["[Content_Types].xml"]
    assert after["xl/drawings/drawing1.xml"] == parts(original)["xl/drawings/drawing1.xml"]


def test_every_relationship_of_the_output_leads_to_a_part_with_a_content_type(tmp_path):
    for fixture in ("clerk_parts.xlsx", "clerk_parts_libreoffice.xlsx", "clerk_parts.xlsm"):
        _, output = score(DATA / fixture, tmp_path / fixture, "-o")
        package = parts(output)
        types = etree.fromstring(package["[Content_Types].xml"])
        defaults = {el.get("Extension").lower() for el in types if el.tag.endswith("Default")}
        overrides = {el.get("PartName").lstrip("/") for el in types if el.tag.endswith("Override")}
        assert overrides <= set(package), fixture  # no content type for a part that went
        for name in package:
            if name != "[Content_Types].xml":
                assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, (fixture, name)
        for owner in [""] + [n for n in package if not n.endswith(".rels")]:
            rels_part = "_rels/.rels" if owner == "" else posixpath.join(
                posixpath.dirname(owner), "_rels", posixpath.basename(owner) + ".rels")
            if rels_part not in package:
                continue
            for rel in etree.fromstring(package[rels_part]).iter(f"{PKG}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target")
                resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(posixpath.dirname(owner), target))
                if not resolved.startswith(".."):  # LibreOffice's own broken customXml target, kept as it was
                    assert resolved in package, (fixture, rels_part, target)


def test_the_output_opens_in_libreoffice(tmp_path, libreoffice):
    for fixture in ("clerk_parts.xlsx", "clerk_parts_libreoffice.xlsx"):
        _, output = score(DATA / fixture, tmp_path / fixture, "-o")
        subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", "pdf", "--outdir", str(tmp_path / fixture), str(output)],
                       check=True, capture_output=True, timeout=240)
        pdf = (tmp_path / fixture / "out.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_libreoffice_reads_the_parts_put_back(tmp_path, libreoffice):
    """LibreOffice, a second reader, finds in the scored copy what the clerk had: it saves them again."""
    _, output = score(DATA / "clerk_parts.xlsx", tmp_path, "-o")
    subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "again"), str(output)],
                   check=True, capture_output=True, timeout=240)
    package = parts(tmp_path / "again" / "out.xlsx")
    form = sheets(package)[FORM]
    sheet = package[form].decode()
    assert "Lists!$A$1:$A$3" in sheet and "x14:sparkline" in sheet and "x14:cfRule" in sheet  # the x14 parts
    assert len(controls(package, form)) == 1  # the check box
    drawing = package[related(package, form, "drawing")[0]].decode()
    assert "经办人备注" in drawing and "<a:blip" in drawing and "c:chart" in drawing  # text box, picture, chart
    notes = {ref: text.replace(" ", "") for ref, (_, text) in comments(package, form).items()}
    assert notes["B3"] == "项目名称按预算批复文件填写。" and notes["H20"] == "满意度扣2分：见满意度调查报告第3页。"


def test_a_merge_that_fails_is_flagged_and_the_scored_file_still_written(tmp_path, monkeypatch):
    import toolkit.workbook.preserve as preserve

    def broken(*args, **kwargs):
        raise etree.XMLSyntaxError("damaged drawing", None, 1, 1)

    monkeypatch.setattr(preserve, "restore_parts", broken)
    source = tmp_path / "in.xlsx"
    shutil.copy(DATA / "clerk_parts.xlsx", source)
    outcome = service.score_file(source, tmp_path / "out.xlsx")
    flags = [flag for flag in outcome.report["flags"] if flag["code"] == "parts_not_kept"]
    assert len(flags) == 1 and "「in.xlsx」" in flags[0]["message"] and "原文件不变" in flags[0]["message"]
    assert load_workbook(tmp_path / "out.xlsx")["校验结果"]["A1"].value  # the scored copy is there all the same


def test_notes_the_tool_takes_back_leave_the_clerks_comments_and_controls(tmp_path):
    """Scoring again after the flags have gone: the tool's notes and their shapes go, the clerk's
    comments, the check box and its shape stay (restore_parts on openpyxl's save of that edit)."""
    from toolkit.workbook.io import open_workbook
    from toolkit.workbook.preserve import restore_parts
    from toolkit.workbook.writer import is_tool_note

    _, scored = score(DATA / "clerk_parts.xlsx", tmp_path / "scored", "-o")
    wb = open_workbook(scored, data_only=False, keep_merged_styles=True)
    taken = 0
    for row in wb[FORM].iter_rows():
        for cell in row:
            if cell.comment is not None and is_tool_note(cell.comment.author, cell.comment.text):
                cell.comment, taken = None, taken + 1
    saved = tmp_path / "saved.xlsx"
    wb.save(saved)
    restore_parts(scored, saved, tool_sheets={"校验结果", "_jx_meta"})
    before, after = parts(scored), parts(saved)
    form = sheets(after)[FORM]
    assert taken >= 1 and set(comments(after, form)) == {"B3", "H20"}
    assert sorted(ref for ref in note_shapes(after, form)) == ["B3", "H20"]
    assert [kind for _, kind in vml_objects(after, form)].count("Checkbox") == 1
    assert controls(after, form) == controls(before, sheets(before)[FORM])
    assert extensions(after, form) == extensions(before, sheets(before)[FORM])


def test_a_note_the_excel_buttons_wrote_is_the_tools_to_replace(tmp_path):
    """Excel writes the user's name as a note's author: a note the buttons wrote (its text starts with
    the flag's level) is replaced by scoring; the clerk's own comments beside it are not."""
    from openpyxl.comments import Comment

    source = tmp_path / "buttons.xlsx"
    wb = load_workbook(DATA / "clerk_parts.xlsx")
    wb[FORM]["H21"].comment = Comment("【提醒】上次按按钮时的提醒，已过时。", "张会计")
    wb.save(source)
    original, output = score(source, tmp_path / "run", "-o")
    notes = comments(parts(output), sheets(parts(output))[FORM])
    assert notes["H21"][0] == AUTHOR and "已过时" not in notes["H21"][1]
    assert notes["B3"] == ("张会计", "项目名称按预算批复文件填写。")
    assert notes["H20"] == ("张会计", "满意度扣 2 分：见满意度调查报告第 3 页。")
    assert set(notes) <= note_shapes(parts(output), sheets(parts(output))[FORM])
