"""Read a 年度指标值 / 实际完成值 pair as one comparison: which direction, which two numbers in
which unit — and every inference that took, stated.

The rules (issue: no silent wrong score):

* **Direction** from the target's comparator (≥ written, or words such as 不超过/控制在…以内/以下,
  不低于/以上/达到); without one, from 降至/降低到… (≤); "降低/减少/下降 + a number" says by how
  much, not to what level, so it is ambiguous and goes to a person; then from the 二级 label
  or 三级 label (``quantitative.direction_by_label``: 成本, 控制率 → ≤ nationally); else the profile's default.
* **Units**: a bare number takes the other side's unit *and scale* (35 against ≤30万元 is 35万元);
  万/亿/千 scale; a percent with a bare number is read as a percent; different units (人 vs 人次,
  % vs 个百分点) are not compared — both readings are given and a person decides.
* **Numbers inside sentences**: when a side is a sentence, the quantity it holds that is
  compatible with the other side is used; several compatible ones → the one whose unit matches
  exactly; none or still several → a person decides.

Example::

    >>> from toolkit.core.values import parse_indicator_value as parse
    >>> rules = {"no_comparator": "positive", "direction_by_label": {"成本": "<="}}
    >>> reading = compare(parse("≤30万元"), parse("35"), "成本指标", rules)
    >>> reading.direction, reading.target, reading.actual, reading.unit
    ('<=', 300000.0, 350000.0, '万元')
    >>> [note.code for note in reading.notes]
    ['unit_assumed']
    >>> reading = compare(parse("50000.00元"), parse("50012.00元"), "成本指标", rules)
    >>> reading.direction, reading.direction_source, [n.code for n in reading.notes]
    ('<=', 'label', ['direction_inferred'])
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from toolkit.core.arith import fmt
from toolkit.core.values import ParsedValue, quantities_in

DIRECTION_TEXT = {">=": "「不低于 ≥」", ">": "「高于 >」", "<=": "「不高于 ≤」", "<": "「低于 <」", "=": "「等于 =」"}
_DECREASE_TO = re.compile("降至|降低至|降低到|下降至|下降到|减少至|减少到|压减至|压缩至|控制在")
_DECREASE_BY = re.compile("降低|减少|下降|压减|压缩")


@dataclass(frozen=True)
class Note:
    """An inference or a problem: ``side`` says which cell it belongs to ("target"/"actual")."""

    code: str
    severity: str
    side: str
    message: str


@dataclass
class Reading:
    """The pair as one comparison (``problem`` set when it cannot be one)."""

    direction: str | None = None
    direction_source: str = ""  # "comparator" | "words" | "decrease" | "label" | "default"
    target: float | None = None
    actual: float | None = None
    unit: str = ""  # the target's unit as written ("%", "万元", "人次", "")
    target_value: ParsedValue | None = None
    actual_value: ParsedValue | None = None
    notes: list[Note] = field(default_factory=list)
    problem: Note | None = None

    @property
    def direction_text(self) -> str:
        """How the direction is stated in an explanation."""
        why = {"comparator": "", "words": "（由文字推断）", "decrease": "（由「降至」等推断）",
               "label": "（由指标名称推断）", "default": "（未写比较符，按规则默认）"}[self.direction_source]
        return f"按{DIRECTION_TEXT[self.direction]}计{why}"


def _compatible(a: ParsedValue, b: ParsedValue) -> bool:
    """Can ``a`` be compared with ``b`` (a bare side takes the other's unit)?"""
    if a.percent or b.percent:
        return a.percent == b.percent or (a.unit is None and not a.percent) or (b.unit is None and not b.percent)
    return a.unit is None or b.unit is None or a.unit == b.unit


def _exact(a: ParsedValue, b: ParsedValue) -> bool:
    return a.percent == b.percent and a.unit == b.unit


def choose_quantity(side: ParsedValue, other: ParsedValue, what: str) -> tuple[ParsedValue | None, Note | None]:
    """The number a side stands for: itself, or the one quantity its sentence holds that fits
    the other side. Returns (value, note); value None when there is no single one."""
    if side.kind == "number":
        return side, None
    if side.kind != "qualitative":  # unparseable (a range such as 90-95%) stays a question for a person
        return None, None
    found = quantities_in(side.text)
    fitting = [q for q in found if _compatible(q, other)] if other.kind == "number" else found
    if len(fitting) > 1:
        fitting = [q for q in fitting if other.kind == "number" and _exact(q, other)] or fitting
    if len(fitting) != 1:
        return None, None
    chosen = fitting[0]
    listed = "、".join(f"「{q.text}」" for q in found)
    which = f"（文中有 {listed}，取单位相符的「{chosen.text}」）" if len(found) > 1 else ""
    qualifier = f"，「{chosen.qualifier}」按 {fmt(chosen.number / chosen.scale)} 计" if chosen.qualifier else ""
    return chosen, Note("number_from_text", "info", what,
                        f"{'年度指标值' if what == 'target' else '实际完成值'}「{side.text}」是一句话，"
                        f"从中取数「{chosen.text}」{which}{qualifier}，请核对。")


def _direction(target: ParsedValue, label: str, rules: Mapping) -> tuple[str | None, str, Note | None]:
    if target.comparator:
        source = "comparator" if target.comparator_source == "symbol" else "words"
        return target.comparator, source, None
    text = target.text
    if _DECREASE_TO.search(text):
        return "<=", "decrease", None
    if _DECREASE_BY.search(text):
        return None, "", Note("direction_ambiguous", "error", "target",
                              f"年度指标值「{text}」写的是降低/减少多少，不是降到多少：无法确定实际值应高于还是低于"
                              f" {fmt(target.number)}，请人工评分，或把目标改写为「≤…」（降到的水平）。")
    for word, direction in (rules.get("direction_by_label") or {}).items():
        if word in label:
            return direction, "label", None
    return ("=" if rules.get("no_comparator") == "equal" else ">="), "default", None


def compare(target: ParsedValue, actual: ParsedValue, label: str, rules: Mapping) -> Reading:
    """The comparison of ``target`` and ``actual`` under the ``quantitative`` knobs ``rules``;
    ``label`` is the indicator's names (二级 and 三级), which may give the direction."""
    reading = Reading()
    chosen_target, target_note = choose_quantity(target, actual, "target")
    if chosen_target is None:
        return reading  # not a quantitative pair: the qualitative rules apply
    chosen_actual, actual_note = choose_quantity(actual, chosen_target, "actual")
    if chosen_actual is None:
        return reading
    reading.notes += [note for note in (target_note, actual_note) if note]
    target, actual = chosen_target, chosen_actual
    reading.target_value, reading.actual_value = target, actual

    direction, source, problem = _direction(target, label, rules)
    if problem:
        reading.problem = problem
        return reading
    reading.direction, reading.direction_source = direction, source
    if source in ("words", "decrease", "label"):
        basis = {"words": f"「{target.text}」中的文字", "decrease": f"「{target.text}」中的「降至」类用语",
                 "label": f"指标名称「{label}」"}[source]
        reading.notes.append(Note("direction_inferred", "info", "target",
                                  f"方向按{basis}理解为{DIRECTION_TEXT[direction]}，请核对。"))

    t, a = target.number, actual.number
    if target.percent != actual.percent or target.unit != actual.unit:
        t, a, note = _units(target, actual, rules)
        if note.code == "unit_mismatch":
            reading.problem = note
            return reading
        reading.notes.append(note)
    reading.target, reading.actual = t, a
    reading.unit = target.unit_label or actual.unit_label
    return reading


def _units(target: ParsedValue, actual: ParsedValue, rules: Mapping) -> tuple[float, float, Note]:
    """Make two numbers comparable, or say why they are not (with both readings)."""
    t, a = target.number, actual.number
    bare, other = (actual, target) if actual.unit is None and not actual.percent else (target, actual)
    if bare.unit is None and not bare.percent and (other.unit or other.percent):
        side = "actual" if bare is actual else "target"
        if other.percent and rules.get("missing_percent", "assume_percent") != "assume_percent":
            return t, a, _mismatch(target, actual, "一个带 %、一个不带，规则要求写明")
        scaled = bare.number * other.scale
        if side == "actual":
            a = scaled
        else:
            t = scaled
        shown = f"{fmt(bare.number)}{other.unit_label}"
        return t, a, Note("unit_assumed", "warning", side,
                          f"「{bare.text}」未写单位，已按「{shown}」理解（另一方为「{other.text}」）；"
                          f"请补上单位以免误解。")
    return t, a, _mismatch(target, actual, f"「{target.unit_label}」与「{actual.unit_label}」不是同一单位")


def _mismatch(target: ParsedValue, actual: ParsedValue, why: str) -> Note:
    same = f"若视为同一单位：{fmt(actual.number / actual.scale)} ÷ {fmt(target.number / target.scale)}" + (
        f" = {fmt(actual.number / actual.scale / (target.number / target.scale) * 100, decimals=2)}%"
        if target.number else "")
    return Note("unit_mismatch", "error", "actual",
                f"单位不一致：年度指标值「{target.text}」，实际完成值「{actual.text}」，{why}，不能直接比较，未计分。"
                f"{same}；若单位确实不同，请人工评分并在偏差原因中说明，或统一单位。")
