"""The report outline: which sections the 自评报告 has, in which order, and what fills each one.

An outline is data — the ``report_outline`` of a rule profile, else the built-in outline of the
profile in ``outlines.json`` (each built-in profile follows the published report of its place:
五华 2023, 盐田 2021, 兖州 2020; national and shenzhen the national 参考提纲 of 财预〔2020〕10号),
else the default of the profile's kind. Its shape is ``$defs/reportOutline`` of
``schemas/profile.schema.json``:

* ``title``: the document title, with ``{unit}`` and ``{year}`` taken from the first form;
* ``cover``: the lines above the first heading (单位名称（公章）/ 填报人 / 联系电话 / 填报日期),
  each a label and the form's field it shows;
* ``numbering``: heading numbers per level (``{cn}`` = 一二三…, ``{n}`` = 1 2 3…);
* ``sections``: each with a ``heading`` (``{year}`` filled in), ``blocks`` (a fact block's
  name, or ``{"placeholder": "…"}`` for what a person must write) and sub-``sections``. A section
  with ``for_each_form`` is repeated for every form of the workbook, its heading's ``{name}``
  being the form's name (the 项目名称); ``numbered: false`` (an appendix) has no number.

Example::

    >>> outline = default_outline("project")
    >>> [section.heading for section in outline.sections][:2]
    ['基本情况', '绩效评价工作开展情况']
    >>> heading_number(outline.numbering, 1, 3), heading_number(outline.numbering, 2, 12)
    ('三、', '（十二）')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

from toolkit.core.problems import Problem
from toolkit.core.profile import Profile, ProfileError

DEFAULT_NUMBERING = ("{cn}、", "（{cn}）", "{n}. ", "（{n}）")
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Section:
    """One heading of the outline and what it holds."""

    heading: str
    blocks: tuple[object, ...] = ()  # block names (str) and {"placeholder": text}
    sections: tuple[Section, ...] = ()
    for_each_form: bool = False
    numbered: bool = True


@dataclass(frozen=True)
class CoverLine:
    """One line of the cover block: a label and the form field it shows (unit, preparer, phone, fill_date)."""

    label: str
    field: str


@dataclass(frozen=True)
class Outline:
    title: str
    sections: tuple[Section, ...]
    numbering: tuple[str, ...] = field(default=DEFAULT_NUMBERING)
    cover: tuple[CoverLine, ...] = ()
    source: str = ""


def _shipped() -> dict:
    text = (resources.files("toolkit.narrative") / "outlines.json").read_text("utf-8")
    return json.loads(text)


def builtin_outlines() -> dict[str, dict]:
    """The shipped outlines by their id (``national-project``, ``wuhua-2023`` …), as JSON data.

    >>> sorted(builtin_outlines())[:3]
    ['national-department', 'national-project', 'wuhua-2023']
    """
    return _shipped()["outlines"]


def builtin_outline_of(profile_id: str) -> str | None:
    """The id of the shipped outline a built-in profile uses (None for other profiles).

    >>> builtin_outline_of("wuhua-2023"), builtin_outline_of("shenzhen"), builtin_outline_of("province-x")
    ('wuhua-2023', 'national-project', None)
    """
    return _shipped()["profiles"].get(profile_id)


def default_outlines() -> dict:
    """The default outline of each profile kind (``project``, ``department``), as JSON data.

    >>> sorted(default_outlines())
    ['department', 'project']
    """
    shipped = _shipped()
    return {kind: shipped["outlines"][name] for kind, name in shipped["kinds"].items()}


def low_execution_rate() -> float:
    """Below this execution rate a project is listed as 执行率偏低 (``outlines.json``).

    >>> low_execution_rate()
    0.9
    """
    return float(_shipped()["low_execution_rate"])


def default_outline(kind: str) -> Outline:
    """The default outline for profiles of ``kind``."""
    return parse_outline(default_outlines()[kind])


def outline_for(profile: Profile) -> Outline:
    """The profile's ``report_outline``, else the shipped outline of a built-in profile (the
    published report of its place), else the default of its kind.

    >>> from toolkit.core.profile import load_profile
    >>> outline_for(load_profile("wuhua-2023")).sections[0].sections[0].heading
    '整体概况'
    """
    data = profile.get("report_outline")
    if data:
        return parse_outline(data)
    name = builtin_outline_of(profile.id)
    return parse_outline(builtin_outlines()[name]) if name else default_outline(profile["kind"])


def parse_outline(data: Mapping) -> Outline:
    """An outline from its JSON form (already valid by the profile schema).

    >>> parse_outline({"sections": [{"heading": "基本情况", "blocks": [{"placeholder": "背景"}]}]}).title
    '{unit}{year}年度绩效自评报告'
    """
    return Outline(title=data.get("title", "{unit}{year}年度绩效自评报告"),
                   sections=tuple(_section(s) for s in data["sections"]),
                   numbering=tuple(data.get("numbering") or DEFAULT_NUMBERING),
                   cover=tuple(CoverLine(line["label"], line["field"]) for line in data.get("cover", ())),
                   source=data.get("source", ""))


def _section(data: Mapping) -> Section:
    return Section(heading=data["heading"], blocks=tuple(data.get("blocks", ())),
                   sections=tuple(_section(s) for s in data.get("sections", ())),
                   for_each_form=bool(data.get("for_each_form", False)),
                   numbered=bool(data.get("numbered", True)))


def check_blocks(outline: Outline, known: Iterable[str], source: str) -> None:
    """Raise ProfileError naming every block the outline uses that no code draws.

    >>> check_blocks(default_outline("project"), ["funds"], "national")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    toolkit.core.profile.ProfileError: 规则配置「national」有 ... 个问题：
      - $.report_outline：提纲中的内容块「project_summary」不存在（可用：funds）
    ...
    """
    known = list(known)
    unknown = dict.fromkeys(block for block in _blocks(outline.sections)
                            if isinstance(block, str) and block not in known)
    if unknown:
        raise ProfileError(source, [Problem("schema", "error", "$.report_outline",
                                            f"提纲中的内容块「{block}」不存在（可用：{'、'.join(known)}）")
                                    for block in unknown])


def _blocks(sections: Iterable[Section]):
    for section in sections:
        yield from section.blocks
        yield from _blocks(section.sections)


def chinese_number(n: int) -> str:
    """一 … 九十九, as headings count.

    >>> chinese_number(1), chinese_number(10), chinese_number(12), chinese_number(20), chinese_number(35)
    ('一', '十', '十二', '二十', '三十五')
    """
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def heading_number(numbering: tuple[str, ...], level: int, index: int) -> str:
    """The number in front of the ``index``-th heading (from 1) at ``level`` (from 1)."""
    pattern = numbering[min(level, len(numbering)) - 1]
    return pattern.format(cn=chinese_number(index), n=index)
