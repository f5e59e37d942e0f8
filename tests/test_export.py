"""Tests for toolkit.submission.export and toolkit.submission.fingerprint: the clean submission workbook."""

import datetime as _dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from toolkit.submission import fingerprint as fp
from toolkit.cli import main
from toolkit.submission.collect import collect
from toolkit.submission.export import PROBLEM_SHEET, ExportBlocked, export_file, export_filename, sanitize_part
from toolkit.core.profile import load_profile

from .conftest import corrected_copy  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "seed003_项目支出绩效自评表.xlsx"
FORM_SHEETS = ["社会保险转移接续工作外包服务", "社保业务公众服务经费", "案件调查取证费", "零星购置费", "零星修缮",
               "社保关系转移业务邮寄费", "政府采购", "社保业务档案管理外包"]




@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    source = corrected_copy(folder / "填报.xlsx")
    wb = openpyxl.load_workbook(source)
    ws = wb[FORM_SHEETS[0]]
    ws["I13"] = "=1+1"          # a clerk's text that looks like a formula (stored as text)
    ws["I13"].data_type = "s"
    ws["I14"] = "+86 0755 1234"
    ws["I15"] = "-见附件"
    ws["I16"] = "@张三"
    wb.save(source)
    outcome = export_file(source, folder / "out")
    return outcome


def soffice_convert(path: Path, fmt: str, out_dir: Path) -> Path:
    profile = out_dir / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(path)], check=True, capture_output=True, timeout=180)
    return out_dir / f"{path.stem}.{fmt.split(':')[0]}"


def test_sample_with_errors_is_refused_with_the_list(tmp_path):
    with pytest.raises(ExportBlocked) as caught:
        export_file(SAMPLE, tmp_path)
    where = {f.where for f in caught.value.flags}
    assert "政府采购!H13" in where and all(f.severity == "error" for f in caught.value.flags)
    assert "政府采购!H13" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_then_force_marks_the_file(tmp_path, capsys):
    assert main(["export", str(SAMPLE), "-o", str(tmp_path)]) == 4
    assert "政府采购!H13" in capsys.readouterr().err  # errors go to stderr
    assert main(["export", str(SAMPLE), "-o", str(tmp_path), "--force"]) == 0
    out = tmp_path / "深圳市社会保险基金管理局_2021_项目支出绩效自评表_含未解决问题.xlsx"
    assert out.exists()
    props = fp.read_properties(openpyxl.load_workbook(out))
    assert props["jx.status"] == "含未解决问题"
    assert "含未解决问题" in openpyxl.load_workbook(out).properties.title


def test_filename_convention():
    assert export_filename("深圳市社会保险基金管理局", 2021, "项目支出绩效自评表") == \
        "深圳市社会保险基金管理局_2021_项目支出绩效自评表.xlsx"
    assert sanitize_part('a<b>c:"d"/e\\f|g?h*', "x") == "a_b_c__d__e_f_g_h_"
    assert sanitize_part("  ..  ", "未填单位") == "未填单位"
    assert len(sanitize_part("单" * 200, "x")) == 60


def test_export_contains_only_the_official_layout(clean):
    path = clean.output
    assert path.name == "深圳市社会保险基金管理局_2021_项目支出绩效自评表.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == FORM_SHEETS
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    for ws in wb.worksheets:
        assert ws.max_column <= 9, ws.title            # J:K tool columns gone
        assert ws.protection.sheet and not ws.protection.password
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                assert cell.comment is None
                color = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None
                assert not (isinstance(color, str) and color[-6:] in {"FFC7CE", "FFEB9C", "DDEBF7"})
                if cell.value is not None and not type(cell).__name__ == "MergedCell":
                    assert cell.protection.locked
        assert not ws.data_validations.dataValidation
        assert set(ws.defined_names) <= {n for n in ws.defined_names if n.startswith("JX_")}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sheets_xml = "".join(archive.read(n).decode("utf-8") for n in names if n.startswith("xl/worksheets/sheet"))
    assert not any("vbaProject" in n or "externalLink" in n or "comments" in n for n in names)
    assert "<f>" not in sheets_xml and "<f " not in sheets_xml
    assert wb.properties.creator == "深圳市社会保险基金管理局"
    assert wb.properties.identifier == clean.fingerprint["jx.sha256"]


def test_blank_scores_are_filled_with_computed_values(clean):
    wb = openpyxl.load_workbook(clean.output)
    ws = wb["政府采购"]
    assert ws["H13"].value == 2.76         # blanked in the corrected copy, filled by the engine
    assert ws["H23"].value == "良"
    assert wb["社保业务公众服务经费"]["H6"].value == 8.7


def test_fingerprint_properties_and_match(clean):
    wb = openpyxl.load_workbook(clean.output)
    props = fp.read_properties(wb)
    profile = load_profile("shenzhen")  # the profile the sample records
    assert props["jx.format"] == "jixiao-export/1"
    assert props["jx.template_id"] == "jixiao.project-self-evaluation" and props["jx.template_version"] == "1.0"
    assert props["jx.profile_id"] == "shenzhen" and props["jx.profile_sha256"] == profile.sha256
    assert props["jx.toolkit_version"] and props["jx.exported_at"] and props["jx.status"] == "clean"
    assert props["jx.sha256"] == fp.content_sha256(wb)
    assert fp.locate_changes(props, wb) == []
    assert all(len(p.value) <= 255 for p in wb.custom_doc_props)
    scores = fp.stored_sheets(props)[6]["scores"]
    assert scores["H13"] == "n\t2.76" and scores["H23"] == "s\t良"


def test_hand_edit_is_located(clean):
    wb = openpyxl.load_workbook(clean.output)
    props = fp.read_properties(wb)
    wb["政府采购"]["H13"] = 5
    changes = fp.locate_changes(props, wb)
    assert [(c.kind, c.sheet, c.ref, c.old_value, c.new_value) for c in changes] == \
        [("score", "政府采购", "H13", "2.76", "5")]
    wb["政府采购"]["H13"] = 2.76
    wb["政府采购"]["F14"] = "篡改"
    assert [(c.kind, c.row) for c in fp.locate_changes(props, wb)] == [("content", 14)]


@pytest.mark.usefixtures("libreoffice")
def test_formula_like_text_stays_text(clean, tmp_path):
    wb = openpyxl.load_workbook(clean.output)
    ws = wb[FORM_SHEETS[0]]
    assert (ws["I13"].value, ws["I13"].data_type) == ("=1+1", "s")
    assert ws["I14"].value == "+86 0755 1234" and ws["I15"].value == "-见附件" and ws["I16"].value == "@张三"
    csv = soffice_convert(clean.output, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)
    text = csv.read_text("utf-8")
    assert "=1+1" in text and "+86 0755 1234" in text and "@张三" in text


@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_resave_keeps_fingerprint_and_has_no_formulas(clean, tmp_path):
    copy = tmp_path / "lo" / "resaved.xlsx"
    copy.parent.mkdir()
    shutil.copy(clean.output, tmp_path / "resaved.xlsx")
    out = soffice_convert(tmp_path / "resaved.xlsx", "xlsx", copy.parent)
    wb = openpyxl.load_workbook(out)
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert fp.content_sha256(wb) == clean.fingerprint["jx.sha256"]


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every page of ``pdf`` (pdftotext; pages are separated by form feeds)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.usefixtures("libreoffice")
def test_pdf_is_a4_and_renders(tmp_path, capsys):
    """A clean export's paper: no mark, and on every page the short fingerprint and the export time."""
    source = corrected_copy(tmp_path / "填报.xlsx")
    assert main(["export", str(source), "-o", str(tmp_path / "out"), "--pdf"]) == 0
    out = capsys.readouterr().out
    pdf = next((tmp_path / "out").glob("*.pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           8" in info and "(A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    props = fp.read_properties(openpyxl.load_workbook(next((tmp_path / "out").glob("*.xlsx"))))
    short, exported = props["jx.sha256"][:12], props["jx.exported_at"]
    assert exported.endswith("+08:00") and f"每页页脚印前 12 位：{short}" in out
    shown = exported.replace("T", " ").replace("+08:00", " +08:00")
    assert f"导出时间：{shown}（北京时间）" in out
    pages = pdf_pages(pdf)
    assert len(pages) == 8
    for number, page in enumerate(pages, start=1):
        assert f"内容指纹 {short}" in page and f"导出时间 {shown}" in page, number
        assert re.search(rf"第\s*{number}\s*页\s*共\s*8\s*页", page)  # the footer every sheet the tool writes has
        assert "含未解决问题" not in page and "未解决问题" not in page


@pytest.mark.usefixtures("libreoffice")
def test_forced_pdf_shows_the_mark_the_problems_and_the_fingerprint(tmp_path):
    """Issue 18: a forced export cannot look clean on paper, and paper can be matched to its file.
    The time given is 14:23 UTC: the paper shows 22:23 Beijing time."""
    utc = _dt.datetime(2021, 12, 31, 14, 23, 5, tzinfo=_dt.timezone.utc)
    outcome = export_file(SAMPLE, tmp_path, force=True, pdf=True, now=utc)
    assert outcome.fingerprint["jx.exported_at"] == "2021-12-31T22:23:05+08:00"
    short = outcome.fingerprint["jx.sha256"][:12]
    assert outcome.short_fingerprint == short
    pages = pdf_pages(outcome.pdf)
    assert len(pages) == 9  # the 8 forms and the problem page
    for number, page in enumerate(pages, start=1):
        assert "含未解决问题" in page.splitlines()[0], number  # the header, on every page
        assert f"内容指纹 {short}" in page and "导出时间 2021-12-31 22:23:05 +08:00" in page, number
        assert "14:23" not in page
    assert all("见「未解决问题」页" in page for page in pages[:8])
    problems = pages[8]
    assert "含未解决问题：6 个错误未改正" in problems
    assert "政府采购" in problems and "H13" in problems and "填报得分与按规则计算不符" in problems
    assert "填报 98，复核 100，相差 2（人工扣分，已说明）" in problems
    assert "score_mismatch" not in problems  # plain Chinese, no codes


def test_pdf_without_libreoffice_gives_clear_message(tmp_path, monkeypatch, capsys):
    import toolkit.submission.export as export

    monkeypatch.setattr(export, "find_soffice", lambda: None)
    source = corrected_copy(tmp_path / "填报.xlsx")
    assert main(["export", str(source), "-o", str(tmp_path), "--pdf"]) == 2
    assert "未找到 LibreOffice" in capsys.readouterr().err  # errors go to stderr


# -- issue 18: paper tells the truth ------------------------------------------------------------

def test_every_export_prints_fingerprint_and_beijing_time_in_the_footer(clean):
    wb = openpyxl.load_workbook(clean.output)
    exported = fp.read_properties(wb)["jx.exported_at"]
    assert exported.endswith("+08:00") and clean.exported_at.utcoffset() == _dt.timedelta(hours=8)
    assert PROBLEM_SHEET not in wb.sheetnames
    for ws in wb.worksheets:
        assert ws.oddFooter.left.text == f"内容指纹 {clean.fingerprint['jx.sha256'][:12]}", ws.title
        assert ws.oddFooter.right.text.startswith("导出时间 ") and ws.oddFooter.right.text.endswith(" +08:00")
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert not ws.oddHeader.center.text  # a clean export carries no mark
        assert not ws.HeaderFooter.differentFirst and not ws.HeaderFooter.differentOddEven
    assert exported in wb.properties.description


def test_naive_export_time_is_beijing_time(tmp_path):
    source = corrected_copy(tmp_path / "填报.xlsx")
    outcome = export_file(source, tmp_path / "out", now=_dt.datetime(2021, 12, 31, 22, 23, 5))
    assert outcome.fingerprint["jx.exported_at"] == "2021-12-31T22:23:05+08:00"
    wb = openpyxl.load_workbook(outcome.output)
    assert wb["政府采购"].oddFooter.right.text == "导出时间 2021-12-31 22:23:05 +08:00"
    assert wb.properties.created == _dt.datetime(2021, 12, 31, 14, 23, 5)  # core properties: UTC (…Z), as the format requires


@pytest.fixture(scope="module")
def forced(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forced")
    return export_file(SAMPLE, folder / "inbox", force=True)


def test_forced_export_marks_every_page_and_lists_the_problems_last(forced):
    wb = openpyxl.load_workbook(forced.output)
    assert wb.sheetnames == FORM_SHEETS + [PROBLEM_SHEET] and forced.problem_sheet == PROBLEM_SHEET
    short = forced.fingerprint["jx.sha256"][:12]
    for ws in wb.worksheets:
        assert ws.oddHeader.center.text == "含未解决问题", ws.title
        assert ws.oddFooter.left.text == f"内容指纹 {short}"
        assert ws.protection.sheet and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert wb[FORM_SHEETS[0]].oddHeader.right.text == "仍有 6 个错误未改正，见「未解决问题」页"
    problems = wb[PROBLEM_SHEET]
    rows = [[cell.value for cell in row] for row in problems.iter_rows()]
    numbered = [row for row in rows if isinstance(row[0], int)]  # 序号 | 工作表 | 单元格 | 问题, then 序号 | 工作表 | 总分
    listed = [(row[1], row[2]) for row in numbered if isinstance(row[3], str)]
    assert listed == [(f.sheet, f.cell) for f in forced.blocking]
    assert ("政府采购", "H13") in listed
    texts = [row[3] for row in numbered if isinstance(row[3], str)]
    assert all("：" in text and not any(f.code in text for f in forced.blocking) for text in texts)
    totals = {row[1]: row[2] for row in numbered if row[3] is None}
    assert totals["社会保险转移接续工作外包服务"] == "总分 填报 98，复核 100，相差 2（人工扣分，已说明）；等级 优"
    assert all(c.protection.locked for row in problems.iter_rows() for c in row if c.value is not None)
    assert fp.locate_changes(fp.read_properties(wb), wb) == []  # the problem page is fingerprinted content


def test_forced_export_is_read_back_by_collect_and_is_the_same_each_time(forced, tmp_path):
    """The problem page is no form (collect reads 8 forms, no 「像是一张自评表」), and holds nothing
    that changes between exports: a second forced export of the same file is a duplicate."""
    again = export_file(SAMPLE, tmp_path, force=True, now=_dt.datetime(2022, 1, 1, 9, 0, 0))
    assert again.fingerprint["jx.sha256"] == forced.fingerprint["jx.sha256"]
    report = collect(forced.output.parent, jobs=1, progress=False)
    [entry] = report["files"]
    assert entry["status"] == "unresolved_errors" and len(entry["forms"]) == 8
    codes = {p["code"] for p in entry["problems"]}
    assert "forced_export" in codes and not codes & {"form_without_names", "tampered", "score_edited"}
    assert entry["fingerprint"]["exported_at"].endswith("+08:00")


def test_two_workbooks_of_one_unit_year_and_kind_never_replace_each_others_export(tmp_path, capsys):
    """The 达州 and 四川 2017 example samples are both 「某部门（原文未见名称）」 2017 部门整体: exported into one
    folder they would share a name. The second goes to 「…（2）.xlsx」 and says so; exporting a workbook
    again replaces only its own earlier export; collect sees both submissions."""
    samples = SAMPLE.parent
    first, second = (samples / "example_dazhou-undated_部门整体支出绩效.xlsx",
                     samples / "example_sichuan-2017_部门整体支出绩效.xlsx")
    out = tmp_path / "inbox"
    a = export_file(first, out, force=True)
    b = export_file(second, out, force=True)
    assert a.output.name == "某部门（原文未见名称）_2017_部门整体支出绩效自评表_含未解决问题.xlsx"
    assert b.output.name == "某部门（原文未见名称）_2017_部门整体支出绩效自评表_含未解决问题（2）.xlsx"
    assert any("未覆盖" in note and first.name in note for note in b.notes)
    assert fp.read_properties(openpyxl.load_workbook(a.output))["jx.source_file"] == first.name
    again = export_file(first, out, force=True)
    assert again.output == a.output and not [n for n in again.notes if "未覆盖" in n]
    assert sorted(p.name for p in out.iterdir()) == sorted([a.output.name, b.output.name])
    assert main(["export", str(second), "-o", str(out), "--force"]) == 0
    printed = capsys.readouterr().out
    assert f"→ {b.output}" in printed and "未覆盖" in printed  # its own earlier export (2) is replaced, said why
    assert len(list(out.iterdir())) == 2
    report = collect(out, jobs=1, progress=False)
    assert len(report["files"]) == 2  # both reach the bureau; one 部门整体 per unit and year is then its call
