"""Build the fixtures of tests/test_preserve_parts.py: the real seed-003 sample
(samples/seed003_项目支出绩效自评表.xlsx, 8 projects of 深圳市社会保险基金管理局 2021) with what a clerk's
Excel adds and openpyxl does not model, written by hand to Excel's schema (ECMA-376, [MS-XLSX]).

    python tests/data/preserve/make_preserve.py          # writes the files below beside this script

* ``clerk_parts.xlsx`` — on the form sheet 「社会保险转移接续工作外包服务」: an x14 data validation with a
  cross-sheet list (``Lists!$A$1:$A$3``), an x14 conditional format, a sparkline group, a drawing
  holding a chart (openpyxl's), a picture and a text box (``xdr:sp``), the clerk's comments (B3, and H20 which the tool
  flags; author 张会计), printer settings (``xl/printerSettings/printerSettings1.bin``, ``<pageSetup r:id>``);
  a form control (check box 「已核对」: ``<controls>``, ``xl/ctrlProps/ctrlProp1.xml`` and its VML shape beside
  the comment's); a background picture on 填表说明; in the workbook a defined name 完成情况, an x15 extension, a thumbnail, a custom XML item (``customXml/item1.xml``), custom document
  properties (``docProps/custom.xml``) and the company in ``docProps/app.xml``.
* ``clerk_parts_libreoffice.xlsx`` — ``clerk_parts.xlsx`` opened and saved by LibreOffice
  (``soffice --headless --convert-to xlsx``): its own data validations, drawing, comments and VML.
* ``clerk_parts.xlsm`` — ``clerk_parts.xlsx`` as a macro workbook, with the ``vbaProject.bin`` of
  xlwings' ``quickstart_addin.xlam`` (xlwings 0.37.8, BSD licence).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402
from openpyxl.chart import BarChart, Reference  # noqa: E402
from openpyxl.comments import Comment  # noqa: E402
from openpyxl.workbook.defined_name import DefinedName  # noqa: E402

from toolkit.workbook.cached import sheet_parts  # noqa: E402

SOURCE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
FORM = "社会保险转移接续工作外包服务"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

EXTENSIONS = (
    '<extLst>'
    '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    '<x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>K13:K20</xm:sqref>'
    '</x14:dataValidation></x14:dataValidations></ext>'
    '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:conditionalFormattings><x14:conditionalFormatting '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:cfRule type="cellIs" priority="1" operator="greaterThan" id="{7D0D0D6B-3F4E-4C25-9F7A-1B9B7E0C1A01}">'
    '<xm:f>Lists!$B$1</xm:f><x14:dxf><font><color rgb="FF9C0006"/></font>'
    '<fill><patternFill><bgColor rgb="FFFFC7CE"/></patternFill></fill></x14:dxf></x14:cfRule>'
    '<xm:sqref>G13:G20</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext>'
    '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries theme="4" tint="-0.499984740745262"/>'
    '<x14:colorNegative theme="5"/><x14:colorAxis rgb="FF000000"/><x14:colorMarkers theme="4"/>'
    '<x14:colorFirst theme="4"/><x14:colorLast theme="4"/><x14:colorHigh theme="4"/><x14:colorLow theme="4"/>'
    '<x14:sparklines><x14:sparkline><xm:f>Lists!B1:B5</xm:f><xm:sqref>L6</xm:sqref></x14:sparkline>'
    '</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext>'
    '</extLst>')

DRAWING_NS = ('xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
              'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')
TEXT_BOX = (
    f'<xdr:twoCellAnchor {DRAWING_NS} editAs="oneCell"><xdr:from><xdr:col>11</xdr:col><xdr:colOff>0</xdr:colOff>'
    '<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>15</xdr:col><xdr:colOff>0</xdr:colOff>'
    '<xdr:row>4</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="90" name="文本框 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr>'
    '<xdr:spPr><a:xfrm><a:off x="7000000" y="200000"/><a:ext cx="2400000" cy="600000"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="FFFFCC"/></a:solidFill>'
    '<a:ln w="9525"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></xdr:spPr>'
    '<xdr:txBody><a:bodyPr wrap="square" rtlCol="0" anchor="t"/><a:lstStyle/><a:p><a:r><a:rPr lang="zh-CN" sz="1100"/>'
    '<a:t>经办人备注：数量指标以社保系统导出台账为准。</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
    '<xdr:clientData/></xdr:twoCellAnchor>'
    f'<xdr:oneCellAnchor {DRAWING_NS}><xdr:from><xdr:col>11</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5</xdr:row>'
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="952500" cy="952500"/>'
    '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="91" name="图片 2" descr="单位公章"/><xdr:cNvPicPr>'
    '<a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill>'
    f'<a:blip xmlns:r="{R}" r:embed="rIdSeal"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
    '<xdr:spPr><a:xfrm><a:off x="7000000" y="1000000"/><a:ext cx="952500" cy="952500"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>')

# A form control (a check box 「已核对」) as Excel writes it: the sheet's <controls> in mc:AlternateContent, its
# properties part, and its VML shape beside the comment's in the sheet's legacy drawing.
CONTROLS = (
    '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<mc:Choice xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" Requires="x14"><controls>'
    '<mc:AlternateContent><mc:Choice Requires="x14">'
    f'<control xmlns:r="{R}" shapeId="1030" r:id="rIdCheck" name="Check Box 1"><controlPr defaultSize="0" autoFill="0" '
    'autoLine="0" autoPict="0"><anchor moveWithCells="1"><from><xdr:col '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">11</xdr:col><xdr:colOff '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">0</xdr:colOff><xdr:row '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">20</xdr:row><xdr:rowOff '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">0</xdr:rowOff></from><to><xdr:col '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">13</xdr:col><xdr:colOff '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">0</xdr:colOff><xdr:row '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">21</xdr:row><xdr:rowOff '
    'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">0</xdr:rowOff></to></anchor>'
    '</controlPr></control></mc:Choice></mc:AlternateContent></controls></mc:Choice></mc:AlternateContent>')
CONTROL_PROPS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<formControlPr xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
                 'objectType="CheckBox" checked="Checked" lockText="1" noThreeD="1"/>')
CHECK_BOX_SHAPE = (
    '<v:shapetype xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
    'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
    '<v:shape xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel" id="_x0000_s1030" type="#_x0000_t201" '
    'style="position:absolute;margin-left:480pt;margin-top:300pt;width:90pt;height:18pt;z-index:2" filled="f" '
    'fillcolor="window [65]" stroked="f" strokecolor="windowText [64]" o:insetmode="auto">'
    '<v:path shadowok="t" strokeok="t" fillok="t"/><o:lock v:ext="edit" rotation="t"/>'
    '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:left">'
    '<font face="宋体" size="180" color="auto">已核对</font></div></v:textbox>'
    '<x:ClientData ObjectType="Checkbox"><x:Anchor>11, 0, 20, 0, 13, 0, 21, 0</x:Anchor><x:AutoFill>False</x:AutoFill>'
    '<x:AutoLine>False</x:AutoLine><x:TextVAlign>Center</x:TextVAlign><x:Checked>1</x:Checked><x:NoThreeD/>'
    '</x:ClientData></v:shape>')

WORKBOOK_EXTENSIONS = ('<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
                       'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
                       '<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>')

CUSTOM_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
              '<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography" '
              'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/bibliography" SelectedStyle="/APA.XSL" '
              'StyleName="APA"/>')
CUSTOM_XML_PROPS = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                    '<ds:datastoreItem ds:itemID="{5A6B2C43-1D8E-4F0A-9B3C-2E7D6F1A8B90}" '
                    'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
                    '<ds:schemaRefs><ds:schemaRef ds:uri="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'bibliography"/></ds:schemaRefs></ds:datastoreItem>')
CUSTOM_PROPS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="报送批次">'
                '<vt:lpwstr>2021年第一批</vt:lpwstr></property></Properties>')


def png_seal() -> bytes:
    """A 16×16 red square as a PNG (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xcc\x00\x00" * 16 for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def printer_settings() -> bytes:
    """A DEVMODEW as Excel stores it: device name, then the fixed fields (A4, portrait)."""
    name = "Microsoft Print to PDF".encode("utf-16-le").ljust(64, b"\0")
    fields = struct.pack("<HHHHIhhhhhhhhhh", 0x0401, 0x0401, 156, 0, 0x0001FF53, 1, 9, 0, 0, 100, 1, 7, 600, 1, 0)
    return (name + fields).ljust(220, b"\0")


def with_openpyxl(target: Path) -> None:
    """What openpyxl can write itself: the Lists sheet, a chart, the clerk's comment, a defined name."""
    wb = load_workbook(SOURCE)
    lists = wb.create_sheet("Lists")
    for row, (word, number) in enumerate(zip(["完成", "部分完成", "未完成", None, None], [3, 5, 2, 6, 4]), start=1):
        lists.cell(row, 1, word)
        lists.cell(row, 2, number)
    form = wb[FORM]
    form["B3"].comment = Comment("项目名称按预算批复文件填写。", "张会计")
    form["H20"].comment = Comment("满意度扣 2 分：见满意度调查报告第 3 页。", "张会计")  # a cell the tool flags
    chart = BarChart()
    chart.title = "指标分值"
    chart.add_data(Reference(lists, min_col=2, min_row=1, max_row=5))
    form.add_chart(chart, "L10")
    wb.defined_names["完成情况"] = DefinedName("完成情况", attr_text="Lists!$A$1:$A$3")
    wb.save(target)


def by_hand(source: Path, target: Path) -> None:
    """The parts openpyxl cannot write, put into the package as Excel writes them."""
    with zipfile.ZipFile(source) as package:
        parts = {name: package.read(name) for name in package.namelist()}
        sheet = sheet_parts(package)[FORM]
    rels_name = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rels = parts[rels_name].decode()
    drawing = next(part for part in parts if part.startswith("xl/drawings/drawing") and part.endswith(".xml"))
    xml = parts[sheet].decode()
    xml = xml.replace("<pageSetup ", f'<pageSetup xmlns:r="{R}" r:id="rIdPrinter" ', 1)
    xml = xml.replace("</worksheet>", CONTROLS + EXTENSIONS + "</worksheet>")
    parts[sheet] = xml.encode()
    parts[rels_name] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdPrinter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'printerSettings" Target="../printerSettings/printerSettings1.bin"/>'
        '<Relationship Id="rIdCheck" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'ctrlProp" Target="../ctrlProps/ctrlProp1.xml"/></Relationships>')).encode()
    parts["xl/ctrlProps/ctrlProp1.xml"] = CONTROL_PROPS.encode()
    vml = next(part for part in parts if part.endswith(".vml"))
    parts[vml] = parts[vml].decode().replace("</xml>", CHECK_BOX_SHAPE + "</xml>").encode()
    parts["xl/printerSettings/printerSettings1.bin"] = printer_settings()
    drawing_xml = parts[drawing].decode()
    end = drawing_xml.rindex("</")  # the closing wsDr, whatever its prefix
    parts[drawing] = (drawing_xml[:end] + TEXT_BOX + drawing_xml[end:]).encode()
    drawing_rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
    parts[drawing_rels] = parts[drawing_rels].decode().replace("</Relationships>", (
        '<Relationship Id="rIdSeal" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        'Target="../media/image1.png"/></Relationships>')).encode()
    parts["xl/media/image1.png"] = png_seal()
    parts["customXml/item1.xml"] = CUSTOM_XML.encode()
    parts["customXml/itemProps1.xml"] = CUSTOM_XML_PROPS.encode()
    parts["customXml/_rels/item1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'customXmlProps" Target="itemProps1.xml"/></Relationships>').encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", '<Relationship Id="rIdCustomXml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/customXml" Target="../customXml/item1.xml"/></Relationships>').encode()
    parts["docProps/custom.xml"] = CUSTOM_PROPS.encode()
    parts["docProps/thumbnail.png"] = png_seal()  # Excel's 「保存预览图片」
    instructions = sheet_parts_of(parts)["填表说明"]  # a background picture (页面布局 → 背景) on another sheet
    parts[instructions] = parts[instructions].replace(
        b"</worksheet>", f'<picture xmlns:r="{R}" r:id="rIdBackground"/></worksheet>'.encode())
    instructions_rels = instructions.replace("worksheets/", "worksheets/_rels/") + ".rels"
    parts[instructions_rels] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdBackground" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'image" Target="../media/image2.png"/></Relationships>').encode()
    parts["xl/media/image2.png"] = png_seal()[:-12] + png_seal()[-12:]
    book = parts["xl/workbook.xml"].decode()
    end = book.rindex("</")  # the closing workbook tag
    parts["xl/workbook.xml"] = (book[:end] + WORKBOOK_EXTENSIONS + book[end:]).encode()
    parts["_rels/.rels"] = parts["_rels/.rels"].decode().replace("</Relationships>", (
        '<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'custom-properties" Target="docProps/custom.xml"/>'
        '<Relationship Id="rIdThumb" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'thumbnail" Target="docProps/thumbnail.png"/></Relationships>')).encode()
    parts["docProps/app.xml"] = parts["docProps/app.xml"].decode().replace(
        "</Properties>", "<Company>深圳市社会保险基金管理局</Company><Manager>李科长</Manager></Properties>").encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].decode().replace("</Types>", (
        '<Default Extension="png" ContentType="image/png"/>'
        '<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'printerSettings"/>'
        '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" ContentType="application/vnd.ms-excel.controlproperties+xml"/>'
        '<Override PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.customXmlProperties+xml"/>'
        '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'custom-properties+xml"/></Types>')).encode()
    write(parts, target)


def sheet_parts_of(parts: dict[str, bytes]) -> dict[str, str]:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            package.writestr(name, parts[name])
    with zipfile.ZipFile(buffer) as package:
        return sheet_parts(package)


def as_macro_workbook(source: Path, target: Path, vba: bytes) -> None:
    with zipfile.ZipFile(source) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["xl/vbaProject.bin"] = vba
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
        b"</Types>", b'<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                     b"</Types>")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
                             b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
    write(parts, target)


def write(parts: dict[str, bytes], target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in ["[Content_Types].xml", *[n for n in parts if n != "[Content_Types].xml"]]:
            out.writestr(zipfile.ZipInfo(name, (2021, 12, 31, 0, 0, 0)), parts[name], zipfile.ZIP_DEFLATED)


def vba_project() -> bytes:
    """The committed vbaProject.bin, else the one in the installed xlwings' quickstart add-in."""
    committed = HERE / "clerk_parts.xlsm"
    if committed.exists():
        with zipfile.ZipFile(committed) as package:
            return package.read("xl/vbaProject.bin")
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_addin.xlam") as addin:
        return addin.read("xl/vbaProject.bin")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        step = Path(folder) / "openpyxl.xlsx"
        with_openpyxl(step)
        by_hand(step, HERE / "clerk_parts.xlsx")
        as_macro_workbook(HERE / "clerk_parts.xlsx", HERE / "clerk_parts.xlsm", vba_project())
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
                        "--convert-to", "xlsx", "--outdir", folder, str(HERE / "clerk_parts.xlsx")],
                       check=True, capture_output=True, timeout=180)
        shutil.copy(Path(folder) / "clerk_parts.xlsx", HERE / "clerk_parts_libreoffice.xlsx")


if __name__ == "__main__":
    main()
