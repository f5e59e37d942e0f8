"""The project kind as the registry sees it (:class:`~toolkit.forms.kind.FormKind`).

Example::

    >>> KIND.id
    'project'
"""


from __future__ import annotations

from toolkit.forms.kind import FormKind, amount, first_text, score_cells, summary_row
from toolkit.forms.project import builds, layout
from toolkit.forms.project.reader import read_project_forms
from toolkit.forms.project.scoring import score_form
from toolkit.forms.project.template import PRINTED_COLUMNS, PRINTED_UNITS


def _unit(form) -> str:
    """The unit a form belongs to: 实施单位, else 主管部门 (else "")."""
    return first_text(form.fields, "implementer", "department")


def _year(form) -> object:
    return form.fields["year"].value


def _summary_row(form, result) -> dict:
    total = form.funds["total"]
    return summary_row(result, unit=_unit(form), department=form.fields["department"].text, year=_year(form),
                       budget=amount(total.budget.value), actual=amount(total.actual.value))


KIND = FormKind(
    id="project", title=layout.TEMPLATE_TITLE, template_id=layout.TEMPLATE_ID,
    template_version=layout.TEMPLATE_VERSION, profile_kind="project", name_prefix="JX_",
    title_markers=("项目支出绩效自评表", "三级指标"),
    read=read_project_forms, score=lambda form, profile: [score_form(form, profile)],
    unit=_unit, year=_year, score_cells=lambda form, result: score_cells(result, form.fields["grade"]),
    summary_row=_summary_row,
    build_templates=builds.build_templates, check_templates=builds.check_templates,
    build_samples=builds.build_samples, check_samples=builds.check_samples,
    default_profile=builds.KIND_DEFAULT_PROFILE, sheet_anchors=(layout.ANCHORS,),
    format_columns=((layout.GRID_HEADER_NAME, (layout.GRID_COLUMNS.index("target"), layout.GRID_COLUMNS.index("actual")),
                     layout.FIELDS["total_score"].name),),
    printed_spans=lambda form: {form.sheet: (PRINTED_COLUMNS, PRINTED_UNITS)},
)
