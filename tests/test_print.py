"""What prints (issue 21, Paper): every workbook the tool writes — templates, samples, scored
workbooks of both kinds, an export and collect's 汇总.xlsx — prints on A4, fitted to the width, with
page numbers, at 8 pt or more, its text whole; a scored form prints its reasons (the 问题说明 block)
under it, on its own pages.

The workbook checks read the files with openpyxl; the paper checks render every workbook with
LibreOffice (``soffice --headless --convert-to pdf``) and read the PDF with poppler
(``pdftotext -bbox``: every word with its box). They skip only when LibreOffice is missing and
``JIXIAO_REQUIRE_LIBREOFFICE`` is not set.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from toolkit.core.problems import SEVERITY_COLORS
from toolkit.service import score_file
from toolkit.submission.collect import collect, write_summary
from toolkit.submission.export import export_file
from toolkit.workbook.edits import CHECK_HEADER
from toolkit.workbook.meta import CHECK_SHEET, INSTRUCTIONS_SHEET
from toolkit.workbook.printing import (MIN_PRINTED_POINTS, NOTES_TITLE, area_bounds, fit_scale, page_box,
                                      row_points, widest_unit_px)

ROOT = Path(__file__).resolve().parents[1]
PROJECT_SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
DEPARTMENT_SAMPLE = ROOT / "samples" / "seed000_部门整体支出绩效.xlsx"
PAGE_NUMBER = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")
CJK = re.compile(r"[\u3400-\u9fff]")
# pdftotext's word box of Noto Sans CJK (the CJK font LibreOffice uses with fonts-noto-cjk) is 1.3 × the
# type size (measured: 8, 10 and 20-pt 宋体 at 100 %), so the printed size is the box height ÷ 1.3.
CJK_BOX = 1.3


# ------------------------------------------------------------------ the workbooks the tool writes

@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """name → path of one workbook of every kind the tool writes."""
    folder = tmp_path_factory.mktemp("printed")
    books = {f"template {p.stem}": p for p in sorted((ROOT / "templates").glob("*.xlsx"))}
    books.update({f"sample {p.stem}": p for p in sorted((ROOT / "samples").glob("*.xlsx"))})
    for name, source in (("scored project", PROJECT_SAMPLE), ("scored department", DEPARTMENT_SAMPLE)):
        books[name] = score_file(source, folder / f"{name.replace(' ', '_')}.xlsx").output
    exports = folder / "exports"
    books["export project"] = export_file(PROJECT_SAMPLE, exports, force=True).output
    books["export department"] = export_file(DEPARTMENT_SAMPLE, exports, force=True).output
    books["collect"] = write_summary(collect(exports, progress=False), folder / "汇总.xlsx")
    return books


def printed_sheets(path: Path):
    """The visible worksheets of a workbook, with their print area."""
    wb = load_workbook(path)
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def area_cells(ws):
    """Non-empty cells inside the sheet's print area, in visible columns."""
    first_row, first_col, last_row, last_col = area_bounds(ws.print_area.split(",")[0])
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
        for cell in row:
            if isinstance(cell, MergedCell) or cell.value in (None, ""):
                continue
            if ws.column_dimensions[cell.column_letter].hidden:
                continue
            yield cell


def test_every_sheet_of_every_workbook_has_a4_page_setup(workbooks):
    for name, path in workbooks.items():
        for ws in printed_sheets(path):
            where = f"{name} / {ws.title}"
            assert ws.print_area, where
            assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            across = int(ws.page_setup.fitToWidth)
            assert int(ws.page_setup.fitToHeight) == 0 and across >= 1, where
            assert across == 1 or name == "collect", where  # only a summary table may need pages across
            footer = ws.oddFooter.center.text or ""
            assert "&P" in footer and "&N" in footer, where
            margins = ws.page_margins
            assert margins.footer < margins.bottom, where  # the footer inside the margin, not half clipped


def test_every_sheet_prints_at_8_points_or_more(workbooks):
    """Fit-to-width scale × the smallest type inside the print area ≥ 8 pt on A4, measuring columns
    as the widest renderer does (see toolkit.workbook.printing: LibreOffice without Calibri)."""
    for name, path in workbooks.items():
        for ws in printed_sheets(path):
            sizes = [cell.font.sz or 11 for cell in area_cells(ws)]
            if not sizes:
                continue
            landscape = ws.page_setup.orientation == "landscape"
            across = int(ws.page_setup.fitToWidth)  # collect's widest tables print over pages across
            scale = min(1.0, fit_scale(ws, ws.print_area.split(",")[0], landscape, widest_unit_px(ws.parent)) * across)
            assert min(sizes) * scale >= MIN_PRINTED_POINTS - 0.05, (name, ws.title, min(sizes), round(scale, 3))


def test_page_breaks_never_cut_a_merged_level1_cell(workbooks):
    """Breaks fall between 一级 groups: no manual break inside a merged 一级 cell of a form, unless
    the group is taller than a page (the 评分表 then repeats its label on each page)."""
    for name, path in workbooks.items():
        for ws in printed_sheets(path):
            breaks = [b.id for b in ws.row_breaks.brk]
            level1 = [m for m in ws.merged_cells.ranges if m.min_col == m.max_col and m.min_col in (1, 2)
                      and m.max_row > m.min_row and ws.cell(m.min_row, m.min_col).value in
                      ("产出指标", "效益指标", "满意度指标", "决策", "过程", "产出", "效益", "履职效能", "管理效率")]
            if not breaks:
                continue
            landscape = ws.page_setup.orientation == "landscape"
            room = page_box(landscape)[1] / fit_scale(ws, ws.print_area.split(",")[0], landscape)
            for merged in level1:
                height = sum(row_points(ws, r) for r in range(merged.min_row, merged.max_row + 1))
                inside = [row for row in breaks if merged.min_row <= row < merged.max_row]
                assert not inside or height > room, (name, ws.title, str(merged))


def test_wrapped_text_has_the_rows_it_needs(workbooks):
    """填表说明 printed 6 of 10 lines without their end: every line now has the height it needs."""
    from toolkit.workbook.styles import text_lines

    for name, path in workbooks.items():
        wb = load_workbook(path)
        if INSTRUCTIONS_SHEET not in wb.sheetnames:
            continue
        ws = wb[INSTRUCTIONS_SHEET]
        width = ws.column_dimensions["A"].width
        for row in range(2, ws.max_row + 1):
            text = ws.cell(row, 1).value
            if not text:
                continue
            lines = text_lines(text, width * 0.9 * 10 / (ws.cell(row, 1).font.sz or 11))
            height = ws.row_dimensions[row].height or 15
            assert ws.cell(row, 1).alignment.wrap_text, (name, row)
            assert height >= lines * (ws.cell(row, 1).font.sz or 11) * 1.2, (name, row, lines, height)


def test_clerk_sheets_show_chinese_labels_only(workbooks):
    """基础数据's English ids stay in the file (the reader keys rows by them) but in a hidden column."""
    from toolkit.service import read_workbook

    for name, path in workbooks.items():
        wb = load_workbook(path)
        if "基础数据" not in wb.sheetnames:
            continue
        ws = wb["基础数据"]
        assert ws["A2"].value == "编号" and ws.column_dimensions["A"].hidden, name
        assert ws["A3"].value is None or re.fullmatch(r"[a-z_0-9]+", str(ws["A3"].value)), name
    form = read_workbook(DEPARTMENT_SAMPLE).forms[0]
    assert form.inputs and any(cell.value is not None for cell in form.inputs.values())


def test_profile_titles_name_places_and_years_not_seeds():
    import json

    for path in sorted((ROOT / "toolkit" / "profiles").glob("*.json")):
        title = json.loads(path.read_text("utf-8"))["title"]
        assert "种子" not in title and "seed" not in title.lower(), path.name
    titles = {p.stem: json.loads(p.read_text("utf-8"))["title"] for p in (ROOT / "toolkit" / "profiles").glob("*.json")}
    assert "盐田" in titles["shenzhen-yantian-2021"] and "2021" in titles["shenzhen-yantian-2021"]
    assert "深圳" in titles["shenzhen"] and "2021" in titles["shenzhen"]
    assert "五华" in titles["wuhua-2023"] and "2023" in titles["wuhua-2023"]


# ------------------------------------------------------------------ 校验结果 and the 问题说明 block

def test_check_sheet_names_codes_in_chinese_and_colours_the_level(workbooks):
    from toolkit.core.catalogue import CATALOGUE

    ws = load_workbook(workbooks["scored project"])[CHECK_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    header = [r[:len(CHECK_HEADER)] for r in rows].index(tuple(CHECK_HEADER))
    flags = [r for r in rows[header + 1:] if isinstance(r[0], int)]
    assert flags
    for number, sheet, project, cell, level, title, message, code in (r[:8] for r in flags):
        assert title == CATALOGUE[code].title and message
    _, _, _, last_col = area_bounds(ws.print_area)
    assert last_col == CHECK_HEADER.index("说明") + 1  # the English code column does not print
    colours = {"错误": SEVERITY_COLORS["error"], "提醒": SEVERITY_COLORS["warning"], "说明": SEVERITY_COLORS["info"]}
    level_col = CHECK_HEADER.index("级别") + 1
    for row in range(header + 2, header + 2 + len(flags)):
        cell = ws.cell(row, level_col)
        assert cell.fill.fgColor.rgb[-6:].upper() == colours[cell.value], (row, cell.value)


def notes_block(ws) -> list[tuple[int, str]]:
    """(row, text) of the sheet's 问题说明 block, read from column A."""
    rows = [row for row in range(1, ws.max_row + 1) if str(ws.cell(row, 1).value or "").startswith(NOTES_TITLE)]
    if not rows:
        return []
    lines, row = [], rows[0]
    while ws.cell(row, 1).value:
        lines.append((row, ws.cell(row, 1).value))
        row += 1
    return lines


def test_each_flagged_form_prints_its_reasons_under_it(workbooks):
    out = load_workbook(workbooks["scored project"])
    report_sheets = [ws for ws in out.worksheets if "JX_IndicatorHeader" in ws.defined_names]
    for ws in report_sheets:
        flagged = sorted({cell.coordinate for row in ws.iter_rows() for cell in row
                          if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb[-6:].upper()
                          in SEVERITY_COLORS.values()})
        block = notes_block(ws)
        assert bool(block) == bool(flagged), ws.title
        if not block:
            continue
        sign_row = int(re.sub(r"\D", "", ws.defined_names["JX_Preparer"].attr_text.split("!")[1]))
        assert block[0][0] == sign_row + 2, ws.title  # two rows under the form
        text = "\n".join(line for _, line in block)
        for ref in flagged:
            assert re.search(rf"[①-⑳㉑-㉟㊱-㊿]\s+{ref}【", text), (ws.title, ref)
            assert ws[ref].border.left.style in ("mediumDashed", "dashed", "dotted")  # readable in black and white
        first_row, _, last_row, _ = area_bounds(ws.print_area)
        assert last_row == block[-1][0], ws.title  # inside the print area


def test_the_block_is_rewritten_on_every_press_and_never_overwrites_the_clerk(tmp_path):
    first = score_file(PROJECT_SAMPLE, tmp_path / "first.xlsx").output
    again = score_file(first, tmp_path / "again.xlsx").output
    for name in load_workbook(first).sheetnames:
        a, b = load_workbook(first)[name], load_workbook(again)[name]
        if "JX_IndicatorHeader" in a.defined_names:
            assert notes_block(a) == notes_block(b), name  # rewritten in place, not repeated

    # A clerk's remark where the block was: the block moves below it, says so, and the remark stays.
    wb = load_workbook(first)
    ws = wb["政府采购"]
    start = notes_block(ws)[0][0]
    ws.cell(start + 1, 3).value = "此处为填报人备注"
    wb.save(tmp_path / "remark.xlsx")
    third = load_workbook(score_file(tmp_path / "remark.xlsx", tmp_path / "third.xlsx").output)["政府采购"]
    assert third.cell(start + 1, 3).value == "此处为填报人备注"
    block = notes_block(third)
    title = "".join(line.strip() for _, line in block[:2])
    assert block[0][0] == start + 3 and f"表下第 {start + 1} 行起有填报人填写的内容" in title
    assert all(third.cell(row, 1).value in (None, "") for row in range(start, start + 2))  # old lines cleared


def test_the_block_is_removed_when_the_flags_are_gone(tmp_path):
    """社会保险转移接续工作外包服务 is flagged for its manual deduction (18 of 20, with a reason) and the
    total it leaves: with full marks and the total left to the tool, nothing — and the block goes,
    the print area back to the form."""
    sheet = "社会保险转移接续工作外包服务"
    first = score_file(PROJECT_SAMPLE, tmp_path / "first.xlsx").output
    wb = load_workbook(first)
    ws = wb[sheet]
    assert notes_block(ws)
    form_end = notes_block(ws)[0][0] - 2
    ws["H20"].value = 20
    for name in ("JX_TotalScore", "JX_Grade"):
        ws[ws.defined_names[name].attr_text.split("!")[1].replace("$", "")].value = None
    wb.save(tmp_path / "fixed.xlsx")
    outcome = score_file(tmp_path / "fixed.xlsx", tmp_path / "second.xlsx")
    assert not next(r for r in outcome.results if r.sheet == sheet).flags
    ws = load_workbook(outcome.output)[sheet]
    assert not notes_block(ws) and all(ws.cell(r, 1).value in (None, "") for r in range(form_end + 1, form_end + 10))
    assert area_bounds(ws.print_area)[2] == form_end


def test_the_export_leaves_the_block_out(workbooks):
    wb = load_workbook(workbooks["export project"])
    for ws in wb.worksheets:
        assert not notes_block(ws), ws.title


# ------------------------------------------------------------------ on paper (LibreOffice)

@pytest.fixture(scope="module")
def rendered(workbooks, tmp_path_factory) -> dict[str, list[dict]]:
    """name → pages of the LibreOffice rendering: each page {width, height, words[(x0, y0, x1, y1, text)]}."""
    missing = [name for name in ("soffice", "pdftotext") if not shutil.which(name)]
    if missing:
        reason = f"需要 LibreOffice/poppler（缺少 {'、'.join(missing)}）"
        if os.environ.get("JIXIAO_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("pdf")
    copies = []
    for index, (name, path) in enumerate(workbooks.items()):
        copy = folder / f"{index:02d}.xlsx"
        shutil.copy(path, copy)
        copies.append((name, copy))
    profile = Path(f"/tmp/lo-{os.getpid()}")
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *[str(c) for _, c in copies]],
                   check=True, capture_output=True, timeout=600)
    shutil.rmtree(profile, ignore_errors=True)
    return {name: pdf_words(copy.with_suffix(".pdf")) for name, copy in copies}


@pytest.fixture(scope="module")
def raw_text(rendered, workbooks, tmp_path_factory) -> dict[str, str]:
    """name → the rendering's text in drawing order (a wrapped cell's lines one after another),
    whitespace removed."""
    return {name: re.sub(r"\s", "", "".join(page["raw"] for page in pages)) for name, pages in rendered.items()}


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')


def pdf_words(pdf: Path) -> list[dict]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    raw_pages = raw.split("\f")
    return [{"width": float(w), "height": float(h), "raw": raw_pages[index] if index < len(raw_pages) else "",
             "words": [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in _WORD.findall(body)]}
            for index, (w, h, body) in enumerate(_PAGE.findall(out))]


def page_text(page: dict) -> str:
    return "".join(word[4] for word in page["words"])


def test_every_page_has_its_page_number(rendered):
    for name, pages in rendered.items():
        assert pages, name
        for number, page in enumerate(pages, start=1):
            assert PAGE_NUMBER.search(page_text(page)), (name, number)


def test_no_text_is_cut_at_the_page_edge(rendered):
    for name, pages in rendered.items():
        for number, page in enumerate(pages, start=1):
            for x0, y0, x1, y1, text in page["words"]:
                assert x0 >= -0.5 and x1 <= page["width"] + 0.5, (name, number, text, x0, x1)
                assert y0 >= -0.5 and y1 <= page["height"] + 0.5, (name, number, text, y0, y1)


def test_every_cell_text_is_printed_whole(workbooks, raw_text):
    """The start and the end of every text in a print area appear in the rendering (whitespace aside)."""
    for name, path in workbooks.items():
        printed = raw_text[name]
        for ws in printed_sheets(path):
            for cell in area_cells(ws):
                if not isinstance(cell.value, str):
                    continue
                text = re.sub(r"\s", "", cell.value)
                if not text:
                    continue
                assert text[:6] in printed and text[-6:] in printed, (name, ws.title, cell.coordinate, cell.value)


def test_type_on_paper_is_8_points_or_more(rendered):
    """Word boxes of CJK text: the smallest type on every page, after fit-to-width, ≥ 8 pt."""
    for name, pages in rendered.items():
        for number, page in enumerate(pages, start=1):
            for x0, y0, x1, y1, text in page["words"]:
                if CJK.search(text):
                    assert (y1 - y0) / CJK_BOX >= MIN_PRINTED_POINTS - 0.2, (name, number, text, round(y1 - y0, 2))


def test_flag_reasons_print_on_the_pages_of_their_form(workbooks, rendered):
    """Each sheet's pages run from the first page showing its name to the next sheet's; every
    numbered reason of its 问题说明 block is printed there — for a project form, on its one page."""
    for name in ("scored project", "scored department"):
        pages = [re.sub(r"\s", "", page_text(page)) for page in rendered[name]]
        wb = load_workbook(workbooks[name])
        sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        starts, at = [], 0
        for ws in sheets:
            identity = ws["B3"].value if "JX_ProjectName" in ws.defined_names else ws["A1"].value
            identity = re.sub(r"\s", "", str(identity))
            while at < len(pages) and identity not in pages[at]:
                at += 1
            assert at < len(pages), (name, ws.title, identity)
            starts.append(at)
            at += 1
        for index, ws in enumerate(sheets):
            block = notes_block(ws)
            end = starts[index + 1] if index + 1 < len(sheets) else len(pages)
            if "JX_ProjectName" in ws.defined_names:
                end = starts[index] + 1  # a project form and its reasons: one page
            for _, line in block:
                match = re.match(r"\s*([①-⑳㉑-㉟㊱-㊿])\s+([A-Z]+\d+)", line)
                if match:
                    marker = match[1] + match[2]
                    assert any(marker in pages[p] for p in range(starts[index], end)), (name, ws.title, marker)


def test_wrapped_cells_of_forms_are_tall_enough(workbooks):
    """A wrapped text prints whole only if its row is tall enough: LibreOffice and Excel print the stored
    height, so every wrapped text of a form, the 校验结果 and 填表说明 has the height its lines need
    (estimated as the templates estimate it; collect's tables are left to the renderer's own row fit)."""
    from openpyxl.utils import get_column_letter

    from toolkit.workbook.styles import text_lines

    short = []
    for name, path in workbooks.items():
        if name == "collect":
            continue
        for ws in printed_sheets(path):
            merges = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
            for cell in area_cells(ws):
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                    continue
                merged = merges.get((cell.row, cell.column))
                cols = range(cell.column, (merged.max_col if merged else cell.column) + 1)
                rows = range(cell.row, (merged.max_row if merged else cell.row) + 1)
                width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in cols)
                size = cell.font.sz or 10
                lines = sum(text_lines(part, width * 10 / size) for part in cell.value.split("\n"))
                height = sum(row_points(ws, r) for r in rows)
                if height < lines * size * 1.2:
                    short.append((name, ws.title, cell.coordinate, cell.value[:20], lines, height))
    assert not short, short
