"""The registry of form kinds: what service, export, collect and the Excel layer call.

Each kind is one subpackage of :mod:`toolkit.forms` exposing a :class:`FormKind` as ``KIND``;
this module lists them. A third kind (绩效目标申报表, 绩效运行监控表 …) is one new subpackage
plus one line in :data:`KINDS`. Nothing outside this module asks which kind a form is.

Example::

    >>> [kind.id for kind in KINDS]
    ['project', 'department']
    >>> known_templates()["jixiao.project-self-evaluation"]
    '1.0'
"""

from __future__ import annotations

from toolkit.core.problems import ToolkitError
from toolkit.core.profile import Profile, load_profile
from toolkit.core.results import FormResult
from toolkit.forms.department import kind as department
from toolkit.forms.kind import FormKind
from toolkit.forms.project import kind as project
from toolkit.workbook.meta import Registry
from toolkit.workbook.sheets import SheetAccess


KINDS: list[FormKind] = [project.KIND, department.KIND]
BY_ID = {kind.id: kind for kind in KINDS}


def kind_of(form) -> FormKind:
    """The kind a form read by any reader belongs to."""
    return BY_ID[form.kind]


def name_prefixes() -> tuple[str, ...]:
    """Prefixes of every kind's defined names: a sheet carrying one is a template sheet."""
    return tuple(kind.name_prefix for kind in KINDS)


def title_markers() -> tuple[str, ...]:
    return tuple(marker for kind in KINDS for marker in kind.title_markers)


def known_templates() -> dict[str, str]:
    """Template id → version this toolkit reads."""
    return {kind.template_id: kind.template_version for kind in KINDS}


def read_forms(sheets: list[SheetAccess], registry: Registry, file_name: str, meta: dict[str, str]) -> list:
    """Every form of every kind among ``sheets``, in kind order."""
    return [form for kind in KINDS for form in kind.read(sheets, registry, file_name, meta)]


def score_form(form, profile: Profile) -> list[FormResult]:
    return kind_of(form).score(form, profile)


def resolve_profile(forms: list, meta: dict[str, str], requested: Profile | str) -> Profile:
    """The profile a workbook's forms are scored by: ``requested`` when it scores their kind;
    otherwise the profile the workbook names (meta ``profile_id``, or an export's ``jx.profile_id``),
    else the kind's default. So ``jixiao score`` (default ``national``) scores a department
    workbook by the framework it was made from."""
    profile = requested if isinstance(requested, Profile) else load_profile(requested)
    for kind in dict.fromkeys(kind_of(form) for form in forms):
        if profile["kind"] == kind.profile_kind:
            continue
        named = meta.get("profile_id")
        if named:
            return load_profile(named)
        if kind.default_profile:
            return load_profile(kind.default_profile)
        raise ToolkitError(kind.missing_profile_message)
    return profile
