"""The Word side of the report (python-docx): styles, headings, paragraphs, tables, gaps.

What makes the draft a proper Word document that WPS and LibreOffice render the same way:

* headings use the built-in Heading 1–4 styles (the navigation pane and a table of contents
  work), the title the Title style;
* every style names its East-Asian font explicitly (``w:eastAsia`` of ``w:rFonts``; theme fonts
  are removed, since a theme font would win): 仿宋 for the body, 黑体 for headings and the title,
  宋体 in tables; Latin text and digits in Times New Roman;
* tables use the Word table style ``Table Grid``, a shaded header row repeated on every page,
  and merged cells where a column repeats a label (一级/二级指标);
* a :class:`~toolkit.narrative.formats.Placeholder` is a yellow-highlighted run 【待填写：…】;
* a cover block (单位名称（公章）/ 填报人 …) under the title, lines without indent;
* the document properties name the unit as author and the report's title (not python-docx);
* A4, page numbers in the footer; the file is written atomically.

Example::

    >>> doc = ReportDocument("测试报告", author="深圳市社会保险基金管理局")
    >>> doc.heading("一、基本情况", 1)
    >>> doc.paragraph("项目名称：零星购置费；实施单位：", Placeholder("实施单位"), "。")
    >>> doc.table(["指标", "分值"], [["案件调查数", "10"]])
    >>> doc.placeholders, [p.style.name for p in doc.document.paragraphs][:2], doc.document.core_properties.author
    (1, ['Heading 1', 'Normal'], '深圳市社会保险基金管理局')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from toolkit.narrative.formats import Placeholder
from toolkit.workbook.atomic import atomic_write

LATIN_FONT = "Times New Roman"
BODY_FONT, HEADING_FONT, TABLE_FONT = "仿宋", "黑体", "宋体"
TABLE_STYLE = "Table Grid"
TABLE_TEXT_STYLE = "表格文字"
NOTE_STYLE = "起草说明"
COVER_STYLE = "封面"
SPACER_STYLE = "表后空行"
HEADING_SIZES = {1: 16, 2: 14, 3: 12, 4: 12}  # 三号, 四号, 小四
HEADER_FILL = "D9D9D9"
NUMERIC = re.compile(r"^-?[\d,]+(\.\d+)?%?(元|万元)?$")  # right-aligned in tables

Segment = str | Placeholder


def set_fonts(owner, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a style (or the document defaults) explicitly, East-Asian included
    (theme fonts removed: they would win over the names).

    >>> style = Document().styles["Heading 1"]
    >>> set_fonts(style.element, "黑体")
    >>> style.element.rPr.rFonts.get(qn("w:eastAsia")), style.element.rPr.rFonts.get(qn("w:asciiTheme"))
    ('黑体', None)
    """
    rpr = owner.get_or_add_rPr() if hasattr(owner, "get_or_add_rPr") else owner.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        owner.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin), ("w:eastAsia", east_asian)):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")


class ReportDocument:
    """A Word document written top to bottom: title, headings, paragraphs and tables."""

    def __init__(self, title: str, author: str = ""):
        self.document = Document()
        self.placeholders = 0
        self._setup_page()
        self._setup_styles()
        properties = self.document.core_properties
        properties.title = title
        properties.author = properties.last_modified_by = author  # python-docx's template says «python-docx»
        properties.comments = properties.subject = properties.keywords = ""

    # -- set-up ----------------------------------------------------------------------------
    def _setup_page(self) -> None:
        section = self.document.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.54)
        section.left_margin = section.right_margin = Cm(2.5)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(footer.add_run())

    def _setup_styles(self) -> None:
        styles = self.document.styles
        defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
        set_fonts(defaults, BODY_FONT)
        normal = styles["Normal"]
        set_fonts(normal.element, BODY_FONT)
        normal.font.size = Pt(12)
        body = normal.paragraph_format
        body.first_line_indent = Pt(24)  # two characters
        body.line_spacing = 1.2  # 8 small projects fit on 10 pages (issue 21)
        body.space_after = Pt(0)
        for level, size in HEADING_SIZES.items():
            style = styles[f"Heading {level}"]
            set_fonts(style.element, HEADING_FONT)
            style.font.size, style.font.bold = Pt(size), False
            style.font.color.rgb = RGBColor(0, 0, 0)
            fmt = style.paragraph_format
            fmt.first_line_indent = Pt(0) if level == 1 else Pt(24)
            fmt.space_before, fmt.space_after = Pt(12 if level == 1 else 6), Pt(6 if level == 1 else 3)
        title = styles["Title"]
        set_fonts(title.element, HEADING_FONT)
        title.font.size, title.font.bold, title.font.color.rgb = Pt(20), False, RGBColor(0, 0, 0)
        borders = title.element.pPr.find(qn("w:pBdr"))
        if borders is not None:
            title.element.pPr.remove(borders)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.first_line_indent = Pt(0)
        title.paragraph_format.space_after = Pt(18)
        for name, font, size in ((TABLE_TEXT_STYLE, TABLE_FONT, 9), (NOTE_STYLE, BODY_FONT, 10.5),
                                 (COVER_STYLE, BODY_FONT, 14), (SPACER_STYLE, BODY_FONT, 4)):
            style = styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
            style.base_style = normal
            set_fonts(style.element, font)
            style.font.size = Pt(size)
            style.paragraph_format.first_line_indent = Pt(0)
            style.paragraph_format.line_spacing = 1.0
        styles[NOTE_STYLE].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        styles[NOTE_STYLE].paragraph_format.space_after = Pt(12)
        styles[COVER_STYLE].paragraph_format.line_spacing = 1.5
        styles[SPACER_STYLE].paragraph_format.space_after = Pt(0)

    # -- content ---------------------------------------------------------------------------
    def title(self, *segments: Segment) -> None:
        self._write(self.document.add_paragraph(style="Title"), segments)

    def cover(self, *segments: Segment) -> None:
        """A line of the cover block (单位名称（公章）：…), without indent."""
        self._write(self.document.add_paragraph(style=COVER_STYLE), segments)

    def heading(self, text: str, level: int) -> None:
        self.document.add_paragraph(text, style=f"Heading {min(level, max(HEADING_SIZES))}")

    def paragraph(self, *segments: Segment) -> None:
        self._write(self.document.add_paragraph(), segments)

    def note(self, *segments: Segment) -> None:
        """A small grey remark (how the draft was made)."""
        self._write(self.document.add_paragraph(style=NOTE_STYLE), segments)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Segment | Sequence[Segment]]], *,
              widths: Sequence[float] | None = None, merge_columns: Sequence[int] = ()) -> None:
        """A table with a repeated, shaded header row; ``widths`` in cm; runs of equal text in
        ``merge_columns`` become one merged cell."""
        table = self.document.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = self.document.styles[TABLE_STYLE]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        _repeat_header(header)
        for cell, text in zip(header.cells, headers):
            _shade(cell)
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = self.document.styles[TABLE_TEXT_STYLE]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(text).bold = True
        for row, values in zip(table.rows[1:], rows):
            for cell, value in zip(row.cells, values):
                cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
                paragraph = cell.paragraphs[0]
                paragraph.style = self.document.styles[TABLE_TEXT_STYLE]
                if isinstance(value, str) and NUMERIC.match(value):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                self._write(paragraph, value if isinstance(value, (list, tuple)) else (value,))
        for column in merge_columns:
            _merge_runs(table, column, [_plain(values[column]) for values in rows])
        if widths:
            table.autofit = False
            for column, width in zip(table.columns, widths):
                column.width = Cm(width)  # the grid: what LibreOffice and WPS lay out by
            for row in table.rows:
                for cell, width in zip(row.cells, widths):
                    cell.width = Cm(width)
        self.document.add_paragraph(style=SPACER_STYLE)  # a little space after the table (Word needs a paragraph)

    def _write(self, paragraph, segments: Sequence[Segment]) -> None:
        for segment in segments:
            if isinstance(segment, Placeholder):
                run = paragraph.add_run(str(segment))
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                self.placeholders += 1
            elif segment:
                paragraph.add_run(str(segment))

    def save(self, path: Path) -> None:
        """Write the document to ``path`` atomically."""
        atomic_write(Path(path), lambda tmp: self.document.save(str(tmp)))


def _plain(value) -> str:
    parts = value if isinstance(value, (list, tuple)) else (value,)
    return "".join(str(part) for part in parts)


def _merge_runs(table, column: int, texts: list[str]) -> None:
    """Merge vertical runs of equal, non-empty text in ``column`` (row 0 is the header)."""
    start = 0
    for index in range(1, len(texts) + 1):
        if index < len(texts) and texts[index] and texts[index] == texts[start]:
            continue
        if index - start > 1:
            top = table.cell(start + 1, column)
            for row in range(start + 2, index + 1):
                table.cell(row, column)._tc.clear_content()  # keep one copy of the label
                table.cell(row, column)._tc.append(OxmlElement("w:p"))
            top.merge(table.cell(index, column))
            paragraphs = top.paragraphs
            for extra in paragraphs[1:]:
                extra._p.getparent().remove(extra._p)
        start = index


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _shade(cell) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), HEADER_FILL)
    cell._tc.get_or_add_tcPr().append(shading)


def _page_field(run) -> None:
    """A PAGE field: Word, WPS and LibreOffice show the page number."""
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
