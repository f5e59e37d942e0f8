"""What a foreign form prints in columns and cells the template does not have, folded into the
template's cells — each fold stated, so the clerk sees what was read and from where.

* 指标性质 / 指标方向 (＝ ≥ ≤, 大于等于, 正向 / 反向) → the comparator of the 年度指标值;
  度量单位 / 计量单位 → the unit of a bare target and a bare actual. The target split over 符号 /
  值 / 单位 columns becomes one target («≥98%»). The comparator is *read from the form*, never
  inferred; two columns that disagree (正向 with 小于等于) are said, and the explicit comparator wins.
* Amounts written with their unit in the cell («800万元») become numbers in the form's money unit.
* 未完成原因 in any position is the reason; 完成情况, 折算得分, 得分计算方法 and an 指标分值 column
  of explanations are kept in the 导入说明.

Example::

    >>> fold_target({"target": 98, "nature": ">=", "unit": "%（百分比）", "actual": "100%"})
    ('≥98%', '100%', ['年度指标值「≥98%」由 指标性质「>=」、指标值「98」、度量单位「%（百分比）」合成'])
    >>> fold_target({"target": "1", "nature": "正向", "direction": "小于等于", "unit": "个", "actual": 1})[:2]
    ('≤1个', '1个')
    >>> fund_amount("800万元", "万元")
    (800.0, '万元')
"""

from __future__ import annotations

import re

from toolkit.core.values import comparator_word, parse_indicator_value, parse_number, quantities_in
from toolkit.workbook.labels import bracket_suffixes, label_table

SYMBOLS = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}
DIRECTIONS = label_table("directions")
SPELLED_UNITS = label_table("units_spelled")
_BARE_NUMBER = re.compile(r"^\s*-?\d[\d,]*(?:\.\d+)?\s*$")
_AMOUNT = re.compile(r"^\s*(-?\d[\d,]*(?:\.\d+)?)\s*(万元|千元|元)\s*$")
_SCALE = {"元": 1, "千元": 1_000, "万元": 10_000}


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _comparator(value: object) -> str | None:
    """The comparator a 指标性质 / 指标方向 cell names: a symbol or word, or a direction (正向 → ≥)."""
    return comparator_word(value) or DIRECTIONS.lookup(value)


def _unit(value: object) -> str:
    """A 度量单位 cell as the unit the values use: 「%（百分比）」 → %, 「元/人*月」 as written."""
    text = _text(value)
    spelled = SPELLED_UNITS.lookup(text)
    if spelled:
        return spelled
    rest, _ = bracket_suffixes(text)
    return rest or text


def fold_target(cells: dict) -> tuple[object, object, list[str]]:
    """(target, actual, notes) of one indicator row whose side columns (``nature``, ``direction``,
    ``unit``) carry part of its meaning; target and actual unchanged when there is nothing to fold."""
    target, from_name = target_from_name(cells)
    actual = cells.get("actual")
    nature, direction, unit = cells.get("nature"), cells.get("direction"), cells.get("unit")
    notes = [from_name] if from_name else []
    if all(_text(v) == "" for v in (nature, direction, unit)):
        return target, actual, notes
    unit_text = _unit(unit) if _text(unit) else ""
    explicit = [(label, value, comparator_word(value)) for label, value in (("指标性质", nature), ("指标方向", direction))
                if comparator_word(value)]
    general = [(label, value, DIRECTIONS.lookup(value)) for label, value in (("指标性质", nature), ("指标方向", direction))
               if DIRECTIONS.lookup(value)]
    chosen = explicit[0] if explicit else (general[0] if general else None)
    printed = parse_indicator_value(target).comparator if _text(target) else None
    new_target = _text(target)
    parts = []
    if chosen is not None:
        parts.append(f"{chosen[0]}「{_text(chosen[1])}」")
        others = {c for _, _, c in explicit + general} | ({printed} if printed else set())
        if others & {">=", ">"} and others & {"<=", "<"}:  # 等于 agrees with either direction
            said = "、".join(f"{label}「{_text(value)}」" for label, value, _ in explicit + general)
            notes.append(f"{said}{'与年度指标值「' + new_target + '」' if printed else ''}所示方向不一致，"
                         f"按{'年度指标值的比较符' if printed else chosen[0] + '「' + _text(chosen[1]) + '」'}计，请核对")
        if not printed and new_target:
            new_target = SYMBOLS[chosen[2]] + new_target
    if new_target:
        parts.append(f"指标值「{_text(target)}」")
    if unit_text and new_target and _BARE_NUMBER.match(re.sub(r"^[≥≤=><]", "", new_target)):
        new_target += unit_text
        parts.append(f"度量单位「{_text(unit)}」")
    new_actual = actual
    if unit_text and isinstance(actual, (int, float)) and not isinstance(actual, bool) \
            or unit_text and isinstance(actual, str) and _BARE_NUMBER.match(actual):
        new_actual = _text(actual) + unit_text
    if new_target != _text(target) and new_target:
        notes.insert(0, f"年度指标值「{new_target}」由 {'、'.join(parts)}合成")
    elif unit_text:
        notes.insert(0, f"度量单位「{_text(unit)}」")
    return (new_target if new_target else target), new_actual, notes


def target_from_name(cells: dict) -> tuple[object, str | None]:
    """A target printed inside the 三级 name when the 年度指标值 cell is empty: the quantity the name
    ends with («年度资金支付完成率100%» → «100%»), with the note saying so; else the target unchanged.

    >>> target_from_name({"level3": "年度资金支付完成率100%", "target": None})
    ('100%', '年度指标值未填，取自三级指标名称「年度资金支付完成率100%」末尾的「100%」')
    >>> target_from_name({"level3": "完成率", "target": None}), target_from_name({"level3": "≥95%", "target": "≥95%"})
    ((None, None), ('≥95%', None))
    """
    target, name = cells.get("target"), cells.get("level3")
    if _text(target) or not isinstance(name, str):
        return target, None
    found = quantities_in(name)
    if not found or not re.sub(r"\s+", "", name).endswith(re.sub(r"\s+", "", found[-1].text)) \
            or re.sub(r"\s+", "", name) == re.sub(r"\s+", "", found[-1].text):
        return target, None
    text = found[-1].text
    return text, f"年度指标值未填，取自三级指标名称「{name}」末尾的「{text}」"


def fund_amount(value: object, money_unit: str | None) -> tuple[object, str | None]:
    """An amount written with its unit («800万元») as a number in the form's money unit (or in its
    own unit when the form states none), with that unit; any other value unchanged.

    >>> fund_amount("12,500元", "万元"), fund_amount(7.29, "万元"), fund_amount("—", None)
    ((1.25, '万元'), (7.29, '万元'), ('—', None))
    """
    match = _AMOUNT.match(value) if isinstance(value, str) else None
    if not match:
        return value, money_unit
    number = parse_number(match[1]).value
    written = match[2]
    target_unit = money_unit or written
    return round(number * _SCALE[written] / _SCALE[target_unit], 10), target_unit
