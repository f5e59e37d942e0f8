"""The blank official-format workbook of any rule profile (``jixiao template build --profile``):
a bureau's own framework gets its own template, and the profile travels inside it (meta sheet).

Example::

    >>> from toolkit.core.profile import load_profile
    >>> wb, name = blank_workbook(load_profile("wuhua-2023"))
    >>> name, wb.sheetnames[-1]
    ('部门整体支出绩效_wuhua-2023.xlsx', '_jx_meta')
    >>> blank_workbook(load_profile("national"), "department")
    Traceback (most recent call last):
    ...
    toolkit.core.profile.ProfileError: 规则配置「national」有 1 个问题：
      - $.kind：规则配置「national」用于项目支出绩效自评表（kind = project），不能生成部门整体支出绩效的模板：请去掉 --kind 或换用 kind = department 的规则配置
"""

from __future__ import annotations

from toolkit.core.problems import Problem
from toolkit.core.profile import Profile, ProfileError
from toolkit.forms.department import layout as department_layout
from toolkit.forms.department.template import build_department_workbook
from toolkit.forms.project import layout as project_layout
from toolkit.forms.project.template import build_workbook
from toolkit.forms.registry import BY_ID

# kind id → (builder of the blank workbook for a profile, the title its file name starts with)
BUILDERS = {
    "project": (lambda profile: build_workbook(profile=profile), project_layout.TEMPLATE_TITLE),
    "department": (build_department_workbook, department_layout.TEMPLATE_TITLE),
}


def blank_workbook(profile: Profile, kind: str | None = None):
    """(openpyxl workbook, conventional file name) of the blank template for ``profile``; ``kind``
    (a form kind id) defaults to the kind the profile scores. A kind the profile does not score is
    refused (ProfileError, exit 3)."""
    kind = kind or next((k.id for k in BY_ID.values() if k.profile_kind == profile["kind"]), profile["kind"])
    form_kind = BY_ID.get(kind)
    if form_kind is None or form_kind.profile_kind != profile["kind"]:
        wanted = {k.profile_kind: k.title.removesuffix("自评表") for k in BY_ID.values()}
        raise ProfileError(profile.source, [Problem(
            "schema", "error", "$.kind",
            f"规则配置「{profile.id}」用于{BY_ID[_kind_of(profile)].title if _kind_of(profile) else profile['kind']}"
            f"（kind = {profile['kind']}），不能生成{wanted.get(kind, kind)}的模板："
            f"请去掉 --kind 或换用 kind = {kind} 的规则配置")])
    build, title = BUILDERS[kind]
    return build(profile), f"{title}_{profile.id}.xlsx"


def _kind_of(profile: Profile) -> str | None:
    return next((k.id for k in BY_ID.values() if k.profile_kind == profile["kind"]), None)
