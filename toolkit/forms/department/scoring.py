"""Score a department form by its framework profile; results are shared FormResult objects.

Formula indicators are computed from the 基础数据 sheet; judgement (manual) indicators are
checked (in [0, 分值], justified below full marks); an entered score that differs from the
computed one is flagged with the arithmetic; a 指标实际值 the clerk wrote is checked against
the computed measure. A formula indicator whose base data are blank is checked like a
judgement and flagged, never silently accepted.

Example::

    >>> from toolkit.service import read_workbook
    >>> book = read_workbook("samples/seed000_部门整体支出绩效.xlsx")
    >>> result = score_department(book.forms[0], load_profile("shenzhen-yantian-2021"))[0]
    >>> [i.computed for i in result.items if i.label == "公用经费控制率"]
    [5.0]
"""

from __future__ import annotations

from toolkit.core.arith import fmt, fmt_percent, round_score
from toolkit.core.framework import (METHODS, NOT_APPLICABLE, CannotCompute, ChoiceGroup, DepartmentList, Evaluator,
                                    Leaf, MissingInputs, department_lists, leaves, rule_inputs)
from toolkit.core.grid import GridScorer
from toolkit.core.problems import Flag, ToolkitError
from toolkit.core.profile import Profile, load_profile
from toolkit.core.results import NOT_CHOSEN, FormResult, ItemResult
from toolkit.core.scorer import FormScorer
from toolkit.core.values import parse_indicator_value, parse_number, rate_as_ratio
from toolkit.forms.department.model import DepartmentForm

YES = {"是", "有", "已", "√", "✓", "y", "yes", "true", "1"}
NO = {"否", "无", "未", "×", "n", "no", "false", "0"}


def score_department(form: DepartmentForm, profile: Profile) -> list[FormResult]:
    """Score the 评分表 (and check the 目标完成情况自评表 sums): one FormResult per sheet."""
    if profile["kind"] != "department":
        raise ToolkitError(f"工作表「{form.sheet}」是部门整体支出绩效评分表，规则配置「{profile.id}」不是部门整体配置。")
    results = [_Scorer(form, profile).run()]
    if form.target is not None and (form.target.tasks or form.target.indicators):
        results.append(_score_target(form, profile))
    return results


class _Scorer(FormScorer):
    """The 评分表: each 三级指标 by its framework rule, then the shared total and grade checks."""

    def __init__(self, form: DepartmentForm, profile: Profile):
        super().__init__(form.sheet, profile)
        self.form = form
        self.declared = {item["id"]: item for item in profile["inputs"]}
        self.marked: set[str] = set()  # inputs the clerk marked 不适用
        self.values, self.input_notes = self.read_inputs()
        self.grid_rules = _grid_rules(profile)
        self.incomplete = False  # a department-defined row could not be scored at all (no 分值)
        self.group_of: dict[int, str] = {}  # item → the level above 一级 it belongs to (共性 / 特性)
        self.choices: dict[str, tuple[list[str] | None, str]] = {}  # choice group path → its decision
        self.choice_flagged: set[str] = set()  # choice groups whose undecided state is already flagged

    def where(self, name: str) -> str:
        cell = self.form.inputs.get(name)
        sheet = self.form.input_sheet or "基础数据（工作表缺失）"
        return f"{sheet}!{cell.ref}" if cell is not None else f"{sheet}（缺少编号 {name} 的行）"

    # -- base data ----------------------------------------------------------------
    def read_inputs(self) -> tuple[dict[str, float | None], dict[str, str]]:
        values: dict[str, float | None] = {}
        notes: dict[str, str] = {}
        for name, item in self.declared.items():
            cell = self.form.inputs.get(name)
            raw = None if cell is None else cell.entered
            values[name] = None
            if raw is None:
                continue
            kind = item["type"]
            if isinstance(raw, str) and "".join(raw.split()) == NOT_APPLICABLE:
                self.marked.add(name)
                notes[name] = (f"基础数据「{item['label']}」（{self.where(name)}）填「{NOT_APPLICABLE}」，"
                               "但该指标的评分标准未规定不适用时如何计分")
                continue
            if kind == "yes_no":
                text = str(raw).strip().lower()
                if isinstance(raw, bool):
                    values[name] = 1.0 if raw else 0.0
                elif text in YES or text.startswith("是"):
                    values[name] = 1.0
                elif text in NO or text.startswith("否"):
                    values[name] = 0.0
                else:
                    notes[name] = f"基础数据「{item['label']}」（{self.where(name)}）应填「是」或「否」，现为「{raw}」"
                continue
            parsed = parse_number(raw)
            if parsed.value is None:
                notes[name] = f"基础数据「{item['label']}」（{self.where(name)}）不是数字：{parsed.reason}"
                continue
            values[name] = rate_as_ratio(raw, parsed.value, cell.number_format) if kind == "percent" else parsed.value
        return values, notes

    # -- one indicator ------------------------------------------------------------
    def score_row(self, row, leaf, *, fixed: bool = True, context: str = "") -> ItemResult:
        """One 评分表 row by its rule. ``fixed``: a framework indicator whose 分值 the profile sets;
        otherwise a department-defined row or a chosen optional one, whose 分值 is checked elsewhere.
        ``context`` is added to the rule's name in the explanation (「·部门自定指标，规则「…」」)."""
        weight = float(leaf.weight)
        rule = leaf.node["rule"]
        item = ItemResult(kind="indicator", label=leaf.name, weight=weight, computed=None, entered=None,
                          cell=row.score.ref, method=rule["method"], explanation="",
                          computed_ref=row.computed_ref, explanation_ref=row.explanation_ref)
        if leaf.group is not None:
            self.group_of[id(item)] = leaf.group["id"]
        item.entered = self.number(row.score, "得分", item=item)
        if fixed:
            entered_weight = self.number(row.weight, "分值", item=item)
            if entered_weight is not None and abs(entered_weight - weight) > 1e-6:
                self.flag("weight_mismatch", "error", row.weight.ref,
                          f"「{leaf.name}」分值填 {fmt(entered_weight)}，规则配置为 {fmt(weight)}；按配置计分。", item)
        label = METHODS[rule["method"]] + context
        row_marked = row.measure.text.replace(" ", "") == NOT_APPLICABLE
        if rule["method"] == "manual" and not (row_marked and rule.get("not_applicable")):
            item.explanation = f"【{label}】由评价人在 [0, {fmt(weight)}] 内评分"
            self.check_judgement(item, row, mandatory=True)
            return item
        evaluator = Evaluator(self.values, self.declared, grid=self.form.target.indicators if self.form.target else (),
                              grid_rules=self.grid_rules, marked=self.marked, row_name=leaf.name,
                              row_marked=row_marked)
        try:
            outcome = evaluator.evaluate(rule, weight)
        except MissingInputs as exc:
            notes = [self.input_notes[n] for n in exc.names if n in self.input_notes]
            blank = [f"「{self.declared.get(n, {}).get('label', n)}」（{self.where(n)}）" for n in exc.names
                     if n not in self.input_notes]
            reason = "；".join(notes + ([f"基础数据 {'、'.join(blank)} 未填"] if blank else []))
            item.explanation = f"【{label}】无法按公式计算：{reason}"
            self.flag("inputs_missing", "warning", row.score.ref,
                      f"「{leaf.name}」{reason}，无法按公式计算；暂按填报得分作人工评分检查，请补填基础数据。", item)
            self.check_judgement(item, row, mandatory=False)
            return item
        except ZeroDivisionError as exc:
            item.explanation = f"【{label}】无法计算：{exc}"
            self.flag("inputs_invalid", "warning", row.score.ref, f"「{leaf.name}」{exc}；暂按人工评分检查。", item)
            self.check_judgement(item, row, mandatory=False)
            return item
        except CannotCompute as exc:
            # A value no case or band covers (a negative rate, an amount outside every band) is an
            # error to look at, never a silent 0; data missing or not comparable is a warning.
            severity = "error" if exc.code == "value_outside_rule" else "warning"
            item.explanation = f"【{label}】无法按公式计算：{exc.message}"
            self.flag(exc.code, severity, row.score.ref, f"「{leaf.name}」{exc.message}；暂按人工评分检查。", item)
            self.check_judgement(item, row, mandatory=False)
            return item
        for note in outcome.notes:  # flagged on this row (a form's flags live on its sheet), naming the input's cell
            where = f"（{self.where(note.input)}）" if note.input else ""
            self.flag(note.code, note.severity, row.score.ref, f"「{leaf.name}」{note.message}{where}", item)
        item.computed = self.round(outcome.score)
        item.explanation = f"【{label}】{outcome.text} → 得分 {fmt(item.computed)}"
        if item.entered is None:
            self.fills[row.score.ref] = item.computed
        elif abs(item.entered - item.computed) > self.tolerance:
            self.flag("score_mismatch", "error", row.score.ref,
                      f"「{leaf.name}」按规则：{outcome.text}，应得 {fmt(item.computed)}；填报 {fmt(item.entered)}，"
                      f"相差 {fmt(item.entered - item.computed)}。", item)
        if outcome.measure is not None:
            self.check_measure(item, row, leaf, outcome.measure)
        self.check_range(item)
        return item

    def check_range(self, item: ItemResult) -> None:
        if item.entered is not None and (item.entered < -1e-9 or item.entered > item.weight + self.tolerance):
            self.flag("score_out_of_range", "error", item.cell,
                      f"「{item.label}」得分 {fmt(item.entered)} 不在 [0, {fmt(item.weight)}] 之内。", item)

    def check_judgement(self, item: ItemResult, row, *, mandatory: bool) -> None:
        if item.entered is None:
            self.flag("judgement_required", "error", row.score.ref,
                      f"「{item.label}」需要评价人评分（0–{fmt(item.weight)} 分），得分未填。", item)
            return
        self.check_range(item)
        if item.entered < item.weight - self.tolerance and not row.justification.text:
            self.flag("reason_missing", "error" if mandatory else "warning", row.justification.ref,
                      f"「{item.label}」得分 {fmt(item.entered)} 低于分值 {fmt(item.weight)}，"
                      "须在「评分说明（扣分理由）」中写明扣分理由。", item)

    def check_measure(self, item: ItemResult, row, leaf, measure: float) -> None:
        raw = row.measure.entered
        if raw is None:
            return
        parsed = parse_indicator_value(raw, row.measure.number_format)
        if parsed.number is None:
            return
        written = parsed.number / 100 if parsed.percent else rate_as_ratio(raw, parsed.number, row.measure.number_format)
        text = str(raw)
        decimals = len(text.split(".")[1].rstrip("%％ ")) if "." in text else 0
        tolerance = self.profile.get("measure_tolerance", 0.5 * 10 ** (-decimals) / 100 + 1e-9)
        if abs(measure - written) > tolerance:
            what = leaf.node.get("measure_label", leaf.name)
            self.flag("measure_mismatch", "warning", row.measure.ref,
                      f"{what}填报 {raw}，按基础数据计算为 {fmt_percent(measure)}（{item.explanation.split('】', 1)[-1]}）。",
                      item)

    # -- the form -----------------------------------------------------------------
    def check_base_data_present(self) -> None:
        """The 基础数据 sheet and every declared input row must exist: without them the formula
        indicators cannot be computed, and that is an error, not a reason to fall back quietly."""
        used = {name for name in self.declared}
        if self.form.input_sheet is None:
            self.flag("base_data_missing", "error", None,
                      f"工作簿缺少「基础数据」工作表：规则配置「{self.profile.id}」的 {len(used)} 项公式指标无法计算。"
                      "请从模板恢复该工作表并填写。")
            return
        missing = [name for name in self.declared if name not in self.form.inputs]
        if missing:
            labels = "、".join(f"{self.declared[name]['label']}（{name}）" for name in missing)
            self.flag("base_data_missing", "error", None,
                      f"「{self.form.input_sheet}」缺少以下数据项的行：{labels}。请从模板恢复这些行。")

    # -- department-defined rows (「部门特性指标」) ------------------------------------------
    def list_of(self, row, lists: list[DepartmentList]) -> DepartmentList | None:
        """The department-defined list a row belongs to: by its 一级/二级 labels (merged cells resolved)."""
        def squash(text) -> str:
            return "".join(str(text or "").split())
        for listed in lists:
            if squash(row.level1) != squash(listed.level1["name"]):
                continue
            if listed.level2 is None or squash(row.level2) == squash(listed.level2["name"]):
                return listed
        return None

    def score_department_list(self, listed: DepartmentList, rows: list) -> list[ItemResult]:
        """The rows one department wrote under ``listed``: each scored by its rule, their 分值 added
        up against the list's fixed weight (flagged in the first row's 分值 cell otherwise)."""
        total_ref = self.form.fields["total_score"].ref
        where = f"{listed.level1['name']} / {listed.name}" if listed.level2 is not None else listed.name
        if not rows:
            self.flag("indicator_missing", "error", total_ref,
                      f"「{where}」（{fmt(listed.weight)} 分）由部门自定指标，评分表中没有填写任何指标行，总分不完整。")
            self.incomplete = True
            return []
        items, weights = [], []
        for index, row in enumerate(rows):
            weight = self.number(row.weight, "分值")
            if weight is None:
                if row.weight.entered is None:
                    self.flag("missing_value", "error", row.weight.ref,
                              f"部门自定指标「{row.level3.text}」未填写分值（「{where}」各行分值之和须为 {fmt(listed.weight)}）。")
                self.incomplete = True
                continue
            weights.append((row, weight))
            label, rule = listed.rule_for(row.criteria.text if row.criteria is not None else "")
            leaf = Leaf(f"{listed.path}.department_rows[{index}]", listed.level1, listed.level2 or {"name": row.level2},
                        {"id": f"{listed.node['id']}_{index}", "name": row.level3.text, "weight": weight, "rule": rule},
                        name=row.level3.text, weight=weight, group=listed.group)
            items.append(self.score_row(row, leaf, fixed=False, context=f"·部门自定指标，规则「{label}」"))
        total = sum(weight for _, weight in weights)
        if weights and abs(total - listed.weight) > 1e-6:
            self.flag("department_rows_total", "error", weights[0][0].weight.ref,
                      f"「{where}」由部门自定指标，各行分值 {' + '.join(fmt(w) for _, w in weights)} = {fmt(total)}，"
                      f"应等于 {fmt(listed.weight)}（规则配置固定）。", items[0])
        return items

    # -- optional indicators sharing a weight (「效益(可选项)」) --------------------------------------
    def choice(self, group: ChoiceGroup) -> tuple[list[str] | None, str]:
        """(ids of the options the department chose, "") — or (None, why) when the choice cannot be
        read (a 是否适用 blank or not 是/否) or breaks the profile's 至少/至多 bounds."""
        if group.path in self.choices:
            return self.choices[group.path]
        unread, chosen = [], []
        for option in group.options:
            name = option["applies"]
            value = self.values.get(name)
            if value is None:
                unread.append(self.input_notes.get(name) or
                              f"基础数据「{self.declared.get(name, {}).get('label', name)}」（{self.where(name)}）未填")
            elif value >= 0.5:
                chosen.append(option)
        decision: tuple[list[str] | None, str]
        names = "、".join(option["name"] for option in chosen) or "无"
        if unread:
            decision = None, "；".join(unread) + "：无法确定选用了哪几项"
        elif len(chosen) < group.least:
            decision = None, f"只选用了 {len(chosen)} 项（{names}），规则要求至少 {group.least} 项"
        elif group.most is not None and len(chosen) > group.most:
            decision = None, f"选用了 {len(chosen)} 项（{names}），规则只允许选 {group.most} 项"
        else:
            decision = [option["id"] for option in chosen], ""
        self.choices[group.path] = decision
        return decision

    def score_option(self, row, leaf: Leaf) -> ItemResult:
        """A row of a choice group: chosen → scored by its rule for its share of the group's weight
        (a typed 分值 must equal that share); not chosen → 0 of 0, and anything typed for it is
        flagged, never counted; choice unreadable → flagged once, the 综合评分 left undetermined."""
        group = leaf.choice
        chosen, why = self.choice(group)
        applies = leaf.node["applies"]
        applies_label = self.declared.get(applies, {}).get("label", applies)
        if chosen is None:
            item = ItemResult(kind="indicator", label=leaf.name, weight=None, computed=None, entered=None,
                              cell=row.score.ref, method=leaf.node["rule"]["method"],
                              explanation=f"【可选指标·{group.name}】{why}",
                              computed_ref=row.computed_ref, explanation_ref=row.explanation_ref)
            item.entered = self.number(row.score, "得分", item=item)
            self.incomplete = True
            if group.path not in self.choice_flagged:
                self.choice_flagged.add(group.path)
                code, severity = ("inputs_missing", "warning") if "无法确定" in why else ("inputs_invalid", "error")
                self.flag(code, severity, row.score.ref,
                          f"「{group.name}」（共用 {fmt(group.weight)} 分）{why}；这几项暂不计分，综合评分无法确定。", item)
            return item
        if leaf.node["id"] not in chosen:
            item = ItemResult(kind="indicator", label=leaf.name, weight=0.0, computed=0.0, entered=None,
                              cell=row.score.ref, method=NOT_CHOSEN,
                              explanation=f"【可选指标·{group.name}】未选用（「{applies_label}」为「否」），不计分",
                              computed_ref=row.computed_ref, explanation_ref=row.explanation_ref)
            item.entered = self.number(row.score, "得分", item=item)
            typed = []
            if item.entered:
                typed.append(f"得分 {fmt(item.entered)}")
            if row.measure.entered is not None and row.measure.text.replace(" ", "") != NOT_APPLICABLE:
                typed.append(f"指标实际值 {row.measure.entered}")
            typed += [f"基础数据「{self.declared[n]['label']}」（{self.where(n)}）" for n in rule_inputs(leaf.node["rule"])
                      if n in self.declared and self.form.inputs.get(n) is not None
                      and self.form.inputs[n].entered is not None]
            if typed:
                self.flag("unchosen_item_value", "warning", row.score.ref,
                          f"「{leaf.name}」未选为适用（「{applies_label}」为「否」，{self.where(applies)}），"
                          f"但填了{'、'.join(typed)}：不计入综合评分；如该项适用，请把「{applies_label}」改为「是」。", item)
            return item
        share = group.share(len(chosen))
        scored = Leaf(leaf.path, leaf.level1, leaf.level2, leaf.node, name=leaf.name, weight=share,
                      group=leaf.group, choice=group)
        item = self.score_row(row, scored, fixed=False,
                              context=f"·可选指标，{group.name}选用 {len(chosen)} 项，"
                                      f"{fmt(group.weight)} ÷ {len(chosen)} = 每项 {fmt(share)} 分")
        typed_weight = self.number(row.weight, "分值", item=item)
        if typed_weight is not None and abs(typed_weight - group.weight) <= self.tolerance < abs(share - group.weight):
            # the published forms print the group's shared 分值 once, merged over its rows
            self.flag("weight_mismatch", "warning", row.weight.ref,
                      f"「{leaf.name}」分值填 {fmt(typed_weight)}，是「{group.name}」各项共用的分值；选用 {len(chosen)} 项，"
                      f"本项按每项 {fmt(share)} 计分。", item)
        elif typed_weight is not None and abs(typed_weight - share) > self.tolerance:
            self.flag("weight_mismatch", "error", row.weight.ref,
                      f"「{leaf.name}」分值填 {fmt(typed_weight)}；「{group.name}」共用 {fmt(group.weight)} 分，"
                      f"选用 {len(chosen)} 项，每项应为 {fmt(share)}；按 {fmt(share)} 计分。", item)
        return item

    def group_subtotals(self, items: list[ItemResult], parts: list[float]) -> str:
        """「（共性指标 29 / 30；特性指标 69 / 70）」 for a framework with a level above 一级, else ""."""
        groups = [node for node in self.profile["framework"] if "level1" in node]
        if not groups:
            return ""
        shown = []
        for group in groups:
            got = sum(part for item, part in zip(items, parts) if self.group_of.get(id(item)) == group["id"])
            shown.append(f"{group['name']} {fmt(self.round(got))} / {fmt(group['weight'])}")
        return "（" + "；".join(shown) + "）"

    def run(self) -> FormResult:
        form = self.form
        self.check_base_data_present()
        by_name = {leaf.name: leaf for leaf in leaves(self.profile)}
        lists = department_lists(self.profile)
        total_ref = form.fields["total_score"].ref
        items: list[ItemResult] = []
        seen: set[str] = set()
        listed_rows: dict[str, list] = {listed.path: [] for listed in lists}
        names: dict[str, str] = {}
        for row in form.rows:
            leaf = by_name.get(row.level3.text)
            if leaf is None:
                listed = self.list_of(row, lists)
                if listed is not None:
                    if row.level3.text in names:
                        self.flag("duplicate_name", "error", row.level3.ref,
                                  f"部门自定指标「{row.level3.text}」与第 {names[row.level3.text]} 行重复：指标名称须唯一。")
                    names.setdefault(row.level3.text, str(row.row))
                    listed_rows[listed.path].append(row)
                    continue
                self.flag("indicator_unknown", "error", row.level3.ref,
                          f"指标「{row.level3.text}」不在规则配置「{self.profile.id}」的指标体系中，未计分。")
                continue
            seen.add(leaf.name)
            items.append(self.score_option(row, leaf) if leaf.choice is not None else self.score_row(row, leaf))
        for listed in lists:
            items += self.score_department_list(listed, listed_rows[listed.path])
        for name, leaf in by_name.items():
            if name not in seen:
                worth = f"{leaf.choice.name}，共用 {fmt(leaf.weight)} 分" if leaf.choice else f"{fmt(leaf.weight)} 分"
                self.flag("indicator_missing", "error", total_ref,
                          f"评分表缺少指标「{leaf.level2['name']} / {name}」（{worth}），总分不完整。")
        # a workbook embedding its profile is compared by content once, at the book level
        if form.profile_id and form.profile_id != self.profile.id and not form.profile_embedded:
            self.flag("profile_differs", "warning", total_ref,
                      f"工作簿按规则配置「{form.profile_id}」生成，现按「{self.profile.id}」计分。")

        parts = [item.computed if item.computed is not None else item.entered for item in items]
        total_computed = None
        explanation = ""
        if items and all(v is not None for v in parts) and len(seen) == len(by_name) and not self.incomplete:
            total_computed = self.round(sum(parts))
            explanation = f"各三级指标得分之和 = {fmt(total_computed)}" + self.group_subtotals(items, parts)
        elif items:
            self.flag("total_incomplete", "error", total_ref, "有指标未能计分（见标色单元格），综合评分无法确定。")
        check = self.check_total_and_grade(items, total_cell=form.fields["total_score"], grade_cell=form.fields["grade"],
                                           total_computed=total_computed, explanation=explanation, label="综合评分")
        for item in items:
            self.flags.extend(item.flags)
        return FormResult(sheet=form.sheet, name=form.name, kind="department", items=items,
                          total_computed=total_computed, total_entered=check.total_entered, grade=check.grade,
                          grade_entered=check.grade_entered, execution_rate=None, flags=self.flags, fills=self.fills,
                          total_explanation=explanation, total_cell=total_ref,
                          total_shown=check.total_shown, grade_shown=check.grade_shown)


def _grid_rules(profile: Profile) -> dict:
    """The ``quantitative`` knobs a 评分表 rule reads the 目标完成情况 grid by (direction words,
    units): those of the project profile ``target_grid_rules`` names, national by default."""
    try:
        return dict(load_profile(profile.get("target_grid_rules", "national")).get("quantitative") or {})
    except ToolkitError:
        return dict(load_profile("national")["quantitative"])


def _score_target(form: DepartmentForm, profile: Profile) -> FormResult:
    """The 目标完成情况自评表: the 金额合计 row against the task rows, and the indicator grid
    by the shared grid code (the rules of the project profile the framework names in
    ``target_grid_rules``, national by default). The grid has no 分值: each row gets a status."""
    target = form.target
    scorer = GridScorer(target.sheet, load_profile(profile.get("target_grid_rules", "national")))
    items = [_task_total(target, scorer)] if target.tasks else []
    items += [scorer.score_indicator(row) for row in target.indicators]
    flags = scorer.flags + [flag for item in items for flag in item.flags]
    return FormResult(sheet=target.sheet, name=f"{form.name}（目标完成情况）", kind="department", items=items,
                      total_computed=None, total_entered=None, grade=None, grade_entered=None,
                      execution_rate=None, flags=flags, fills={})


def _task_total(target, scorer: FormScorer) -> ItemResult:
    """One line for the 金额合计 row: its four sums (预算数/执行数 × 总额/财政拨款) against the tasks."""
    labels = {"budget_total": "预算数·总额", "budget_fiscal": "预算数·其中：财政拨款",
              "actual_total": "执行数·总额", "actual_fiscal": "执行数·其中：财政拨款"}
    explanations, flags = [], []
    first = None
    for key, label in labels.items():
        cell = target.total[key]
        parts = [parse_number(task.cells[key].entered).value for task in target.tasks]
        known = [p for p in parts if p is not None]
        computed = round_score(sum(known), 2) if known else None
        entered = parse_number(cell.entered).value if cell.entered is not None else None
        first = first or (computed, entered, cell.ref)
        if computed is None:
            explanations.append(f"金额合计·{label}：各任务均未填写")
            continue
        unfilled = f"（{len(parts) - len(known)} 个任务未填）" if len(known) < len(parts) else ""
        explanations.append(f"金额合计·{label}：各任务{label}之和 = {fmt(computed, money=True)}{unfilled}")
        if entered is not None and abs(entered - computed) > 0.005:
            flags.append(Flag("task_total_mismatch", "error", cell.ref,
                              f"金额合计·{label}填 {fmt(entered, money=True)}，各任务之和为 {fmt(computed, money=True)}，"
                              f"相差 {fmt(entered - computed, money=True)}。", sheet=target.sheet))
    computed_ref, explanation_ref = target.total_tool_refs
    return ItemResult(kind="indicator", label="金额合计", weight=None, computed=first[0], entered=first[1],
                      cell=first[2], method="sum", explanation="；".join(explanations),
                      computed_ref=computed_ref, explanation_ref=explanation_ref, flags=flags)
