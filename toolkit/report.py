"""The machine-readable score report (JSON), described by ``schemas/report.schema.json``, and
the two numbers wherever a score is shown: the unit's figure (填报) beside the re-check (复核).

Two numbers, never one replacing the other. For every scored item, every total and every
grade the report keeps what the form shows (``entered`` / ``shown``: the unit's figure, or the
value the tool filled into a blank cell) and what the rules give (``computed``), with

* ``difference`` — the unit's figure minus the re-check (填报 − 复核), rounded to 2 decimals;
  null when one of them is missing (an item the tool cannot score is taken as filled);
* ``accepted`` — true when there is no difference, or the difference is one the tool accepts:
  a flag of :data:`ACCEPTED` at *info* severity on the item (a manual deduction within the
  tier with its reason written, a manual score within its tier, another common rounding
  convention) and no error on it; false when the figures disagree; null when there is
  nothing to compare. A total is accepted when every item-level difference is accepted and
  the rest of the total's difference (``residual``: the total row's own arithmetic, a cap)
  is zero; a grade when it is the same, or follows from an accepted total;
* ``note`` — the same in words (「人工扣分，已说明」「不一致，见 H13」 …), as the console prints it.

Example::

    >>> from toolkit.core.results import FormResult
    >>> form_report(FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {},
    ...                        total_shown=91.9))["total"]  # doctest: +NORMALIZE_WHITESPACE
    {'computed': 91.9, 'entered': 91.9, 'shown': 91.9, 'difference': 0.0, 'accepted': True, 'note': '一致',
     'residual': 0.0, 'causes': []}
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from importlib import resources

from toolkit import __version__
from toolkit.core.arith import fmt
from toolkit.core.catalogue import ACCEPTED_DIFFERENCES
from toolkit.core.grid import STATUS_LABELS
from toolkit.core.problems import Flag
from toolkit.core.profile import Profile
from toolkit.core.results import FormResult, ItemResult
from toolkit.workbook.writer import display_text

BEIJING = _dt.timezone(_dt.timedelta(hours=8), "北京时间")
"""Times the tool shows (export time, report time) are Beijing time with the offset (+08:00)."""

ACCEPTED = {  # flag code of catalogue.ACCEPTED_DIFFERENCES → the accepted difference in words (at info severity)
    "manual_deduction": "人工扣分，已说明",
    "manual_score_accepted": "人工评分在档次内，已采纳",
    "rounding_convention": "按另一常见舍入口径，已说明",
}
assert set(ACCEPTED) == ACCEPTED_DIFFERENCES  # one list of what is accepted, worded here
_TOLERANCE = 0.005  # scores carry 2 decimals


def beijing_now() -> _dt.datetime:
    """Now, in Beijing time, to the second.

    >>> beijing_now().utcoffset()
    datetime.timedelta(seconds=28800)
    """
    return _dt.datetime.now(BEIJING).replace(microsecond=0)


def _difference(unit: float | None, computed: float | None) -> float | None:
    if unit is None or computed is None:
        return None
    difference = round(unit - computed, 2)
    return 0.0 if abs(difference) < _TOLERANCE else difference


def accepted_reasons(flags: list[Flag]) -> list[str]:
    """The accepted differences among ``flags`` in words; none when any of them is an error.

    >>> accepted_reasons([Flag("manual_deduction", "info", "H20", "…")])
    ['人工扣分，已说明']
    >>> accepted_reasons([Flag("manual_deduction", "warning", "H16", "…")])  # no reason written
    []
    """
    if any(f.severity == "error" for f in flags):
        return []
    reasons = [ACCEPTED[f.code] for f in flags if f.code in ACCEPTED and f.severity == "info"]
    return list(dict.fromkeys(reasons))


def item_comparison(item: ItemResult) -> dict:
    """``difference`` / ``accepted`` / ``note`` of one scored item (see the module docstring).

    >>> row = ItemResult("indicator", "满意度", 20, 20.0, 18.0, "H20", "qualitative", "", "", "",
    ...                  flags=[Flag("manual_deduction", "info", "H20", "…")])
    >>> item_comparison(row)
    {'difference': -2.0, 'accepted': True, 'note': '人工扣分，已说明'}
    """
    if item.status_code is not None:  # a completion-only row: a status, no score
        return {"difference": None, "accepted": None, "note": None}
    if item.computed is None:
        note = "工具无法复核，采用填报值" if item.entered is not None else "无法计算"
        return {"difference": None, "accepted": None, "note": note}
    difference = _difference(item.standing, item.computed)
    if not difference:
        return {"difference": difference, "accepted": True, "note": "一致"}
    reasons = accepted_reasons(item.flags)
    if reasons:
        return {"difference": difference, "accepted": True, "note": "；".join(reasons)}
    return {"difference": difference, "accepted": False, "note": "不一致"}


def total_comparison(result: FormResult) -> dict:
    """The total's ``difference`` / ``accepted`` / ``note``, the ``residual`` not explained by
    the items and the items that cause the difference (``causes``)."""
    unit = result.total_entered if result.total_entered is not None else result.total_shown
    if result.completion_only or (unit is None and result.total_computed is None):
        return {"difference": None, "accepted": None, "note": None, "residual": None, "causes": []}
    causes = []
    for item in result.items:
        compared = item_comparison(item)
        if compared["difference"]:
            causes.append({"cell": item.cell, "label": item.label, **compared})
    difference = _difference(unit, result.total_computed)
    if difference is None:
        note = "表中未填总分" if unit is None else "无法计算总分"
        return {"difference": None, "accepted": None, "note": note, "residual": None, "causes": causes}
    residual = _difference(difference, sum(c["difference"] for c in causes))
    disagreeing = [c["cell"] for c in causes if not c["accepted"]]
    if residual:
        disagreeing.append(result.total_cell or "总分")
    accepted = not disagreeing
    accepted_notes = [f"{c['cell']} {c['note']}" for c in causes if c["accepted"]]
    if accepted and not difference:
        note = "一致"
    elif accepted:
        note = "；".join(dict.fromkeys(c["note"] for c in causes))
    else:
        note = ("总分相同，但" if not difference else "") + f"不一致，见 {'、'.join(disagreeing)}"
        if accepted_notes:
            note += "；其中 " + "，".join(accepted_notes)
    return {"difference": difference, "accepted": accepted, "note": note, "residual": residual, "causes": causes}


def grade_comparison(result: FormResult, total: dict | None = None) -> dict:
    """The unit's grade (填报, else the band of the total the form shows) beside the re-check."""
    total = total_comparison(result) if total is None else total
    shown = result.grade_entered if result.grade_entered is not None else result.grade_shown
    if shown is None or result.grade is None:
        return {"shown": shown, "computed": result.grade, "same": None, "accepted": None}
    same = shown == result.grade
    mismatch = any(f.code == "grade_mismatch" for f in result.flags)
    return {"shown": shown, "computed": result.grade, "same": same,
            "accepted": same or (bool(total.get("accepted")) and not mismatch)}


def form_report(result: FormResult) -> dict:
    total = total_comparison(result)
    return {
        "sheet": result.sheet,
        "name": result.name,
        "kind": result.kind,
        "total": {"computed": result.total_computed, "entered": result.total_entered, "shown": result.total_shown,
                  **total},
        "grade": result.grade,
        "grade_shown": result.grade_shown,
        "grade_entered": result.grade_entered,
        "grade_check": grade_comparison(result, total),
        "execution_rate": result.execution_rate,
        "counts": {s: result.count(s) for s in ("error", "warning", "info")},
        "items": [
            {
                "label": item.label,
                "kind": item.kind,
                "weight": item.weight,
                "computed": item.computed,
                "entered": item.entered,
                **item_comparison(item),
                "cell": item.cell,
                "method": item.method,
                "explanation": item.explanation,
                "status": item_status(item),
                "flags": [f.to_dict() for f in item.flags],
            }
            for item in result.items
        ],
        "flags": [f.to_dict() for f in result.flags],
    }


def two_numbers_line(result: FormResult) -> str:
    """One line per form for the console: the unit's total (填报) beside the re-check (复核)
    with the difference and whether it is accepted, the grades the same way, the flag counts.

    >>> two_numbers_line(FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {},
    ...                              total_shown=91.9, grade_shown="优"))
    '项目：总分 填报 91.9，复核 91.9，一致；等级 优；错误 0，提醒 0，说明 0'
    >>> row = ItemResult("indicator", "满意度", 20, 20.0, 18.0, "H20", "qualitative", "", "", "",
    ...                  flags=[Flag("manual_deduction", "info", "H20", "…")])
    >>> two_numbers_line(FormResult("s", "外包服务", "project", [row], 100.0, 98.0, "优", None, 1.0,
    ...                             row.flags, {}, total_shown=98.0, grade_shown="优"))
    '外包服务：总分 填报 98，复核 100，相差 2（人工扣分，已说明）；等级 优；错误 0，提醒 0，说明 1'
    """
    counts = f"错误 {result.count('error')}，提醒 {result.count('warning')}，说明 {result.count('info')}"
    return f"{result.name}：{two_numbers_text(result)}；{counts}"


def two_numbers_text(result: FormResult) -> str:
    """The total and grade part of :func:`two_numbers_line` (also on a forced export's problem page).

    >>> two_numbers_text(FormResult("s", "项目", "project", [], 100.0, None, "优", None, 1.0, [], {}))
    '总分 填报 未填，复核 100；等级 优'
    """
    if result.completion_only:
        return f"{result.total_explanation}，不计总分"
    total = total_comparison(result)
    if result.total_entered is not None:
        unit = f"填报 {fmt(result.total_entered)}"
    elif result.total_shown is not None:
        unit = f"填报 未填（按各项得分填入 {fmt(result.total_shown)}）"
    else:
        unit = "填报 未填"
    recheck = "复核 无法计算" if result.total_computed is None else f"复核 {fmt(result.total_computed)}"
    if total["difference"] is None:
        compared = ""
    elif not total["difference"]:
        compared = "，一致" if total["accepted"] else f"，{total['note']}"
    else:
        compared = f"，相差 {fmt(abs(total['difference']))}（{total['note']}）"
    grades = grade_comparison(result, total)
    if grades["same"] is False:
        grade = f"等级 填报 {grades['shown']}，复核 {grades['computed']}" + ("（随总分差异，已接受）" if grades["accepted"] else "")
    else:
        grade = f"等级 {grades['computed'] or grades['shown'] or '—'}"
    return f"总分 {unit}，{recheck}{compared}；{grade}"


def item_status(item: ItemResult) -> dict | None:
    """A completion-only row's status as the report gives it (None for a row scored in points):
    a stable code, its Chinese label and the text the sheet shows.

    >>> from toolkit.core.results import ItemResult
    >>> row = ItemResult("indicator", "成本", None, None, None, "E9", "status", "", "", "",
    ...                  status="未达成（完成 97.5%）", status_code="not_met")
    >>> item_status(row)
    {'code': 'not_met', 'label': '未达成', 'text': '未达成（完成 97.5%）'}
    """
    if item.status_code is None:
        return None
    return {"code": item.status_code, "label": STATUS_LABELS[item.status_code], "text": item.status}


def workbook_report(path: str, results: list[FormResult], profile: Profile,
                    meta: dict[str, str], workbook_flags: list[Flag]) -> dict:
    """The whole report for one scored file."""
    return {
        "file": str(path),
        "toolkit_version": __version__,
        "generated_at": beijing_now().isoformat(),
        "profile": {"id": profile.id, "version": profile.version, "sha256": profile.sha256},
        "template": {"id": meta.get("template_id"), "version": meta.get("template_version")},
        "flags": [f.to_dict() for f in workbook_flags],
        "forms": [form_report(result) for result in results],
    }


def report_schema() -> dict:
    return json.loads((resources.files("toolkit") / "schemas" / "report.schema.json").read_text("utf-8"))


def validate_report(report: dict) -> None:
    """Raise jsonschema.ValidationError when ``report`` does not match the shipped schema."""
    import jsonschema

    jsonschema.validate(report, report_schema())


def json_safe(value):
    """A report as plain UTF-8 JSON: every text through :func:`~toolkit.workbook.writer.display_text`,
    every number that is not finite as None (JSON has no Infinity).

    >>> json_safe({"path": "x", "total": float("nan"), "n": [1, float("-inf")]})
    {'path': 'x', 'total': None, 'n': [1, None]}
    """
    if isinstance(value, str):
        return display_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {display_text(str(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
