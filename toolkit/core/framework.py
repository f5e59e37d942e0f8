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

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from toolkit.core.arith import fmt, fmt_percent
from toolkit.core.bands import check_bands
from toolkit.core.problems import Problem

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
}
EPS = 1e-9


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


# --- walking the tree ------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A 三级 indicator with its ancestors, JSON path, name and weight."""

    path: str
    level1: Mapping
    level2: Mapping
    node: Mapping
    name: str = ""
    weight: float = 0.0


def leaves(data: Mapping) -> Iterator[Leaf]:
    """Every 三级 indicator of a department profile, in framework order.

    >>> from toolkit.core.profile import load_profile
    >>> [leaf.name for leaf in leaves(load_profile("shenzhen-yantian-2021").data)][:2]
    ['预算编制合理性', '预算编制规范性']
    """
    for i, level1 in enumerate(data["framework"]):
        for j, level2 in enumerate(level1["children"]):
            for k, node in enumerate(level2["children"]):
                yield Leaf(f"$.framework[{i}].children[{j}].children[{k}]", level1, level2, node,
                           name=node["name"], weight=float(node["weight"]))


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
    return 0.0, float(rule.get("max_points", weight))  # manual


# --- evaluating a rule ----------------------------------------------------------------


class Evaluator:
    """Evaluates rules over one unit's inputs; labels make the arithmetic readable.

    >>> ev = Evaluator({"p": 8.6, "a": 6.84}, {"p": {"label": "采购计划"}, "a": {"label": "实际采购"}})
    >>> ev.evaluate({"method": "ratio", "value": {"ratio": {"num": "a", "den": "p"}},
    ...              "zero_if_above": 1}, 1).score.__round__(4)
    0.7953
    """

    def __init__(self, values: Mapping[str, float | None], declared: Mapping[str, Mapping]):
        self.values = values
        self.declared = declared

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
        """The value a spec measures and its arithmetic."""
        self.need(value_inputs(spec))
        if "input" in spec:
            name = spec["input"]
            return self.get(name), f"{self.label(name)} = {self.show(name)}"
        if "ratio" in spec:
            num, num_label, num_shown = self._sum(spec["ratio"]["num"])
            den, den_label, den_shown = self._sum(spec["ratio"]["den"])
            if abs(den) < EPS:
                raise ZeroDivisionError(f"{den_label} 为 0，无法计算比率")
            value = num / den
            return value, f"{num_label} ÷ {den_label} = {num_shown} ÷ {den_shown} = {fmt_percent(value)}"
        new, new_label, new_shown = self._sum(spec["change"]["new"])
        old, old_label, old_shown = self._sum(spec["change"]["old"])
        if abs(old) < EPS:
            raise ZeroDivisionError(f"{old_label} 为 0，无法计算变动率")
        value = (new - old) / old
        return value, (f"({new_label} − {old_label}) ÷ {old_label} = ({new_shown} − {old_shown}) ÷ "
                       f"{old_shown} = {fmt_percent(value)}")

    # rules
    def evaluate(self, rule: Mapping, weight: float) -> Outcome:
        """Score ``rule`` for an indicator worth ``weight``; raises MissingInputs."""
        if rule.get("veto"):
            self.need([rule["veto"]])
            if self.get(rule["veto"]) >= 0.5:
                return Outcome(0.0, f"{self.label(rule['veto'])}：是 → 本项 0 分")
        return getattr(self, "_" + rule["method"])(rule, weight)

    def _ratio(self, rule, weight) -> Outcome:
        value, text = self.measure(rule["value"])
        points = float(rule.get("points", weight))
        limit = rule.get("zero_if_above")
        if limit is not None and value > limit + EPS:
            return Outcome(0.0, f"{text}，超过 {fmt_percent(limit)} → 0 分", value)
        cap = rule.get("cap", 1)
        used = value if cap is None else min(value, cap)
        capped = "（封顶 " + fmt_percent(cap) + "）" if cap is not None and value > cap else ""
        score = used * points
        return Outcome(score, f"{text}{capped}；{fmt_percent(used)} × {fmt(points)} = {fmt(score)}", value)

    def _bands(self, rule, weight) -> Outcome:
        value, text = self.measure(rule["value"])
        scale = rule.get("scale", 1)
        for band in rule["bands"]:
            if band_contains(band, value):
                return Outcome(float(band["points"]),
                               f"{text}，落在 {band_text(band, scale)} 档 → {fmt(band['points'])} 分", value)
        return Outcome(0.0, f"{text}，不在任何档内 → 0 分", value)

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
        return Outcome(total, "；".join(shown) + f"；合计 {sum_text} = {fmt(total)}")

    def _manual(self, rule, weight) -> Outcome:
        raise NotImplementedError("manual rules are judged, not computed")


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

    for i, level1 in enumerate(framework):
        path1 = f"$.framework[{i}]"
        note_id(level1, path1)
        check_children(level1, path1, "一级指标")
        for j, level2 in enumerate(level1["children"]):
            path2 = f"{path1}.children[{j}]"
            note_id(level2, path2)
            check_children(level2, path2, "二级指标")
    used: set[str] = set()
    for leaf in leaves(data):
        note_id(leaf.node, leaf.path)
        if leaf.name in level3_names:
            add(Problem("duplicate_name", "error", leaf.path,
                        f"三级指标名称「{leaf.name}」与 {level3_names[leaf.name]} 重复（评分表按名称对应指标）"))
        level3_names.setdefault(leaf.name, leaf.path)
        problems += check_rule(leaf.node["rule"], leaf.weight, f"{leaf.path}.rule", leaf.name, declared)
        used.update(rule_inputs(leaf.node["rule"]))
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
    if method == "bands":
        problems += _check_rule_bands(rule, path, name)
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
    actual = {"level1": len(data["framework"]),
              "level2": sum(len(n["children"]) for n in data["framework"]),
              "level3": sum(1 for _ in leaves(data))}
    labels = {"level1": "一级", "level2": "二级", "level3": "三级"}
    return [Problem("declared_count", "error", f"$.declared_counts.{key}",
                    f"文字说明{labels[key]}指标 {counts[key]} 个，指标体系实有 {actual[key]} 个")
            for key in ("level1", "level2", "level3") if key in counts and counts[key] != actual[key]]
