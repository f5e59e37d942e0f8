"""Bad input gets a clear Chinese message naming the file, sheet and cell — never a traceback."""

from __future__ import annotations

import io

import msoffcrypto.format.ooxml
from openpyxl import Workbook, load_workbook

from toolkit.cli import main
from toolkit.core.profile import load_profile
from toolkit.service import read_workbook
from toolkit.forms.project.scoring import score_form

from .conftest import SAMPLE, excel_like_delete_rows, excel_like_insert_rows

PROJECT = "政府采购"


def run(capsys, *args):
    code = main(["score", *map(str, args)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, text


def test_text_file_named_xlsx(tmp_path, capsys):
    path = tmp_path / "报表.xlsx"
    path.write_text("项目名称,得分\n", encoding="utf-8")
    code, text = run(capsys, path)
    assert code == 2 and "报表.xlsx" in text and "不是 Excel 工作簿" in text


def test_legacy_xls(tmp_path, capsys):
    import olefile  # noqa: F401  (an OLE container without encryption streams = old .xls)
    path = tmp_path / "old.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1024)
    code, text = run(capsys, path)
    assert code == 2 and "旧版 .xls" in text and "另存为" in text


def test_password_protected_workbook(tmp_path, capsys):
    encrypted = tmp_path / "加密.xlsx"
    with SAMPLE.open("rb") as plain:
        office = msoffcrypto.format.ooxml.OOXMLFile(plain)
        buffer = io.BytesIO()
        office.encrypt("secret", buffer)
    encrypted.write_bytes(buffer.getvalue())
    code, text = run(capsys, encrypted)
    assert code == 2 and "加密.xlsx" in text and "密码" in text


def test_truncated_workbook(tmp_path, capsys):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(SAMPLE.read_bytes()[:5000])
    code, text = run(capsys, path)
    assert code == 2 and "坏.xlsx" in text and "损坏" in text


def test_workbook_without_a_form(tmp_path, capsys):
    path = tmp_path / "空白.xlsx"
    wb = Workbook()
    wb.active["A1"] = "项目名称"
    wb.save(path)
    code, text = run(capsys, path)
    assert code == 2 and "没有可识别的自评表" in text and "空白.xlsx" in text


def test_missing_file_and_folder(tmp_path, capsys):
    code, text = run(capsys, tmp_path / "nope.xlsx")
    assert code == 2 and "不存在" in text
    code, text = run(capsys, tmp_path)
    assert code == 2 and "文件夹" in text


def test_text_in_numeric_cells_is_flagged_in_its_cell(sample_copy, tmp_path, capsys):
    wb = load_workbook(sample_copy)
    wb[PROJECT]["D6"] = "约十三万八"   # 全年预算数
    wb[PROJECT]["G14"] = "十分"        # 分值
    wb.save(sample_copy)
    code, text = run(capsys, sample_copy, "-o", tmp_path / "o.xlsx")
    assert code == 0                    # the file is scored, the problems are flagged
    form = next(f for f in read_workbook(sample_copy).forms if f.sheet == PROJECT)
    result = score_form(form, load_profile("national"))
    by_cell = {(f.cell, f.code) for f in result.flags}
    assert ("D6", "not_a_number") in by_cell and ("G14", "not_a_number") in by_cell
    message = next(f.message for f in result.flags if f.cell == "D6")
    assert "约十三万八" in message and "数字" in message
    assert result.total_computed is None  # never a silent guess
    assert ("H22", "total_incomplete") in by_cell


def test_deleted_total_row_is_reported_with_the_sheet(sample_copy, capsys):
    wb = load_workbook(sample_copy)
    excel_like_delete_rows(wb[PROJECT], 22)  # the 总分 row
    wb.save(sample_copy)
    code, text = run(capsys, sample_copy)
    assert code == 2
    assert f"工作表「{PROJECT}」" in text and "删除" in text and "总分" in text


def test_deleted_fund_row_is_reported(sample_copy, capsys):
    wb = load_workbook(sample_copy)
    excel_like_delete_rows(wb[PROJECT], 8)  # 上年结转资金
    wb.save(sample_copy)
    code, text = run(capsys, sample_copy)
    assert code == 2 and "项目资金表应有 4 行" in text


def test_deleted_indicator_row_still_scores(sample_copy):
    wb = load_workbook(sample_copy)
    excel_like_delete_rows(wb[PROJECT], 18)  # 经济效益指标 不适用, weight 0
    wb.save(sample_copy)
    form = next(f for f in read_workbook(sample_copy).forms if f.sheet == PROJECT)
    result = score_form(form, load_profile("shenzhen"))  # the profile the sample records
    assert result.total_computed == 83.96 and len(form.indicators) == 8


def test_inserted_indicator_rows_are_scored(sample_copy):
    wb = load_workbook(sample_copy)
    ws = wb[PROJECT]
    excel_like_insert_rows(ws, 14)  # a new 数量指标 row under the first one
    for col, value in zip("DEFGHI", ["采购打印机数", "≥4台", "2台", 5, None, "到货延迟"]):
        ws[f"{col}14"] = value
    ws["G13"] = 5  # the clerk splits the 10 points
    wb.save(sample_copy)
    form = next(f for f in read_workbook(sample_copy).forms if f.sheet == PROJECT)
    result = score_form(form, load_profile("national"))
    printer = next(i for i in result.items if i.label == "采购打印机数")
    assert printer.cell == "H14" and printer.computed == 2.5
    assert result.fills["H14"] == 2.5
    assert form.fields["total_score"].ref == "H23"


def test_a_form_pasted_into_a_sheet_without_names_is_flagged_not_skipped(sample_copy, capsys):
    wb = load_workbook(sample_copy)
    ws = wb.create_sheet("新项目")
    for row in wb[PROJECT].iter_rows(max_row=23):
        for cell in row:
            if cell.value is not None and not isinstance(cell.value, (int, float)):
                ws[cell.coordinate] = cell.value
    wb.save(sample_copy)
    book = read_workbook(sample_copy)
    [flag] = [f for f in book.flags if f.code == "form_without_names"]
    assert flag.severity == "error" and "新项目" in flag.message and "建立副本" in flag.message
    code, text = run(capsys, sample_copy, "-o", sample_copy.with_name("o.xlsx"))
    assert code == 0 and "新项目" in text
