"""The department framework language: an indicator tree whose 三级 indicators carry rules.

A department profile (``kind: "department"``) declares

* ``inputs`` – the named numbers of the 基础数据 sheet (id, label, unit, type, source);
* ``framework`` – 一级 → 二级 → 三级 nodes with weights; each 三级 node has a ``rule``;
* optionally ``results_table`` (the score table as published) and ``declared_counts``.

A rule is ``{"method": …, parameters…}``; methods are listed in :data:`METHODS`. Numbers a
rule measures are *value specs* over inputs::

    {"input": "satisfaction"}                                 # the input itself
    {"ratio": {"num": "purchase_actual", "den": "purchase_plan"}}   # Σnum ÷ Σden
    {"change": {"new": "revenue_final", "old": "revenue_budget"}}  # (new − old) ÷ old

Rates are fractions (0.35 = 35%). Evaluating a rule gives the score and the arithmetic in
Chinese; :func:`award_range` gives the least and most a rule can award (what the checker
compares with the weight).

What real frameworks need beyond one fixed tree of formulas (issue 19), each with its check:

* a level above 一级 — a framework node with ``level1`` (共性指标 30 / 特性指标 70), sums checked;
* ``department_rows`` on a 一级 or 二级 node — 「部门特性指标」 rows each department writes under a
  fixed subtotal, following the rule(s) the profile allows (:class:`DepartmentList`);
* ``grid_completion`` — a row scored from the 目标完成情况自评表 (正向 实际 ÷ 预期, 反向 预期 ÷ 实际);
* ``over_deduction`` — banded deduction on top of a proportional score (real limits, no 2.999999);
* a *choice group* among a 二级 node's children — optional 三级 indicators (「经济效益(可选项)」…),
  each its own 评分表 row, sharing one weight split evenly over those the department chose
  (:class:`ChoiceGroup`); an unchosen row with a score or value is flagged, never counted;
* ``cases`` — case rules comparing amounts, every combination (0 and 0 too) checked to fall in one;
  ``abs`` and ``zero_over_zero`` on value specs; a value outside every band is flagged, never 0;
* ``not_applicable`` on any rule — 不适用 gives the declared score (full marks), said so.

Example of the last three::

    >>> balance = {"method": "cases", "cases": [
    ...     {"label": "无结余", "points": 3, "when": [{"value": {"input": "b"}, "op": "=", "than": 0}]},
    ...     {"label": "有结余，但不超过上年结转", "points": 2,
    ...      "when": [{"value": {"input": "b"}, "op": ">", "than": 0}, {"value": {"input": "b"}, "op": "<=", "than": {"input": "c"}}]},
    ...     {"label": "结余超过上年结转", "points": 0, "when": [{"value": {"input": "b"}, "op": ">", "than": {"input": "c"}}]}]}
    >>> labels = {"b": {"label": "本年结余"}, "c": {"label": "上年结转"}}
    >>> Evaluator({"b": 0.0, "c": 0.0}, labels).evaluate(balance, 3).text
    '本年结余（0） = 0：属「无结余」→ 3 分'
    >>> Evaluator({"b": 12.5, "c": 20.0}, labels).evaluate(balance, 3).score
    2.0

Example::

    >>> rule = {"method": "bands", "value": {"ratio": {"num": "a", "den": "b"}},
    ...         "bands": [{"max": 0.9, "points": 3},
    ...                   {"min": 0.9, "max": 1, "max_inclusive": True, "points": 2},
    ...                   {"min": 1, "min_inclusive": False, "points": 0}]}
    >>> ev = Evaluator({"a": 2.65, "b": 7.5}, {"a": {"label": "三公实际"}, "b": {"label": "三公预算"}})
    >>> outcome = ev.evaluate(rule, 3)
    >>> outcome.score, outcome.text
    (3.0, '三公实际 ÷ 三公预算 = 2.65 ÷ 7.5 = 35.33%，落在 [0, 90%) 档 → 3 分')
    >>> award_range(rule, 3)
    (0.0, 3.0)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from toolkit.core.arith import fmt, fmt_percent
from toolkit.core.bands import check_bands
from toolkit.core.pairing import DIRECTION_TEXT, compare
from toolkit.core.problems import Problem
from toolkit.core.values import parse_indicator_value

METHODS = {
    "ratio": "比率 × 分值（可封顶；实际超过计划可得 0 分）",
    "bands": "分档计分",
    "deduct_per_point": "超出限度每个百分点（或每档）扣分",
    "linear": "两个阈值之间线性计分",
    "checklist": "逐项清单计分",
    "count_deduction": "未完成事项每项扣分",
    "quarterly_progress": "季度支出进度对比序时进度",
    "composite": "若干子规则之和",
    "manual": "人工评分（低于满分须写明理由）",
    "grid_completion": "按目标完成情况表的预期值与实际值计分（正向 实际÷预期，反向 预期÷实际）",
    "cases": "分情形计分（比较两个数额）",
}
EPS = 1e-9
NOT_APPLICABLE = "不适用"


class CannotCompute(Exception):
    """A rule that cannot give a score from these data; ``code`` is the problem code to flag
    (``inputs_missing``, ``inputs_invalid`` or ``value_outside_rule``), the message is Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RuleNote:
    """Something a rule noticed while scoring that the clerk must see (an unchosen sub-item with
    a typed rate): ``input`` names the 基础数据 item whose cell the flag belongs to."""

    code: str
    severity: str
    input: str | None
    message: str


class MissingInputs(Exception):
    """A rule needs inputs that the base data leaves blank."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


@dataclass
class Outcome:
    """The result of evaluating a rule: score, the arithmetic shown to the clerk, the measure."""

    score: float
    text: str
    measure: float | None = None
    parts: list[str] = field(default_factory=list)
    notes: list[RuleNote] = field(default_factory=list)


# --- walking the tree ------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A 三级 indicator with its ancestors, JSON path, name and weight (``group``: the node
    above 一级, e.g. 共性指标 / 特性指标, when the framework has that level)."""

    path: str
    level1: Mapping
    level2: Mapping
    node: Mapping
    name: str = ""
    weight: float = 0.0
    group: Mapping | None = None
    choice: "ChoiceGroup | None" = None  # the choice group an optional indicator belongs to


class _NamedNode:
    """The name and weight of the framework node a view wraps (``self.node``)."""

    node: Mapping

    @property
    def name(self) -> str:
        return self.node["name"]

    @property
    def weight(self) -> float:
        return float(self.node["weight"])


@dataclass(frozen=True)
class ChoiceGroup(_NamedNode):
    """Optional 三级 indicators sharing one weight (「效益(可选项)」: 经济效益、社会效益 … 共用 40 分).

    Each option is its own 评分表 row; the department marks which apply (each option's ``applies``
    yes/no input); the group's weight is split evenly over the chosen (40 ÷ 2 = 20 each), and each
    chosen row is scored by its own rule for that share. ``min``/``max`` bound how many may be
    chosen (「二者择其一」: ``max`` 1).

    >>> from toolkit.core.profile import load_profile
    >>> group = choice_groups(load_profile("sichuan-2017").data)[0]
    >>> group.name, group.weight, len(group.options), group.share(2)
    ('效益(可选项)', 40.0, 6, 20.0)
    """

    path: str
    node: Mapping

    @property
    def options(self) -> list[Mapping]:
        return list(self.node["children"])

    @property
    def least(self) -> int:
        return int(self.node["choose"].get("min", 1))

    @property
    def most(self) -> int | None:
        return self.node["choose"].get("max")

    def share(self, chosen: int) -> float:
        """Each chosen option's weight: the group's weight split evenly."""
        return self.weight / chosen


@dataclass(frozen=True)
class DepartmentList(_NamedNode):
    """A node whose 三级 rows each department writes itself (「部门特性指标」): the profile fixes
    the node's weight and the rule(s) the rows follow; the workbook carries the rows (name,
    分值, values), which must add up to the node's weight.

    ``level2`` is None when the rows hang directly under a 一级 node.
    """

    path: str
    level1: Mapping
    level2: Mapping | None
    node: Mapping
    group: Mapping | None = None

    @property
    def spec(self) -> Mapping:
        return self.node["department_rows"]

    def rules(self) -> list[tuple[str, Mapping]]:
        """(label, rule) of every rule a row may follow; the first is the default.

        >>> from toolkit.core.profile import load_profile
        >>> [label for label, _ in department_lists(load_profile("dazhou-undated").data)[0].rules()]
        ['人工评分', '按目标完成情况计分']
        """
        return [(entry["label"], entry["rule"]) for entry in self.spec["rules"]]

    def rule_for(self, chosen: str) -> tuple[str, Mapping]:
        """The rule a row follows: the one whose label the clerk wrote in 评分标准, else the first.

        >>> from toolkit.core.profile import load_profile
        >>> listed = department_lists(load_profile("dazhou-undated").data)[0]
        >>> listed.rule_for("按目标完成情况 计分")[1]["method"], listed.rule_for("")[1]["method"]
        ('grid_completion', 'manual')
        """
        wanted = "".join(str(chosen or "").split())
        for label, rule in self.rules():
            if wanted and wanted == "".join(label.split()):
                return label, rule
        return self.rules()[0]


def level1_nodes(data: Mapping) -> Iterator[tuple[str, Mapping, Mapping | None]]:
    """(path, 一级 node, group) in framework order. A framework node with ``level1`` is a level
    above 一级 (共性指标 30 / 特性指标 70); without one the paths are ``$.framework[i]``.

    >>> from toolkit.core.profile import load_profile
    >>> [(path, node["name"], group["name"]) for path, node, group in level1_nodes(load_profile("sichuan-2017").data)][2]
    ('$.framework[1].level1[0]', '项目绩效', '特性指标')
    """
    for i, node in enumerate(data["framework"]):
        if "level1" in node:
            for j, level1 in enumerate(node["level1"]):
                yield f"$.framework[{i}].level1[{j}]", level1, node
        else:
            yield f"$.framework[{i}]", node, None


def framework_rows(data: Mapping) -> Iterator[Leaf | DepartmentList]:
    """The rows of the 评分表 in order: fixed 三级 indicators (:class:`Leaf`) and the lists each
    department fills (:class:`DepartmentList`).

    >>> from toolkit.core.profile import load_profile
    >>> [type(r).__name__ for r in framework_rows(load_profile("dazhou-undated").data)][20:22]
    ['Leaf', 'DepartmentList']
    """
    for path1, level1, group in level1_nodes(data):
        if "department_rows" in level1:
            yield DepartmentList(path1, level1, None, level1, group)
            continue
        for j, level2 in enumerate(level1["children"]):
            path2 = f"{path1}.children[{j}]"
            if "department_rows" in level2:
                yield DepartmentList(path2, level1, level2, level2, group)
                continue
            for k, node in enumerate(level2["children"]):
                if "choose" in node:
                    choice = ChoiceGroup(f"{path2}.children[{k}]", node)
                    for m, option in enumerate(node["children"]):
                        yield Leaf(f"{choice.path}.children[{m}]", level1, level2, option,
                                   name=option["name"], weight=choice.weight, group=group, choice=choice)
                    continue
                yield Leaf(f"{path2}.children[{k}]", level1, level2, node,
                           name=node["name"], weight=float(node["weight"]), group=group)


def leaves(data: Mapping) -> Iterator[Leaf]:
    """Every fixed 三级 indicator of a department profile, in framework order.

    >>> from toolkit.core.profile import load_profile
    >>> [leaf.name for leaf in leaves(load_profile("shenzhen-yantian-2021").data)][:2]
    ['预算编制合理性', '预算编制规范性']
    """
    return (row for row in framework_rows(data) if isinstance(row, Leaf))


def choice_groups(data: Mapping) -> list[ChoiceGroup]:
    """The choice groups of a framework (optional indicators sharing a weight), in order.

    >>> from toolkit.core.profile import load_profile
    >>> [g.name for g in choice_groups(load_profile("sichuan-2017").data)], choice_groups(load_profile("wuhua-2023").data)
    (['效益(可选项)'], [])
    """
    groups: dict[str, ChoiceGroup] = {}
    for leaf in leaves(data):
        if leaf.choice is not None:
            groups.setdefault(leaf.choice.path, leaf.choice)
    return list(groups.values())


def leaf_inputs(leaf: Leaf) -> list[str]:
    """Every input a 三级 indicator reads: its rule's, and for an optional one its 是否适用 flag.

    >>> from toolkit.core.profile import load_profile
    >>> [leaf_inputs(l) for l in leaves(load_profile("sichuan-2017").data) if l.choice][0]
    ['economic_rate', 'economic_applies']
    """
    names = rule_inputs(leaf.node["rule"])
    if leaf.choice is not None:
        names.append(leaf.node["applies"])
    return list(dict.fromkeys(names))


def department_lists(data: Mapping) -> list[DepartmentList]:
    """The nodes whose rows each department writes (「部门特性指标」).

    >>> from toolkit.core.profile import load_profile
    >>> [(d.name, d.weight) for d in department_lists(load_profile("dazhou-undated").data)]
    [('履职成效', 20.0)]
    """
    return [row for row in framework_rows(data) if isinstance(row, DepartmentList)]


def value_inputs(spec: Mapping | None) -> list[str]:
    """Input names a value spec reads.

    >>> value_inputs({"ratio": {"num": "a", "den": ["b", "c"]}})
    ['a', 'b', 'c']
    """
    if not spec:
        return []
    if "input" in spec:
        return [spec["input"]]
    if "ratio" in spec:
        return _names(spec["ratio"]["num"]) + _names(spec["ratio"]["den"])
    if "change" in spec:
        return _names(spec["change"]["new"]) + _names(spec["change"]["old"])
    return []


def rule_inputs(rule: Mapping) -> list[str]:
    """Every input a rule (and its sub-rules) names, in order, without repeats.

    >>> rule_inputs({"method": "count_deduction", "planned": "p", "completed": "c", "per_item": 4})
    ['p', 'c']
    """
    names: list[str] = []
    if rule.get("veto"):
        names.append(rule["veto"])
    names += value_inputs(rule.get("value"))
    method = rule["method"]
    if method == "checklist":
        names += [item["input"] for item in rule["items"] if item.get("input")]
    elif method == "count_deduction":
        names += [rule[key] for key in ("planned", "completed", "unfinished") if rule.get(key)]
    elif method == "quarterly_progress":
        names += list(rule["quarters"])
    elif method == "composite":
        for part in rule["parts"]:
            names += rule_inputs(part["rule"])
    elif method == "cases":
        for case in rule["cases"]:
            for condition in case["when"]:
                names += value_inputs(condition["value"])
                if isinstance(condition["than"], Mapping):
                    names += value_inputs(condition["than"])
        if rule.get("otherwise"):
            names += rule_inputs(rule["otherwise"])
    if (rule.get("not_applicable") or {}).get("input"):
        names.append(rule["not_applicable"]["input"])
    return list(dict.fromkeys(names))


def _names(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# --- what a rule can award ------------------------------------------------------------


def award_range(rule: Mapping, weight: float) -> tuple[float, float]:
    """(least, most) a rule can award for an indicator worth ``weight``; inf when unbounded.

    >>> award_range({"method": "deduct_per_point", "value": {"input": "x"}, "limit": 0,
    ...              "per_step": 0.5, "full": 5}, 3)
    (0.0, 5.0)
    >>> award_range({"method": "quarterly_progress", "quarters": ["a", "b", "c", "d"],
    ...              "quarter_cap": None, "average_points": 2}, 6)
    (0.0, inf)
    """
    low, high = _method_range(rule, weight)
    na = rule.get("not_applicable")
    if na is not None:
        na_points = float(weight) if na.get("score", "full") == "full" else float(na["score"])
        low, high = min(low, na_points), max(high, na_points)
    return low, high


def _method_range(rule: Mapping, weight: float) -> tuple[float, float]:
    method = rule["method"]
    points = float(rule.get("points", weight))
    if method == "ratio":
        cap = rule.get("cap", 1)
        return 0.0, math.inf if cap is None else points * cap
    if method == "bands":
        values = [float(b["points"]) for b in rule["bands"]]
        return min(values), max(values)
    if method == "deduct_per_point":
        return float(rule.get("floor", 0)), float(rule.get("full", weight))
    if method == "linear":
        return 0.0, points
    if method == "checklist":
        return 0.0, float(sum(item["points"] for item in rule["items"]))
    if method == "count_deduction":
        return float(rule.get("floor", 0)), float(rule.get("full", weight))
    if method == "quarterly_progress":
        quarter_cap = rule.get("quarter_cap", 1)
        average_cap = rule.get("average_cap", 1)
        if rule.get("cap") is not None:
            return 0.0, float(rule["cap"])
        if quarter_cap is None or average_cap is None:
            return 0.0, math.inf
        per = float(rule.get("per_quarter", 1))
        return 0.0, len(rule["quarters"]) * per * quarter_cap + float(rule.get("average_points", 0)) * average_cap
    if method == "composite":
        low = high = 0.0
        for part in rule["parts"]:
            part_low, part_high = award_range(part["rule"], part["points"])
            low, high = low + part_low, high + part_high
        return low, high
    if method == "grid_completion":
        cap = rule.get("cap", 1)
        return 0.0, math.inf if cap is None else points * cap
    if method == "cases":
        values = [case_points(case, weight) for case in rule["cases"]]
        if rule.get("otherwise"):
            values += list(award_range(rule["otherwise"], weight))
        return min(values), max(values)
    return 0.0, float(rule.get("max_points", weight))  # manual


def case_points(case: Mapping, weight: float) -> float:
    """The points a case awards: a number, or ``"full"`` for the indicator's weight.

    >>> case_points({"points": "full"}, 3), case_points({"points": 2}, 3)
    (3.0, 2.0)
    """
    return float(weight) if case["points"] == "full" else float(case["points"])


# --- evaluating a rule ----------------------------------------------------------------


class Evaluator:
    """Evaluates rules over one unit's inputs; labels make the arithmetic readable.

    >>> ev = Evaluator({"p": 8.6, "a": 6.84}, {"p": {"label": "采购计划"}, "a": {"label": "实际采购"}})
    >>> ev.evaluate({"method": "ratio", "value": {"ratio": {"num": "a", "den": "p"}},
    ...              "zero_if_above": 1}, 1).score.__round__(4)
    0.7953
    """

    def __init__(self, values: Mapping[str, float | None], declared: Mapping[str, Mapping], *,
                 grid=(), grid_rules: Mapping | None = None, marked: frozenset[str] | set[str] = frozenset(),
                 row_name: str = "", row_marked: bool = False):
        self.values = values
        self.declared = declared
        self.grid = list(grid)  # rows of the 目标完成情况自评表 (toolkit.core.grid.IndicatorRow)
        self.grid_rules = grid_rules or {"no_comparator": "positive"}  # a project profile's ``quantitative``
        self.marked = set(marked)  # inputs whose cell says 不适用
        self.row_name = row_name  # the 评分表 row being scored (a grid row of the same name is its data)
        self.row_marked = row_marked  # the row's 指标实际值 says 不适用

    # value specs
    def get(self, name: str) -> float:
        value = self.values.get(name)
        if value is None:
            raise MissingInputs([name])
        return float(value)

    def need(self, names: list[str]) -> None:
        missing = list(dict.fromkeys(n for n in names if self.values.get(n) is None))
        if missing:
            raise MissingInputs(missing)

    def label(self, name: str) -> str:
        return self.declared.get(name, {}).get("label", name)

    def show(self, name: str) -> str:
        value = self.get(name)
        return fmt_percent(value) if self.declared.get(name, {}).get("type") == "percent" else fmt(value)

    def _sum(self, names) -> tuple[float, str, str]:
        names = _names(names)
        total = sum(self.get(n) for n in names)
        labels = " + ".join(self.label(n) for n in names)
        shown = " + ".join(self.show(n) for n in names)
        if len(names) > 1:
            labels, shown = f"({labels})", f"({shown})"
        return total, labels, shown

    def measure(self, spec: Mapping) -> tuple[float, str]:
        """The value a spec measures and its arithmetic (``abs``: its absolute value;
        ``zero_over_zero``: the value the rule declares when numerator and denominator are both 0).

        >>> ev = Evaluator({"a": 0.0, "b": 0.0}, {})
        >>> ev.measure({"ratio": {"num": "a", "den": "b"}, "zero_over_zero": 0})
        (0.0, 'a ÷ b = 0 ÷ 0：两者均为 0，按规则视为 0%')
        """
        value, text = self._measure(spec)
        if spec.get("abs") and value < 0:
            text += f"，取绝对值 {fmt_percent(-value)}"
            value = -value
        return value, text

    def _measure(self, spec: Mapping) -> tuple[float, str]:
        self.need(value_inputs(spec))
        if "input" in spec:
            name = spec["input"]
            return self.get(name), f"{self.label(name)} = {self.show(name)}"
        if "ratio" in spec:
            num, num_label, num_shown = self._sum(spec["ratio"]["num"])
            den, den_label, den_shown = self._sum(spec["ratio"]["den"])
            if abs(den) < EPS:
                return self._zero_denominator(spec, num, f"{num_label} ÷ {den_label} = {num_shown} ÷ {den_shown}",
                                              den_label, "比率")
            value = num / den
            return value, f"{num_label} ÷ {den_label} = {num_shown} ÷ {den_shown} = {fmt_percent(value)}"
        new, new_label, new_shown = self._sum(spec["change"]["new"])
        old, old_label, old_shown = self._sum(spec["change"]["old"])
        if abs(old) < EPS:
            return self._zero_denominator(spec, new - old, f"({new_label} − {old_label}) ÷ {old_label} = "
                                                           f"({new_shown} − {old_shown}) ÷ {old_shown}",
                                          old_label, "变动率")
        value = (new - old) / old
        return value, (f"({new_label} − {old_label}) ÷ {old_label} = ({new_shown} − {old_shown}) ÷ "
                       f"{old_shown} = {fmt_percent(value)}")

    @staticmethod
    def _zero_denominator(spec: Mapping, numerator: float, shown: str, den_label: str, what: str):
        declared = spec.get("zero_over_zero")
        if declared is not None and abs(numerator) < EPS:
            return float(declared), f"{shown}：两者均为 0，按规则视为 {fmt_percent(declared)}"
        if declared is not None:
            raise ZeroDivisionError(f"{den_label} 为 0 而分子不为 0，无法计算{what}（规则只规定了 0 ÷ 0 视为 "
                                    f"{fmt_percent(declared)}）")
        raise ZeroDivisionError(f"{den_label} 为 0，无法计算{what}")

    # rules
    def evaluate(self, rule: Mapping, weight: float) -> Outcome:
        """Score ``rule`` for an indicator worth ``weight``; raises MissingInputs or CannotCompute.

        A rule with ``not_applicable`` gives its declared score (full marks by default) when the
        indicator does not apply: its ``input`` says 是, or the clerk wrote 不适用 in an input the
        rule reads or in the row's 指标实际值. Without that key 不适用 is not a number: the input
        counts as not filled (never silently 0).

        >>> rule = {"method": "ratio", "value": {"input": "x"}, "not_applicable": {"score": "full"}}
        >>> Evaluator({"x": None}, {"x": {"label": "专项资金执行率"}}, marked={"x"}).evaluate(rule, 3).text
        '本项不适用（「专项资金执行率」填「不适用」）：按评分标准，不适用的得满分 → 3 分'
        """
        applies_not = self._not_applicable(rule, weight)
        if applies_not is not None:
            return applies_not
        if rule.get("veto"):
            self.need([rule["veto"]])
            if self.get(rule["veto"]) >= 0.5:
                return Outcome(0.0, f"{self.label(rule['veto'])}：是 → 本项 0 分")
        return getattr(self, "_" + rule["method"])(rule, weight)

    def _not_applicable(self, rule: Mapping, weight: float) -> Outcome | None:
        na = rule.get("not_applicable")
        if na is None:
            return None
        why = ""
        if na.get("input") and self.values.get(na["input"]) is not None and self.get(na["input"]) >= 0.5:
            why = f"「{self.label(na['input'])}」为「是」"
        marked = [name for name in rule_inputs(rule) if name in self.marked]
        if not why and marked:
            why = "、".join(f"「{self.label(name)}」" for name in marked) + f"填「{NOT_APPLICABLE}」"
        if not why and self.row_marked:
            why = f"指标实际值填「{NOT_APPLICABLE}」"
        if not why:
            return None
        full = na.get("score", "full") == "full"
        points = float(weight) if full else float(na["score"])
        basis = f"「{na['text']}」" if na.get("text") else ("，不适用的得满分" if full else f"，不适用的得 {fmt(points)} 分")
        return Outcome(points, f"本项不适用（{why}）：按评分标准{basis} → {fmt(points)} 分")

    def _ratio(self, rule, weight) -> Outcome:
        value, text = self.measure(rule["value"])
        points = float(rule.get("points", weight))
        limit = rule.get("zero_if_above")
        if limit is not None and value > limit + EPS:
            return Outcome(0.0, f"{text}，超过 {fmt_percent(limit)} → 0 分", value)
        if value < -EPS:
            raise CannotCompute("value_outside_rule", f"{text}：比率为负数，评分标准未规定负比率如何计分（不按 0 分处理）")
        cap = rule.get("cap", 1)
        used = value if cap is None else min(value, cap)
        capped = "（封顶 " + fmt_percent(cap) + "）" if cap is not None and value > cap else ""
        score = used * points
        text = f"{text}{capped}；{fmt_percent(used)} × {fmt(points)} = {fmt(score)}"
        if rule.get("over_deduction"):
            fraction, said = over_deduction(rule["over_deduction"], value - 1)
            if said:
                deducted = max(0.0, score - fraction * points)
                text += f"；{said}：{fmt(score)} − {fmt(points)} × {fmt_percent(fraction)} = {fmt(deducted)}"
                score = deducted
        return Outcome(score, text, value)

    def _bands(self, rule, weight) -> Outcome:
        value, text = self.measure(rule["value"])
        scale = rule.get("scale", 1)
        for band in rule["bands"]:
            if band_contains(band, value):
                return Outcome(float(band["points"]),
                               f"{text}，落在 {band_text(band, scale)} 档 → {fmt(band['points'])} 分", value)
        covered = "、".join(band_text(band, scale) for band in rule["bands"])
        raise CannotCompute("value_outside_rule", f"{text}，不在评分标准的任何一档内（各档：{covered}），"
                                                  "规则未规定此时的得分（不按 0 分处理）")

    def _deduct_per_point(self, rule, weight) -> Outcome:
        value, text = self.measure(rule["value"])
        full = float(rule.get("full", weight))
        limit = float(rule.get("limit", 0))
        step = float(rule.get("step", 0.01))
        direction = rule.get("direction", "above")
        measured = abs(value) if direction == "abs_above" else value
        beyond = (limit - measured) if direction == "below" else (measured - limit)
        if beyond <= EPS:
            return Outcome(full, f"{text}，未超出限度 {fmt_percent(limit)} → {fmt(full)} 分", value)
        steps = beyond / step
        steps = {"exact": steps, "ceil": math.ceil(steps - EPS), "floor": math.floor(steps + EPS)}[
            rule.get("steps", "exact")]
        floor = float(rule.get("floor", 0))
        score = max(floor, full - steps * float(rule["per_step"]))
        unit = "个百分点" if abs(step - 0.01) < EPS else f"档（每档 {fmt_percent(step)}）"
        shown = f"|{fmt_percent(value)}|" if direction == "abs_above" else fmt_percent(value)
        return Outcome(score, f"{text}；{shown} 超出 {fmt_percent(limit)} 共 {fmt(steps)} {unit}，"
                              f"{fmt(full)} − {fmt(steps)} × {fmt(rule['per_step'])} = {fmt(score)}"
                              + ("（扣完为止）" if score == floor else ""), value)

    def _linear(self, rule, weight) -> Outcome:
        value, text = self.measure(rule["value"])
        points = float(rule.get("points", weight))
        full_at, zero_at = float(rule["full_at"]), float(rule["zero_at"])
        share = (zero_at - value) / (zero_at - full_at)
        share = min(1.0, max(0.0, share))
        score = points * share
        if share == 1:
            how = f"达到满分线 {fmt_percent(full_at)} → {fmt(points)} 分"
        elif share == 0:
            how = f"达到零分线 {fmt_percent(zero_at)} → 0 分"
        else:
            how = (f"在 {fmt_percent(full_at)} 与 {fmt_percent(zero_at)} 之间线性计分："
                   f"{fmt(points)} × ({fmt_percent(zero_at)} − {fmt_percent(value)}) ÷ "
                   f"({fmt_percent(zero_at)} − {fmt_percent(full_at)}) = {fmt(score)}")
        return Outcome(score, f"{text}，{how}", value)

    def _checklist(self, rule, weight) -> Outcome:
        self.need([item["input"] for item in rule["items"] if item.get("input")])
        total, shown = 0.0, []
        for item in rule["items"]:
            if not item.get("input"):
                raise MissingInputs([f"{item['label']}（清单项未指定数据项）"])
            got = self.get(item["input"])
            if self.declared.get(item["input"], {}).get("type") == "yes_no":
                got = float(item["points"]) if got >= 0.5 else 0.0
            got = min(max(got, 0.0), float(item["points"]))
            total += got
            shown.append(f"{item['label']} {fmt(got)}/{fmt(item['points'])}")
        return Outcome(total, "；".join(shown) + f"；合计 {fmt(total)}")

    def _count_deduction(self, rule, weight) -> Outcome:
        full = float(rule.get("full", weight))
        if rule.get("unfinished"):
            unfinished = self.get(rule["unfinished"])
            text = f"{self.label(rule['unfinished'])} {fmt(unfinished)} 项"
        else:
            self.need([rule["planned"], rule["completed"]])
            planned, completed = self.get(rule["planned"]), self.get(rule["completed"])
            unfinished = max(0.0, planned - completed)
            text = f"未完成 = {fmt(planned)} − {fmt(completed)} = {fmt(unfinished)} 项"
        floor = float(rule.get("floor", 0))
        score = max(floor, full - unfinished * float(rule["per_item"]))
        return Outcome(score, f"{text}；{fmt(full)} − {fmt(unfinished)} × {fmt(rule['per_item'])} = {fmt(score)}"
                       + ("（扣完为止）" if score == floor and unfinished else ""))

    def _quarterly_progress(self, rule, weight) -> Outcome:
        quarters = rule["quarters"]
        self.need(list(quarters))
        schedule = rule.get("schedule") or [(i + 1) / len(quarters) for i in range(len(quarters))]
        per = float(rule.get("per_quarter", 1))
        quarter_cap = rule.get("quarter_cap", 1)
        total, ratios, shown = 0.0, [], []
        for index, (name, due) in enumerate(zip(quarters, schedule), start=1):
            progress = self.get(name)
            ratio = progress / due
            used = ratio if quarter_cap is None else min(ratio, quarter_cap)
            ratios.append(used)
            total += used * per
            shown.append(f"第{index}季度 {fmt_percent(progress)} ÷ {fmt_percent(due)}"
                         + (f" → 封顶 {fmt(quarter_cap)}" if quarter_cap is not None and ratio > quarter_cap else "")
                         + f" × {fmt(per)} = {fmt(used * per)}")
        average_points = float(rule.get("average_points", 0))
        if average_points:
            basis = rule.get("average_basis", "progress")
            values = [self.get(n) for n in quarters] if basis == "progress" else ratios
            average = sum(values) / len(values)
            average_cap = rule.get("average_cap", 1)
            used = average if average_cap is None else min(average, average_cap)
            what = "各季度支出进度" if basis == "progress" else "各季度进度 ÷ 序时进度"
            total += used * average_points
            shown.append(f"全年平均（{what}之平均）{fmt_percent(average)} × {fmt(average_points)} = "
                         f"{fmt(used * average_points)}")
        cap = rule.get("cap")
        text = "；".join(shown) + f"；合计 {fmt(total)}"
        if cap is not None and total > cap:
            text += f"，封顶 {fmt(cap)}"
            total = float(cap)
        return Outcome(total, text)

    def _composite(self, rule, weight) -> Outcome:
        total, shown = 0.0, []
        missing: list[str] = []
        outcomes = []
        for part in rule["parts"]:
            try:
                outcomes.append((part, self.evaluate(part["rule"], part["points"])))
            except MissingInputs as exc:
                missing += exc.names
        if missing:
            raise MissingInputs(list(dict.fromkeys(missing)))
        for part, outcome in outcomes:
            total += outcome.score
            shown.append(f"{part['label']}：{outcome.text}")
        sum_text = " + ".join(fmt(o.score) for _, o in outcomes)
        return Outcome(total, "；".join(shown) + f"；合计 {sum_text} = {fmt(total)}",
                       notes=[note for _, o in outcomes for note in o.notes])

    def _manual(self, rule, weight) -> Outcome:
        raise NotImplementedError("manual rules are judged, not computed")

    # -- the 目标完成情况自评表 grid -------------------------------------------------------
    def grid_rows(self, select: Mapping) -> list:
        """The grid rows a rule's ``select`` names: ``same_name`` (the row of the 评分表 row's own
        name), ``indicators`` (names), ``level1`` / ``level2`` (labels); blanks ignored.

        >>> from toolkit.core.model import CellValue
        >>> row = type("Row", (), {"level1": "产出指标", "level2": "数量指标", "level3": CellValue("D5", "培训人次"),
        ...                        "target": CellValue("E5", "≥120人次"), "actual": CellValue("F5", "126人次")})()
        >>> len(Evaluator({}, {}, grid=[row], row_name="培训 人次").grid_rows({"same_name": True}))
        1
        """
        def squash(text) -> str:
            return "".join(str(text or "").split())
        rows = [row for row in self.grid if row.level3.text or row.target.text or row.actual.text]
        if select.get("same_name"):
            rows = [row for row in rows if squash(row.level3.text) == squash(self.row_name)]
        if select.get("indicators"):
            names = {squash(name) for name in select["indicators"]}
            rows = [row for row in rows if squash(row.level3.text) in names]
        for key in ("level1", "level2"):
            if select.get(key):
                rows = [row for row in rows if squash(select[key]) in squash(getattr(row, key))]
        return rows

    def grid_completion(self, row, cap, deduction) -> tuple[float, str]:
        """One grid row's completion: 正向 实际 ÷ 预期, 反向 预期 ÷ 实际, capped, less the banded
        over-achievement deduction (as a share of the points); direction and inferences stated.

        >>> from toolkit.core.model import CellValue
        >>> row = type("Row", (), {"level1": "产出指标", "level2": "成本指标", "level3": CellValue("D6", "办公成本"),
        ...                        "target": CellValue("E6", "≤50万元"), "actual": CellValue("F6", "60万元")})()
        >>> Evaluator({}, {}).grid_completion(row, 1, None)
        (0.8333333333333334, '「办公成本」反向「不高于 ≤」：预期 ÷ 实际 = 50万元 ÷ 60万元 = 83.33%')
        """
        name = row.level3.text
        target = parse_indicator_value(row.target.value, row.target.number_format)
        actual = parse_indicator_value(row.actual.value, row.actual.number_format)
        where = f"目标完成情况表「{name}」（{row.target.ref}、{row.actual.ref}）"
        for parsed, what in ((target, "预期指标值"), (actual, "实际完成指标值")):
            if parsed.kind == "empty":
                raise CannotCompute("inputs_missing", f"{where}{what}未填")
            if parsed.kind == "not_applicable":
                raise CannotCompute("inputs_missing", f"{where}{what}为「{NOT_APPLICABLE}」，本项规则未规定不适用时如何计分")
        reading = compare(target, actual, f"{row.level2} {name}".strip(), self.grid_rules)
        if reading.problem is not None:
            raise CannotCompute("inputs_invalid", f"{where}：{reading.problem.message}")
        if reading.direction is None:
            raise CannotCompute("inputs_invalid", f"{where}：预期「{target.text}」、实际「{actual.text}」不是可相除的"
                                                  "数量（定性指标），须人工评分")
        if reading.target_value.date or reading.actual_value.date:
            raise CannotCompute("inputs_invalid", f"{where}：预期「{target.text}」、实际「{actual.text}」是日期，"
                                                  "不能按比例计分，须人工评分")
        t, a = reading.target, reading.actual
        written = reading.target_value if (reading.target_value.unit or reading.target_value.percent) else reading.actual_value
        scale = written.scale or 1  # show the numbers in the unit as written (531万亩, not 5310000)
        unit = "%" if written.percent else reading.unit
        shown_t, shown_a = f"{fmt(t / scale)}{unit}", f"{fmt(a / scale)}{unit}"
        reverse = reading.direction in ("<=", "<")
        said = [] if reading.direction_source == "comparator" else [reading.direction_text]
        said += [note.message for note in reading.notes if note.code != "direction_inferred"]
        inferred = f"（{'；'.join(said)}）" if said else ""
        if reverse:
            if a <= EPS and t >= -EPS:
                ratio, how = 1.0, f"反向{DIRECTION_TEXT[reading.direction]}：实际 {shown_a} 不超过预期 {shown_t} → 100%"
            elif t <= EPS:
                raise CannotCompute("inputs_invalid", f"{where}：预期为 {fmt(t)}，反向指标不能按 预期 ÷ 实际 计算")
            else:
                ratio = t / a
                how = f"反向{DIRECTION_TEXT[reading.direction]}：预期 ÷ 实际 = {shown_t} ÷ {shown_a} = {fmt_percent(ratio)}"
        else:
            if t <= EPS:
                raise CannotCompute("inputs_invalid", f"{where}：预期为 {fmt(t)}，不能按 实际 ÷ 预期 计算，须人工评分")
            ratio = a / t
            how = f"正向{DIRECTION_TEXT[reading.direction]}：实际 ÷ 预期 = {shown_a} ÷ {shown_t} = {fmt_percent(ratio)}"
        if ratio < -EPS:
            raise CannotCompute("value_outside_rule", f"{where}：{how}，完成率为负数，规则未规定如何计分")
        used = ratio if cap is None else min(ratio, cap)
        text = f"「{name}」{how}{inferred}" + (f"，封顶 {fmt_percent(cap)}" if cap is not None and ratio > cap else "")
        if deduction and not reverse:
            fraction, said_band = over_deduction(deduction, (a - t) / t)
            if said_band:
                text += f"；{said_band}"
                used = max(0.0, used - fraction)
        elif deduction and reverse:
            text += "；反向指标不计超额扣分"
        return used, text

    def _grid_completion(self, rule, weight) -> Outcome:
        points = float(rule.get("points", weight))
        select = rule.get("select", {"same_name": True})
        rows = self.grid_rows(select)
        if not rows:
            what = f"名为「{self.row_name}」的指标" if select.get("same_name") else "规则所选的指标"
            raise CannotCompute("inputs_missing", f"目标完成情况自评表中没有{what}（预期值、实际值从该表读取）")
        cap = rule.get("cap", 1)
        shares, texts = [], []
        for row in rows:
            used, text = self.grid_completion(row, cap, rule.get("over_deduction"))
            shares.append(used)
            texts.append(text)
        if len(rows) == 1:
            score = points * shares[0]
            # no measure: the 指标实际值 a clerk writes here is the actual value, not this share
            return Outcome(score, f"{texts[0]}；得分 = {fmt(points)} × {fmt_percent(shares[0])} = {fmt(score)}")
        average = sum(shares) / len(shares)
        score = points * average
        listed = " + ".join(fmt_percent(share) for share in shares)
        return Outcome(score, "；".join(texts) + f"；{len(rows)} 项平均 ({listed}) ÷ {len(rows)} = {fmt_percent(average)}，"
                                                 f"得分 = {fmt(points)} × {fmt_percent(average)} = {fmt(score)}")

    # -- cases comparing amounts -------------------------------------------------------------
    def operand(self, spec) -> tuple[float, str]:
        """A number written in the rule, or a value spec measured.

        >>> Evaluator({"b": 12.5}, {"b": {"label": "本年结余"}}).operand({"input": "b"}), Evaluator({}, {}).operand(0)
        ((12.5, '本年结余（12.5）'), (0.0, '0'))
        """
        if isinstance(spec, Mapping):
            value, text = self.measure(spec)
            return value, text.split(" = ")[0] + f"（{fmt_value(spec, value, self)}）"
        return float(spec), fmt(spec)

    def _cases(self, rule, weight) -> Outcome:
        names = [n for case in rule["cases"] for cond in case["when"] for n in value_inputs(cond["value"])
                 + (value_inputs(cond["than"]) if isinstance(cond["than"], Mapping) else [])]
        self.need(names)
        facts = []
        for case in rule["cases"]:
            held = []
            for cond in case["when"]:
                left, left_text = self.operand(cond["value"])
                right, right_text = self.operand(cond["than"])
                if not compare_numbers(left, cond["op"], right):
                    break
                held.append(f"{left_text} {OP_TEXT[cond['op']]} {right_text}")
            else:
                points = case_points(case, weight)
                facts.append("，".join(held))
                return Outcome(points, f"{'；'.join(facts)}：属「{case['label']}」→ {fmt(points)} 分")
        if rule.get("otherwise"):
            outcome = self.evaluate(rule["otherwise"], weight)
            return Outcome(outcome.score, f"不属于所列情形，按其余情形计分：{outcome.text}", outcome.measure,
                           notes=outcome.notes)
        values = "，".join(f"{self.label(n)} = {self.show(n)}" for n in dict.fromkeys(names))
        listed = "；".join(case["label"] for case in rule["cases"])
        raise CannotCompute("value_outside_rule", f"{values}：不属于评分标准所列的任何情形（{listed}），规则未规定此时的得分")


OP_TEXT = {"<": "<", "<=": "≤", "=": "=", ">=": "≥", ">": ">"}


def compare_numbers(left: float, op: str, right: float) -> bool:
    """``left op right`` with the tolerance of money amounts written to the cent.

    >>> compare_numbers(0.1 + 0.2, "=", 0.3), compare_numbers(2, "<=", 2)
    (True, True)
    """
    if op == "=":
        return abs(left - right) < 1e-6
    if op == "<=":
        return left <= right + 1e-6
    if op == ">=":
        return left >= right - 1e-6
    if op == "<":
        return left < right - 1e-6
    return left > right + 1e-6


def fmt_value(spec: Mapping, value: float, evaluator: Evaluator) -> str:
    """A measured value as shown: an input in its own type, a ratio as a percentage.

    >>> fmt_value({"ratio": {"num": "a", "den": "b"}}, 0.5, Evaluator({}, {}))
    '50%'
    """
    if "input" in spec and not spec.get("abs"):
        return evaluator.show(spec["input"])
    return fmt_percent(value)


def over_deduction(spec: Mapping, over: float) -> tuple[float, str]:
    """(share of the points deducted, the explanation) for an over-achievement ``over`` =
    (实际 − 预期) ÷ 预期 by the bands of ``spec`` (bands written as real limits; lower bound
    included by default). Below every band: no deduction.

    >>> bands = {"bands": [{"min": 2, "max": 3, "fraction": 0.1}, {"min": 3, "max": 5, "fraction": 0.2},
    ...                    {"min": 5, "fraction": 0.3}]}
    >>> over_deduction(bands, 2.5)
    (0.1, '超额 250%，属 [200%, 300%) 档，扣分值的 10%')
    >>> over_deduction(bands, 0.4)
    (0.0, '')
    """
    for band in spec["bands"]:
        if band_contains(band, over):
            return float(band["fraction"]), (f"超额 {fmt_percent(over)}，属 {band_text(band)} 档，"
                                             f"扣分值的 {fmt_percent(band['fraction'])}")
    return 0.0, ""


def band_contains(band: Mapping, value: float) -> bool:
    """Whether ``value`` lies in a band (min inclusive, max exclusive unless stated).

    >>> band_contains({"min": 0.9, "max": 1, "max_inclusive": True, "points": 2}, 1.0)
    True
    """
    low, high = band.get("min"), band.get("max")
    if low is not None:
        if value < low - EPS or (not band.get("min_inclusive", True) and value <= low + EPS):
            return False
    if high is not None:
        if value > high + EPS or (not band.get("max_inclusive", False) and value >= high - EPS):
            return False
    return True


def band_text(band: Mapping, scale: float = 1) -> str:
    """Interval notation of a band, rates shown as percentages.

    >>> band_text({"min": 0.9, "max": 1, "max_inclusive": True, "points": 2})
    '[90%, 100%]'
    """
    def show(value):
        return fmt_percent(value) if scale == 1 else fmt(value)
    low = "−∞" if band.get("min") is None else show(band["min"])
    if band.get("min") is None and scale == 1:
        low = "0"
    high = "+∞" if band.get("max") is None else show(band["max"])
    left = "[" if band.get("min_inclusive", True) and band.get("min") is not None else "("
    if band.get("min") is None:
        left = "["
    right = "]" if band.get("max_inclusive", False) and band.get("max") is not None else ")"
    if band.get("min") is not None and band.get("min") == band.get("max"):
        return f"= {low}"  # a single value: 「预算调整率 = 0」
    return f"{left}{low}, {high}{right}"


# --- the checker ------------------------------------------------------------------------


def check_department_profile(data: Mapping) -> list[Problem]:
    """Semantic checks of a department profile (after the JSON Schema); Chinese messages.

    Weights add up (children to parent, 一级 to 100), names and ids are unique, every input a
    rule names is declared, no rule can award more than its weight or less than 0, bands
    cover their domain, the published results table and declared counts agree with the tree.

    >>> from toolkit.core.profile import load_profile
    >>> check_department_profile(load_profile("wuhua-2023").data)
    []
    """
    problems: list[Problem] = []
    add = problems.append
    declared = {item["id"]: item for item in data.get("inputs", [])}
    seen_inputs: set[str] = set()
    for index, item in enumerate(data.get("inputs", [])):
        if item["id"] in seen_inputs:
            add(Problem("duplicate_input", "error", f"$.inputs[{index}]",
                        f"基础数据项编号「{item['id']}」重复"))
        seen_inputs.add(item["id"])

    framework = data["framework"]
    problems += _check_groups(data)
    total = sum(node["weight"] for node in framework)
    if abs(total - 100) > 1e-6:
        add(Problem("weights_total", "error", "$.framework",
                    f"一级指标分值合计 {' + '.join(fmt(n['weight']) for n in framework)} = {fmt(total)}，应为 100"))
    ids: dict[str, str] = {}
    level3_names: dict[str, str] = {}

    def note_id(node: Mapping, path: str) -> None:
        if node["id"] in ids:
            add(Problem("duplicate_id", "error", path, f"指标编号「{node['id']}」与 {ids[node['id']]} 重复"))
        ids.setdefault(node["id"], path)

    def check_children(node: Mapping, path: str, label: str) -> None:
        if "department_rows" in node:
            return  # its rows are the department's: their sum is checked in the workbook
        children = node["children"]
        child_sum = sum(child["weight"] for child in children)
        if abs(child_sum - node["weight"]) > 1e-6:
            add(Problem("weights_children", "error", path,
                        f"{label}「{node['name']}」分值 {fmt(node['weight'])}，其下指标分值合计 "
                        f"{' + '.join(fmt(c['weight']) for c in children)} = {fmt(child_sum)}，不相等"))
        names: set[str] = set()
        for index, child in enumerate(children):
            if child["name"] in names:
                add(Problem("duplicate_name", "error", f"{path}.children[{index}]",
                            f"「{node['name']}」下的指标名称「{child['name']}」重复"))
            names.add(child["name"])

    for path1, level1, group in level1_nodes(data):
        note_id(level1, path1)
        check_children(level1, path1, "一级指标")
        for j, level2 in enumerate(level1.get("children", [])):
            path2 = f"{path1}.children[{j}]"
            note_id(level2, path2)
            check_children(level2, path2, "二级指标")
    for i, node in enumerate(framework):
        if "level1" in node:
            note_id(node, f"$.framework[{i}]")
    used: set[str] = set()
    if department_lists(data):  # the rows a department writes are told apart by their 一级/二级 labels
        level1_names: dict[str, str] = {}
        for path1, level1, _ in level1_nodes(data):
            if level1["name"] in level1_names:
                add(Problem("duplicate_name", "error", path1,
                            f"一级指标名称「{level1['name']}」与 {level1_names[level1['name']]} 重复：部门自定指标的行按"
                            "一级、二级指标名称归属，名称须唯一"))
            level1_names.setdefault(level1["name"], path1)
    for listed in department_lists(data):
        problems += _check_department_list(listed, declared)
        for _, rule in listed.rules():
            used.update(rule_inputs(rule))
    for choice in choice_groups(data):
        note_id(choice.node, choice.path)
        problems += _check_choice_group(choice, declared)
    for leaf in leaves(data):
        note_id(leaf.node, leaf.path)
        if leaf.name in level3_names:
            add(Problem("duplicate_name", "error", leaf.path,
                        f"三级指标名称「{leaf.name}」与 {level3_names[leaf.name]} 重复（评分表按名称对应指标）"))
        level3_names.setdefault(leaf.name, leaf.path)
        problems += check_rule(leaf.node["rule"], leaf.weight, f"{leaf.path}.rule", leaf.name, declared)
        used.update(leaf_inputs(leaf))
    for index, item in enumerate(data.get("inputs", [])):
        if item["id"] not in used:
            add(Problem("input_unused", "warning", f"$.inputs[{index}]",
                        f"基础数据项「{item['label']}」（{item['id']}）没有任何规则使用"))

    problems += _check_results_table(data)
    problems += _check_counts(data)
    if data.get("judgement_tiers"):
        problems += check_bands(data["judgement_tiers"], "$.judgement_tiers", label="人工评分档次")
    return problems


def check_rule(rule: Mapping, weight: float, path: str, name: str,
               declared: Mapping[str, Mapping]) -> list[Problem]:
    """Checks of one rule: award range within [0, weight], inputs declared, bands cover.

    >>> [p.code for p in check_rule({"method": "deduct_per_point", "value": {"input": "x"},
    ...     "limit": 0, "per_step": 0.5, "full": 5}, 3, "$.r", "三公经费变动率", {"x": {}})]
    ['rule_exceeds_weight']
    """
    problems: list[Problem] = []
    low, high = award_range(rule, weight)
    if high > weight + 1e-6:
        shown = "无上限" if math.isinf(high) else f"{fmt(high)} 分"
        problems.append(Problem("rule_exceeds_weight", "error", path,
                                f"「{name}」分值 {fmt(weight)}，但其评分规则最高可得 {shown}，超过分值"))
    elif high < weight - 1e-6 and rule["method"] != "manual":
        problems.append(Problem("rule_below_weight", "warning", path,
                                f"「{name}」分值 {fmt(weight)}，但其评分规则最高只能得 {fmt(high)} 分，无法得满分"))
    if low < -1e-9:
        problems.append(Problem("rule_below_zero", "error", path,
                                f"「{name}」的评分规则最低可得 {fmt(low)} 分，低于 0"))
    for input_name in rule_inputs(rule):
        if input_name not in declared:
            problems.append(Problem("input_undeclared", "error", path,
                                    f"「{name}」的评分规则使用了未声明的基础数据项「{input_name}」"))
    method = rule["method"]
    na = rule.get("not_applicable") or {}
    if na.get("input") and declared.get(na["input"], {}).get("type") not in (None, "yes_no"):
        problems.append(Problem("checklist_input_type", "error", f"{path}.not_applicable.input",
                                f"「{name}」的不适用标记「{na['input']}」应为 yes_no（是/否）数据项"))
    if rule.get("over_deduction"):
        problems += _check_deduction_bands(rule["over_deduction"], f"{path}.over_deduction", name)
    if method == "bands":
        problems += _check_rule_bands(rule, path, name)
    if method == "cases":
        problems += _check_cases(rule, weight, path, name, declared)
    if method == "linear" and abs(rule["full_at"] - rule["zero_at"]) < EPS:
        problems.append(Problem("linear_empty", "error", path, f"「{name}」线性计分的满分线与零分线相同"))
    if method == "quarterly_progress" and rule.get("schedule") and len(rule["schedule"]) != len(rule["quarters"]):
        problems.append(Problem("schedule_length", "error", path,
                                f"「{name}」序时进度个数与季度个数不一致"))
    if method == "checklist":
        for index, item in enumerate(rule["items"]):
            kind = declared.get(item.get("input", ""), {}).get("type")
            if item.get("input") and kind not in (None, "yes_no", "points"):
                problems.append(Problem("checklist_input_type", "error", f"{path}.items[{index}]",
                                        f"「{name}」清单项「{item['label']}」的数据项类型应为 yes_no 或 points"))
    if method == "composite":
        for index, part in enumerate(rule["parts"]):
            problems += check_rule(part["rule"], part["points"], f"{path}.parts[{index}].rule",
                                   f"{name}·{part['label']}", declared)
        part_sum = sum(part["points"] for part in rule["parts"])
        if abs(part_sum - weight) > 1e-6 and part_sum > weight:
            problems.append(Problem("rule_exceeds_weight", "error", path,
                                    f"「{name}」分值 {fmt(weight)}，子规则分值合计 {fmt(part_sum)}，超过分值"))
    return problems


def _check_groups(data: Mapping) -> list[Problem]:
    """A level above 一级 (共性 / 特性): its 一级 nodes add up to its weight.

    >>> from toolkit.core.profile import load_profile
    >>> _check_groups(load_profile("sichuan-2017").data)
    []
    """
    problems = []
    for i, node in enumerate(data["framework"]):
        if "level1" not in node:
            continue
        total = sum(child["weight"] for child in node["level1"])
        if abs(total - node["weight"]) > 1e-6:
            problems.append(Problem("weights_children", "error", f"$.framework[{i}]",
                                    f"「{node['name']}」分值 {fmt(node['weight'])}，其下一级指标分值合计 "
                                    f"{' + '.join(fmt(c['weight']) for c in node['level1'])} = {fmt(total)}，不相等"))
    return problems


def _check_department_list(listed: DepartmentList, declared: Mapping[str, Mapping]) -> list[Problem]:
    """The profile side of a department-defined list: each rule a row may follow, checked for a row
    worth the whole list (the most one row can be worth), labels unique.

    >>> from toolkit.core.profile import load_profile
    >>> _check_department_list(department_lists(load_profile("dazhou-undated").data)[0], {})
    []
    """
    problems: list[Problem] = []
    labels: set[str] = set()
    for index, (label, rule) in enumerate(listed.rules()):
        where = f"{listed.path}.department_rows.rules[{index}]"
        if label in labels:
            problems.append(Problem("duplicate_name", "error", where, f"「{listed.name}」的可选规则名称「{label}」重复"))
        labels.add(label)
        problems += check_rule(rule, listed.weight, f"{where}.rule", f"{listed.name}·{label}", declared)
    return problems


# Rules whose award scales with the weight they are given: an optional indicator's weight is its
# share of the group's, known only once the department has chosen.
SCALING_METHODS = ("ratio", "grid_completion", "linear", "manual")


def _check_choice_group(choice: ChoiceGroup, declared: Mapping[str, Mapping]) -> list[Problem]:
    """A choice group: at least two options, ``min`` ≤ ``max`` ≤ options, each option's 是否适用 a
    declared yes/no input of its own, and each option's rule scaling with its share.

    >>> from toolkit.core.profile import load_profile
    >>> data = load_profile("sichuan-2017").data
    >>> _check_choice_group(choice_groups(data)[0], {i["id"]: i for i in data["inputs"]})
    []
    """
    problems: list[Problem] = []
    path, name = choice.path, choice.name
    options = choice.options
    if len(options) < 2:
        problems.append(Problem("choice_invalid", "error", f"{path}.children",
                                f"可选指标组「{name}」只有 {len(options)} 项：可选组至少要有两项"))
    most = choice.most if choice.most is not None else len(options)
    if not 1 <= choice.least <= most <= len(options):
        problems.append(Problem("choice_invalid", "error", f"{path}.choose",
                                f"可选指标组「{name}」至少选 {choice.least} 项、至多选 {most} 项，"
                                f"但组内只有 {len(options)} 项"))
    flags: dict[str, str] = {}
    for index, option in enumerate(options):
        where = f"{path}.children[{index}]"
        applies = option["applies"]
        if applies not in declared:
            problems.append(Problem("input_undeclared", "error", f"{where}.applies",
                                    f"可选指标「{option['name']}」的「是否适用」使用了未声明的基础数据项「{applies}」"))
        elif declared[applies].get("type") != "yes_no":
            problems.append(Problem("checklist_input_type", "error", f"{where}.applies",
                                    f"可选指标「{option['name']}」的「是否适用」数据项「{applies}」应为 yes_no（是/否）"))
        if applies in flags:
            problems.append(Problem("choice_invalid", "error", f"{where}.applies",
                                    f"可选指标「{option['name']}」与「{flags[applies]}」共用「是否适用」数据项「{applies}」"))
        flags.setdefault(applies, option["name"])
        rule = option["rule"]
        if rule["method"] not in SCALING_METHODS or "points" in rule:
            problems.append(Problem("choice_invalid", "error", f"{where}.rule",
                                    f"可选指标「{option['name']}」的分值随选用项数变化（{fmt(choice.weight)} ÷ 选用项数），"
                                    f"其规则须按分值比例计分（{'、'.join(SCALING_METHODS)}，不写固定的 points）"))
    return problems


def _check_deduction_bands(spec: Mapping, path: str, name: str) -> list[Problem]:
    """Over-achievement deduction bands: from the first band's lower limit up, no gap and no
    overlap (below it nothing is deducted).

    >>> _check_deduction_bands({"bands": [{"min": 2, "max": 3, "fraction": 0.1},
    ...                                   {"min": 3.5, "fraction": 0.2}]}, "$.r", "产出")[0].code
    'bands_gap'
    """
    start = min((band.get("min") if band.get("min") is not None else -math.inf) for band in spec["bands"])
    shaped = {"bands": [dict(band, points=band["fraction"]) for band in spec["bands"]],
              "domain": {"min": None if math.isinf(start) else start, "max": None}}
    return _check_rule_bands(shaped, path, f"{name}·超额扣分")


def _check_cases(rule: Mapping, weight: float, path: str, name: str,
                 declared: Mapping[str, Mapping]) -> list[Problem]:
    """Every combination of the compared amounts must fall in a case (or ``otherwise``): tried on
    0, 1, 2 and each threshold the rule writes (and just either side of it) for each input, so 0 and
    0 (无结余、无结转), equal amounts and both sides of every limit are always tried.

    >>> rule = {"method": "cases", "cases": [
    ...     {"label": "结余不超过上年结转", "points": 2, "when": [{"value": {"input": "b"}, "op": "<", "than": {"input": "c"}}]}]}
    >>> [p.message for p in _check_cases(rule, 3, "$.r", "资金结余", {})][0]
    '「资金结余」的情形未覆盖 b = 0、c = 0（两者均为 0）：规则须写明此时的得分'
    """
    problems: list[Problem] = []
    if rule.get("otherwise"):
        problems += check_rule(rule["otherwise"], weight, f"{path}.otherwise", name, declared)
        return problems
    names = list(dict.fromkeys(n for case in rule["cases"] for cond in case["when"] for n in
                               value_inputs(cond["value"]) + (value_inputs(cond["than"])
                                                              if isinstance(cond["than"], Mapping) else [])))[:4]
    # 0, 1 and 2 for each input, plus each threshold written in the rule and just either side of it
    constants = [float(c["than"]) for case in rule["cases"] for c in case["when"] if not isinstance(c["than"], Mapping)]
    candidates = sorted({0.0, 1.0, 2.0} | {v for c in constants for v in (c, c + 1e-3, c - 1e-3) if v >= 0})
    if len(candidates) ** len(names) > 5000:
        candidates = [0.0, 1.0, 2.0]
    for combo in itertools.product(candidates, repeat=len(names)):
        ev = Evaluator(dict(zip(names, combo)), {})
        try:
            ev.evaluate(rule, weight)
        except (CannotCompute, ZeroDivisionError):
            shown = "、".join(f"{n} = {fmt(v)}" for n, v in zip(names, combo))
            zero = "（两者均为 0）" if not any(combo) else ""
            problems.append(Problem("cases_uncovered", "error", path,
                                    f"「{name}」的情形未覆盖 {shown}{zero}：规则须写明此时的得分"))
            break
        except MissingInputs:
            break
    return problems


def _check_rule_bands(rule: Mapping, path: str, name: str) -> list[Problem]:
    """Bands must cover the rule's domain (default [0, +∞)) without gap or overlap.

    >>> [p.code for p in _check_rule_bands({"bands": [{"max": 0.05, "points": 1},
    ...     {"min": 0.05, "max": 0.1, "max_inclusive": True, "points": 0.5}]}, "$.r", "编外")]
    ['bands_gap']
    """
    problems: list[Problem] = []
    domain = rule.get("domain", {"min": 0, "max": None})
    ordered = sorted(enumerate(rule["bands"]),
                     key=lambda pair: -math.inf if pair[1].get("min") is None else pair[1]["min"])
    cursor = -math.inf if domain.get("min") is None else domain["min"]
    open_point = True  # True while the point `cursor` itself is not yet covered
    for position, (index, band) in enumerate(ordered):
        where = f"{path}.bands[{index}]"
        low = -math.inf if band.get("min") is None else band["min"]
        low_inc = band.get("min_inclusive", True)
        if band.get("min") is None and position == 0:
            pass  # open below: covers the domain's start
        elif low < cursor - EPS or (abs(low - cursor) < EPS and low_inc and not open_point):
            problems.append(Problem("bands_overlap", "error", where,
                                    f"「{name}」的计分档 {band_text(band)} 与前一档重叠"))
        elif low > cursor + EPS or (abs(low - cursor) < EPS and open_point and not low_inc):
            left = "[" if open_point else "("
            right = ")" if low_inc else "]"
            problems.append(Problem("bands_gap", "error", where,
                                    f"「{name}」的计分档未覆盖 {left}{fmt_percent(cursor)}, {fmt_percent(low)}{right}"))
        if band.get("max") is None:
            return problems
        cursor, open_point = band["max"], not band.get("max_inclusive", False)
    if domain.get("max") is None or cursor < domain["max"] - EPS:
        problems.append(Problem("bands_gap", "error", path,
                                f"「{name}」的计分档未覆盖 {fmt_percent(cursor)} 以上"))
    return problems


def _check_results_table(data: Mapping) -> list[Problem]:
    table = data.get("results_table")
    if not table:
        return []
    problems: list[Problem] = []
    by_id = {leaf.node["id"]: leaf for leaf in leaves(data)}
    listed: set[str] = set()
    for index, row in enumerate(table):
        leaf = by_id.get(row["indicator"])
        where = f"$.results_table[{index}]"
        if leaf is None:
            problems.append(Problem("results_unknown", "error", where,
                                    f"结果表中的「{row.get('name', row['indicator'])}」在指标体系中不存在"))
            continue
        listed.add(row["indicator"])
        if abs(row["weight"] - leaf.weight) > 1e-6:
            problems.append(Problem("results_weight", "error", where,
                                    f"结果表中「{row.get('name', leaf.name)}」满分 {fmt(row['weight'])}，"
                                    f"指标体系中「{leaf.name}」分值 {fmt(leaf.weight)}，不一致"))
    for leaf_id, leaf in by_id.items():
        if leaf_id not in listed:
            problems.append(Problem("results_missing", "error", leaf.path,
                                    f"指标体系中的三级指标「{leaf.level2['name']} / {leaf.name}」（{fmt(leaf.weight)} 分）"
                                    "在结果表中没有对应行"))
    total = sum(row["weight"] for row in table)
    if abs(total - 100) > 1e-6:
        problems.append(Problem("results_total", "error", "$.results_table",
                                f"结果表满分合计 {fmt(total)}，应为 100"))
    return problems


def _check_counts(data: Mapping) -> list[Problem]:
    """The counts the report's text declares (「34 个三级指标」) against the framework."""
    counts = data.get("declared_counts") or {}
    level1 = [node for _, node, _ in level1_nodes(data)]
    actual = {"level1": len(level1),
              "level2": sum(len(n.get("children", [])) for n in level1),
              "level3": sum(1 for _ in leaves(data))}
    labels = {"level1": "一级", "level2": "二级", "level3": "三级"}
    return [Problem("declared_count", "error", f"$.declared_counts.{key}",
                    f"文字说明{labels[key]}指标 {counts[key]} 个，指标体系实有 {actual[key]} 个")
            for key in ("level1", "level2", "level3") if key in counts and counts[key] != actual[key]]
