"""The Excel add-ins built by ``jixiao addin build``, checked without Excel.

They must be valid Office packages, carry xlwings' VBA byte for byte (no VBA of ours), have a
ribbon whose every ``onAction`` exists in that VBA and whose every button imports an existing
Python entry, and an enabled settings sheet with exactly xlwings' keys.
"""

from __future__ import annotations

import importlib
import io
import re
import sys
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from openpyxl import load_workbook

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names at import time
    warnings.simplefilter("ignore")
    from oletools.olevba import VBA_Parser

from toolkit.excel import addin
from toolkit import cli

ROOT = Path(__file__).resolve().parents[1]
CUSTOMUI = "{http://schemas.microsoft.com/office/2006/01/customui}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
REWRITTEN = {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "docProps/core.xml"}
INTERPRETER = r"C:\Program Files\Python311\pythonw.exe"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("addins")
    return addin.build_addins(out, settings={"Interpreter_Win": INTERPRETER})


@pytest.fixture(scope="module")
def shipped() -> Path:
    return addin.xlwings_source()


def vba_modules(path: Path) -> dict[str, str]:
    """Module name → source code, extracted with oletools (works on .xlam bytes)."""
    parser = VBA_Parser(path.name, data=path.read_bytes())
    try:
        return {Path(stream).name: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_one_addin_per_button_and_all_buttons_present(built):
    assert [p.name for p in built] == ["jixiao_score.xlam", "jixiao_export.xlam", "jixiao_report.xlam",
                                       "jixiao_about.xlam"]
    labels = set()
    for path in built:
        ui = ET.fromstring(zipfile.ZipFile(path).read("customUI/customUI.xml"))
        tab = ui.find(f"{CUSTOMUI}ribbon/{CUSTOMUI}tabs/{CUSTOMUI}tab")
        assert tab.get("idQ") == "jx:JixiaoTab" and tab.get("label") == "绩效自评"
        group = tab.find(f"{CUSTOMUI}group")
        assert group.get("idQ") == "jx:JixiaoGroup"
        buttons = group.findall(f"{CUSTOMUI}button")
        assert len(buttons) == 1 and buttons[0].get("imageMso")
        labels.add(buttons[0].get("label"))
    assert {"计算得分", "导出报送", "生成报告"} <= labels


def test_packages_are_valid_office_packages(built):
    for path in built:
        with zipfile.ZipFile(path) as package:
            assert package.testzip() is None
            parts = set(package.namelist())
            types = ET.fromstring(package.read("[Content_Types].xml"))
            overrides = {e.get("PartName").lstrip("/") for e in types.iter(f"{CT}Override")}
            defaults = {e.get("Extension") for e in types.iter(f"{CT}Default")}
            assert overrides <= parts
            for part in parts - {"[Content_Types].xml"}:
                assert part in overrides or part.rsplit(".", 1)[-1] in defaults, part
                if part.endswith((".xml", ".rels")):
                    ET.fromstring(package.read(part))  # every XML part parses
            for rels in [p for p in parts if p.endswith(".rels")]:
                base = rels.replace("_rels/", "").removesuffix(".rels")
                folder = base.rsplit("/", 1)[0] if "/" in base else ""
                for rel in ET.fromstring(package.read(rels)).iter(f"{REL}Relationship"):
                    target = rel.get("Target").lstrip("/")
                    resolved = target if rel.get("Target").startswith("/") or not folder else f"{folder}/{target}"
                    assert resolved in parts, (rels, target)
            assert "customUI/customUI.xml" in package.read("_rels/.rels").decode()


def test_opens_with_openpyxl_keep_vba(built):
    """openpyxl refuses the add-in content type; presented as .xlsm the same parts must load."""
    path = built[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.ms-excel.addin.macroEnabled.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            target.writestr(info.filename, data)
    wb = load_workbook(io.BytesIO(buffer.getvalue()), keep_vba=True)
    assert wb.sheetnames == [addin.CONF_SHEET]
    assert wb.vba_archive is not None
    assert wb[addin.CONF_SHEET]["B1"].value == INTERPRETER


def test_only_xml_parts_rewritten_and_vba_byte_identical(built, shipped):
    with zipfile.ZipFile(shipped) as original:
        reference = {name: original.read(name) for name in original.namelist()}
    for path in built:
        with zipfile.ZipFile(path) as package:
            assert set(package.namelist()) == set(reference)
            for name in reference:
                if name not in REWRITTEN:
                    assert package.read(name) == reference[name], name
            assert package.read("xl/vbaProject.bin") == reference["xl/vbaProject.bin"]


def test_vba_modules_equal_xlwings_modules(built, shipped):
    expected = vba_modules(shipped)
    assert {"xlwings", "RibbonMyAddin"} <= set(expected)
    for path in built:
        assert vba_modules(path) == expected


def test_every_onaction_exists_in_the_vba(built):
    for path in built:
        modules = vba_modules(path)
        ui = ET.fromstring(zipfile.ZipFile(path).read("customUI/customUI.xml"))
        actions = [e.get("onAction") for e in ui.iter() if e.get("onAction")]
        assert actions
        for action in actions:
            module, procedure = action.split(".")
            assert module in modules, action
            # a button callback: Sub <name>(control As IRibbonControl)
            assert re.search(rf"^\s*(Public\s+)?Sub\s+{procedure}\s*\(\s*control\s+As\s+IRibbonControl\s*\)",
                             modules[module], re.M | re.I), action


def test_runmain_imports_the_module_named_like_the_addin_and_it_exists(built):
    code = vba_modules(built[0])["RibbonMyAddin"]
    # What the shipped VBA does: module = ThisWorkbook.Name without extension; import it; call main().
    assert 'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))' in code
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code
    buttons = addin.BUTTONS_DIR
    sys.path.insert(0, str(buttons))  # what xlwings does with the settings sheet's PYTHONPATH
    try:
        for path in built:
            stem = path.stem
            assert _conf_sheet(path)[2]["B3"] == str(buttons)  # PYTHONPATH row of the settings sheet
            module = importlib.import_module(stem)
            assert callable(module.main)
            assert Path(module.__file__).resolve().parent == buttons
    finally:
        sys.path.remove(str(buttons))


def _conf_sheet(path: Path) -> tuple[str, list[str], dict[str, str]]:
    """(sheet name, keys in column A in order, column-B values) read from the package XML."""
    with zipfile.ZipFile(path) as package:
        workbook = package.read("xl/workbook.xml").decode()
        sheet_name = re.search(r'<sheet name="([^"]+)"', workbook)[1]
        strings = [t.text or "" for t in ET.fromstring(package.read("xl/sharedStrings.xml")).iter(
            "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t")]
        sheet = ET.fromstring(package.read("xl/worksheets/sheet1.xml"))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    keys, values = [], {}
    for cell in sheet.iter(f"{ns}c"):
        ref, kind = cell.get("r"), cell.get("t")
        text = cell.findtext(f"{ns}v") if kind != "inlineStr" else cell.findtext(f"{ns}is/{ns}t")
        if text is None:
            continue
        value = strings[int(text)] if kind == "s" else text
        if ref.startswith("A"):
            keys.append(value)
        else:
            values[ref] = value
    return sheet_name, keys, values


def test_settings_sheet_enabled_with_exactly_xlwings_keys(built, shipped):
    project = re.search(r'PROJECT_NAME As String = "([^"]+)"', vba_modules(shipped)["xlwings"])[1]
    shipped_name, shipped_keys, _ = _conf_sheet(shipped)
    assert shipped_name == f"_{project}.conf"  # shipped disabled
    for path in built:
        name, keys, values = _conf_sheet(path)
        # GetConfigFromSheet reads wb.Sheets(PROJECT_NAME & ".conf"): a constant, not the file name
        assert name == f"{project}.conf" == addin.CONF_SHEET
        assert keys == shipped_keys
        assert set(keys) == set(addin.CONF_ROWS)
        assert values["B1"] == INTERPRETER
        assert values["B8"] == "0"  # Use UDF Server: FALSE


def test_cli_build_and_install_message(tmp_path, capsys):
    assert cli.main(["addin", "build", str(tmp_path / "out"), "--interpreter", "python", "--udf-server"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "jixiao_about.xlam", "jixiao_export.xlam", "jixiao_report.xlam", "jixiao_score.xlam"]
    _, _, values = _conf_sheet(tmp_path / "out" / "jixiao_score.xlam")
    assert values["B1"] == "python" and values["B8"] == "1"
    assert "已生成加载项" in capsys.readouterr().out
    if not sys.platform.startswith("win"):
        assert cli.main(["addin", "install"]) == cli.EXIT_BAD_INPUT
        assert "只能安装到 Windows" in capsys.readouterr().err  # errors go to stderr


def test_ribbon_definition_rejects_foreign_callbacks(tmp_path):
    text = addin.RIBBON_FILE.read_text("utf-8").replace(
        'onAction="RibbonMyAddin.RunMain"', 'onAction="Module1.Mine"', 1)
    (tmp_path / "ribbon.xml").write_text(text, "utf-8")
    with pytest.raises(addin.ToolkitError, match="RibbonMyAddin.RunMain"):
        addin.read_ribbon(tmp_path / "ribbon.xml")
