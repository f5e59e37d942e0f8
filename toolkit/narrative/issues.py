"""「存在的问题」 as a reviewer reads it, and the appendix 「待核对事项」 for what the check still flags.

Real 自评报告 list management problems in sentences, grouped by kind — 一是 部分项目预算执行率偏低
…，二是 部分绩效指标未完全达成 … — with the reasons the unit wrote. The report does the same
from the workbook's facts:

* each kind of problem is one paragraph (:class:`Kind`: a lead and its items, no cell address);
* the deviations whose reason no cell holds are named once and asked for with one placeholder;
* an indicator the rule rates 达成 at full marks is never a problem (a manual deduction on it, or
  a target far exceeded, is a checker finding: it goes to the appendix);
* the checker's open errors and reminders (校验结果) go to the appendix checklist, never into the
  narrative: where (form, indicator, cell), the problem's Chinese name and the check's note in plain
  words (interval brackets and rounding arrows written out).

Example::

    >>> from toolkit.narrative.document import ReportDocument
    >>> doc = ReportDocument("示例")
    >>> write_problems(doc, [Kind("部分项目预算执行率偏低", ["政府采购 11.59%", "案件调查取证费 19.39%"])],
    ...                ["预算执行率偏低的 2 个项目"])
    >>> print(doc.document.paragraphs[0].text)
    一是部分项目预算执行率偏低：政府采购 11.59%；案件调查取证费 19.39%。
    >>> print(doc.document.paragraphs[1].text)
    表中未写原因的偏差：预算执行率偏低的 2 个项目。原因分析和改进措施：【待填写：以上偏差的原因分析和改进措施】
    >>> plain_message("执行率 = 3,866,689.10 ÷ 4,448,000.00 = 0.8693 → 0.87，落在 [0, 90%) 档")
    '执行率 = 3,866,689.10 ÷ 4,448,000.00 = 0.8693，即 0.87，落在 0～90% 档'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.core.catalogue import CATALOGUE
from toolkit.core.problems import SEVERITY_LABELS, Flag
from toolkit.core.results import FormResult
from toolkit.narrative.document import ReportDocument
from toolkit.narrative.figures import form_figures
from toolkit.narrative.formats import Placeholder

OPEN_SEVERITIES = ("error", "warning")  # 说明 (info) flags explain; they are not open problems
ORDINALS = "一二三四五六七八九"
NONE_FOUND = "经自评，未发现预算执行率偏低或绩效指标未达成的情况。"
_SHEET_BANG = re.compile(r"!(?=\$?[A-Z]{1,3}\$?\d+)")  # 基础数据!D8 → 基础数据 D8
_INTERVAL = re.compile(r"\[\s*([^\[\]()（）,，]+?)\s*,\s*([^\[\]()（）,，]+?)\s*[\])]")


@dataclass
class Kind:
    """One kind of problem: its lead (部分项目预算执行率偏低) and the facts of each case."""

    lead: str
    items: list[str] = field(default_factory=list)


def write_problems(doc: ReportDocument, kinds: list[Kind], unexplained: list[str]) -> None:
    """The problems as sentences, one paragraph per kind (一是…，二是…), then the deviations no
    cell explains, named once and asked for once."""
    shown = [kind for kind in kinds if kind.items]
    for index, kind in enumerate(shown):
        doc.paragraph(f"{ORDINALS[min(index, len(ORDINALS) - 1)]}是{kind.lead}：{'；'.join(kind.items)}。")
    if unexplained:
        doc.paragraph(f"表中未写原因的偏差：{'、'.join(unexplained)}。原因分析和改进措施：",
                      Placeholder("以上偏差的原因分析和改进措施"))
    if not shown and not unexplained:
        doc.paragraph(NONE_FOUND)


def with_reason(facts: str, reason: str, label: str = "原因") -> str:
    """A case's facts and the reason the unit wrote (its own words, end punctuation trimmed).

    >>> with_reason("「到岗率」实际完成 25人", "由于疫情影响。")
    '「到岗率」实际完成 25人，原因：由于疫情影响'
    """
    reason = reason.strip().rstrip("。；;.")
    return f"{facts}，{label}：{reason}" if reason else facts


# -- the appendix ---------------------------------------------------------------------------

def open_findings(results: list[FormResult | None], book_flags: list[Flag] = ()) -> list[tuple[FormResult | None, Flag]]:
    """The errors and reminders the check still shows, with the form each is on. A total that
    differs from the rule's only by accepted differences, or because of other findings listed
    with it, is not a finding of its own (the 自评结论 states the totals)."""
    found: list[tuple[FormResult | None, Flag]] = [(None, flag) for flag in book_flags]
    for result in results:
        if result is None:
            continue
        settled = form_figures(result).agreement == "accepted"
        open_ = [flag for flag in result.flags if flag.severity in OPEN_SEVERITIES]
        # a total that differs only because of the findings listed beside it is no finding of its own
        caused = any(flag.code != "total_mismatch" for flag in open_)
        found += [(result, flag) for flag in open_ if not (flag.code == "total_mismatch" and (settled or caused))]
    return [(result, flag) for result, flag in found if flag.severity in OPEN_SEVERITIES]


def checklist(doc: ReportDocument, results: list[FormResult | None], book_flags: list[Flag] = ()) -> None:
    """附件「待核对事项」: every open finding of the check, where it is and what to check."""
    findings = open_findings(results, book_flags)
    if not findings:
        doc.paragraph("经校验，表中没有尚未解决的错误或提醒。")
        return
    doc.paragraph("以下是表格校验仍标出的错误和提醒，定稿前请逐项核实；确需修改的，修改表格后重新生成本报告。"
                  "核对完毕后删除本附件。")
    rows = [[place(result, flag), f"{SEVERITY_LABELS[flag.severity]}：{title(flag)}", plain_message(flag.message)]
            for result, flag in findings]
    doc.table(["位置", "事项", "说明"], rows, widths=(4.4, 3.2, 8.4))


def place(result: FormResult | None, flag: Flag) -> str:
    """Where a finding is: the form, the indicator and the cell, as a clerk finds it."""
    label = ""
    if result is not None:
        label = next((item.label for item in result.items if flag in item.flags or item.cell == flag.cell), "")
    sheet = flag.where.split("!")[0] if "!" in flag.where else (result.sheet if result is not None else "")
    parts = [part for part in (sheet, f"「{label}」" if label else "") if part]
    return "".join(parts) + (f"（{flag.cell}）" if flag.cell else "")


def title(flag: Flag) -> str:
    """The problem's Chinese name (the catalogue's title)."""
    return CATALOGUE[flag.code].title if flag.code in CATALOGUE else flag.code


def plain_message(message: str) -> str:
    """The check's note without tool notation: ``Sheet!D8`` written ``Sheet D8``, intervals
    written ``a～b``, a rounding arrow written 「，即」.

    >>> plain_message("（基础数据!D8）未填；4 − 0.9901 × 0.5 = 3.505 → 得分 3.5")
    '（基础数据 D8）未填；4 − 0.9901 × 0.5 = 3.505，得分 3.5'
    """
    message = _SHEET_BANG.sub(" ", message)
    message = _INTERVAL.sub(r"\1～\2", message)
    message = re.sub(r"\s*→\s*", "，即 ", message)
    return message.replace("，即 得分", "，得分")
