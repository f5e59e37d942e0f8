"""The department kind as the registry sees it (:class:`~toolkit.forms.kind.FormKind`).

Example::

    >>> KIND.id
    'department'
"""


from __future__ import annotations

from toolkit.forms.department import builds, layout
from toolkit.forms.department.adopt import ADOPTION
from toolkit.forms.department.reader import read_department_forms
from toolkit.forms.department.scoring import score_department
from toolkit.forms.kind import FormKind, first_text, score_cells, summary_row
from toolkit.forms.department.template import printed_spans


def _unit(form) -> str:
    return first_text(form.fields, "department")


def _year(form) -> object:
    return form.fields["year"].value


KIND = FormKind(
    id="department", title="部门整体支出绩效自评表", template_id=layout.TEMPLATE_ID,
    template_version=layout.TEMPLATE_VERSION, profile_kind="department", name_prefix="JXD_",
    title_markers=("部门整体支出绩效",),
    read=read_department_forms, score=score_department,
    unit=_unit, year=_year, score_cells=lambda form, result: score_cells(result, form.fields["grade"]),
    summary_row=lambda form, result: summary_row(result, unit=_unit(form), department=_unit(form), year=_year(form)),
    build_templates=builds.build_templates, check_templates=builds.check_templates,
    build_samples=builds.build_samples, check_samples=builds.check_samples,
    sheet_anchors=(layout.SCORE_ANCHORS, layout.INPUT_ANCHORS, layout.TARGET_ANCHORS),
    format_columns=((layout.TARGET_HEADER_NAME, (3, 4), None),  # 预期指标值, 实际完成指标值
                    (layout.SCORE_HEADER_NAME, (layout.SCORE_COLUMNS.index("measure"),), layout.FIELD_NAMES["total_score"]),
                    (layout.INPUT_HEADER_NAME, (layout.INPUT_COLUMNS.index("value"),), None)),
    missing_profile_message="部门整体支出绩效工作簿没有记录规则配置（_jx_meta 表缺少 profile_id）："
                            "请用 --profile 指定部门整体规则配置，如 shenzhen-yantian-2021。",
    adopt=ADOPTION,
    printed_spans=printed_spans,
)
