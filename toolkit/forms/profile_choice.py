"""Which rule profile scores a workbook, now that a custom profile travels inside its workbook.

The order (``jixiao score`` / ``export`` / ``report``, the Excel button and ``jixiao collect``):

1. ``--profile`` (a built-in name or a JSON file), when it scores the workbook's kind of form;
2. the full profile the workbook embeds (meta rows ``profile_json.*`` or an export's
   ``jx.profile_json``; :func:`toolkit.workbook.meta.embedded_profile`), validated like a file —
   an embedded profile whose SHA-256 is not the recorded one is refused (with ``--profile``, the
   refusal becomes a ``profile_tampered`` warning and ``--profile`` scores);
3. the built-in profile the workbook names by id (workbooks made before profiles travelled);
4. the kind's default (national for project forms).

Whenever the profile used is not the one the workbook embeds — ``--profile`` gave another, or the
embedded one bears a built-in's id with other content — a ``profile_differs`` warning names both
(id and SHA-256) and says which was used.

A framework that shares no indicator with the workbook's 评分表 cannot score it at all:
:func:`unmatched_framework` says which indicators differ (``jixiao score`` refuses, exit 3).

Example::

    >>> from toolkit.workbook.meta import profile_meta
    >>> meta = profile_meta(load_profile("wuhua-2023"))  # what a wuhua-2023 workbook's meta sheet carries
    >>> profile, flags = choose_profile([], meta, "a.xlsx", "shenzhen-yantian-2021")
    >>> profile.id, [flag.code for flag in flags]
    ('shenzhen-yantian-2021', ['profile_differs'])
"""

from __future__ import annotations

import re

from toolkit.core.problems import Flag, Problem
from toolkit.core.profile import Profile, ProfileError, builtin_profile_names, load_profile
from toolkit.core.results import FormResult
from toolkit.forms import registry as kinds
from toolkit.workbook.meta import embedded_profile

ORIGIN_LABELS = {"file": "--profile 指定的文件", "builtin": "内置配置", "embedded": "工作簿内嵌"}


def choose_profile(forms: list, meta: dict[str, str], where: str,
                   requested: Profile | str | None = None) -> tuple[Profile, list[Flag]]:
    """(the profile that scores ``forms``, warnings about it) — see the module doc for the order.
    ``where`` names the workbook in messages. Raises ProfileError for an unusable profile."""
    if requested is not None and not isinstance(requested, Profile):
        requested = load_profile(requested)
    try:
        embedded = embedded_profile(meta, where)
    except ProfileError as exc:
        if requested is None:
            raise
        # --profile says which rules to use: the unusable embedded profile is said, not a refusal.
        chosen = kinds.resolve_profile(forms, meta, requested)
        reason = "；".join(problem.message for problem in exc.problems[:3])
        code = "profile_tampered" if any(p.code == "profile_tampered" for p in exc.problems) else "profile_differs"
        return chosen, [Flag(code, "warning", None, f"工作簿内嵌的规则配置「{meta.get('profile_id', '?')}」不能使用（{reason}）；"
                                                    f"本次按{ORIGIN_LABELS.get(chosen.origin, '')}「{chosen.id}」计分。")]
    chosen = kinds.resolve_profile(forms, meta, requested) if requested is not None else None
    if chosen is None or chosen is not requested:  # no --profile, or one of another kind (collect --profile national)
        fits = embedded is not None and forms and all(kinds.kind_of(form).profile_kind == embedded["kind"]
                                                     for form in forms)
        chosen = embedded if fits else kinds.resolve_profile(forms, meta, None)
    return chosen, differences(chosen, embedded)


def differences(chosen: Profile, embedded: Profile | None) -> list[Flag]:
    """``profile_differs`` warnings: the profile used is not the embedded one, or the embedded one
    differs from the built-in of the same id.

    >>> from toolkit.core.profile import load_profile
    >>> differences(load_profile("national"), load_profile("national"))
    []
    """
    if embedded is None:
        return []
    if chosen is not embedded and chosen.sha256 != embedded.sha256 and chosen["kind"] == embedded["kind"]:
        return [Flag("profile_differs", "warning", None,
                     f"工作簿内嵌的规则配置为「{embedded.id}」（SHA-256 {embedded.sha256[:12]}…），"
                     f"本次按{ORIGIN_LABELS.get(chosen.origin, '')}「{chosen.id}」（SHA-256 {chosen.sha256[:12]}…）计分；"
                     "两者内容不同，请确认应使用哪一个。")]
    if chosen is embedded and embedded.id in builtin_profile_names():
        builtin = load_profile(embedded.id)
        if builtin.sha256 != embedded.sha256:
            return [Flag("profile_differs", "warning", None,
                         f"工作簿内嵌的规则配置「{embedded.id}」（SHA-256 {embedded.sha256[:12]}…）与本工具内置的同名配置"
                         f"（SHA-256 {builtin.sha256[:12]}…）内容不同：已按工作簿内嵌的配置计分；"
                         f"如应按内置配置计分，请加 --profile {embedded.id}。")]
    return []


def profile_label(profile: Profile, bureau: Profile | None = None) -> str:
    """How a summary names the profile that scored a file.

    >>> from toolkit.core.profile import load_profile
    >>> profile_label(load_profile("national"))
    'national（内置配置，SHA-256 ...）'
    """
    origin = "本局 --profile" if bureau is not None and profile is bureau else ORIGIN_LABELS.get(profile.origin, "")
    return f"{profile.id}（{origin}，SHA-256 {profile.sha256[:12]}）"


def unmatched_framework(results: list[FormResult], profile: Profile, recorded: str | None) -> Problem | None:
    """A form none of whose indicators is in ``profile``'s framework (every row 「不在指标体系中」):
    the problem that says which indicators the workbook has and which the profile has, or None.
    ``recorded`` is the profile id the workbook was made from."""
    for result in results:
        if result.items or not result.total_cell:
            continue
        unknown = [_quoted(flag.message) for flag in result.flags if flag.code == "indicator_unknown"]
        missing = [_quoted(flag.message) for flag in result.flags if flag.code == "indicator_missing"]
        if not unknown:
            continue
        made = f"（本工作簿由「{recorded}」生成）" if recorded and recorded != profile.id else ""
        return Problem(
            "indicator_unknown", "error", f"工作表「{result.sheet}」",
            f"规则配置「{profile.id}」的指标体系与工作表「{result.sheet}」的指标没有一项相同，无法计分。"
            f"工作表中的 {len(unknown)} 项指标都不在该配置中：{_listed(unknown)}；"
            f"该配置的 {len(missing)} 项指标都不在工作表中：{_listed(missing)}。"
            f"请改用与本工作簿相符的规则配置{made}，或用 jixiao template build --profile 配置文件 "
            "生成与该配置相符的空白工作簿后重新填写。")
    return None


def _quoted(message: str) -> str:
    found = re.search(r"「([^」]*)」", message)
    return found[1] if found else message


def _listed(names: list[str], limit: int = 12) -> str:
    shown = "、".join(f"「{name}」" for name in names[:limit])
    return shown + (f" 等 {len(names)} 项" if len(names) > limit else "")
