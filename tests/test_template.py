"""The committed template is what the code builds, and carries the documented structure."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from toolkit.forms.project import layout
from toolkit.forms.project.builds import build_samples, build_templates, check_templates
from toolkit.workbook.drift import diff_packages
from toolkit.core.profile import load_profile
from toolkit.service import read_workbook
from toolkit.forms.project.scoring import score_form

from .conftest import ROOT, SAMPLE, TEMPLATE


def test_committed_template_has_not_drifted():
    assert check_templates(ROOT / "templates") == []


def test_drift_is_detected(tmp_path):
    build_templates(tmp_path)
    wb = load_workbook(tmp_path / TEMPLATE.name)
    wb["项目1"]["D12"] = "三级指标名称"
    wb.save(tmp_path / TEMPLATE.name)
    assert any("sheet2.xml" in line or "sharedStrings" in line for line in check_templates(tmp_path))


def test_committed_sample_is_what_the_seed_data_builds(tmp_path):
    shutil.copy(ROOT / "samples" / "seed003_projects.json", tmp_path)
    [built] = build_samples(tmp_path)
    assert diff_packages(SAMPLE, built) == []


def test_every_field_has_its_defined_name_and_label():
    wb = load_workbook(TEMPLATE)
    ws = wb["项目1"]
    for name in layout.all_names():
        assert name in ws.defined_names, name
    assert ws.defined_names["JX_TotalScore"].attr_text == "'项目1'!$H$22"
    # the label printed beside each header field
    assert ws["A3"].value == "项目名称" and ws["F3"].value == "项目金额"
    assert [ws.cell(12, c).value for c in range(2, 10)] == layout.GRID_HEADERS


def test_template_sheets_meta_print_setup_and_validation():
    wb = load_workbook(TEMPLATE)
    assert wb.sheetnames == [layout.INSTRUCTIONS_SHEET, "项目1", layout.META_SHEET]
    meta = wb[layout.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    assert dict(meta.iter_rows(values_only=True, max_col=2))["template_id"] == layout.TEMPLATE_ID
    ws = wb["项目1"]
    assert int(ws.page_setup.paperSize) == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert "$A$1:$I$25" in str(ws.print_area)
    validated = " ".join(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert "C6:E9" in validated and "G2" in validated
    # merged 一级 labels as in the official form
    assert "B13:B16" in {str(r) for r in ws.merged_cells.ranges}
    # the national profile's weights are prefilled on the weight line
    assert (ws["C24"].value, ws["E24"].value, ws["G24"].value) == (50, 30, 10)


def test_blank_template_reads_and_asks_for_the_basics():
    book = read_workbook(TEMPLATE)
    [form] = book.forms
    assert form.indicators == []
    result = score_form(form, load_profile("national"))
    codes = {f.code for f in result.flags}
    assert "budget_zero" in codes and result.total_computed is None


def test_copied_sheets_are_separate_projects(tmp_path):
    """Several projects in one workbook: each sheet is read and scored on its own."""
    book = read_workbook(SAMPLE)
    assert len(book.forms) == 8
    assert len({f.sheet for f in book.forms}) == 8


def render_pdf_text(path, tmp_path) -> str:
    """Open ``path`` in LibreOffice (a second, real reader) and return the PDF's text."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=240)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{path.stem}.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_opens_and_renders_the_template(tmp_path):
    shutil.copy(TEMPLATE, tmp_path / "t.xlsx")
    text = render_pdf_text(tmp_path / "t.xlsx", tmp_path)
    assert "项目支出绩效自评表" in text and "偏差原因分析及改进措施" in text


@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_renders_the_scored_sample(tmp_path):
    from toolkit.service import score_file
    score_file(SAMPLE, tmp_path / "scored.xlsx")
    text = render_pdf_text(tmp_path / "scored.xlsx", tmp_path)
    assert "政府采购" in text and "83.95" in text and "2.75" in text
    assert "校验结果" in text and "8 ÷ 29 × 10 = 2.76" in text

