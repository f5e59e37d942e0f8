"""The one catalogue of problem codes: every code the toolkit reports, with its usual severity,
a Chinese title and a one-line description.

Flags on cells (scoring), problems of a rule profile (``jixiao profile check``) and problems of
a received file (``jixiao collect``) all draw their codes from here; the 「校验结果」 sheet and
README list them from it, the report schemas enumerate them, and a test checks that no code is
used that is not in the catalogue.

Example::

    >>> CATALOGUE["score_mismatch"].title
    '填报得分与按规则计算不符'
    >>> describe("score_mismatch")
    '错误 · 填报得分与按规则计算不符'
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.core.problems import SEVERITY_LABELS


@dataclass(frozen=True)
class ProblemCode:
    """A code of the catalogue. ``severity`` is the usual one; a few codes are reported one step
    milder when the clerk has already written a reason (noted in the description)."""

    code: str
    severity: str
    title: str
    description: str
    area: str  # "form" (a cell of a form), "workbook", "profile" or "submission"


_ENTRIES = [
    # -- cells of a form (scoring) ---------------------------------------------------------------
    ("form", "fund_total_mismatch", "error", "年度资金总额与分项合计不符", "总额行与当年财政拨款、上年结转、其他资金之和不等；总额为 0 时按分项合计计算"),
    ("form", "not_a_number", "error", "数值单元格填了非数字", "分值、得分、金额等须为数字；该单元格不参与计算"),
    ("form", "budget_zero", "error", "全年预算数为 0 或空", "无法计算预算执行率"),
    ("form", "rate_mismatch", "error", "填报执行率与计算不符", "执行率 = 全年执行数 ÷ 全年预算数，按规则保留位数后比较；分项行为提醒"),
    ("form", "execution_weight", "warning", "执行率分值与规则不同", "按表中分值计算，请核对规则"),
    ("form", "score_mismatch", "error", "填报得分与按规则计算不符", "单元格批注给出规则和算式"),
    ("form", "rounding_convention", "info", "填报得分按另一常见舍入口径计算", "执行率或完成比率先保留 2 位小数与不先舍入两种口径都常见：填报值等于另一口径的结果时只作说明，写明两种口径和算式"),
    ("form", "manual_deduction", "warning", "目标已达成但填报得分低于满分", "人工扣分，填报值保留；已写偏差原因时为说明"),
    ("form", "score_exceeds_weight", "error", "得分超过分值", "任何指标得分不能超过其分值"),
    ("form", "score_out_of_range", "error", "得分不在 [0, 分值] 内", "部门整体评分表的得分须在 0 与分值之间"),
    ("form", "reason_missing", "warning", "得分低于分值但未写偏差原因", "须填写偏差原因分析及改进措施（人工评分指标为错误）"),
    ("form", "over_achievement", "warning", "超额完成未说明原因", "实际远超目标（默认 130%），须说明目标是否设置偏低"),
    ("form", "over_achievement_explained", "info", "超额完成，已说明原因", "偏差原因栏已有说明"),
    ("form", "over_achievement_deducted", "warning", "超额完成按规则扣分", "规则配置 over_achievement.consequence = deduct"),
    ("form", "ceiling_exceeded", "warning", "实际超过上限", "成本等「≤」指标的实际值超过目标上限：无论得分舍入后是否为满分，都标出超出的数额，须说明原因"),
    ("form", "unit_mismatch", "error", "指标值与实际值单位不一致", "单位无法换算时不计分，给出按同一单位理解的读数，请人工评分"),
    ("form", "direction_inferred", "info", "方向由文字或二级指标推断", "未写 ≥/≤ 时，按「不超过」「以上」等用语或二级指标（成本 → ≤）推断，请核对"),
    ("form", "direction_ambiguous", "error", "方向无法确定", "「降低/减少 x」写的是变化量而不是目标水平，请人工评分或改写目标"),
    ("form", "number_from_text", "info", "从文字中取数", "实际值或目标值是一句话，取其中与另一方单位相符的数，请核对"),
    ("form", "target_above_100", "warning", "比率目标超过 100%", "满意度等不可能超过 100% 的指标，年度指标值写了超过 100% 的目标（规则配置 quantitative.at_most_100_percent）"),
    ("form", "target_not_written", "info", "年度指标值未写", "年度指标值为空或印作「—」（不是不适用）：无法按公式计算，得分按评价人评分核对"),
    ("form", "manual_score", "info", "工具无法计算，采用人工评分", "填报的得分即该指标得分；低于满分时须写明依据"),
    ("form", "score_proposed", "info", "建议得分，请确认", "定性指标的实际值表示已达成（封闭清单），工具填入档次上限，请填报人确认"),
    ("form", "unit_assumed", "warning", "单位缺失，按另一方单位理解", "一方未写单位或 %，已按另一方理解"),
    ("form", "unparseable_value", "error", "指标值或实际值无法识别", "请按「≥95%」「27人」「及时」等形式填写"),
    ("form", "missing_value", "error", "缺少必填内容", "分值、指标值、实际完成值或执行数未填"),
    ("form", "judgement_required", "error", "需要人工评分", "定性指标或目标/实际为 0、负数时，须按档次人工评分"),
    ("form", "manual_quantitative", "warning", "定量指标采用人工评分", "目标或实际为 0、负数，不能按比例计分"),
    ("form", "manual_score_accepted", "info", "人工评分在档次内，予以采纳", "定性指标的人工评分落在对应档次内"),
    ("form", "manual_score_outside_tier", "error", "人工评分不在对应档次内", "定性指标的人工评分超出对应档次"),
    ("form", "na_with_weight", "warning", "不适用指标设置了分值", "按规则不适用指标分值应为 0"),
    ("form", "weights_total", "error", "分值合计不等于 100", "执行率分值与各指标分值之和应为 100"),
    ("form", "level1_weight_mismatch", "error", "一级指标分值与其下指标合计不符", "或与规则规定的一级分值不符"),
    ("form", "weight_mismatch", "error", "分值与规则配置不同", "部门整体评分表按配置的分值计分"),
    ("form", "total_not_sum", "error", "填报总分不等于各项得分之和", "表内算术错误"),
    ("form", "total_mismatch", "warning", "表中总分与按规则计算的总分不同", "差异见各标色单元格；差异全部是已说明的人工扣分或另一舍入口径时为说明"),
    ("form", "total_incomplete", "error", "有指标未能计分，总分不完整", "先处理各标色单元格"),
    ("form", "total_capped", "info", "按执行率封顶总分", "规则配置 total_cap_by_execution"),
    ("form", "formula_not_calculated", "warning", "公式没有计算结果", "文件不是由 Excel/WPS 保存的；按空白处理，不改写公式"),
    ("form", "grade_mismatch", "error", "填报等级与总分不符", "按规则的等级档次"),
    ("form", "grade_undefined", "error", "总分落在规则未定义等级的区间", "规则配置的等级档次有缺口"),
    ("form", "indicator_status", "info", "指标完成情况", "无分值的指标（完成情况表）只给出达成 / 未达成 / 需人工判断"),
    ("form", "completion_only", "info", "完成情况表，不计总分", "全表没有分值：逐项给出完成情况，计算执行率，不编造总分和等级"),
    ("form", "inputs_missing", "warning", "基础数据未填，无法按公式计算", "暂按填报得分作人工评分检查"),
    ("form", "inputs_invalid", "warning", "基础数据无法计算", "如分母为 0；暂按人工评分检查"),
    ("form", "measure_mismatch", "warning", "指标实际值与基础数据计算不符", "按基础数据重新计算的比率与填报值不同"),
    ("form", "indicator_unknown", "error", "指标不在规则配置的指标体系中", "未计分"),
    ("form", "indicator_missing", "error", "评分表缺少规则配置中的指标", "总分不完整"),
    ("form", "profile_differs", "warning", "工作簿生成时的规则配置与计分所用不同", "工作簿内嵌的规则配置与 --profile 指定的（或与本工具内置的同名配置）内容不同：写明两者的编号和 SHA-256 及按哪一个计分，请确认规则配置"),
    ("form", "base_data_missing", "error", "缺少基础数据表或数据行", "公式指标无法计算"),
    ("form", "task_total_mismatch", "error", "金额合计不等于各任务之和", "目标完成情况自评表的金额合计行"),
    ("form", "value_outside_rule", "error", "计算值不在评分标准的任何一档或情形内", "如负的比率、超出各档的数值：规则未规定此时的得分，不按 0 分处理；暂按人工评分检查"),
    ("form", "unchosen_item_value", "warning", "未选用的可选子项填了数值", "该子项未标为适用，其数值不计入得分；如适用请改为「是」"),
    ("form", "department_rows_total", "error", "部门自定指标的分值合计不等于上级分值", "「部门特性指标」等由部门自填的各行分值之和须等于规则配置固定的分值"),
    # -- the workbook ------------------------------------------------------------------------------
    ("workbook", "form_without_names", "error", "工作表像自评表但没有模板字段名称", "多半是复制粘贴到了新工作表；未评分"),
    ("workbook", "name_label_mismatch", "warning", "定义名称与表中标签位置不一致", "已按标签读取；名称多半被复制粘贴或手工改动"),
    ("workbook", "template_meta_missing", "warning", "缺少模板标识", "隐藏的 _jx_meta 表不在；按当前版本读取"),
    ("workbook", "template_version", "warning", "模板版本不同", "按当前版本读取，请核对"),
    ("workbook", "profile_tampered", "error", "工作簿内嵌的规则配置被改动", "内嵌规则配置的内容与记录的 SHA-256 不符：不使用它；未加 --profile 时拒绝计分，加了时为提醒并按 --profile 计分"),
    ("workbook", "registry_stale", "info", "上次记录的工作表已不在", "被删除或改名的工作表的记录已忽略"),
    ("workbook", "tool_sheet_renamed", "info", "工具的工作表改用其他名称", "填报人已有同名工作表（如「校验结果」），工具不改动它"),
    ("workbook", "strict_read", "info", "Strict Open XML 格式", "文件以 Strict Open XML（严格）格式保存：按通常格式读取，输出为通常的 .xlsx 格式（内容相同）"),
    ("workbook", "macros_dropped", "info", "输出为 .xlsx，宏未带入", "原 .xlsm 文件不变；需要宏时请输出 .xlsm"),
    ("workbook", "links_dropped", "warning", "外部链接无法读取，未保留", "原文件不变；评分结果中不含这些链接"),
    ("workbook", "parts_not_kept", "warning", "未能保留工具不改动的部分内容", "文本框、图片、跨表下拉列表等合并回输出文件时出错；原文件不变，请核对输出文件"),
    ("form", "merged_cell", "warning", "单元格在合并区域内，无法写入", "计算值未写入；请取消合并后再计算得分"),
    # -- a rule profile (jixiao profile check) ----------------------------------------------------------
    ("profile", "schema", "error", "不符合配置格式", "JSON Schema 校验失败"),
    ("profile", "profile_not_found", "error", "找不到规则配置", "既不是内置名称也不是文件"),
    ("profile", "profile_not_json", "error", "不是有效的 UTF-8 JSON", "配置文件须为 UTF-8 编码的 JSON"),
    ("profile", "profile_unreadable", "error", "规则配置无法读取", "文件读取失败"),
    ("profile", "band_empty", "error", "档次为空", "下限不小于上限"),
    ("profile", "band_out_of_range", "error", "档次超出范围", "上限超过 100"),
    ("profile", "bands_gap", "error", "档次有缺口", "某区间没有定义"),
    ("profile", "bands_overlap", "error", "档次重叠", "两档覆盖同一区间"),
    ("profile", "deduct_missing", "error", "超额扣分缺少扣分比例", "consequence = deduct 时须给出 deduct_fraction"),
    ("profile", "weights_children", "error", "下级指标分值之和不等于上级分值", "指标体系分值不一致"),
    ("profile", "rule_exceeds_weight", "error", "规则可能给出超过分值的得分", "规则的最高得分超过指标分值"),
    ("profile", "rule_below_weight", "warning", "规则的最高得分低于分值", "满分不可达"),
    ("profile", "rule_below_zero", "error", "规则可能给出负分", "规则的最低得分低于 0"),
    ("profile", "input_undeclared", "error", "规则使用了未声明的基础数据", "须在 inputs 中声明"),
    ("profile", "input_unused", "warning", "基础数据项没有规则使用", "可删除或补充规则"),
    ("profile", "duplicate_input", "error", "基础数据编号重复", "编号须唯一"),
    ("profile", "duplicate_name", "error", "指标名称重复", "三级指标名称须唯一"),
    ("profile", "duplicate_id", "error", "编号重复", "须唯一"),
    ("profile", "checklist_input_type", "error", "清单项的数据类型不对", "清单项须为是/否"),
    ("profile", "linear_empty", "error", "线性区间为空", "两阈值相同"),
    ("profile", "schedule_length", "error", "序时进度的季度数不对", "须为 4 个季度"),
    ("profile", "results_missing", "error", "结果表缺少指标", "原文结果表与指标体系不一致"),
    ("profile", "results_unknown", "error", "结果表有体系外的指标", "原文结果表与指标体系不一致"),
    ("profile", "results_weight", "error", "结果表分值与体系不同", "原文结果表与指标体系不一致"),
    ("profile", "results_total", "error", "结果表合计不对", "原文结果表与指标体系不一致"),
    ("profile", "declared_count", "error", "声明的指标个数与体系不符", "如「34 个三级指标」"),
    ("profile", "cases_uncovered", "error", "分情形规则有未覆盖的情形", "如两个数额均为 0：规则须写明此时的得分"),
    ("profile", "choice_invalid", "error", "可选指标组配置有误", "组内至少两项、可选项数在组内项数之内、每项有自己的是/否数据项、规则按分值比例计分"),
    # -- a received file (jixiao collect) and export --------------------------------------------------
    ("submission", "io_error", "error", "文件无法读取", "磁盘或权限问题"),
    ("submission", "encrypted", "error", "文件设置了打开密码", "请去除密码后重新导出"),
    ("submission", "legacy_xls", "error", "旧版 .xls 格式", "不是导出报送文件"),
    ("submission", "not_excel", "error", "不是 Excel 工作簿", "扩展名或内容不是 .xlsx"),
    ("submission", "corrupt", "error", "文件已损坏", "压缩包或工作簿结构不完整"),
    ("submission", "wrong_template", "error", "模板不符", "不是本局接收的模板"),
    ("submission", "not_export", "error", "不是导出文件", "没有导出指纹"),
    ("submission", "forced_export", "warning", "强制导出", "导出时仍有错误（含未解决问题）"),
    ("submission", "profile_mismatch", "warning", "规则不同", "导出时的规则配置与本局不同"),
    ("submission", "score_edited", "error", "得分被手改", "导出后得分单元格被改动"),
    ("submission", "content_changed", "error", "内容被改动", "导出后某行内容被改动"),
    ("submission", "sheet_missing", "error", "工作表缺失", "导出时的工作表被删除或改名"),
    ("submission", "sheet_added", "error", "新增工作表", "导出后新增的工作表"),
    ("submission", "sheets_reordered", "error", "工作表顺序被改动", "内容指纹不符"),
    ("submission", "duplicate_file", "warning", "重复报送（同一文件）", "与另一文件内容相同"),
    ("submission", "duplicate", "warning", "重复报送（同一项目）", "同一单位同一年度的项目已在另一文件中报送"),
    ("submission", "unresolved_errors", "error", "复核有错误", "独立重新计分发现错误"),
    ("submission", "internal_error", "error", "检查时发生意外错误", "请联系技术支持"),
]

CATALOGUE: dict[str, ProblemCode] = {code: ProblemCode(code, severity, title, description, area)
                                     for area, code, severity, title, description in _ENTRIES}


def describe(code: str) -> str:
    """``级别 · 标题`` of a code (the code itself when unknown, so a message is never lost)."""
    entry = CATALOGUE.get(code)
    return f"{SEVERITY_LABELS[entry.severity]} · {entry.title}" if entry else code


def catalogue_rows(area: str | None = None) -> list[list[str]]:
    """Rows ``[代码, 级别, 标题, 说明]`` for the 「校验结果」 sheet and README.

    >>> catalogue_rows("workbook")[0]
    ['form_without_names', '错误', '工作表像自评表但没有模板字段名称', '多半是复制粘贴到了新工作表；未评分']
    """
    return [[e.code, SEVERITY_LABELS[e.severity], e.title, e.description]
            for e in CATALOGUE.values() if area is None or e.area == area]


# Differences between the unit's score and the rule's that the tool accepts (said, not disputed):
# a manual deduction with its reason, a manual score within its tier, another common rounding convention.
ACCEPTED_DIFFERENCES = frozenset({"manual_deduction", "manual_score_accepted", "rounding_convention"})
