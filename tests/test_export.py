"""Tests for toolkit.submission.export and toolkit.submission.fingerprint: the clean submission workbook."""

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from toolkit.submission import fingerprint as fp
from toolkit.cli import main
from toolkit.submission.export import ExportBlocked, export_file, export_filename, sanitize_part
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


@pytest.mark.usefixtures("libreoffice")
def test_pdf_is_a4_and_renders(tmp_path):
    source = corrected_copy(tmp_path / "填报.xlsx")
    assert main(["export", str(source), "-o", str(tmp_path / "out"), "--pdf"]) == 0
    pdf = next((tmp_path / "out").glob("*.pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           8" in info and "(A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))


def test_pdf_without_libreoffice_gives_clear_message(tmp_path, monkeypatch, capsys):
    import toolkit.submission.export as export

    monkeypatch.setattr(export, "find_soffice", lambda: None)
    source = corrected_copy(tmp_path / "填报.xlsx")
    assert main(["export", str(source), "-o", str(tmp_path), "--pdf"]) == 2
    assert "未找到 LibreOffice" in capsys.readouterr().err  # errors go to stderr
