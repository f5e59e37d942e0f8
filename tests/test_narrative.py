"""The 自评报告 draft (``jixiao report``): every number it states comes from the workbook or the
score report, a placeholder stands exactly where the workbook lacks a fact, and it is a proper
Word document (heading styles, table style, East-Asian fonts) that LibreOffice renders.

Formatting rules the number check knows (see toolkit/narrative/formats.py): a number in the
report is a source number rounded half-up to the decimals shown; ``%`` divides by 100 (so
``86.93%`` is 0.8693 shown to 4 decimals); thousands separators are dropped; an amount in 元
may be written in 万元 (the source ÷ 10000). Sources are the workbook's cells, the score report
and what a report computes from the cells (:func:`derived`: sums over projects, mid-year
adjustments, execution rates from the amounts, counts). A number shown with
fewer than 2 decimals must equal a source number exactly (no rounding 8.6 to 9). Digits glued
to Latin letters (cell references such as H15, file names such as seed003) are not numbers;
heading numbers (``1. 项目概况``) are structure, not facts.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from toolkit import cli
from toolkit.core.profile import load_profile
from toolkit.narrative.draft import draft_report, read_draft
from toolkit.narrative.outline import default_outlines

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
DEPARTMENT = ROOT / "samples" / "seed000_部门整体支出绩效.xlsx"
NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")
HEADING_NUMBER = re.compile(r"^\d+\.\s")
PLACEHOLDER = re.compile(r"【待填写：([^】]*)】")
OVER = {"over_achievement", "over_achievement_explained", "over_achievement_deducted"}
TOL = 0.005


# ------------------------------------------------------------------ reading the report back

def blocks(doc) -> list[tuple[str, str, object]]:
    """(style name, text, the python-docx object) of every paragraph and table, in order."""
    out = []
    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            out.append((item.style.name, item.text, item))
        else:
            out.append((item.style.name if item.style is not None else "", table_text(item), item))
    return out


def table_text(table: Table) -> str:
    cells, seen = [], set()  # the set keeps the elements alive, so lxml hands out the same proxies
    for row in table.rows:
        for cell in row.cells:
            if cell._tc not in seen:  # a merged cell appears once per grid position
                seen.add(cell._tc)
                cells.append(cell.text)
    return "\n".join(cells)


def sections(doc, level: int) -> dict[tuple[str, str], str]:
    """Text under every heading of ``level``, keyed by (its chapter heading, its heading)."""
    found: dict[tuple[str, str], list[str]] = {}
    chapter, current = "", None
    for style, text, _ in blocks(doc):
        if style.startswith("Heading "):
            heading_level = int(style.split()[1])
            if heading_level == 1:
                chapter = text
            if heading_level <= level:
                current = (chapter, text) if heading_level == level else None
                if current:
                    found[current] = []
                continue
        if current:
            found[current].append(text)
    return {key: "\n".join(texts) for key, texts in found.items()}


def chapter_sections(doc, chapter_word: str) -> dict[str, str]:
    """Level-2 sections of the chapter whose heading contains ``chapter_word``, by heading text
    without its number."""
    return {re.sub(r"^（[一二三四五六七八九十]+）", "", heading): text
            for (chapter, heading), text in sections(doc, 2).items() if chapter_word in chapter}


# ------------------------------------------------------------------ numbers and their sources

def numbers_in(text: str):
    """(shown, value, decimals) of every number in ``text``, by the formatting rules above."""
    for match in NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        digits = match[1].replace(",", "")
        decimals = len(match[2] or "")
        value = Decimal(digits + (f".{match[2]}" if match[2] else ""))
        if match[3]:
            value, decimals = value / 100, decimals + 2
        yield match[0], value, decimals


def sources(workbook: Path, report: dict) -> set[Decimal]:
    found: set[Decimal] = set()

    def add(value):
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            found.add(Decimal(repr(value)))
            found.add(Decimal(repr(value / 10000)))  # an amount in 元 written in 万元
        elif isinstance(value, str):
            found.update(number for _, number, _ in numbers_in(value))
        elif isinstance(value, dict):
            for item in value.values():
                add(item)
        elif isinstance(value, list):
            for item in value:
                add(item)

    wb = load_workbook(workbook, data_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                add(value)
    add(report)
    return found


def derived(draft) -> set[Decimal]:
    """What a report computes from the workbook's cells: sums over the projects (in 元 and 万元),
    each mid-year adjustment (全年预算数 − 年初预算数), execution rates from the amounts (not rounded
    first), the 90% line of 执行率偏低, and counts (projects, indicators by 一级指标, grades)."""
    values: list[float] = [0.9, len(draft.book.forms)]

    def number(cell):
        value = cell.value if cell is not None else None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    if draft.profile["kind"] == "project":
        sums: dict = {}
        levels: dict = {}
        for form in draft.book.forms:
            for key, row in form.funds.items():
                for column in ("initial", "budget", "actual"):
                    value = number(getattr(row, column))
                    if value is not None:
                        sums[key, column] = sums.get((key, column), 0) + value
            total = form.funds["total"]
            initial, budget, actual = number(total.initial), number(total.budget), number(total.actual)
            if initial is not None and budget is not None:
                values.append(abs(budget - initial))
            if budget and actual is not None:
                values.append(actual / budget)
            for ind in form.indicators:
                levels[ind.level1] = levels.get(ind.level1, 0) + 1
        values += list(sums.values())
        if sums.get(("total", "budget")):
            values.append(sums[("total", "actual")] / sums[("total", "budget")])
        values.append(abs(sums.get(("total", "budget"), 0) - sums.get(("total", "initial"), 0)))
        values += list(levels.values()) + list(range(len(draft.book.forms) + 1))  # counts of projects
        values += [sum(levels.values())]
    else:
        for form in draft.book.forms:
            if form.target is not None:
                for key in ("budget_total", "budget_fiscal", "actual_total", "actual_fiscal"):
                    value = number(form.target.total[key])
                    if value is not None:
                        values.append(value)
                values.append(len(form.target.tasks))
    found = set()
    for value in values:
        found.update((Decimal(repr(float(value))), Decimal(repr(float(value) / 10000))))
    return found


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def unexplained_numbers(doc, known: set[Decimal]) -> list[str]:
    rounded = {d: {round_half_up(s, d) for s in known} for d in range(2, 9)}
    missing = []
    for style, text, _ in blocks(doc):
        if style.startswith("Heading "):
            text = HEADING_NUMBER.sub("", text)
        for shown, value, decimals in numbers_in(text):
            ok = value in known if decimals < 2 else value in rounded.get(decimals, known)
            if not ok:
                missing.append(f"{shown}（{text[:60]}）")
    return missing


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def project_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "项目报告.docx"
    outcome = draft_report(PROJECTS, out)
    return Document(str(out)), outcome


@pytest.fixture(scope="module")
def department_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "部门报告.docx"
    outcome = draft_report(DEPARTMENT, out)
    return Document(str(out)), outcome


# ------------------------------------------------------------------ every number has a source

@pytest.mark.parametrize("which", ["project_report", "department_report"])
def test_every_number_comes_from_the_workbook_or_the_score_report(which, request):
    doc, outcome = request.getfixturevalue(which)
    workbook = PROJECTS if which == "project_report" else DEPARTMENT
    known = sources(workbook, outcome.draft.report) | derived(outcome.draft)
    counted = sum(1 for _, text, _ in blocks(doc) for _ in numbers_in(text))
    assert counted > 200  # the report is made of numbers: the check is not vacuous
    assert unexplained_numbers(doc, known) == []


def test_the_number_check_catches_a_made_up_number(project_report):
    doc, outcome = project_report
    known = sources(PROJECTS, outcome.draft.report) | derived(outcome.draft)
    doc = copy.deepcopy(doc)
    doc.add_paragraph("执行率 86.94%，得分 8.69，总分 97.6，共 8 个项目，13.889")
    assert [m.split("（")[0] for m in unexplained_numbers(doc, known)] == ["86.94%", "8.69", "97.6", "13.889"]


def test_checked_numbers_are_stated_as_the_form_shows_them(project_report):
    doc, _ = project_report
    text = body_text(doc)
    # 社保业务公众服务经费: 3,866,689.10 ÷ 4,448,000.00 = 0.8693 (the form says 0.86; the shenzhen rule scores
    # 0.87): amounts in 万元 as real reports write them, the rate itself to two decimals (86.93%, not 87.00%);
    # the unit's 8.60 points, the re-check's 8.70 beside it; the unit's total 96.10, the re-check's 97.59
    assert ("全年预算数 444.80万元，全年执行数 386.67万元，预算执行率为 86.93%（表中填为 0.86），"
            "执行率自评得分 8.60 分（分值 10 分）") in text
    assert "87.00%" not in text and "4,448,000.00" not in text
    assert "单位自评总分为 96.10 分" in text and "复核，总分为 97.59 分，与自评总分不同" in text
    # 政府采购: 8 / 29 × 10 = 2.76, written 2.75
    assert "「采购办公设备计划数」" in text and "自评得分 2.75（分值 10，按规则复核为 2.76）" in text


# ------------------------------------------------------------------ placeholders where, and only where, facts are missing

def _rule_short(item: dict) -> bool:
    """The rule (or, where a person scores, the unit's score) gives less than the weight."""
    rule = item["computed"] if item["computed"] is not None else item["entered"]
    return bool(item["weight"]) and rule is not None and rule < item["weight"] - TOL


def _gap_sentence(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith("表中未写原因的偏差")), "")


def test_project_placeholders_stand_exactly_where_the_workbook_is_silent(project_report):
    doc, outcome = project_report
    draft = outcome.draft
    whole = "\n".join(text for _, text, _ in blocks(doc))
    # 实施单位 is blank on every form: asked once, at the top, not once per project
    assert all(not form.fields["implementer"].text for form in draft.book.forms)
    assert sum("实施单位" in gap for gap in PLACEHOLDER.findall(whole)) == 1
    analysis = chapter_sections(doc, "指标分析")
    for form in draft.book.forms:  # what the form holds is stated; nothing asked per project
        mine = analysis[form.name]
        for key in ("goal_expected", "goal_actual"):
            assert form.fields[key].text in mine, (form.name, key)
        assert not PLACEHOLDER.findall(mine), form.name
    problems = chapter_sections(doc, "存在的问题")["存在的问题及原因分析"]
    unexplained, low = [], []
    for form in draft.book.forms:
        total = form.funds["total"]
        if total.actual.value / total.budget.value < 0.9:
            low.append(form.name)
            assert form.name in problems
        items = {item["cell"]: item for item in _report_form(draft, form.sheet)["items"]}
        for ind in form.indicators:
            label, reason = ind.level3.text, ind.reason.text
            if _rule_short(items[ind.score_ref]):
                assert f"{form.name}「{label}」" in problems, (form.name, label)
                if reason:
                    assert reason.strip().rstrip("。；;.") in problems, (form.name, label)
                else:
                    unexplained.append(f"「{label}」（{form.name}）")
            else:  # 达成 at full marks by the rule: never a problem (a deduction on it is a checker finding)
                assert f"{form.name}「{label}」" not in problems, (form.name, label)
    assert len(low) == 6 and f"预算执行率偏低的 {len(low)} 个项目" in _gap_sentence(problems)
    assert all(case in _gap_sentence(problems) for case in unexplained)
    assert len(PLACEHOLDER.findall(problems)) == 1  # the reasons no cell holds, asked once


def _report_form(draft, sheet: str) -> dict:
    return next(form for form in draft.report["forms"] if form["sheet"] == sheet)


def test_department_placeholders_stand_exactly_where_the_workbook_is_silent(department_report):
    doc, outcome = department_report
    draft = outcome.draft
    form = draft.book.forms[0]
    text = {key[1]: value for key, value in sections(doc, 2).items()}
    for key, heading in (("goal_expected", "主要履职目标"), ("goal_actual", "主要履职情况")):
        shown = next(value for name, value in text.items() if name.endswith(heading))
        assert form.target.goals[key].text in shown and not PLACEHOLDER.findall(shown)
    issues = next(value for name, value in text.items() if name.endswith("存在问题及改进措施"))
    items = {item["cell"]: item for item in _report_form(draft, form.sheet)["items"]}
    unexplained = []
    for row in form.rows:
        label, reason = row.level3.text, row.justification.text
        if _rule_short(items[row.score.ref]):
            assert f"「{label}」" in issues, label
            if reason:
                assert reason.strip().rstrip("。；;.") in issues, label
            else:
                unexplained.append(f"「{label}」")
        else:
            assert f"「{label}」" not in issues, label
    assert "「绩效指标明确性」" in unexplained  # 5 of 7 points and no 扣分理由 in the sample
    assert all(case in _gap_sentence(issues) for case in unexplained)
    assert len(PLACEHOLDER.findall(issues)) == 1
    statuses = {item["cell"]: item for item in _report_form(draft, form.target.sheet)["items"]}
    appendix = appendix_text(doc)
    scored = {row.level3.text for row in form.rows}
    for ind in form.target.indicators:  # met (even far beyond the target): a checker finding, not a problem
        over = any(flag["code"] == "over_achievement" for flag in statuses[ind.actual.ref]["flags"])
        assert ind.level3.text in scored or f"「{ind.level3.text}」" not in issues, ind.level3.text
        assert (f"「{ind.level3.text}」（{ind.actual.ref}）" in appendix) == over, ind.level3.text


def body_text(doc) -> str:
    """Everything before the appendix (the narrative a reviewer reads)."""
    texts = []
    for style, text, _ in blocks(doc):
        if style == "Heading 1" and text.startswith("附件"):
            break
        texts.append(text)
    return "\n".join(texts)


def appendix_text(doc) -> str:
    """Everything after the appendix heading (附件：待核对事项)."""
    texts, inside = [], False
    for style, text, _ in blocks(doc):
        if style == "Heading 1":
            inside = text.startswith("附件")
        elif inside:
            texts.append(text)
    return "\n".join(texts)


@pytest.mark.parametrize("which", ["project_report", "department_report"])
def test_placeholders_are_highlighted_and_human_sections_always_have_one(which, request):
    doc, outcome = request.getfixturevalue(which)
    runs = [run for paragraph in doc.paragraphs for run in paragraph.runs if "【待填写" in run.text]
    assert len(runs) == outcome.placeholders > 0
    assert all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW and PLACEHOLDER.fullmatch(run.text) for run in runs)
    headings = sections(doc, 2)
    for (_, heading), text in headings.items():
        if heading.endswith(("主要经验及做法", "主要经验、做法", "评价结果应用", "部门主要职能")):
            assert PLACEHOLDER.fullmatch(text.strip()), heading


# ------------------------------------------------------------------ a proper Word document

def test_outline_headings_use_heading_styles(project_report, department_report):
    doc, outcome = project_report
    names = [form.name for form in outcome.draft.book.forms]
    paragraphs = doc.paragraphs
    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == "深圳市社会保险基金管理局2021年度项目支出绩效自评报告"
    level1 = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["一、基本情况", "二、绩效评价工作开展情况", "三、综合评价情况及评价结论", "四、绩效评价指标分析",
                      "五、主要经验及做法、存在的问题及原因分析", "六、有关建议", "七、其他需要说明的问题", "附件：待核对事项"]
    level2 = [re.sub(r"^（.+?）", "", p.text) for p in paragraphs if p.style.name == "Heading 2"]
    for name in names:  # one section per project, in 四 (the 经验做法 and 改进措施 are not numbered after them)
        assert level2.count(name) == 1
    assert level2.index("主要经验及做法") > level2.index(names[-1])
    assert [p.text for p in paragraphs if p.style.name == "Heading 3"][:3] == [
        "1. 资金投入和使用情况", "2. 绩效目标完成情况", "3. 自评结论"]
    numbered = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+(\. |、))")
    for document in (doc, department_report[0]):
        for paragraph in document.paragraphs:
            heading = paragraph.style.name.startswith("Heading") and not paragraph.text.startswith("附件")
            assert bool(numbered.match(paragraph.text)) == heading, paragraph.text
    dept = [p.text for p in department_report[0].paragraphs if p.style.name == "Heading 1"]
    assert dept == ["一、部门基本情况", "二、部门主要履职绩效分析", "三、总体评价和整改措施",
                    "四、部门整体支出绩效评价指标评分情况", "附件：待核对事项"]


@pytest.mark.parametrize("which", ["project_report", "department_report"])
def test_east_asian_fonts_and_table_style(which, request):
    doc, _ = request.getfixturevalue(which)
    expected = {"Normal": "仿宋", "Title": "黑体", "Heading 1": "黑体", "Heading 2": "黑体", "Heading 3": "黑体",
                "表格文字": "宋体"}
    for name, font in expected.items():
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:asciiTheme")) is None, name
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    assert doc.tables and all(table.style.name == "Table Grid" for table in doc.tables)
    for table in doc.tables:  # header row repeated on each page
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


# ------------------------------------------------------------------ outline from the profile

def test_default_outlines_are_valid_profile_outlines():
    for kind, name in (("project", "national"), ("department", "shenzhen-yantian-2021")):
        data = copy.deepcopy(load_profile(name).data)
        data["report_outline"] = default_outlines()[kind]
        from toolkit.core.profile import check_profile_data
        assert check_profile_data(data) == [], kind


def test_the_outline_is_data_in_the_profile(tmp_path, capsys):
    data = copy.deepcopy(load_profile("national").data)
    data["id"] = "province-x"
    data["report_outline"] = {
        "title": "{unit}绩效自评报告（{year}）",
        "sections": [
            {"heading": "项目清单", "blocks": ["project_summary"]},
            {"heading": "{name}", "for_each_form": True, "blocks": ["funds", {"placeholder": "本省要求的特色做法"}]},
        ]}
    profile = tmp_path / "province-x.json"
    profile.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = tmp_path / "省报告.docx"
    assert cli.main(["report", str(PROJECTS), "-o", str(out), "--profile", str(profile)]) == 0
    doc = Document(str(out))
    assert doc.paragraphs[0].text == "深圳市社会保险基金管理局绩效自评报告（2021）"
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:3] == [
        "一、项目清单", "二、社会保险转移接续工作外包服务", "三、社保业务公众服务经费"]
    assert sum("本省要求的特色做法" in p.text for p in doc.paragraphs) == 8

    data["report_outline"]["sections"][0]["blocks"] = ["no_such_block"]
    profile.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    capsys.readouterr()
    assert cli.main(["report", str(PROJECTS), "-o", str(out), "--profile", str(profile)]) == cli.EXIT_BAD_PROFILE
    assert "no_such_block" in capsys.readouterr().err


# ------------------------------------------------------------------ the command

def test_command_writes_beside_the_input_and_never_over_it_or_an_earlier_draft(tmp_path, capsys):
    source = tmp_path / "单位.xlsx"
    shutil.copy(PROJECTS, source)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    assert cli.main(["report", str(source)]) == 0
    assert cli.main(["report", str(source)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["单位.xlsx", "单位_自评报告(2).docx", "单位_自评报告.docx"]
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    out = capsys.readouterr().out
    assert "已生成自评报告草稿" in out and "【待填写】" in out


def test_command_errors_are_chinese_with_exit_codes(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "无.xlsx")]) == cli.EXIT_BAD_INPUT
    assert cli.main(["report", str(PROJECTS), "-o", str(tmp_path / "报告.txt")]) == cli.EXIT_BAD_INPUT
    assert cli.main(["report", str(PROJECTS), "--profile", "nowhere"]) == cli.EXIT_BAD_PROFILE
    assert cli.main(["report"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "不存在" in err and ".docx" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_a_scored_workbook_gives_the_same_report(tmp_path):
    from toolkit.service import score_file

    scored = score_file(PROJECTS, tmp_path / "评分.xlsx").output
    first, second = read_draft(PROJECTS), read_draft(scored)
    assert [(r.total_computed, r.grade) for r in first.results] == [(r.total_computed, r.grade) for r in second.results]


# ------------------------------------------------------------------ the ribbon button

class _App:
    def __init__(self):
        self.alerts = []

    def alert(self, text, title, buttons, mode):
        self.alerts.append((text, title, mode))


class _Book:
    """What the button uses of an xlwings Book: its full name, save() and the app's alert."""

    def __init__(self, fullname: str):
        self.fullname, self.name, self.app, self.saved = fullname, Path(fullname).name, _App(), 0

    def save(self):
        self.saved += 1


def test_report_button_drafts_beside_the_saved_workbook(tmp_path, monkeypatch):
    from toolkit.excel import xl
    from toolkit.excel.addin import BUTTONS_DIR

    source = tmp_path / "单位.xlsx"
    shutil.copy(DEPARTMENT, source)
    book = _Book(str(source))
    sys.path.insert(0, str(BUTTONS_DIR))
    try:
        import jixiao_report
    finally:
        sys.path.remove(str(BUTTONS_DIR))
    monkeypatch.setattr(xl, "active_book", lambda: book)
    jixiao_report.main()
    assert book.saved == 1 and (tmp_path / "单位_自评报告.docx").exists()
    text, title, mode = book.app.alerts[-1]
    assert str(tmp_path / "单位_自评报告.docx") in text and "【待填写" in text and mode == "info"

    unsaved = _Book("工作簿1")
    assert xl.report_workbook(unsaved) is False
    assert "另存为" in unsaved.app.alerts[-1][0] and unsaved.saved == 0


# ------------------------------------------------------------------ rendered by LibreOffice

@pytest.fixture
def writer(libreoffice) -> str:
    """LibreOffice with its Writer component (a Calc-only install cannot open .docx)."""
    program = Path(libreoffice).resolve().parent
    if sys.platform.startswith("linux") and not list(program.glob("libsw*.so")):
        reason = "需要 LibreOffice Writer 才能把 .docx 转为 PDF：apt-get install -y libreoffice-writer"
        if os.environ.get("JIXIAO_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return libreoffice


def test_pdf_renders_the_chinese_text(tmp_path, writer):
    outcome = draft_report(DEPARTMENT, tmp_path / "部门报告.docx", pdf=True)
    assert outcome.pdf == tmp_path / "部门报告.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(outcome.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    compact = re.sub(r"\s+", "", text)
    for expected in ("2021年度部门整体绩效评价报告", "部门名称（公章）：深圳市社会保险基金管理局盐田分局",
                     "一、部门基本情况", "四、部门整体支出绩效评价指标评分情况", "【待填写：部门主要职能", "95.16",
                     "2,048.65", "单位自评总分为96.80分，自评等级为「优」。"):
        assert expected in compact, expected
