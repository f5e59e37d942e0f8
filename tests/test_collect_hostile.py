"""Collect and export on hostile and careless input (issue 13): status precedence between a
working copy and its export, symbolic links, formula injection in the summary workbook, file
names that are not UTF-8 and characters XML cannot hold, sheet XML that is not well-formed,
and numbers or dates the export must store as the fingerprint says."""

import datetime as _dt
import io
import json
import os
import random
import shutil
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.hostile import corpus, runner
from toolkit.cli import main
from toolkit.core.profile import load_profile
from toolkit.submission import fingerprint as fp
from toolkit.report import json_safe as display_safe
from toolkit.submission.collect import check_file, collect, list_entries, validate_collect_report, write_summary
from toolkit.workbook.writer import display_text
from toolkit.submission.export import as_stored, export_file

from .conftest import corrected_copy

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ("=cmd|' /C calc'!A0", "+SUM(1)", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1", '=DDE("cmd";"/C calc";"x")')


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory) -> tuple[Path, Path]:
    """(working copy without errors, its clean export)."""
    work = tmp_path_factory.mktemp("clean")
    source = corrected_copy(work / "填报.xlsx")
    return source, export_file(source, work / "out").output


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> corpus.Setup:
    return corpus.Setup.prepare(tmp_path_factory.mktemp("bases"), corpus.CI)


def _statuses(report: dict) -> dict[str, str]:
    return {entry["path"]: entry["status"] for entry in report["files"]}


def _strict_json(path: Path) -> dict:
    def refuse(constant):
        raise AssertionError(f"{path.name} holds {constant}, which is not JSON")
    return json.loads(path.read_bytes().decode("utf-8"), parse_constant=refuse)


def _formulas(path: Path) -> list[str]:
    """Formula cells in a written workbook, by openpyxl and by ``<f>`` in the sheet XML."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                if "<f>" in xml or "<f " in xml:
                    found.append(name)
    for ws in openpyxl.load_workbook(path).worksheets:
        found += [f"{ws.title}!{cell.coordinate}" for row in ws.iter_rows() for cell in row if cell.data_type == "f"]
    return found


# -- 1. a working copy and its export -------------------------------------------------------------

@pytest.mark.parametrize("copy_name", ["0_填报底稿.xlsx", "z_填报底稿.xlsx"])
def test_a_working_copy_is_never_the_original_of_its_export(clean_export, tmp_path, copy_name):
    """Before or after its export in path order, the working copy is not_export and the export
    is judged by its own checks (here accepted), never a duplicate."""
    source, export = clean_export
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(source, inbox / copy_name)
    shutil.copy(export, inbox / export.name)
    statuses = _statuses(collect(inbox, jobs=1, progress=False))
    assert statuses == {copy_name: "not_export", export.name: "accepted"}


def test_a_forced_export_beside_its_working_copy_keeps_its_own_status(tmp_path):
    """The hostile family's folder: the export of a file with errors is unresolved_errors."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    working = inbox / "0_填报底稿.xlsx"
    shutil.copy(corpus.BASES["project"], working)
    export = export_file(working, inbox, force=True).output
    statuses = _statuses(collect(inbox, jobs=1, progress=False))
    assert statuses == {working.name: "not_export", export.name: "unresolved_errors"}


def test_tampered_and_other_templates_are_not_originals_either(clean_export, tmp_path):
    """A hand-edited export before a clean one does not make the clean one a duplicate; two clean
    exports of the same projects do."""
    _, export = clean_export
    inbox = tmp_path / "收件"
    inbox.mkdir()
    wb = openpyxl.load_workbook(export)
    wb["政府采购"]["F13"] = "20台"
    wb.save(inbox / "a_tampered.xlsx")
    shutil.copy(export, inbox / "b_export.xlsx")
    shutil.copy(export, inbox / "c_again.xlsx")
    statuses = _statuses(collect(inbox, jobs=1, progress=False))
    assert statuses == {"a_tampered.xlsx": "tampered", "b_export.xlsx": "accepted", "c_again.xlsx": "duplicate"}


# -- 2. symbolic links ----------------------------------------------------------------------------

@pytest.fixture
def linked_folder(clean_export, tmp_path) -> Path:
    _, export = clean_export
    inbox = tmp_path / "收件"
    (inbox / "sub").mkdir(parents=True)
    outside = tmp_path / "外部"
    outside.mkdir()
    shutil.copy(export, inbox / "a.xlsx")
    shutil.copy(corpus.BASES["department"], outside / "b.xlsx")
    (inbox / "loop.xlsx").symlink_to("loop.xlsx")
    (inbox / "ping.xlsx").symlink_to("pong.xlsx")
    (inbox / "pong.xlsx").symlink_to("ping.xlsx")
    (inbox / "dangling.xlsx").symlink_to("已删除.xlsx")
    (inbox / "good_link.xlsx").symlink_to("a.xlsx")
    (inbox / "sub" / "up").symlink_to("..", target_is_directory=True)
    (inbox / "outside").symlink_to(outside, target_is_directory=True)
    (inbox / "outside_again").symlink_to(outside, target_is_directory=True)
    (inbox / "sub_alias").symlink_to("sub", target_is_directory=True)
    os.mkfifo(inbox / "pipe")
    return inbox


def test_every_link_is_listed_and_followed_once(linked_folder):
    report = collect(linked_folder, jobs=1, progress=False)
    files = {entry["path"]: entry for entry in report["files"]}
    reported = list(files)
    missing = [name for name in runner.expected_entries(linked_folder)
               if not any(path == name or path.startswith(name + "/") for path in reported)]
    assert not missing
    assert len(reported) == len(set(reported))  # nothing twice
    assert {path: entry["status"] for path, entry in files.items()} == {
        "a.xlsx": "accepted",
        "dangling.xlsx": "unreadable",
        "good_link.xlsx": "duplicate",  # checked as a.xlsx: the same export again
        "loop.xlsx": "unreadable",
        "outside/b.xlsx": "not_export",  # a linked folder is walked once …
        "outside_again": "not_excel",  # … and a second link to it is listed, not walked again
        "ping.xlsx": "unreadable",
        "pipe": "not_excel",
        "pong.xlsx": "unreadable",
        "sub/up": "unreadable",  # a link to a folder holding it: a loop
        "sub_alias": "not_excel",  # a link to a folder walked under its own path
    }
    codes = {path: [p["code"] for p in entry["problems"]] for path, entry in files.items()}
    for path in ("dangling.xlsx", "loop.xlsx", "ping.xlsx", "sub/up"):
        assert codes[path] == ["io_error"], path
    assert "duplicate_file" in codes["good_link.xlsx"]
    messages = {path: entry["problems"][0]["message"] for path, entry in files.items() if entry["problems"]}
    assert "链接循环" in messages["loop.xlsx"] and "链接循环" in messages["sub/up"]
    assert "不存在" in messages["dangling.xlsx"] and "已删除.xlsx" in messages["dangling.xlsx"]
    assert "outside" in messages["outside_again"] and "未重复读取" in messages["outside_again"]
    validate_collect_report(report)


def test_links_are_listed_in_path_order_without_checking_them(linked_folder):
    """Listing decides links and special files up front: a pipe is never opened (it would block)."""
    listed = list_entries(linked_folder)
    names = [os.path.relpath(item.path, linked_folder) for item in listed]
    assert names == sorted(names)
    assert [name for name, item in zip(names, listed) if item.entry is None] == [
        "a.xlsx", "good_link.xlsx", "outside/b.xlsx"]


def test_a_folder_that_cannot_be_opened_is_listed(tmp_path, monkeypatch):
    inbox = tmp_path / "收件"
    (inbox / "锁定").mkdir(parents=True)
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "锁定":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    [entry] = collect(inbox, jobs=1, progress=False)["files"]
    assert (entry["path"], entry["status"], entry["problems"][0]["code"]) == ("锁定", "unreadable", "io_error")
    assert "无法打开" in entry["problems"][0]["message"]


def test_collect_cli_with_links_writes_both(linked_folder, tmp_path, capsys):
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    assert main(["collect", str(linked_folder), "-o", str(out), "--json", str(js), "--jobs", "2", "-q"]) == 6
    assert "Traceback" not in capsys.readouterr().err
    assert len(_strict_json(js)["files"]) == 11 and not _formulas(out)


# -- 3. formula injection in the summary workbook -----------------------------------------------

def _hostile_report(texts) -> dict:
    texts = list(texts)
    projects = []
    for rank, text in enumerate(texts, start=1):
        projects.append({"rank": rank, "sheet": text, "kind": "project", "unit": text, "department": text,
                         "year": text, "project": text, "budget": 1.0, "actual": 1.0, "rate": 1.0, "total": 90.0,
                         "total_entered": 90.0, "grade": "优", "grade_entered": None, "flags": 1, "errors": 0,
                         "status": "accepted", "file": text})
    units = [{"rank": rank, "unit": text, "projects": 1, "budget": 1.0, "actual": 1.0, "rate": 1.0,
              "average_total": 90.0, "min_total": 90.0, "grades": {"优": 1}, "flags": 1, "status": "accepted"}
             for rank, text in enumerate(texts, start=1)]
    files = [{"path": text, "status": "accepted", "status_label": "通过", "fingerprint": {"exported_at": text,
              "sha256": "0" * 64}, "forms": [projects[index]], "timing": {"read": 0.0, "score": 0.0},
              "problems": [{"code": "duplicate", "severity": "warning", "sheet": text, "cell": text, "message": text}]}
             for index, text in enumerate(texts)]
    return {"projects": projects, "units": units, "files": files, "grades": {"优": len(texts)}}


def test_summary_writes_clerk_text_as_text(tmp_path):
    """Every payload in every text column of every sheet stays text: no formula in openpyxl's
    view or in the XML, and the text reads back as written."""
    path = write_summary(_hostile_report(PAYLOADS), tmp_path / "汇总.xlsx")
    assert _formulas(path) == []
    wb = openpyxl.load_workbook(path)
    texts = {cell.value for ws in wb.worksheets for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert set(PAYLOADS) <= texts


def test_collect_of_exports_with_hostile_names_and_titles_writes_no_formula(tmp_path):
    """End to end: project names and sheet titles typed as formulas reach 汇总.xlsx as text."""
    wb = openpyxl.load_workbook(corpus.BASES["project"])
    titles = list(corpus.TITLE_INJECTIONS[:3])
    for (ws, ref), payload in zip(corpus.text_fields(wb), PAYLOADS):
        corpus.set_text(ws[ref], payload)
    forms = [grid.ws for grid in corpus.grids(wb)]
    for ws, title in zip(forms, titles):
        corpus.rename_sheet(wb, ws, title)
    source = tmp_path / "hostile.xlsx"
    wb.save(source)
    inbox = tmp_path / "收件"
    export_file(source, inbox, force=True)
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    assert main(["collect", str(inbox), "-o", str(out), "--json", str(js), "-q", "--jobs", "1"]) == 6
    assert _formulas(out) == []
    sheets = {p["sheet"] for p in _strict_json(js)["projects"]}
    assert set(titles) <= sheets  # the titles arrived, as text
    texts = {cell.value for row in openpyxl.load_workbook(out)["项目汇总"].iter_rows() for cell in row}
    assert set(titles) | {PAYLOADS[0]} <= texts


# -- 4. file names that are not UTF-8, characters XML cannot hold, numbers that are not finite ---

def test_display_text_and_safe_report():
    assert display_text("社保" + "\udcb2\udce2" + ".xlsx") == "社保\ufffd\ufffd.xlsx"
    assert display_text("a\ud800b") == "a\ufffdb"  # a surrogate that is not an escaped byte
    assert display_safe({"x\udcff": [float("inf"), float("nan"), 1.5, "ok"]}) == {"x\ufffd": [None, None, 1.5, "ok"]}


def test_a_file_name_that_is_not_utf8_is_reported_and_written(clean_export, tmp_path, capsys):
    """GBK bytes in a file name: listed with U+FFFD, the JSON is plain UTF-8, the summary re-reads."""
    _, export = clean_export
    inbox = tmp_path / "收件"
    inbox.mkdir()
    raw = "社保局_自评表".encode("gbk") + b".xlsx"
    shutil.copy(export, os.path.join(os.fsencode(inbox), raw))
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    assert main(["collect", str(inbox), "-o", str(out), "--json", str(js), "-q", "--jobs", "1"]) == 0
    [entry] = _strict_json(js)["files"]
    assert entry["path"] == raw.decode("utf-8", "replace") and entry["status"] == "accepted"
    validate_collect_report(_strict_json(js))
    wb = openpyxl.load_workbook(out)
    assert wb["文件清单"]["A2"].value == entry["path"]
    assert "Traceback" not in capsys.readouterr().err


def test_the_summary_holds_no_character_xml_forbids(tmp_path):
    """Control characters and lone surrogates in any text become U+FFFD; openpyxl re-reads the file."""
    texts = ["项目\x01名称", "单位\x0b", "x\udcd1y", "\x00", "正常"]
    path = write_summary(_hostile_report(texts), tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(path)
    values = {cell.value for row in wb["项目汇总"].iter_rows(min_row=2) for cell in row}
    assert {"项目\ufffd名称", "单位\ufffd", "x\ufffdy", "\ufffd", "正常"} <= values


def test_numbers_that_are_not_finite_are_refused_with_their_cell(setup, tmp_path, capsys):
    """1E999 in a money cell reads as inf — no Excel or WPS writes that: score, export and collect all
    refuse the file the same way, naming the cell; the JSON stays strict (no Infinity, no NaN)."""
    case = corpus.build_case(tmp_path, "special_numbers", 0, setup)
    odd, nan = case.inputs
    assert main(["score", str(odd), "-o", str(tmp_path / "scored.xlsx")]) == 2
    assert main(["export", str(odd), "--force", "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.count("不是有限数") == 2
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    assert main(["collect", str(odd.parent), "-o", str(out), "--json", str(js), "-q", "--jobs", "1"]) == 6
    report = _strict_json(js)  # no Infinity, no NaN
    validate_collect_report(report)
    entries = {entry["path"]: entry for entry in report["files"]}
    assert entries[odd.name]["status"] != "accepted"
    assert any("不是有限数" in p["message"] for p in entries[odd.name]["problems"])
    assert entries[nan.name]["status"] == "unreadable"  # <v>NaN</v>: no Excel writes it
    assert "无法识别的单元格内容" in entries[nan.name]["problems"][0]["message"]
    openpyxl.load_workbook(out)


def test_unit_sums_past_the_largest_float_are_null():
    from toolkit.submission.tables import unit_rows

    rows = [{"unit": "甲", "budget": 1e308, "actual": 1e308, "total": 90.0, "grade": "优", "flags": 0,
             "status": "accepted"}] * 2
    [unit] = unit_rows(rows, ["优"], worst=max)
    assert unit["budget"] is None and unit["actual"] is None and unit["rate"] is None


# -- 5. sheet XML that is not well-formed ---------------------------------------------------------

def test_a_sheet_with_an_invalid_character_reference_is_unreadable_with_its_part_named(setup, tmp_path):
    case = corpus.build_case(tmp_path, "invalid_xml_characters", 0, setup)
    escaped, raw = case.inputs
    profile = load_profile("national")
    entry = check_file(raw, profile)
    assert entry["status"] == "unreadable"
    [problem] = entry["problems"]
    assert problem["code"] == "corrupt" and problem["sheet"]
    assert "部件 xl/worksheets/" in problem["message"] and "不是有效的 XML" in problem["message"]
    assert check_file(escaped, profile)["status"] == "not_export"  # _x0001_ is valid XML: read


def test_lxml_syntax_errors_are_caught_too():
    """openpyxl parses with lxml in its full model: that error is a sheet that cannot be read too."""
    lxml = pytest.importorskip("lxml.etree")
    from toolkit.submission.fastread import OpenpyxlSheet as _CachedSheet, SheetUnreadable as _SheetUnreadable

    try:
        lxml.fromstring(b"<a>&#1;</a>")
    except lxml.XMLSyntaxError as error:
        syntax_error = error

    class Broken:
        title, defined_names, sheet_state, _worksheet_path = "项目1", {}, "visible", "/xl/worksheets/sheet1.xml"

        def reset_dimensions(self):
            pass

        def iter_rows(self):
            raise syntax_error

    with pytest.raises(_SheetUnreadable) as raised:
        _CachedSheet(Broken())
    message = raised.value.message("a.xlsx")
    assert "工作表「项目1」（部件 xl/worksheets/sheet1.xml）不是有效的 XML" in message and "第 1 行" in message


# -- 6. export stores what the fingerprint says ---------------------------------------------------

@pytest.mark.parametrize("family", ["dates_in_numeric_cells"])
def test_export_of_a_file_score_reads_passes_its_self_check_and_collect_agrees(family, setup, tmp_path, capsys):
    case = corpus.build_case(tmp_path, family, 0, setup)
    source = case.inputs[0]
    assert main(["score", str(source), "-o", str(tmp_path / "scored.xlsx")]) == 0
    inbox = tmp_path / "收件"
    assert main(["export", str(source), "--force", "-o", f"{inbox}{os.sep}"]) == 0
    printed = capsys.readouterr().out
    [export] = inbox.glob("*.xlsx")
    [entry] = collect(inbox, jobs=1, progress=False)["files"]
    assert entry["status"] == "unresolved_errors"  # forced, never tampered: the fingerprint holds
    assert not {p["code"] for p in entry["problems"]} & {"content_changed", "score_edited", "sheets_reordered"}
    assert "Traceback" not in printed


def test_values_are_stored_as_the_saved_file_reads_them():
    """Floats of 17 digits, dates and times in date and number formats, durations, huge integers:
    after as_stored the canonical lines are those of the saved file, in both read modes."""
    from toolkit.submission.fastread import OpenpyxlBook as _CachedBook

    rng = random.Random(13)
    wb = openpyxl.Workbook()
    ws = wb.active
    formats = ["General", "0.00", "yyyy-mm-dd", "h:mm:ss", "[hh]:mm:ss", "yyyy-mm-dd h:mm:ss"]
    makers = [lambda: rng.uniform(-1e6, 1e6), lambda: rng.random() * 10 ** rng.randint(-300, 300),
              lambda: _dt.datetime(1900, 1, 1) + _dt.timedelta(seconds=rng.uniform(-9e6, 2.5e11)),
              lambda: _dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60), rng.randrange(10**6)),
              lambda: _dt.timedelta(seconds=rng.uniform(0, 1e7)),
              lambda: _dt.date(rng.randint(1900, 9999), rng.randint(1, 12), rng.randint(1, 28)),
              lambda: rng.randint(-10**30, 10**30), lambda: 511.44691130204853]
    for row in range(1, 3001):
        cell = ws.cell(row, 1)
        cell._value = rng.choice(makers)()  # as openpyxl's reader sets it, the number format kept
        cell.data_type = "n" if isinstance(cell._value, (int, float)) else "d"
        cell.number_format = rng.choice(formats)
    as_stored(wb)
    expected = fp.canonical_lines(wb)
    saved = io.BytesIO()
    wb.save(saved)
    for read_only in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            again = openpyxl.load_workbook(saved, read_only=read_only)
        assert fp.canonical_lines(_CachedBook(again) if read_only else again) == expected
