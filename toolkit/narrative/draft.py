"""``jixiao report``: draft the 自评报告 (Word) of a workbook from its checked numbers.

``jixiao report INPUT.xlsx [-o 自评报告.docx] [--pdf] [--profile P]``

The workbook is read and scored in memory by the same engine as ``jixiao score`` (nothing is
written to it); the report follows the profile's outline (:mod:`toolkit.narrative.outline`),
each section filled by the blocks of :mod:`toolkit.narrative.project` or
:mod:`toolkit.narrative.department`. The document is written atomically, by default beside the
input as ``<name>_自评报告.docx`` — never over the input, and never over an earlier draft the
clerk may have edited (``_自评报告(2).docx`` …); ``-o`` names the file. ``--pdf`` renders it
with LibreOffice like ``jixiao export --pdf``.

Example::

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "报告.docx"
    >>> outcome = draft_report("samples/seed003_项目支出绩效自评表.xlsx", out)
    >>> outcome.output.name, outcome.placeholders > 0
    ('报告.docx', True)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.model import CellValue
from toolkit.core.problems import ToolkitError
from toolkit.core.profile import Profile, load_profile
from toolkit.forms import registry as kinds
from toolkit.narrative import department, project
from toolkit.narrative.context import Draft, Scope
from toolkit.narrative.document import ReportDocument, Segment
from toolkit.narrative.formats import Placeholder, cell_text
from toolkit.narrative.outline import Outline, Section, check_blocks, heading_number, outline_for
from toolkit.report import workbook_report
from toolkit.service import read_openpyxl_book, refuse_other_kind, resolve_profile, score_book
from toolkit.submission.export import convert_to_pdf, find_soffice
from toolkit.workbook.io import check_file_kind, open_workbook
from toolkit.workbook.outputs import check_outputs

BLOCKS = {"project": project.BLOCKS, "department": department.BLOCKS}  # profile kind → its blocks
SUFFIX = "_自评报告"


@dataclass
class ReportOutcome:
    """What :func:`draft_report` wrote."""

    output: Path
    draft: Draft
    placeholders: int
    pdf: Path | None = None


def read_draft(input_path: str | Path, profile: Profile | str | None = None) -> Draft:
    """Read and score a workbook in memory: the facts a report is drafted from."""
    input_path = Path(input_path)
    check_file_kind(input_path)
    if profile is not None and not isinstance(profile, Profile):
        profile = load_profile(profile)
    book = read_openpyxl_book(open_workbook(input_path, data_only=True), input_path)
    refuse_other_kind(book, profile)
    profile = resolve_profile(book, profile)
    results, _ = score_book(book, profile)
    return Draft(book, results, workbook_report(str(input_path), results, profile, book.meta, book.flags), profile)


def compose(draft: Draft, outline: Outline | None = None) -> ReportDocument:
    """The report of ``draft`` as a Word document: title, cover block, then section by section of
    ``outline`` (default: the profile's)."""
    outline = outline or outline_for(draft.profile)
    blocks = BLOCKS[draft.profile["kind"]]
    check_blocks(outline, blocks, draft.profile.source)
    first = draft.book.forms[0]
    kind = kinds.kind_of(first)
    values = {"unit": kind.unit(first), "year": cell_text_of(kind.year(first))}
    title = _fill(outline.title, values)
    doc = ReportDocument("".join(str(part) for part in title), author=values["unit"])
    doc.title(*title)
    for line in outline.cover:
        doc.cover(line.label, cover_value(draft, line.field, values))
    doc.note(f"本报告为根据「{draft.file_name}」起草的草稿：金额、比率、得分和等级取自表中填报的内容；"
             "按评分规则复核的结果只在与自评不同时列出；「复核得分」栏只列出与自评不同的得分，注「保留自评」的差异"
             "复核予以接受。黄色底纹的「待填写」处须由单位据实填写。表格修改后请重新生成本报告；定稿前请删除本说明。")
    _sections(doc, outline, outline.sections, Scope(draft), blocks, level=1, values=values)
    return doc


COVER_GAPS = {"unit": "单位名称", "preparer": "填报人", "phone": "联系电话", "fill_date": "填报日期"}


def cover_value(draft: Draft, field: str, values: dict[str, str]) -> Segment:
    """A cover line's value: the unit, or the first form's 填表人 / 联系电话 / 填报日期 cell (the
    first filled one of the workbook's forms); a placeholder where no form holds it.

    >>> draft = read_draft("samples/seed000_部门整体支出绩效.xlsx")
    >>> cover_value(draft, "preparer", {}), str(cover_value(draft, "phone", {}))
    ('王常颖', '【待填写：联系电话】')
    """
    if field == "unit":
        return values.get("unit") or Placeholder(COVER_GAPS[field])
    for form in draft.book.forms:
        cell = getattr(form, "fields", {}).get(field)
        text = date_text(cell.value) if cell is not None else ""
        if text:
            return text
    return Placeholder(COVER_GAPS[field])


def date_text(value: object) -> str:
    """A cell as cover text; a date as 2024年4月22日.

    >>> import datetime
    >>> date_text(datetime.datetime(2024, 4, 22)), date_text("0753-4435619"), date_text(None)
    ('2024年4月22日', '0753-4435619', '')
    """
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    return cell_text_of(value).strip()


def cell_text_of(value: object) -> str:
    """A year or unit as text ('' when missing).

    >>> cell_text_of(2021.0), cell_text_of(None)
    ('2021', '')
    """
    return cell_text(CellValue("", value))


def _fill(template: str, values: dict[str, str]) -> list[Segment]:
    """``{unit}`` and ``{year}`` of a title filled in; a missing one becomes a placeholder.

    >>> _fill("{unit}{year}年度报告", {"unit": "社保局", "year": ""})
    ['社保局', Placeholder(what='年度'), '年度报告']
    """
    names = {"unit": "单位名称", "year": "年度"}
    segments: list[Segment] = []
    rest = template
    while "{" in rest and "}" in rest.split("{", 1)[1]:
        before, after = rest.split("{", 1)
        key, rest = after.split("}", 1)
        segments.append(before)
        segments.append(values.get(key) or Placeholder(names.get(key, key)))
    segments.append(rest)
    return [segment for segment in segments if segment != ""]


def _sections(doc: ReportDocument, outline: Outline, sections: tuple[Section, ...], scope: Scope,
              blocks: dict, level: int, values: dict[str, str]) -> None:
    index = 0
    for section in sections:
        scopes = [Scope(scope.draft, form) for form in scope.forms] if section.for_each_form else [scope]
        for inner in scopes:
            heading = section.heading.replace("{name}", inner.form.name if inner.form is not None else "")
            heading = heading.replace("{year}", values.get("year", "")).replace("{unit}", values.get("unit", ""))
            if section.numbered:
                index += 1
                heading = heading_number(outline.numbering, level, index) + heading
            doc.heading(heading, level)
            for block in section.blocks:
                if isinstance(block, str):
                    blocks[block](doc, inner)
                else:
                    doc.paragraph(Placeholder(block["placeholder"]))
            _sections(doc, outline, section.sections, inner, blocks, level + 1, values)


def default_report_path(input_path: Path) -> Path:
    """``<name>_自评报告.docx`` beside the input; a name not yet taken (an earlier draft may hold
    the clerk's writing).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> default_report_path(folder / "a.xlsx").name
    'a_自评报告.docx'
    >>> _ = (folder / "a_自评报告.docx").write_bytes(b"")
    >>> default_report_path(folder / "a.xlsx").name
    'a_自评报告(2).docx'
    """
    target = input_path.with_name(f"{input_path.stem}{SUFFIX}.docx")
    counter = 1
    while target.exists():
        counter += 1
        target = input_path.with_name(f"{input_path.stem}{SUFFIX}({counter}).docx")
    return target


def draft_report(input_path: str | Path, output: str | Path | None = None, *,
                 profile: Profile | str | None = None, pdf: bool = False) -> ReportOutcome:
    """Draft the report of the workbook at ``input_path`` into ``output`` (and a PDF if asked)."""
    input_path = Path(input_path)
    target = Path(output) if output else default_report_path(input_path)
    if target.suffix.lower() != ".docx":
        raise ToolkitError(f"报告文件「{target}」须以 .docx 结尾（自评报告是 Word 文档）。")
    check_outputs([input_path], {"-o" if output else "报告文件": target,
                                 "--pdf": target.with_suffix(".pdf") if pdf else None})
    if pdf and find_soffice() is None:
        raise ToolkitError("未找到 LibreOffice（soffice），无法生成 PDF。可不加 --pdf 只生成 Word 报告，"
                           "在 Word/WPS 中「另存为 PDF」；或安装 LibreOffice（https://zh-cn.libreoffice.org/）后重试。")
    draft = read_draft(input_path, profile)
    doc = compose(draft)
    doc.save(target)
    outcome = ReportOutcome(output=target, draft=draft, placeholders=doc.placeholders)
    if pdf:
        outcome.pdf = convert_to_pdf(target)
    return outcome


def run_cli(args) -> int:
    """``jixiao report`` (see :mod:`toolkit.cli`)."""
    outcome = draft_report(args.input, args.output, profile=args.profile, pdf=args.pdf)
    print(f"已生成自评报告草稿：{args.input} → {outcome.output}（规则：{outcome.draft.profile.id}）")
    print(f"  须由单位填写的【待填写】：{outcome.placeholders} 处（黄色底纹）")
    errors = sum(result.count("error") for result in outcome.draft.results)
    if errors:
        print(f"  注意：表中仍有 {errors} 个错误，报告的附件「待核对事项」逐项列出；修改表格后请重新生成。")
    if outcome.pdf:
        print(f"  PDF：{outcome.pdf}")
    return 0
