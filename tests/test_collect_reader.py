"""The two readers of ``jixiao collect`` (toolkit/submission/fastread.py): python-calamine with
the package XML, and openpyxl. Whichever reads a file, collect's report entry for it is the
same — compared whole (timing aside) as JSON text, so 5 and 5.0 differ — on the samples, their
exports, exports edited afterwards (a score, a text, a deleted row, saved with shared strings
as Excel saves), files with formulas, error cells, dates, booleans and percent formats, every
family of the hostile corpus and their exports; crafted cells are compared cell by cell
(value, its type, data type, coordinate, number format). Everything is built here from the
repository's samples."""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from tests.conftest import corrected_copy
from tests.hostile import corpus
from toolkit.core.problems import ToolkitError
from toolkit.submission import fastread
from toolkit.submission.collect import check_file, collect, validate_collect_report
from toolkit.submission.export import export_file
from toolkit.submission.fastread import ENGINE_VARIABLE, Refused, read_submission
from toolkit.workbook.io import open_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
INLINE = re.compile(r'<c r="(?P<ref>[A-Z]+[0-9]+)"(?P<style> s="[0-9]+")? t="inlineStr"><is>(?P<inner>.*?)</is></c>', re.S)


@pytest.fixture(scope="module")
def profile():
    return None  # collect's default: each file is re-scored by the profile it records


def entry_text(entry: dict) -> str:
    """A report entry without its timing, as JSON text (int and float, True and 1 differ)."""
    return json.dumps({key: value for key, value in entry.items() if key != "timing"}, ensure_ascii=False,
                      sort_keys=True, default=repr)


def both_entries(path: Path, profile) -> tuple[dict, dict]:
    """(entry read by the automatic choice, entry read by openpyxl)."""
    return check_file(path, profile), check_file(path, profile, engine="openpyxl")


def with_shared_strings(source: Path, target: Path) -> Path:
    """``source`` with every inline string moved to xl/sharedStrings.xml, as Excel saves a workbook."""
    package = corpus.Package(source)
    strings: dict[str, int] = {}

    def shared(match: re.Match) -> str:
        index = strings.setdefault(match["inner"], len(strings))
        return f'<c r="{match["ref"]}"{match["style"] or ""} t="s"><v>{index}</v></c>'

    for part in package.sheets().values():
        package.put(part, INLINE.sub(shared, package.text(part)))
    items = "".join(f"<si>{inner}</si>" for inner in strings)
    sst = f'<sst xmlns="{corpus.MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    package.add_part("xl/sharedStrings.xml", sst.encode("utf-8"), SST_TYPE, SST_REL)
    return package.save(target)


def edited(source: Path, target: Path, edit) -> Path:
    """``source`` changed by ``edit(wb)`` and saved with openpyxl (as a clerk's Excel would)."""
    wb = openpyxl.load_workbook(source)
    edit(wb)
    wb.save(target)
    return target


# -- the corpus: samples, exports, edited exports, formulas, errors, dates, booleans -------------

@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory) -> list[tuple[str, Path, str | None]]:
    """(name, file, the reader auto must choose — None: either) for every file compared."""
    work = tmp_path_factory.mktemp("readers")
    files: list[tuple[str, Path, str | None]] = [(f"sample {path.name}", path, "calamine") for path in SAMPLES]
    for path in SAMPLES:
        files.append((f"export of {path.name}", export_file(path, work / path.stem, force=True).output, "calamine"))
    clean = export_file(corrected_copy(work / "填报.xlsx"), work / "clean").output
    files.append(("clean export", clean, "calamine"))

    def set_cell(sheet, ref, value):
        def edit(wb):
            wb[sheet][ref].value = value
        return edit

    def delete_row(wb):
        wb["政府采购"].delete_rows(14)

    def percent(wb):
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, float) and 0 < cell.value < 1:
                        cell.number_format = "0.00%"

    def booleans(wb):
        wb["政府采购"]["H13"] = True
        wb["政府采购"]["J30"] = False

    def dates(wb):
        wb["政府采购"]["J30"] = _dt.datetime(2021, 12, 31)

    edits = {"score changed": set_cell("政府采购", "H13", 5), "text changed": set_cell("政府采购", "F13", "20台"),
             "row deleted": delete_row, "percent formats": percent, "booleans": booleans,
             "unchanged, saved again": lambda wb: None}
    for name, edit in edits.items():
        files.append((f"export, {name}", edited(clean, work / f"{name}.xlsx", edit), "calamine"))
    files.append(("export, a date typed in", edited(clean, work / "date.xlsx", dates), "openpyxl"))
    files.append(("export with shared strings", with_shared_strings(clean, work / "sst.xlsx"), "calamine"))
    files.append(("edited export with shared strings",
                  with_shared_strings(work / "score changed.xlsx", work / "sst_edited.xlsx"), "calamine"))
    files.append(("department export with shared strings",
                  with_shared_strings(files[len(SAMPLES)][1], work / "sst_department.xlsx"), "calamine"))
    package = corpus.Package(clean)
    package.set_cell("政府采购", "H13", "<f>ROUND(1.38*2,2)</f><v>2.76</v>")
    files.append(("export, a score as a formula", package.save(work / "formula.xlsx"), "openpyxl"))
    package = corpus.Package(clean)
    package.set_cell("政府采购", "H13", "<v>#DIV/0!</v>", "e")
    files.append(("export, an error cell", package.save(work / "error.xlsx"), "openpyxl"))
    return files


def test_every_file_gets_the_same_entry_from_both_readers(corpus_files, profile):
    """The whole report entry is the same; the fast reader really read what it should."""
    statuses = set()
    for name, path, reader in corpus_files:
        auto, reference = both_entries(path, profile)
        assert entry_text(auto) == entry_text(reference), name
        assert reference["timing"]["reader"] == "openpyxl", name
        if reader:
            assert auto["timing"]["reader"] == reader, name
        statuses.add(auto["status"])
    # the comparison covers accepted files, hand edits and tampering, and the re-score's errors
    assert {"accepted", "score_edited", "tampered", "unresolved_errors", "not_export"} <= statuses


def test_the_corpus_holds_what_it_is_meant_to(corpus_files):
    """Percent formats, booleans, integers and floats reach the comparison through the fast reader."""
    seen = {"percent": 0, "bool": 0, "int": 0, "float": 0, "shared": 0}
    for name, path, reader in corpus_files:
        if reader != "calamine":
            with pytest.raises(Refused):
                read_submission(path, "calamine")
            continue
        book = read_submission(path, "calamine")
        for ws in book.worksheets:
            for cell in ws._cells.values():
                seen["percent"] += "%" in cell.number_format and isinstance(cell.value, float)
                seen["bool"] += isinstance(cell.value, bool)
                seen["int"] += type(cell.value) is int
                seen["float"] += type(cell.value) is float
        seen["shared"] += "shared strings" in name
    assert all(seen.values()), seen


# -- the hostile corpus --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> list[tuple[str, Path]]:
    """Every family of tests/hostile/corpus.py (seed 0, CI scale), and the exports of its inputs."""
    out = tmp_path_factory.mktemp("hostile")
    files = []
    for case in corpus.build(out, seeds=[0], scale=corpus.CI):
        found = case.inputs if case.folder is None else sorted(
            path for path in Path(case.folder).rglob("*") if path.is_file() and not path.is_symlink())
        for path in found:
            files.append((f"{case.id}: {path.name}", path))
            try:
                export = export_file(path, out / "exports" / case.id / path.stem, force=True).output
            except ToolkitError:
                continue
            files.append((f"{case.id}: export of {path.name}", export))
    return files


def test_hostile_files_get_the_same_entry_from_both_readers(hostile_files, profile):
    readers = {}
    for name, path in hostile_files:
        auto, reference = both_entries(path, profile)
        assert entry_text(auto) == entry_text(reference), name
        readers[name] = auto.get("timing", {}).get("reader")  # collect's own outputs are listed, not read
    assert sum(reader == "calamine" for reader in readers.values()) > len(readers) // 2, readers
    refused = {name for name, reader in readers.items() if reader == "openpyxl"}
    for family in ("total_formula_with_cached_value", "dates_in_numeric_cells", "xlsm_with_macros", "value_at_a1048576"):
        assert any(name.startswith(family) and "export" not in name for name in refused), family


def test_hostile_refusals_keep_their_messages(hostile_files, profile):
    """A damaged sheet is named, numbers that are not finite and texts past 32,767 characters
    are refused the same way — here by the fast reader itself."""
    files = dict(hostile_files)
    raw = files["invalid_xml_characters-s0: control_chars_raw.xlsx"]
    entry = check_file(raw, profile)
    assert entry["status"] == "unreadable" and entry["problems"][0]["sheet"]
    assert "部件 xl/worksheets/" in entry["problems"][0]["message"]
    for name, words in (("special_numbers-s0: special_numbers.xlsx", "不是有限数"),
                        ("huge_cell_text-s0: huge_cell_text.xlsx", "32,767")):
        entry = check_file(files[name], profile)
        assert entry["timing"]["reader"] == "calamine" and any(words in p["message"] for p in entry["problems"]), name
    with pytest.raises(ToolkitError) as fast:
        read_submission(files["duplicate_sheet_names-s0: duplicate_zip_member.xlsx"], "calamine")
    with pytest.raises(ToolkitError) as reference:
        open_workbook(files["duplicate_sheet_names-s0: duplicate_zip_member.xlsx"], read_only=True)
    assert str(fast.value) == str(reference.value) and "出现了两次" in str(fast.value)


# -- crafted cells ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small workbook: placeholders A1:A40 in a General style, B1 (0.5) in a percent, blank B2
    in a date and blank B3 in a custom percent format, a sheet-scoped name, a text custom
    property and a second sheet."""
    path = tmp_path_factory.mktemp("crafted") / "base.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目1"
    for row in range(1, 41):
        ws.cell(row, 1, "占位")
    for ref, fmt in (("B1", "0.00%"), ("B2", "yyyy-mm-dd"), ("B3", '0.0%;[Red]-0.0%')):
        ws[ref].number_format = fmt  # blank, styled: written as <c r="B1" s="…"/>
    ws["B1"] = 0.5
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    ws.defined_names["JX_Year"] = DefinedName("JX_Year", attr_text="'项目1'!$A$2")
    wb.custom_doc_props.append(StringProperty(name="jx.template_id", value="x"))
    wb.create_sheet("备注").append(["说明", 1, 2.5, True])
    wb.save(path)
    return path


def snapshot(book) -> tuple:
    """Everything collect's consumers read from a book, values with their types."""
    sheets = []
    for ws in book.worksheets:
        cells = [(c.coordinate, c.row, c.column, type(c.value).__name__, repr(c.value), c.data_type, c.number_format)
                 for c in ws._cells.values()]
        rows = [[c.coordinate for c in row] for row in ws._rows if row]
        values = [tuple(repr(v) for v in row) for row in ws.iter_rows(values_only=True)]
        names = [(name, defined.attr_text) for name, defined in ws.defined_names.items()]
        sheets.append((ws.title, ws.sheet_state, names, cells, rows, values, ws.max_row, ws.max_column))
    return book.sheetnames, sheets, [(p.name, p.value) for p in book.custom_doc_props]


ACCEPTED = {  # id: (cell, inner XML, type attribute)
    "integer": ("A1", "<v>5</v>", "n"), "integer without t": ("A1", "<v>5</v>", None),
    "whole float": ("A1", "<v>5.0</v>", "n"), "exponent": ("A1", "<v>1.5E+2</v>", None),
    "30 digits": ("A1", "<v>123456789012345678901234567890</v>", None), "minus zero": ("A1", "<v>-0</v>", None),
    "infinite": ("A1", "<v>1E999</v>", None), "denormal": ("A1", "<v>5E-324</v>", None),
    "17 digits": ("A1", "<v>511.44691130204853</v>", None),
    "true": ("A1", "<v>1</v>", "b"), "false": ("A1", "<v>0</v>", "b"),
    "percent": ("B1", "<v>0.955</v>", None), "custom percent": ("B3", "<v>-0.25</v>", None),
    "text in a percent style": ("B1", "<is><t>95%</t></is>", "inlineStr"),
    "references": ("A1", "<is><t>&#39033;&#30446;&amp;&lt;&gt;&quot;</t></is>", "inlineStr"),
    "preserved spaces": ("A1", '<is><t xml:space="preserve"> 前后空格 </t></is>', "inlineStr"),
    "inner spaces": ("A1", "<is><t>a &#32; b</t></is>", "inlineStr"),
    "rich text": ("A1", "<is><r><t>甲</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\"> 乙</t></r></is>", "inlineStr"),
    "phonetic": ("A1", '<is><t>项目</t><rPh sb="0" eb="2"><t>xiangmu</t></rPh><phoneticPr fontId="1"/></is>',
                 "inlineStr"),
    "empty text": ("A1", "<is><t></t></is>", "inlineStr"), "empty inline": ("A1", "<is></is>", "inlineStr"),
    "line breaks": ("A1", "<is><t>第一行\n第二行\r\n第三&#13;行</t></is>", "inlineStr"),
    "astral": ("A1", "<is><t>😀&#128512;</t></is>", "inlineStr"),
    "carriage return and tab": ("A1", "<is><t>甲\r乙\t丙</t></is>", "inlineStr"),
    "leading zeros": ("A1", "<v>007</v>", None), "small exponent": ("A1", "<v>1e5</v>", None),
    "empty value": ("A1", "<v></v>", "n"), "no value": ("A1", "", None),
}
REFUSED = {  # id: (cell, inner XML, type attribute, words of the reason)
    "formula": ("A1", "<f>SUM(B1:B3)</f><v>3</v>", None, "公式"),
    "shared formula": ("A1", '<f t="shared" ref="A1:A2" si="0">1+1</f><v>2</v>', None, "公式"),
    "error": ("A1", "<v>#DIV/0!</v>", "e", 't="e"'),
    "ISO date": ("A1", "<v>2021-12-31T00:00:00</v>", "d", 't="d"'),
    "formula string": ("A1", "<v>abc</v>", "str", 't="str"'),
    "date style": ("B2", "<v>45000</v>", None, "日期"),
    "NaN": ("A1", "<v>NaN</v>", None, "数字"), "spaces around a number": ("A1", "<v> 7 </v>", None, "数字"),
    "plus sign": ("A1", "<v>+5</v>", None, "数字"), "boolean 2": ("A1", "<v>2</v>", "b", "布尔|boolean"),
    "leading space": ("A1", "<is><t> 前导空格</t></is>", "inlineStr", "首尾空白"),
    "leading line break": ("A1", "<is><t>&#10;换行在前</t></is>", "inlineStr", "首尾空白"),
    "trailing reference": ("A1", "<is><t>尾&#32;</t></is>", "inlineStr", "首尾空白"),
    "trailing run space": ("A1", "<is><r><t>a </t></r></is>", "inlineStr", "首尾空白"),
    "escape": ("A1", "<is><t>a_x000D_b</t></is>", "inlineStr", "_xHHHH_"),
    "a comment in a text": ("A1", "<is><t>a<!-- c -->b</t></is>", "inlineStr", "注释"),
    "two texts": ("A1", "<is><t>a</t><t>b</t></is>", "inlineStr", "多段文字"),
    "another attribute": ("A1", '<is><t xml:space="default">a</t></is>', "inlineStr", "非常规属性"),
    "text after a run": ("A1", "<is><r><t>b</t></r><t>a</t></is>", "inlineStr", "多段文字"),
    "invalid character": ("A1", "<is><t>&#1;</t></is>", "inlineStr", "不是有效的 XML"),
    "inline text in a number cell": ("A1", "<is><t>x</t></is>", "n", "文字单元格"),
}


def crafted(base: Path, target: Path, ref: str, inner: str, kind: str | None) -> Path:
    package = corpus.Package(base)
    package.set_cell("项目1", ref, inner, kind)
    return package.save(target)


@pytest.mark.parametrize("case", ACCEPTED)
def test_crafted_cells_read_the_same(case, base, tmp_path):
    """Inline and shared strings alike: the fast reader's book is openpyxl's, value types included."""
    ref, inner, kind = ACCEPTED[case]
    path = crafted(base, tmp_path / "inline.xlsx", ref, inner, kind)
    files = [path, with_shared_strings(path, tmp_path / "shared.xlsx")]
    for path in files:
        fast = read_submission(path, "calamine")
        assert snapshot(fast) == snapshot(read_submission(path, "openpyxl")), path.name
        assert fast.reader == "calamine"


@pytest.mark.parametrize("case", REFUSED)
def test_crafted_cells_calamine_reads_otherwise_are_refused(case, base, tmp_path, profile):
    """The guard refuses, for the reason meant; the automatic choice then reads with openpyxl."""
    ref, inner, kind, words = REFUSED[case]
    path = crafted(base, tmp_path / "crafted.xlsx", ref, inner, kind)
    with pytest.raises(Refused) as refused:
        read_submission(path, "calamine")
    assert re.search(words, refused.value.reason), refused.value.reason
    auto, reference = both_entries(path, profile)
    assert entry_text(auto) == entry_text(reference)
    assert auto["timing"].get("reader", "openpyxl") == "openpyxl"


def _rewrite_sheet(base: Path, target: Path, change) -> Path:
    package = corpus.Package(base)
    package.put_sheet_xml("项目1", change(package.sheet_xml("项目1")))
    return package.save(target)


STRUCTURE = {  # id: (change of the sheet XML, words of the reason)
    "cells out of order": (lambda xml: xml.replace('<c r="A1"', '<c r="C1"', 1).replace('<c r="B1"', '<c r="A1"', 1),
                           "顺序"),
    "a cell twice": (lambda xml: re.sub(r'(<c r="A2".*?</c>)', r"\1\1", xml, count=1, flags=re.S), "顺序"),
    "rows out of order": (lambda xml: xml.replace('<row r="3"', '<row r="30"', 1), "顺序"),
    "a cell without r": (lambda xml: xml.replace('<c r="A5" ', "<c ", 1), "常规写法"),
    "a pretty-printed cell": (lambda xml: re.sub(r'(<c r="A6"[^>]*>)', r"\1\n  ", xml, count=1), "常规写法"),
    "a value at A1048576": (lambda xml: xml.replace("</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr">'
                                                    "<is><t>远处</t></is></c></row></sheetData>"), "范围过大"),
    "a prefixed namespace": (lambda xml: xml.replace("<worksheet ", f'<worksheet xmlns:x="{corpus.MAIN_NS}" ', 1),
                             "命名空间"),
    "a comment": (lambda xml: xml.replace("<sheetData>", "<!-- 注释 --><sheetData>", 1), "注释"),
}


@pytest.mark.parametrize("case", STRUCTURE)
def test_sheets_written_otherwise_are_refused(case, base, tmp_path, profile):
    change, words = STRUCTURE[case]
    path = _rewrite_sheet(base, tmp_path / "structure.xlsx", change)
    with pytest.raises(Refused) as refused:
        read_submission(path, "calamine")
    assert words in refused.value.reason
    auto, reference = both_entries(path, profile)
    assert entry_text(auto) == entry_text(reference)


def test_shared_strings_calamine_reads_otherwise_are_refused(base, tmp_path):
    """openpyxl drops x005F_ from a shared string and keeps leading blanks calamine trims."""
    for inner, words in (("<t>ax005F_b</t>", "共享字符串"), ("<t> 前导</t>", "共享字符串")):
        path = with_shared_strings(crafted(base, tmp_path / "c.xlsx", "A1", f"<is>{inner}</is>", "inlineStr"),
                                   tmp_path / "s.xlsx")
        with pytest.raises(Refused) as refused:
            read_submission(path, "calamine")
        assert words in refused.value.reason


# -- the comparison can fail: what the guard and the integer rule prevent ---------------------------

def test_without_the_integer_rule_the_books_would_differ(corpus_files, monkeypatch):
    """Taken as calamine gives them (every number a float, 2021 → 2021.0), the cells differ from
    openpyxl's. (Collect's entries happen not to show it on these files: the fingerprint and the
    scorer read 2021 and 2021.0 alike — the book comparison does.)"""
    name, path, _ = corpus_files[len(SAMPLES)]  # the first export
    original = fastread._sheet_rows

    def as_calamine(*args):
        rows = original(*args)
        for cell in (cell for row in rows for cell in row if type(cell.value) is int):
            cell.value = float(cell.value)
        return rows

    assert snapshot(read_submission(path, "calamine")) == snapshot(read_submission(path, "openpyxl"))
    monkeypatch.setattr(fastread, "_sheet_rows", as_calamine)
    assert snapshot(read_submission(path, "calamine")) != snapshot(read_submission(path, "openpyxl")), name


def test_without_the_text_guard_a_tampering_would_pass(corpus_files, profile, monkeypatch, tmp_path):
    """A project name given a leading space after export is a change (openpyxl keeps the space);
    calamine trims it, so without the text guard the export would pass as untouched."""
    name, path, _ = next(item for item in corpus_files if item[0] == "clean export")
    original = openpyxl.load_workbook(path)["政府采购"]["B3"].value  # 项目名称
    package = corpus.Package(path)
    package.set_cell("政府采购", "B3", f"<is><t> {escape(original)}</t></is>", "inlineStr")
    spaced = package.save(tmp_path / "spaced.xlsx")
    auto, reference = both_entries(spaced, profile)
    assert auto["timing"]["reader"] == "openpyxl" and entry_text(auto) == entry_text(reference)
    assert reference["status"] == "tampered"
    monkeypatch.setattr(fastread, "_text_risk", lambda data: None)
    auto = check_file(spaced, profile)
    assert auto["timing"]["reader"] == "calamine" and auto["status"] == "accepted"
    assert entry_text(auto) != entry_text(reference)


# -- choosing the reader -----------------------------------------------------------------------------

def test_the_reader_is_chosen_by_engine_or_environment(tmp_path, monkeypatch, profile):
    sample = SAMPLES[0]
    assert read_submission(sample).reader == "calamine"
    assert read_submission(sample, "openpyxl").reader == "openpyxl"
    monkeypatch.setenv(ENGINE_VARIABLE, "openpyxl")
    assert read_submission(sample).reader == "openpyxl"
    assert check_file(sample, profile)["timing"]["reader"] == "openpyxl"
    with pytest.raises(ValueError):
        read_submission(sample, "xlrd")
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for path in SAMPLES[:2]:
        shutil.copy(path, inbox / path.name)
    for engine in ("openpyxl", "auto"):
        monkeypatch.setenv(ENGINE_VARIABLE, engine)
        report = collect(inbox, jobs=2, progress=False)  # the workers inherit the choice
        assert {entry["timing"]["reader"] for entry in report["files"]} == {"calamine" if engine == "auto" else engine}
        validate_collect_report(report)
