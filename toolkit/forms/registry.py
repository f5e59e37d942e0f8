"""The registry of form kinds: what service, export, collect and the Excel layer call.

Each kind is one subpackage of :mod:`toolkit.forms` exposing a :class:`FormKind` as ``KIND``;
this module lists them. A third kind (绩效目标申报表, 绩效运行监控表 …) is one new subpackage
plus one line in :data:`KINDS`. Nothing outside this module asks which kind a form is.

Example::

    >>> [kind.id for kind in KINDS]
    ['project', 'department']
    >>> known_templates()["jixiao.project-self-evaluation"]
    '1.0'
    >>> [hook.located_kind for hook in adopt_hooks()]
    ['department_targets']
"""

from __future__ import annotations

from dataclasses import replace

from toolkit.core.problems import Flag, Problem, ToolkitError
from toolkit.core.profile import Profile, ProfileError, builtin_profile_names, load_profile
from toolkit.core.results import FormResult
from toolkit.forms.department import kind as department
from toolkit.forms.kind import AdoptHook, FormKind
from toolkit.forms.project import kind as project
from toolkit.workbook.anchors import disagreements, names_from_labels
from toolkit.workbook.meta import Registry
from toolkit.workbook.sheets import SheetAccess


KINDS: list[FormKind] = [project.KIND, department.KIND]
BY_ID = {kind.id: kind for kind in KINDS}


def kind_of(form) -> FormKind:
    """The kind a form read by any reader belongs to."""
    return BY_ID[form.kind]


def printed_spans(forms) -> dict[str, tuple[int, float]]:
    """sheet → (last printed column, printed width in column units) of every form's sheets."""
    spans: dict[str, tuple[int, float]] = {}
    for form in forms:
        kind = kind_of(form)
        if kind.printed_spans is not None:
            spans.update(kind.printed_spans(form))
    return spans


def name_prefixes() -> tuple[str, ...]:
    """Prefixes of every kind's defined names: a sheet carrying one is a template sheet."""
    return tuple(kind.name_prefix for kind in KINDS)


def title_markers() -> tuple[str, ...]:
    return tuple(marker for kind in KINDS for marker in kind.title_markers)


def known_templates() -> dict[str, str]:
    """Template id → version this toolkit reads."""
    return {kind.template_id: kind.template_version for kind in KINDS}


def names_from_sheet_labels(values: dict[tuple[int, int], object]) -> dict[str, str] | None:
    """The defined names of whichever kind's template sheet ``values`` shows, found from its printed
    labels (:mod:`toolkit.workbook.anchors`); None when the sheet is no template sheet, or one
    whose labels were changed (then only its stored names can say where things are).

    >>> names_from_sheet_labels({(2, c + 1): h for c, h in enumerate(["编号", "数据项", "单位", "数值", "数据来源", "用于指标"])})
    {'JXD_InputHeader': '$A$2:$F$2'}
    >>> names_from_sheet_labels({(2, 1): "评价年度"}) is None
    True
    """
    for kind in KINDS:
        for table in kind.sheet_anchors:
            names = names_from_labels(values, table)
            if names is not None:
                return names
    return None


def format_columns() -> list[tuple[str, tuple[int, ...], str | None]]:
    """Every kind's columns whose numbers are read with their number format (see FormKind).

    >>> ("JX_IndicatorHeader", (3, 4), "JX_TotalScore") in format_columns()
    True
    """
    return [entry for kind in KINDS for entry in kind.format_columns]


def confirm_names(sheet: SheetAccess) -> tuple[SheetAccess, list[Flag]]:
    """``sheet`` (read with its stored names) checked against its printed labels.

    Where the labels place a name elsewhere than the stored name — a name damaged by a paste or
    by hand, or pointing at a deleted cell — the sheet is read where the labels are (what the
    clerk sees, and what the Excel button reads) and a warning says so. When the labels do not
    give a whole table (a header was retyped), the stored names stay, and the readers report
    what is wrong where they find it.
    """
    derived = names_from_sheet_labels(sheet.values)
    if derived is None:
        return sheet, []
    moved = disagreements(sheet.names, derived)
    if not moved:
        return sheet, []
    flags = [Flag("name_label_mismatch", "warning", where_labels,
                  f"工作表「{sheet.title}」的定义名称 {name} 指向 {where_name}，但按表中标签该项在 {where_labels}："
                  f"已按标签读取 {where_labels}（名称可能被复制粘贴或手工改动）。请核对该单元格；"
                  "如需修复名称，可从模板重新复制该工作表后把内容粘贴为数值。", sheet=sheet.title)
             for name, where_name, where_labels in moved]
    return replace(sheet, names={**sheet.names, **derived}), flags


def adopt_hooks() -> list[AdoptHook]:
    """The kinds' ``jixiao adopt`` hooks, in kind order (kinds without one are left out; the
    project kind's adoption is :mod:`toolkit.forms.project.adopt` itself, which asks for these)."""
    return [kind.adopt for kind in KINDS if kind.adopt is not None]


def read_forms(sheets: list[SheetAccess], registry: Registry, file_name: str, meta: dict[str, str]) -> list:
    """Every form of every kind among ``sheets``, in kind order."""
    return [form for kind in KINDS for form in kind.read(sheets, registry, file_name, meta)]


def score_form(form, profile: Profile) -> list[FormResult]:
    return kind_of(form).score(form, profile)


def resolve_profile(forms: list, meta: dict[str, str], requested: Profile | str | None = None) -> Profile:
    """The profile a workbook's forms are scored by, first that applies:

    1. ``requested`` (``--profile``), when it scores their kind;
    2. the profile the workbook records (meta ``profile_id``, or an export's ``jx.profile_id``),
       when it scores their kind — the seed-003 sample records ``shenzhen``;
    3. the kind's default (``national`` for project forms).

    So ``jixiao score`` without ``--profile`` scores a department workbook by the framework it was
    made from, and ``collect --profile national`` still re-scores a department file by its own."""
    profile = requested if requested is None or isinstance(requested, Profile) else load_profile(requested)
    for kind in dict.fromkeys(kind_of(form) for form in forms):
        if profile is not None and profile["kind"] == kind.profile_kind:
            continue
        return _recorded_or_default(kind, meta)
    return profile if profile is not None else default_profile()


def default_profile() -> Profile:
    """The profile a workbook that names none is scored by: the first kind's default (national).

    >>> default_profile().id
    'national'
    """
    return load_profile(KINDS[0].default_profile)


def _recorded_or_default(kind: FormKind, meta: dict[str, str]) -> Profile:
    named = meta.get("profile_id")
    if named:
        try:
            recorded = load_profile(named)
        except ProfileError as exc:
            raise ProfileError(named, [Problem("profile_not_found", "error", named,
                                               f"工作簿记录的规则配置「{named}」不是内置配置"
                                               f"（内置：{'、'.join(builtin_profile_names())}）；"
                                               "请用 --profile 指定该规则配置的 JSON 文件或内置名称")]) from exc
        if recorded["kind"] == kind.profile_kind:
            return recorded
    if kind.default_profile:
        return load_profile(kind.default_profile)
    raise ToolkitError(kind.missing_profile_message)


def looks_like_form(values: dict[tuple[int, int], object]) -> bool:
    """Does a sheet show a form's title or headers in its first 20 rows and 60 columns (whatever
    its names)?

    >>> looks_like_form({(1, 1): "项目支出绩效自评表（2021年度）"}), looks_like_form({(1, 1): "备注"})
    (True, False)
    """
    markers = title_markers()
    return any(isinstance(value, str) and row <= 20 and col <= 60 and any(marker in value for marker in markers)
               for (row, col), value in values.items())


def unnamed_form_flag(title: str) -> Flag:
    """The flag (never a silent skip) for a sheet that shows a form but carries none of the template's
    names — a form pasted into a new sheet."""
    return Flag("form_without_names", "error", None,
                f"工作表「{title}」像是一张自评表，但没有模板的字段名称（多半是把单元格复制粘贴到了新工作表），"
                "因此没有评分，导出时也不会包含它。请在模板上右键工作表标签「移动或复制 → 建立副本」来增加项目，"
                "再把内容填进去。", sheet=title)
