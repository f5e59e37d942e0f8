#!/usr/bin/env python3
"""Build the foreign-layout fixture workbooks and their expected content.

The workbooks imitate forms as other provinces, bureaus and years lay them out. They are
NOT made from this project's template: no defined names, no hidden sheets, no metadata
sheet. A label-based locator is meant to find the forms in them; ``expected.json`` says
what it must find: per fixture file, per form, the sheet, the top-left cell of the form,
the neutral content (project name, department, funds, goals, indicators, totals) and the
cell each value was read from.

Data come verbatim from ``samples/seed003_projects.json`` (eight published Shenzhen project
forms, 2021) and ``samples/seed000_department.json`` (the 盐田 2021 department
target-completion grid). Numbers stay numbers and text stays text; the only conversion is
money into 万元 where a fixture states 万元 (amount / 10000, rounded to 6 decimals).

Run from the repository root::

    python tests/data/foreign/build_foreign.py          # the .xlsx files + expected.json
    python tests/data/foreign/build_foreign.py --xls    # also legacy .xls copies (LibreOffice)

The .xlsx output is byte-for-byte reproducible (fixed zip timestamps and document
properties). The .xls copies (A and E) depend on the installed LibreOffice, so they are
opt-in; expected.json lists them whenever they exist next to the script, with the same
forms and cell addresses as their .xlsx originals. Every recorded cell is checked against
the saved workbook before the script returns 0. Only openpyxl is needed (plus
``soffice`` for ``--xls``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SEED003 = ROOT / "samples" / "seed003_projects.json"
SEED000 = ROOT / "samples" / "seed000_department.json"

FIXED_TIME = _dt.datetime(2022, 3, 1, 9, 0, 0)
ZIP_TIME = (2022, 3, 1, 9, 0, 0)

# A department code for fixture A (the official layout asks for 主管部门及代码). Invented:
# the seeds do not publish one.
DEPARTMENT_CODE = "101001"

LEVEL1_NORMAL = {
    "产出指标": "产出指标",
    "完成指标": "产出指标",
    "产出": "产出指标",
    "效益指标": "效益指标",
    "效益": "效益指标",
    "满意度指标": "满意度指标",
    "服务对象满意度指标": "满意度指标",
    "满意度": "满意度指标",
}

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def wan(amount):
    """元 → 万元, exact to 6 decimals (the only value conversion the fixtures make)."""
    return round(amount / 10000, 6)


# ----------------------------------------------------------------------------- drawing


class Painter:
    """Writes cells with a house style; remembers wrapped cells for row heights."""

    def __init__(self, ws, font="宋体", size=10):
        self.ws = ws
        self.font = font
        self.size = size

    def put(self, row, col, value=None, *, row2=None, col2=None, bold=False, size=None,
            h="center", v="center", wrap=True, border=True, fmt=None, font=None,
            indent=0):
        ws = self.ws
        row2 = row2 or row
        col2 = col2 or col
        if (row2, col2) != (row, col):
            ws.merge_cells(start_row=row, start_column=col, end_row=row2, end_column=col2)
        cell = ws.cell(row=row, column=col)
        if value is not None:
            cell.value = value
        fnt = Font(name=font or self.font, size=size or self.size, bold=bold)
        align = Alignment(horizontal=h, vertical=v, wrap_text=wrap, indent=indent)
        for r in range(row, row2 + 1):
            for c in range(col, col2 + 1):
                target = ws.cell(row=r, column=c)
                target.font = fnt
                target.alignment = align
                if border:
                    target.border = BOX
                if fmt:
                    target.number_format = fmt
        return cell.coordinate

    def box(self, row, col, row2, col2):
        """Borders on empty cells (blank columns that are still part of the ruled form)."""
        for r in range(row, row2 + 1):
            for c in range(col, col2 + 1):
                self.ws.cell(row=r, column=c).border = BOX
                self.ws.cell(row=r, column=c).font = Font(name=self.font, size=self.size)

    def widths(self, spec):
        for letter, width in spec.items():
            self.ws.column_dimensions[letter].width = width


def _display_width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_rows(ws, first, last, minimum=18.0):
    """Set row heights the way a clerk would after 'wrap text', so the forms print like
    the published ones in Excel too (Excel does not re-fit rows on open)."""
    spans = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.min_col,
                                             rng.max_col)
    need = {}
    for row in ws.iter_rows(min_row=first, max_row=last):
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            nrows, c1, c2 = spans.get((cell.row, cell.column), (1, cell.column, cell.column))
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                        for c in range(c1, c2 + 1))
            usable = max(width * 1.0 - 1.5, 2.0)
            lines = 0
            for part in cell.value.split("\n"):
                lines += max(1, math.ceil(_display_width(part) / usable))
            size = cell.font.sz or 10
            height = lines * size * 1.45 + 6
            per_row = height / nrows
            for r in range(cell.row, cell.row + nrows):
                need[r] = max(need.get(r, minimum), per_row)
    for r in range(first, last + 1):
        ws.row_dimensions[r].height = round(max(need.get(r, minimum), minimum), 1)


def page(ws, landscape=False, area=None, one_page=False):
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.print_options.horizontalCentered = True
    if area:
        ws.print_area = area


# ----------------------------------------------------------------------------- recording


class Form:
    """Expected content of one form plus the cell every value sits in.

    ``at(key, coordinate)`` records where the value at dotted ``key`` of the expected
    content lives; ``contains=True`` means the cell holds more than the value (e.g.
    ``深圳市社会保险基金管理局（101001）`` for both department and department_code).
    """

    def __init__(self, sheet, top_left, kind="project"):
        self.expected = {"sheet": sheet, "top_left": top_left, "kind": kind}
        self.cells = {}
        self.contains = set()
        self.labels = {}

    def at(self, key, coordinate, contains=False):
        self.cells[key] = coordinate
        if contains:
            self.contains.add(key)

    def label(self, key, coordinate, text):
        self.labels[key] = {"cell": coordinate, "text": text}

    def result(self):
        out = dict(self.expected)
        out["cells"] = self.cells
        if self.contains:
            out["cells_containing"] = sorted(self.contains)
        out["labels"] = self.labels
        return out


def groups(values):
    """Runs of equal consecutive values: [(start_index, end_index, value)]."""
    runs = []
    for i, value in enumerate(values):
        if runs and runs[-1][2] == value:
            runs[-1][1] = i
        else:
            runs.append([i, i, value])
    return [tuple(run) for run in runs]


def write_indicators(paint, form, row, inds, cols, *, l1_label=None, l2_label=None,
                     merge_l1=True, merge_l2=True, scored=True, fmt_num="General",
                     l1_key="level1", keys=("level3", "target", "actual", "weight", "score",
                                            "reason")):
    """Write the indicator rows from ``row``; ``cols`` maps field → (first, last) column.

    Returns the expected indicator dicts (also stored in the form)."""
    l1_label = l1_label or (lambda s: s)
    l2_label = l2_label or (lambda s: s)
    expected = []
    raw1 = [l1_label(ind[l1_key]) for ind in inds]
    raw2 = [l2_label(ind["level2"]) for ind in inds]
    for i, ind in enumerate(inds):
        item = {
            "level1": LEVEL1_NORMAL[raw1[i]],
            "level1_raw": raw1[i],
            "level2": raw2[i],
        }
        for key in keys:
            if key in ("weight", "score") and not scored:
                continue
            item[key] = ind.get(key)
        expected.append(item)
    # 一级 labels
    if merge_l1:
        for start, end, value in groups(raw1):
            c1, c2 = cols["level1"]
            coord = paint.put(row + start, c1, value, row2=row + end, col2=c2)
            for i in range(start, end + 1):
                form.at(f"indicators[{i}].level1", coord)
                form.at(f"indicators[{i}].level1_raw", coord)
    else:
        for i, value in enumerate(raw1):
            c1, c2 = cols["level1"]
            coord = paint.put(row + i, c1, value, col2=c2)
            form.at(f"indicators[{i}].level1", coord)
            form.at(f"indicators[{i}].level1_raw", coord)
    # 二级 labels: merged over consecutive equal labels inside one 一级 group
    if merge_l2:
        keyed = [(raw1[i], raw2[i]) for i in range(len(inds))]
        for start, end, (_, value) in groups(keyed):
            c1, c2 = cols["level2"]
            coord = paint.put(row + start, c1, value or None, row2=row + end, col2=c2)
            for i in range(start, end + 1):
                form.at(f"indicators[{i}].level2", coord)
    else:
        for i, value in enumerate(raw2):
            c1, c2 = cols["level2"]
            form.at(f"indicators[{i}].level2", paint.put(row + i, c1, value or None, col2=c2))
    for i, item in enumerate(expected):
        r = row + i
        for key in keys:
            if key not in item or key not in cols:
                continue
            c1, c2 = cols[key]
            value = item[key]
            is_num = isinstance(value, (int, float)) and not isinstance(value, bool)
            coord = paint.put(r, c1, value if value != "" else None, col2=c2,
                              h="left" if key in ("level3", "reason") else "center",
                              fmt=fmt_num if is_num else None)
            form.at(f"indicators[{i}].{key}", coord)
    form.expected["indicators"] = expected
    return expected


def write_funds(paint, form, p, rows, cols, *, convert=None, dash_cols=("weight", "score"),
                fmt_money="#,##0.00", fmt_rate="0.00", label_cols=None):
    """Fund rows: ``rows`` = [(row_key, sheet_row, label)], ``cols`` = {column_key: (c1, c2)}.

    Values not in the data source for a row (分值/得分 on the sub-rows) are written as
    '—' the way the published forms do, and are not part of the expected content."""
    funds = {}
    for row_key, r, label in rows:
        if label_cols:
            coord = paint.put(r, label_cols[0], label, col2=label_cols[1], h="left")
            form.label(f"funds.{row_key}", coord, label)
        source = p["funds"][row_key]
        got = {}
        for col_key, (c1, c2) in cols.items():
            if col_key not in source:
                if col_key in dash_cols:
                    paint.put(r, c1, "—", col2=c2)
                else:
                    paint.put(r, c1, None, col2=c2)
                continue
            value = source[col_key]
            if convert and col_key in ("initial", "budget", "actual"):
                value = convert(value)
            fmt = {"initial": fmt_money, "budget": fmt_money, "actual": fmt_money,
                   "rate": fmt_rate}.get(col_key, "General")
            coord = paint.put(r, c1, value, col2=c2, fmt=fmt,
                              h="right" if col_key in ("initial", "budget", "actual") else "center")
            form.at(f"funds.{row_key}.{col_key}", coord)
            got[col_key] = value
        funds[row_key] = got
    form.expected["funds"] = funds
    return funds


def notes_block(paint, row, col, col2, title, lines, size=9):
    """A 填表说明 block: plain text rows, no borders."""
    paint.put(row, col, title, col2=col2, bold=True, h="left", border=False, size=size)
    for i, text in enumerate(lines, 1):
        paint.put(row + i, col, text, col2=col2, h="left", v="top", border=False,
                  size=size)
    return row + len(lines)


NOTES_2020 = [
    "1.参照《项目支出绩效评价管理办法》（财预〔2020〕10号），项目支出绩效自评采用打分评价，满分为100分。"
    "一级指标权重统一设置为：产出指标50分、效益指标30分、服务对象满意度指标10分、预算执行率10分。"
    "如有特殊情况，一级指标权重可做适当调整。二、三级指标应当根据指标重要程度、项目实施阶段等因素综合确定，"
    "准确反映项目的产出和效益。",
    "2.定量指标完成指标值的，记该指标所赋全部分值；未完成的，按照完成值与指标值的比例记分。",
    "3.定性指标根据指标完成情况分为：达成年度指标、部分达成年度指标并具有一定效果、未达成年度指标且效果较差三档，"
    "分别按照该指标对应分值区间100%-80%（含80%）、80%-60%（含60%）、60%-0%合理确定分值。",
    "4.预算执行率=全年执行数/全年预算数，得分=执行率×分值，最高不超过分值。",
    "5.未完成年度指标值或得分低于分值的，应在“偏差原因分析及改进措施”栏说明原因并提出改进措施。",
    "6.本表金额单位为万元。",
]

NOTES_LONG = [
    "一、本表由项目实施单位填写，主管部门审核后于次年3月31日前报送同级财政部门，一个项目填写一张表。",
    "二、“项目资金”按资金来源分别填列。“合计”为本年财政拨款、上年结转资金、其他资金之和；"
    "“年初预算数”填列人大批准的年初预算，“全年预算数”填列经批准调整后的全年预算，“全年执行数”填列实际支出数。",
    "三、执行率=全年执行数÷全年预算数。预算执行率分值为10分，得分=执行率×10，最高不超过10分。",
    "四、“年度总体目标”的“预期目标”按批复的绩效目标填列，“实际完成情况”如实反映目标完成程度。",
    "五、绩效指标由一级、二级、三级指标组成：一级指标包括产出指标、效益指标、满意度指标；"
    "产出指标的二级指标包括数量指标、质量指标、时效指标、成本指标；效益指标的二级指标包括经济效益指标、"
    "社会效益指标、生态效益指标、可持续影响指标；满意度指标的二级指标为服务对象满意度指标。",
    "六、“年度指标值”按批复的绩效目标填列，“实际完成值”填列实际达到的数值，计量单位应与年度指标值一致。",
    "七、定量指标：正向指标实际完成值达到或超过年度指标值的得满分，未达到的按实际完成值÷年度指标值×分值计分；"
    "反向指标实际完成值不超过年度指标值的得满分。定性指标按达成、部分达成、未达成三档计分。",
    "八、不适用的指标分值填0，不得删除指标行。",
    "九、得分低于分值的指标，应在“偏差原因分析及改进措施”栏逐项说明原因及改进措施；实际完成值大幅超过年度指标值的，应说明原因。",
    "十、总分=预算执行率得分+各项绩效指标得分之和。自评等级：90分（含）以上为优，80分（含）至90分为良，"
    "60分（含）至80分为中，60分以下为差。",
    "十一、本表一式两份，报送时须加盖单位公章，并附绩效自评报告。",
]


# ----------------------------------------------------------------------------- fixture A


def layout_a(ws, p, year):
    """财预〔2020〕10号 official layout, at an offset (title at B3), money in 万元."""
    paint = Painter(ws, font="宋体", size=10)
    paint.widths({"A": 2.5, "B": 15, "C": 11, "D": 12, "E": 22, "F": 14, "G": 14, "H": 9,
                  "I": 9, "J": 14, "K": 18})
    form = Form(ws.title, "B3")
    B, C, D, E, F, G, H, I, J, K = range(2, 12)
    paint.put(3, B, "项目支出绩效自评表", col2=K, bold=True, size=16, border=False,
              font="黑体")
    form.at("year", paint.put(4, B, f"（{year}年度）", col2=K, border=False, size=11),
            contains=True)
    form.expected["year"] = year
    form.label("project_name", paint.put(5, B, "项目名称"), "项目名称")
    form.at("project_name", paint.put(5, C, p["project_name"], col2=K, h="left"))
    form.label("department", paint.put(6, B, "主管部门及代码"), "主管部门及代码")
    coord = paint.put(6, C, f"{p['department']}（{DEPARTMENT_CODE}）", col2=F, h="left")
    form.at("department", coord, contains=True)
    form.at("department_code", coord, contains=True)
    form.label("implementer", paint.put(6, G, "实施单位"), "实施单位")
    form.at("implementer", paint.put(6, H, p["implementer"] or None, col2=K, h="left"))
    form.expected.update(project_name=p["project_name"], department=p["department"],
                         department_code=DEPARTMENT_CODE, implementer=p["implementer"],
                         money_unit="万元")
    # 项目资金（万元）
    coord = paint.put(7, B, "项目资金\n（万元）", row2=11)
    form.at("money_unit", coord, contains=True)
    form.label("funds", coord, "项目资金\n（万元）")
    paint.put(7, C, None, col2=D)
    heads = [("initial", E, E, "年初预算数"), ("budget", F, F, "全年预算数"),
             ("actual", G, G, "全年执行数"), ("weight", H, H, "分值"), ("rate", I, I, "执行率"),
             ("score", J, K, "得分")]
    for key, c1, c2, text in heads:
        form.label(f"funds.columns.{key}", paint.put(7, c1, text, col2=c2), text)
    write_funds(paint, form, p,
                [("total", 8, "年度资金总额"), ("appropriation", 9, "其中：当年财政拨款"),
                 ("carryover", 10, "上年结转资金"), ("other", 11, "其他资金")],
                {key: (c1, c2) for key, c1, c2, _ in heads},
                convert=wan, fmt_money="0.00####", label_cols=(C, D))
    # 年度总体目标
    paint.put(12, B, "年度总体目标", row2=13)
    form.label("goal_expected", paint.put(12, C, "预期目标", col2=F), "预期目标")
    form.label("goal_actual", paint.put(12, G, "实际完成情况", col2=K), "实际完成情况")
    form.at("goal_expected", paint.put(13, C, p["goal_expected"], col2=F, h="left", v="top"))
    form.at("goal_actual", paint.put(13, G, p["goal_actual"], col2=K, h="left", v="top"))
    form.expected.update(goal_expected=p["goal_expected"], goal_actual=p["goal_actual"])
    # 绩效指标
    n = len(p["indicators"])
    paint.put(14, B, "绩效指标", row2=14 + n)
    heads = [("level1", C, C, "一级指标"), ("level2", D, D, "二级指标"),
             ("level3", E, E, "三级指标"), ("target", F, F, "年度指标值"),
             ("actual", G, G, "实际完成值"), ("weight", H, H, "分值"), ("score", I, I, "得分"),
             ("reason", J, K, "偏差原因分析及改进措施")]
    for key, c1, c2, text in heads:
        form.label(f"indicators.columns.{key}", paint.put(14, c1, text, col2=c2, bold=True),
                   text)
    write_indicators(paint, form, 15, p["indicators"],
                     {key: (c1, c2) for key, c1, c2, _ in heads})
    total = 15 + n
    form.label("total_score", paint.put(total, B, "总分", col2=G, bold=True), "总分")
    form.at("total_weight", paint.put(total, H, p["total_weight"]))
    form.at("total_score", paint.put(total, I, p["total_score"]))
    paint.put(total, J, None, col2=K)
    form.expected.update(total_weight=p["total_weight"], total_score=p["total_score"],
                         scored=True)
    last = notes_block(paint, total + 2, B, K, "填表说明：", NOTES_2020)
    fit_rows(ws, 3, last)
    ws.row_dimensions[1].height = 12
    ws.row_dimensions[2].height = 12
    ws.row_dimensions[3].height = 30
    page(ws, landscape=True, one_page=True)
    return form.result()


def build_a(data):
    wb = Workbook()
    wb.remove(wb.active)
    projects = data["projects"]
    forms = []
    for n, index in enumerate((0, 2, 5), 1):
        ws = wb.create_sheet(f"附表{n}")
        forms.append(layout_a(ws, projects[index], data["year"]))
    return wb, forms


# ----------------------------------------------------------------------------- fixture B

B_LEVEL2 = {
    "数量指标": "数量",
    "质量指标": "质量",
    "时效指标": "时效",
    "成本指标": "成本",
    "经济效益指标": "经济效益  指标",
    "社会效益指标": "社会效益\n指标",
    "生态效益指标": "生态效益 指标",
    "": "",
}
B_LEVEL1 = {"产出指标": "产出指标", "效益指标": "效益指标", "满意度指标": "服务对象满意度指标"}


def layout_b(paint, ws, p, top):
    """One form of the stacked sheet, starting at row ``top`` (PDF→Excel conversion look)."""
    form = Form(ws.title, f"A{top}")
    A, B, C, D, E, F, G, H, I = range(1, 10)
    paint.put(top, A, "项目支出绩效自评表", col2=I, bold=True, size=14, border=False)
    r = top + 1
    form.label("project_name", paint.put(r, A, "项目 名称"), "项目 名称")
    form.at("project_name", paint.put(r, B, p["project_name"], col2=E, h="left"))
    form.label("project_amount", paint.put(r, F, "项目\n金额"), "项目\n金额")
    form.at("project_amount", paint.put(r, G, p["project_amount"], col2=I, h="left",
                                        fmt="0"))
    r += 1
    form.label("department", paint.put(r, A, "主管 部门"), "主管 部门")
    form.at("department", paint.put(r, B, p["department"], col2=E, h="left"))
    form.label("implementer", paint.put(r, F, "实施\n单位"), "实施\n单位")
    form.at("implementer", paint.put(r, G, p["implementer"] or None, col2=I, h="left"))
    form.expected.update(project_name=p["project_name"], project_amount=p["project_amount"],
                         department=p["department"], implementer=p["implementer"],
                         money_unit="元")
    r += 1
    coord = paint.put(r, A, "项目资金\n（元）", row2=r + 4)
    form.at("money_unit", coord, contains=True)
    form.label("funds", coord, "项目资金\n（元）")
    paint.put(r, B, None)
    heads = [("initial", C, C, "年初\n预算数"), ("budget", D, D, "全年\n预算数"),
             ("actual", E, E, "全年\n执行数"), ("weight", F, F, "分值"), ("rate", G, G, "执行率"),
             ("score", H, I, "得分")]
    for key, c1, c2, text in heads:
        form.label(f"funds.columns.{key}", paint.put(r, c1, text, col2=c2), text)
    write_funds(paint, form, p,
                [("total", r + 1, "年度资金\n总额"), ("appropriation", r + 2, "其中：当年财政拨款"),
                 ("carryover", r + 3, "上年结转资金"), ("other", r + 4, "其他资金")],
                {key: (c1, c2) for key, c1, c2, _ in heads}, label_cols=(B, B))
    r += 5
    paint.put(r, A, "年度总体 目标", row2=r + 1)
    form.label("goal_expected", paint.put(r, B, "预期目标", col2=E), "预期目标")
    form.label("goal_actual", paint.put(r, F, "实际完成情况", col2=I), "实际完成情况")
    form.at("goal_expected", paint.put(r + 1, B, p["goal_expected"], col2=E, h="left",
                                       v="top"))
    form.at("goal_actual", paint.put(r + 1, F, p["goal_actual"], col2=I, h="left", v="top"))
    form.expected.update(goal_expected=p["goal_expected"], goal_actual=p["goal_actual"])
    r += 2
    n = len(p["indicators"])
    paint.put(r, A, "年度绩效 指标", row2=r + n)
    heads = [("level1", B, B, "一级\n指标"), ("level2", C, C, "二级\n指标"),
             ("level3", D, D, "三级\n指标"), ("target", E, E, "年度\n指标值"),
             ("actual", F, F, "实际\n完成值"), ("weight", G, G, "分值"), ("score", H, H, "得分"),
             ("reason", I, I, "偏差原因分析\n及改进措施")]
    for key, c1, c2, text in heads:
        form.label(f"indicators.columns.{key}", paint.put(r, c1, text, col2=c2), text)
    write_indicators(paint, form, r + 1, p["indicators"],
                     {key: (c1, c2) for key, c1, c2, _ in heads},
                     l1_label=B_LEVEL1.get, l2_label=B_LEVEL2.get)
    r += n + 1
    form.label("total_score", paint.put(r, A, "总  分", col2=F), "总  分")
    form.at("total_weight", paint.put(r, G, p["total_weight"]))
    form.at("total_score", paint.put(r, H, p["total_score"]))
    paint.put(r, I, "—")
    form.expected.update(total_weight=p["total_weight"], total_score=p["total_score"],
                         scored=True)
    return form.result(), r


def build_b(data):
    wb = Workbook()
    ws = wb.active
    ws.title = "项目自评表"
    paint = Painter(ws, font="宋体", size=10)
    paint.widths({"A": 10, "B": 17, "C": 14, "D": 22, "E": 15, "F": 13, "G": 9, "H": 9,
                  "I": 26})
    forms = []
    top = 1
    for index in (3, 6, 7):
        result, last = layout_b(paint, ws, data["projects"][index], top)
        forms.append(result)
        top = last + 4  # three blank rows between forms
    fit_rows(ws, 1, top)
    page(ws, landscape=False)
    return wb, forms


# ----------------------------------------------------------------------------- fixture C

C_LEVEL1 = {"产出指标": "完成指标", "效益指标": "效益指标", "满意度指标": "满意度指标"}


def layout_c(ws, p, year):
    """Completion-only 绩效目标自评表: no 分值/得分, fund block 预算数/执行数 in 万元."""
    paint = Painter(ws, font="仿宋", size=10)
    paint.widths({"A": 12, "B": 14, "C": 26, "D": 15, "E": 17, "F": 14, "G": 18})
    A, B, C, D, E, F, G = range(1, 8)
    form = Form(ws.title, "A1")
    form.expected["kind"] = "project"
    title = f"{p['project_name']}资金预算项目绩效目标自评表"
    form.label("title", paint.put(1, A, title, col2=G, bold=True, size=15, border=False,
                                  font="黑体"), title)
    form.at("year", paint.put(2, A, f"（{year}年度）", col2=G, border=False), contains=True)
    form.expected["year"] = year
    coord = paint.put(3, F, "金额单位：万元", col2=G, h="right", border=False)
    form.at("money_unit", coord, contains=True)
    form.label("money_unit", coord, "金额单位：万元")
    form.label("project_name", paint.put(4, A, "项目名称"), "项目名称")
    # the name is in the title and again in its own row; the row is the field's home
    form.at("project_name", paint.put(4, B, p["project_name"], col2=G, h="left"))
    form.label("department", paint.put(5, A, "主管部门"), "主管部门")
    form.at("department", paint.put(5, B, p["department"], col2=D, h="left"))
    form.label("implementer", paint.put(5, E, "实施单位"), "实施单位")
    form.at("implementer", paint.put(5, F, p["implementer"] or None, col2=G, h="left"))
    form.expected.update(project_name=p["project_name"], department=p["department"],
                         implementer=p["implementer"], money_unit="万元")
    form.label("funds", paint.put(6, A, "项目资金", row2=9), "项目资金")
    paint.put(6, B, None, col2=C)
    form.label("funds.columns.budget", paint.put(6, D, "预算数", col2=E), "预算数")
    form.label("funds.columns.actual", paint.put(6, F, "执行数", col2=G), "执行数")
    write_funds(paint, form, p,
                [("total", 7, "资金总额"), ("appropriation", 8, "其中：财政拨款"),
                 ("other", 9, "其他资金")],
                {"budget": (D, E), "actual": (F, G)}, convert=wan, fmt_money="0.00####",
                label_cols=(B, C))
    paint.put(10, A, "年度总体目标", row2=11)
    form.label("goal_expected", paint.put(10, B, "预期目标", col2=D), "预期目标")
    form.label("goal_actual", paint.put(10, E, "实际完成情况", col2=G), "实际完成情况")
    form.at("goal_expected", paint.put(11, B, p["goal_expected"], col2=D, h="left", v="top"))
    form.at("goal_actual", paint.put(11, E, p["goal_actual"], col2=G, h="left", v="top"))
    form.expected.update(goal_expected=p["goal_expected"], goal_actual=p["goal_actual"])
    heads = [("level1", A, A, "一级指标"), ("level2", B, B, "二级指标"),
             ("level3", C, C, "三级指标"), ("target", D, D, "预期指标值"),
             ("actual", E, E, "实际完成指标值"), ("reason", F, G, "偏差原因")]
    for key, c1, c2, text in heads:
        form.label(f"indicators.columns.{key}", paint.put(12, c1, text, col2=c2, bold=True),
                   text)
    write_indicators(paint, form, 13, p["indicators"],
                     {key: (c1, c2) for key, c1, c2, _ in heads},
                     l1_label=C_LEVEL1.get, scored=False)
    form.expected["scored"] = False
    end = 13 + len(p["indicators"])
    paint.put(end + 1, A, "填报人：", col2=B, h="left", border=False)
    paint.put(end + 1, C, "联系电话：", h="left", border=False)
    paint.put(end + 1, E, "填报日期：", col2=F, h="left", border=False)
    fit_rows(ws, 1, end + 1)
    ws.row_dimensions[1].height = 36
    page(ws, landscape=False, one_page=True)
    return form.result()


def build_c(data):
    wb = Workbook()
    wb.remove(wb.active)
    forms = []
    for n, index in enumerate((4, 7), 1):
        ws = wb.create_sheet(f"绩效目标自评表{n}")
        forms.append(layout_c(ws, data["projects"][index], data["year"]))
    return wb, forms


# ----------------------------------------------------------------------------- fixture D


def layout_d(ws, p, year):
    """合计 / 本年财政拨款： rows, blank spacer columns, vertical merges, long notes."""
    paint = Painter(ws, font="宋体", size=10)
    paint.widths({"A": 5, "B": 10, "C": 13, "D": 22, "E": 2.5, "F": 15, "G": 15, "H": 14,
                  "I": 8, "J": 15, "K": 17})
    A, B, C, D, E, F, G, H, I, J, K = range(1, 12)
    form = Form(ws.title, "A1")
    paint.put(1, A, "项目支出绩效自评表", col2=K, bold=True, size=16, border=False)
    form.at("year", paint.put(2, A, f"评价年度：{year}年度", col2=D, h="left", border=False),
            contains=True)
    form.expected["year"] = year
    coord = paint.put(2, I, "单位：元", col2=K, h="right", border=False)
    form.at("money_unit", coord, contains=True)
    form.label("money_unit", coord, "单位：元")
    form.label("project_name", paint.put(3, A, "项目名称", col2=B), "项目名称")
    form.at("project_name", paint.put(3, C, p["project_name"], col2=K, h="left"))
    form.label("department", paint.put(4, A, "主管部门", col2=B), "主管部门")
    form.at("department", paint.put(4, C, p["department"], col2=F, h="left"))
    form.label("implementer", paint.put(4, G, "实施单位"), "实施单位")
    form.at("implementer", paint.put(4, H, p["implementer"] or None, col2=K, h="left"))
    form.expected.update(project_name=p["project_name"], department=p["department"],
                         implementer=p["implementer"], money_unit="元")
    form.label("funds", paint.put(5, A, "项目\n资金", row2=9), "项目\n资金")
    paint.put(5, B, None, col2=C)
    paint.box(5, D, 9, E)  # the blank spacer columns
    heads = [("initial", F, "年初预算数"), ("budget", G, "全年预算数"), ("actual", H, "全年执行数"),
             ("weight", I, "分值"), ("rate", J, "执行率"), ("score", K, "得分")]
    for key, c, text in heads:
        form.label(f"funds.columns.{key}", paint.put(5, c, text), text)
    write_funds(paint, form, p,
                [("total", 6, "合计"), ("appropriation", 7, "本年财政拨款："),
                 ("carryover", 8, "上年结转资金："), ("other", 9, "其他资金：")],
                {key: (c, c) for key, c, _ in heads}, fmt_rate="0.00%", label_cols=(B, C))
    paint.put(10, A, "年度\n总体\n目标", row2=11)
    form.label("goal_expected", paint.put(10, B, "预期目标", col2=F), "预期目标")
    form.label("goal_actual", paint.put(10, G, "实际完成情况", col2=K), "实际完成情况")
    form.at("goal_expected", paint.put(11, B, p["goal_expected"], col2=F, h="left", v="top"))
    form.at("goal_actual", paint.put(11, G, p["goal_actual"], col2=K, h="left", v="top"))
    form.expected.update(goal_expected=p["goal_expected"], goal_actual=p["goal_actual"])
    n = len(p["indicators"])
    paint.put(12, A, "绩效\n指标", row2=12 + n)
    heads = [("level1", B, B, "一级指标"), ("level2", C, C, "二级指标"),
             ("level3", D, D, "三级指标"), ("target", F, F, "年度指标值"),
             ("actual", G, G, "实际完成值"), ("weight", H, H, "分值"), ("score", I, I, "得分"),
             ("reason", J, K, "偏差原因分析及改进措施")]
    for key, c1, c2, text in heads:
        form.label(f"indicators.columns.{key}", paint.put(12, c1, text, col2=c2, bold=True),
                   text)
    paint.box(12, E, 12 + n, E)
    write_indicators(paint, form, 13, p["indicators"],
                     {key: (c1, c2) for key, c1, c2, _ in heads})
    total = 13 + n
    form.label("total_score", paint.put(total, A, "总分", col2=G, bold=True), "总分")
    form.at("total_weight", paint.put(total, H, p["total_weight"]))
    form.at("total_score", paint.put(total, I, p["total_score"]))
    paint.put(total, J, None, col2=K)
    form.label("grade", paint.put(total + 1, A, "自评等级", col2=G, bold=True), "自评等级")
    form.at("grade", paint.put(total + 1, H, None, col2=K))
    form.expected.update(total_weight=p["total_weight"], total_score=p["total_score"],
                         grade=None, scored=True)
    paint.put(total + 2, A, "填表人：", col2=C, h="left", border=False)
    paint.put(total + 2, D, "联系电话：", h="left", border=False)
    paint.put(total + 2, G, "填报日期：    年  月  日", col2=H, h="left", border=False)
    last = notes_block(paint, total + 4, A, K, "填表说明", NOTES_LONG)
    fit_rows(ws, 1, last)
    ws.row_dimensions[1].height = 32
    page(ws, landscape=True)
    return form.result()


def build_d(data):
    wb = Workbook()
    wb.remove(wb.active)
    forms = []
    for n, p in enumerate(data["projects"], 1):
        ws = wb.create_sheet(f"项目{n}")
        forms.append(layout_d(ws, p, data["year"]))
    return wb, forms


# ----------------------------------------------------------------------------- fixture E


def layout_e(ws, p):
    """Last year's file: Sheet1, title centred across (not merged), 实施单位 before 主管部门
    on one line, a full-width '项目预算执行情况（万元）' block title row, 一级/二级 repeated on
    every row instead of merged, no side labels, no year stated."""
    paint = Painter(ws, font="仿宋_GB2312", size=11)
    paint.widths({"A": 12, "B": 15, "C": 24, "D": 14, "E": 14, "F": 9, "G": 9, "H": 16,
                  "I": 18})
    A, B, C, D, E, F, G, H, I = range(1, 10)
    form = Form(ws.title, "A1")
    ws.cell(row=1, column=1, value="项目支出绩效自评表")
    for c in range(A, I + 1):
        ws.cell(row=1, column=c).alignment = Alignment(horizontal="centerContinuous",
                                                        vertical="center")
    ws.cell(row=1, column=1).font = Font(name="方正小标宋简体", size=18)
    form.label("project_name", paint.put(2, A, "项目名称"), "项目名称")
    form.at("project_name", paint.put(2, B, p["project_name"], col2=I, h="left"))
    form.label("implementer", paint.put(3, A, "实施单位"), "实施单位")
    form.at("implementer", paint.put(3, B, p["implementer"] or None, col2=D, h="left"))
    form.label("department", paint.put(3, E, "主管部门"), "主管部门")
    form.at("department", paint.put(3, F, p["department"], col2=I, h="left"))
    form.expected.update(project_name=p["project_name"], department=p["department"],
                         implementer=p["implementer"], money_unit="万元")
    coord = paint.put(4, A, "项目预算执行情况（万元）", col2=I, bold=True, h="left")
    form.at("money_unit", coord, contains=True)
    form.label("funds", coord, "项目预算执行情况（万元）")
    paint.put(5, A, "项目", col2=B)
    heads = [("initial", C, C, "年初预算数"), ("budget", D, D, "全年预算数"),
             ("actual", E, E, "全年执行数"), ("weight", F, F, "分值"), ("rate", G, G, "执行率"),
             ("score", H, I, "得分")]
    for key, c1, c2, text in heads:
        form.label(f"funds.columns.{key}", paint.put(5, c1, text, col2=c2), text)
    write_funds(paint, form, p,
                [("total", 6, "年度资金总额"), ("appropriation", 7, "其中：当年财政拨款"),
                 ("carryover", 8, "上年结转资金"), ("other", 9, "其他资金")],
                {key: (c1, c2) for key, c1, c2, _ in heads}, convert=wan,
                fmt_money="#,##0.00####", label_cols=(A, B))
    paint.put(10, A, "年度总体目标")
    paint.put(11, A, None)
    form.label("goal_expected", paint.put(10, B, "预期目标", col2=E), "预期目标")
    form.label("goal_actual", paint.put(10, F, "实际完成情况", col2=I), "实际完成情况")
    form.at("goal_expected", paint.put(11, B, p["goal_expected"], col2=E, h="left", v="top"))
    form.at("goal_actual", paint.put(11, F, p["goal_actual"], col2=I, h="left", v="top"))
    form.expected.update(goal_expected=p["goal_expected"], goal_actual=p["goal_actual"])
    heads = [("level1", A, A, "一级指标"), ("level2", B, B, "二级指标"),
             ("level3", C, C, "三级指标"), ("target", D, D, "年度指标值"),
             ("actual", E, E, "实际完成值"), ("weight", F, F, "分值"), ("score", G, G, "得分"),
             ("reason", H, I, "偏差原因分析及改进措施")]
    for key, c1, c2, text in heads:
        form.label(f"indicators.columns.{key}", paint.put(12, c1, text, col2=c2, bold=True),
                   text)
    write_indicators(paint, form, 13, p["indicators"],
                     {key: (c1, c2) for key, c1, c2, _ in heads},
                     merge_l1=False, merge_l2=False)
    total = 13 + len(p["indicators"])
    form.label("total_score", paint.put(total, A, "总分", col2=E, bold=True), "总分")
    form.at("total_weight", paint.put(total, F, p["total_weight"]))
    form.at("total_score", paint.put(total, G, p["total_score"]))
    paint.put(total, H, "—", col2=I)
    form.expected.update(total_weight=p["total_weight"], total_score=p["total_score"],
                         scored=True)
    fit_rows(ws, 1, total, minimum=20)
    ws.row_dimensions[1].height = 40
    page(ws, landscape=True, one_page=True)
    return form.result()


def build_e(data):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    return wb, [layout_e(ws, data["projects"][1])]


# ----------------------------------------------------------------------------- fixture F


def build_f(dept):
    """The seed-000 目标完成情况 grid as a standalone sheet, after a cover page."""
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    paint = Painter(cover, font="宋体", size=14)
    paint.widths({"A": 8, "B": 20, "C": 40, "D": 8})
    B, C = 2, 3
    paint.put(4, B, f"{dept['year']}年度部门整体支出绩效自评报告", col2=C, bold=True, size=22,
              border=False, font="黑体")
    lines = [("部门名称（公章）：", dept["department"]), ("填  报  人：", dept["preparer"]),
             ("联系电话：", "0755-25369930"), ("报送日期：", "2022年  月  日")]
    for i, (label, value) in enumerate(lines):
        paint.put(9 + 2 * i, B, label, h="right", border=False)
        paint.put(9 + 2 * i, C, value, h="left", border=False)
    for r in range(1, 21):
        cover.row_dimensions[r].height = 24
    cover.row_dimensions[4].height = 60
    page(cover)

    ws = wb.create_sheet("目标完成情况表")
    paint = Painter(ws, font="宋体", size=10)
    paint.widths({"A": 9, "B": 9, "C": 12, "D": 26, "E": 16, "F": 18})
    A, B, C, D, E, F = range(1, 7)
    form = Form(ws.title, "A1", kind="department_targets")
    paint.put(1, A, "部门（单位）整体支出绩效目标完成情况自评表", col2=F, bold=True, size=14,
              border=False)
    form.label("department", paint.put(2, A, "部门（单位）名称", col2=B), "部门（单位）名称")
    form.at("department", paint.put(2, C, dept["department"], col2=D, h="left"))
    form.label("year", paint.put(2, E, "预算年度"), "预算年度")
    form.at("year", paint.put(2, F, dept["year"]))
    form.expected.update(department=dept["department"], year=dept["year"])
    paint.put(3, A, "年度总体目标完成情况", row2=4)
    form.label("goal_expected", paint.put(3, B, "预期目标", col2=D), "预期目标")
    form.label("goal_actual", paint.put(3, E, "目标实际完成情况", col2=F), "目标实际完成情况")
    form.at("goal_expected", paint.put(4, B, dept["goal_expected"], col2=D, h="left", v="top"))
    form.at("goal_actual", paint.put(4, E, dept["goal_actual"], col2=F, h="left", v="top"))
    form.expected.update(goal_expected=dept["goal_expected"], goal_actual=dept["goal_actual"])
    targets = dept["targets"]
    n = len(targets)
    paint.put(5, A, "年度绩效指标完成情况", row2=5 + n)
    heads = [("level1", B, "一级指标"), ("level2", C, "二级指标"), ("level3", D, "三级指标"),
             ("target", E, "预期指标值"), ("actual", F, "实际完成指标值")]
    for key, c, text in heads:
        form.label(f"indicators.columns.{key}", paint.put(5, c, text, bold=True), text)
    rows = [dict(t, level3=t.get("level3", ""), target=t.get("target", ""),
                 actual=t.get("actual", "")) for t in targets]
    expected = write_indicators(paint, form, 6, rows, {key: (c, c) for key, c, _ in heads},
                                scored=False, keys=("level3", "target", "actual"))
    for item, source in zip(expected, targets):
        if "level3" not in source:
            # 经济效益 / 生态效益 rows are printed empty in the seed
            item.update(level3=None, target=None, actual=None, empty=True)
    form.expected["scored"] = False
    fit_rows(ws, 1, 5 + n)
    ws.row_dimensions[1].height = 30
    page(ws)
    return wb, [form.result()]


# ----------------------------------------------------------------------------- saving


def save_reproducible(wb, path):
    """Save with fixed document times and zip timestamps, so rebuilding gives the same bytes."""
    wb.properties.creator = "jixiao-toolkit test fixtures"
    wb.properties.lastModifiedBy = None
    wb.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            payload = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", payload)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, payload)
    path.write_bytes(out.getvalue())


_PATH = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def resolve(content, key):
    value = content
    for name, index in _PATH.findall(key):
        value = value[int(index)] if index else value[name]
    return value


def check_cells(cell_value, form, fixture):
    """Every recorded address holds the expected value (type included)."""
    problems = []
    for key, coordinate in form["cells"].items():
        want = resolve(form, key)
        got = cell_value(form["sheet"], coordinate)
        where = f"{fixture}!{form['sheet']}!{coordinate} ({key})"
        if key.endswith(".level1"):  # the normalised label: normalise what the cell says
            got = LEVEL1_NORMAL.get(got, got)
        if key in form.get("cells_containing", ()):
            if not (isinstance(got, str) and str(want) in got):
                problems.append(f"{where}: {got!r} does not contain {want!r}")
        elif want in ("", None):
            if got not in ("", None):
                problems.append(f"{where}: expected empty, got {got!r}")
        elif isinstance(want, str):
            if got != want:
                problems.append(f"{where}: expected text {want!r}, got {got!r}")
        elif isinstance(want, (int, float)):
            if isinstance(got, bool) or not isinstance(got, (int, float)) or abs(got - want) > 1e-9:
                problems.append(f"{where}: expected number {want!r}, got {got!r}")
        else:
            problems.append(f"{where}: unexpected expected value {want!r}")
    return problems


def verify_xlsx(path, forms):
    wb = load_workbook(path)
    assert not wb.defined_names, f"{path.name}: has defined names"
    for ws in wb.worksheets:
        assert ws.sheet_state == "visible", f"{path.name}: hidden sheet {ws.title}"
        assert not ws.defined_names, f"{path.name}: sheet names in {ws.title}"
    problems = []
    for form in forms:
        problems += check_cells(lambda sheet, coord: wb[sheet][coord].value, form, path.name)
    return problems


def make_xls(sources, out_dir):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in sources:
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile",
                            "--headless", "--convert-to", "xls", "--outdir", tmp, str(source)],
                           check=True, capture_output=True, timeout=240)
            built = Path(tmp) / (source.stem + ".xls")
            target = out_dir / built.name
            shutil.copyfile(built, target)
            made.append(target)
    return made


FIXTURES = [
    ("A_offset.xlsx", build_a, "seed003", [
        "A: 财预〔2020〕10号 official layout at an offset (title B3)",
        "（2021年度） line",
        "主管部门及代码 with the code in brackets",
        "money unit in the block title 项目资金（万元）, amounts in 万元",
        "填表说明 text block below the form",
        "3 projects, one per sheet"]),
    ("B_stacked.xlsx", build_b, "seed003", [
        "B: 3 forms stacked in one sheet, blank rows between",
        "labels broken by spaces and line breaks (一级\\n指标, 经济效益  指标, 年度资金\\n总额, 项目 名称)",
        "full-width punctuation (其中：当年财政拨款, （元）)",
        "二级 labels without 指标 (数量/质量/时效/成本)",
        "满意度指标 written 服务对象满意度指标 at level 1",
        "money in 元, 项目金额 present"]),
    ("C_completion.xlsx", build_c, "seed003", [
        "C: completion-only 绩效目标自评表, no 分值/得分 columns, no 总分",
        "columns 一级指标/二级指标/三级指标/预期指标值/实际完成指标值/偏差原因",
        "fund block 预算数/执行数 only, rows 资金总额 / 其中：财政拨款 / 其他资金",
        "money unit in a separate cell 金额单位：万元, amounts in 万元",
        "一级 label 完成指标 instead of 产出指标",
        "title carrying the project name: XX资金预算项目绩效目标自评表"]),
    ("D_eight.xlsx", build_d, "seed003", [
        "D: fund rows 合计 / 本年财政拨款： / 上年结转资金： / 其他资金： (trailing colons)",
        "headers 年初预算数/全年预算数/全年执行数/分值/执行率/得分, 执行率 as percent format",
        "一级 and 二级 labels merged vertically",
        "blank spacer columns between the label area and the values",
        "money unit in a separate cell 单位：元; year in 评价年度：2021年度",
        "empty 自评等级 row, long 填表说明 block",
        "all 8 projects on 8 sheets"]),
    ("E_lastyear.xlsx", build_e, "seed003", [
        "E: last year's file: a single sheet Sheet1 with one form",
        "block title 项目预算执行情况（万元）, amounts in 万元",
        "实施单位 and 主管部门 on one line (实施单位 first)",
        "title centred across the columns, not merged; 一级/二级 repeated on every row, "
        "not merged; 年度总体目标 label not merged; no side labels; no year stated"]),
    ("F_department.xlsx", build_f, "seed000", [
        "F: seed-000 department 目标完成情况 grid (一级/二级/三级/预期指标值/实际完成指标值) as a standalone sheet",
        "一级 written 产出/效益/满意度 (without 指标), 二级 without 指标, empty 经济效益/生态效益 rows",
        "an unrelated cover sheet 封面 that is not a form"]),
]

NON_FORM_SHEETS = {"F_department.xlsx": {"封面": "cover page of the report, not a form"}}

XLS_COPIES = ("A_offset.xlsx", "E_lastyear.xlsx")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    parser.add_argument("--xls", action="store_true",
                        help="also write legacy .xls copies of %s with LibreOffice" %
                        ", ".join(XLS_COPIES))
    args = parser.parse_args(argv)
    seed003 = json.loads(SEED003.read_text(encoding="utf-8"))
    seed000 = json.loads(SEED000.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)

    fixtures = {}
    problems = []
    for name, build, source, variants in FIXTURES:
        wb, forms = build(seed003 if source == "seed003" else seed000)
        path = args.out / name
        save_reproducible(wb, path)
        problems += verify_xlsx(path, forms)
        fixtures[name] = {
            "source": SEED003.relative_to(ROOT).as_posix() if source == "seed003"
            else SEED000.relative_to(ROOT).as_posix(),
            "variants": variants,
            "sheets": [ws.title for ws in wb.worksheets],
            "non_form_sheets": NON_FORM_SHEETS.get(name, {}),
            "forms": forms,
        }
        print(f"{name}: {len(forms)} form(s) on {len(wb.worksheets)} sheet(s)")

    if args.xls:
        made = make_xls([args.out / name for name in XLS_COPIES], args.out)
        if made is None:
            print("soffice not found: .xls copies not written", file=sys.stderr)
        else:
            for target in made:
                print(f"{target.name}: LibreOffice copy")
    for name in XLS_COPIES:
        xls = name.replace(".xlsx", ".xls")
        if (args.out / xls).exists():
            fixtures[xls] = {"copy_of": name,
                             "note": "legacy BIFF8 copy made by LibreOffice; same sheets, "
                                     "forms and cell addresses as " + name}

    expected = {
        "description": "Foreign-layout fixtures for a label-based form locator. Built by "
                       "build_foreign.py; do not edit by hand.",
        "conventions": {
            "top_left": "top-left cell of the form (its title cell)",
            "cells": "address of the cell holding each field; for merged cells the merge's "
                     "top-left cell; for a vertically merged 一级/二级 label every indicator "
                     "of the group points at the same cell",
            "cells_containing": "fields whose cell holds more than the value (label and "
                                "value in one cell, e.g. 深圳市社会保险基金管理局（101001）, "
                                "（2021年度）, 项目资金（万元）, 金额单位：万元)",
            "labels": "label cells of the form as written (spaces and line breaks kept)",
            "absent": "a field the form does not state (year, department_code, "
                      "project_amount, grade, a fund row or column, weight/score) is left out",
            "indicators[i].level1": "points at the raw label cell; the value is the "
                                    "normalised level1 of what that cell says",
            "indicators": "level1 normalised to 产出指标/效益指标/满意度指标, level1_raw and "
                          "level2 as written in the sheet, the rest verbatim from the data "
                          "source; weight/score only on scored forms",
            "funds": "row keys total/appropriation/carryover/other, column keys "
                     "initial/budget/actual/weight/rate/score, only those present; "
                     "money in the fixture's money_unit (万元 = 元 / 10000 rounded to 6 "
                     "decimals); '—' cells on the sub-rows are layout, not values",
            "empty": "on department_targets: a printed indicator row without 三级/values",
            "grade": "null where the form has an 等级 row left empty",
            "department_code": "invented (the seeds publish none)",
        },
        "fixtures": fixtures,
    }
    (args.out / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
