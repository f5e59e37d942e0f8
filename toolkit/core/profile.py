"""Rule profiles: JSON files validated by JSON Schema plus semantic checks.

A profile is data. Every locality variant of the rules (反向 formula, qualitative tiers,
over-achievement, 不适用, grade bands, rounding, 执行率 cap, total cap by 执行率) is a knob
in it; the scoring code reads knobs and never tests for a locality.

Example::

    >>> profile = load_profile("national")
    >>> profile.id, profile["execution_rate"]["weight"]
    ('national', 10)
    >>> check_profile_data({"id": "x"})[0].code
    'schema'

Grade bands and tiers (their lookup and coverage check) live in :mod:`toolkit.core.bands`;
the rule language of framework (部门整体) profiles in :mod:`toolkit.core.framework`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from toolkit.core.bands import check_bands, format_bound as _fmt
from toolkit.core.framework import check_department_profile
from toolkit.core.problems import Problem, ToolkitError
from toolkit.core.schema_messages import schema_problems


@dataclass(frozen=True)
class Profile(Mapping):
    """A validated rule profile (read-only mapping over the JSON data).

    ``sha256`` is the hash of the profile's *content* (:func:`canonical_json`), not of a file's
    bytes: the same profile read from a file, from the package or from a workbook's meta sheet
    has the same hash, whatever its spacing or key order. collect compares it with the exporter's.
    """

    data: dict
    source: str  # a built-in name, the file it was read from, or the workbook that embeds it
    sha256: str  # of canonical_json(data)
    origin: str = "file"  # "builtin", "file" or "embedded" (in a workbook's meta sheet or export)

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def version(self) -> str:
        return str(self.data["version"])

    def __getitem__(self, key):
        return self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


class ProfileError(ToolkitError):
    """A profile that cannot be used; ``problems`` lists why."""

    def __init__(self, source: str, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p.location}：{p.message}" for p in problems)
        super().__init__(f"规则配置「{source}」有 {len(problems)} 个问题：\n{lines}")


def builtin_profile_names() -> list[str]:
    """Names of the profiles shipped in the package.

    >>> "national" in builtin_profile_names()
    True
    """
    folder = resources.files("toolkit") / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


@functools.lru_cache(maxsize=None)
def _schema(name: str) -> dict:
    """A schema of the package, read once (callers never change it)."""
    return json.loads((resources.files("toolkit") / "schemas" / name).read_text("utf-8"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a profile by built-in name (``national``) or by path, validated.

    Raises :class:`ProfileError` (with Chinese messages) when the file is missing, not
    JSON, fails the schema or a semantic check.
    """
    text_name = str(name_or_path)
    path = Path(text_name)
    if not path.suffix and text_name in builtin_profile_names():
        raw = (resources.files("toolkit") / "profiles" / f"{text_name}.json").read_bytes()
        source, origin = text_name, "builtin"
    elif path.is_file():
        raw = path.read_bytes()
        source, origin = str(path), "file"
    else:
        known = "、".join(builtin_profile_names())
        raise ProfileError(text_name, [Problem("profile_not_found", "error", text_name,
                                               f"找不到规则配置「{text_name}」；内置配置有：{known}，或给出 JSON 文件路径")])
    return profile_from_bytes(raw, source, origin=origin)


def profile_from_bytes(raw: bytes, source: str, *, origin: str = "file") -> Profile:
    """A profile from a file's bytes (or the JSON a workbook embeds), validated exactly like
    :func:`load_profile`: JSON that a rule can mean, the schema, the semantic checks.

    >>> profile_from_bytes(canonical_json(load_profile("national").data).encode(), "x").sha256 == load_profile("national").sha256
    True
    """
    data = parse_profile_text(raw, source)
    problems = [p for p in check_profile_data(data) if p.severity == "error"]
    if problems:
        raise ProfileError(source, problems)
    return Profile(data=data, source=source, sha256=content_sha256(data), origin=origin)


def canonical_json(data: object) -> str:
    """The profile's canonical text: keys sorted, no spaces, non-ASCII as is. What a workbook
    embeds and what :attr:`Profile.sha256` hashes.

    >>> canonical_json({"b": 1, "a": [1.5, "预算"]})
    '{"a":[1.5,"预算"],"b":1}'
    """
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def content_sha256(data: object) -> str:
    """SHA-256 (hex) of :func:`canonical_json` in UTF-8.

    >>> content_sha256({"a": 1}) == content_sha256(json.loads('{ "a" : 1 }'))
    True
    """
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


MAX_DEPTH = 32  # a real profile nests 8 deep; anything far deeper is no profile


def parse_profile_text(raw: bytes, source: str) -> object:
    """A profile file's JSON, refusing what JSON parsers accept but a rule cannot mean: NaN and
    Infinity, numbers too large to be finite, integers of thousands of digits, nesting thousands
    deep, text that is not valid Unicode (a lone surrogate from ``\\ud800``). Raises ProfileError
    naming the key path.

    >>> parse_profile_text(b'{"a": [1, 2]}', "x")
    {'a': [1, 2]}
    >>> parse_profile_text(b'{"over_achievement": {"trigger_ratio": NaN}}', "x")
    Traceback (most recent call last):
    ...
    toolkit.core.profile.ProfileError: 规则配置「x」有 1 个问题：
      - $.over_achievement.trigger_ratio：数值不是有限数（过大或 NaN），规则中不能使用
    """
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=float)  # NaN → named by its key path below
    except RecursionError:
        raise ProfileError(source, [Problem("profile_not_json", "error", source,
                                            f"嵌套层数过多（超过 {MAX_DEPTH} 层），不是规则配置")]) from None
    except UnicodeDecodeError as exc:
        raise ProfileError(source, [Problem("profile_not_json", "error", source,
                                            f"不是有效的 UTF-8 文件：{exc}")]) from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        why = "整数位数过多（数千位），规则中不能使用" if "digits" in str(exc) else str(exc)
        raise ProfileError(source, [Problem("profile_not_json", "error", source, f"不是有效的 JSON：{why}")]) from None
    problems = list(_unusable_values(data))
    if problems:
        raise ProfileError(source, problems)
    return data


def _unusable_values(data: object):
    """Problems of values JSON carries but a profile cannot use, each with its key path."""
    stack = [(data, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            yield Problem("schema", "error", path, f"嵌套层数过多（超过 {MAX_DEPTH} 层），不是规则配置")
            return
        if isinstance(value, float) and not math.isfinite(value):
            yield Problem("schema", "error", path, "数值不是有限数（过大或 NaN），规则中不能使用")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** 15:
            yield Problem("schema", "error", path, "整数过大，规则中不能使用")
        elif isinstance(value, str) and _invalid_unicode(value):
            yield Problem("schema", "error", path, "文字含无效的 Unicode 字符（孤立代理项），请重新输入该文字")
        elif isinstance(value, dict):
            for key, item in value.items():
                if _invalid_unicode(key):
                    yield Problem("schema", "error", path, "键名含无效的 Unicode 字符（孤立代理项）")
                stack.append((item, f"{path}.{_printable_key(key)}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))


def _invalid_unicode(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _printable_key(key: str) -> str:
    return key.encode("utf-8", "replace").decode("utf-8") if _invalid_unicode(key) else key


def check_profile_data(data: object) -> list[Problem]:
    """Schema validation then semantic checks; each problem carries its JSON path.

    >>> bad = json.loads(json.dumps(load_profile("national").data))
    >>> bad["grades"][1]["min"] = 85
    >>> [p.code for p in check_profile_data(bad)]
    ['bands_gap']
    """
    schema_errors = schema_problems(_schema("profile.schema.json"), data)
    if schema_errors:
        return schema_errors
    problems: list[Problem] = []
    problems += check_bands(data["grades"], "$.grades", label="等级档次", key="grade")
    problems += _KIND_CHECKS[data["kind"]](data)
    return problems


def _check_department_rules(data: Mapping) -> list[Problem]:
    problems = check_department_profile(data)
    grid_rules = data.get("target_grid_rules")
    project_names = [name for name in builtin_profile_names() if _builtin_kind(name) == "project"]
    if grid_rules and grid_rules not in project_names:
        what = "是部门整体配置，不是" if grid_rules in builtin_profile_names() else "不是内置的"
        problems.append(Problem("profile_not_found", "error", "$.target_grid_rules",
                                f"目标完成情况表的检查规则「{grid_rules}」{what}项目表规则配置"
                                f"（可用：{'、'.join(project_names)}）"))
    return problems


def _builtin_kind(name: str) -> str | None:
    """The ``kind`` of a built-in profile, read without validating it (no recursion)."""
    try:
        return json.loads((resources.files("toolkit") / "profiles" / f"{name}.json").read_text("utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def _check_project_rules(data: Mapping) -> list[Problem]:
    problems = check_bands(data["qualitative"]["tiers"], "$.qualitative.tiers", label="定性指标档次")
    weights = data.get("level1_weights") or {}
    if weights:
        total = sum(weights.values()) + data["execution_rate"]["weight"]
        if abs(total - 100) > 1e-9:
            problems.append(Problem("weights_total", "error", "$.level1_weights",
                                    f"一级指标分值 {_fmt(sum(weights.values()))} + 执行率分值 "
                                    f"{_fmt(data['execution_rate']['weight'])} = {_fmt(total)}，应为 100"))
    over = data["over_achievement"]
    if over["consequence"] == "deduct" and not over.get("deduct_fraction"):
        problems.append(Problem("deduct_missing", "error", "$.over_achievement.deduct_fraction",
                                "超额扣分方式为 deduct 时须给出 deduct_fraction（0–1）"))
    caps = sorted(data["total_cap_by_execution"], key=lambda c: c["rate_min"])
    for index, cap in enumerate(caps):
        if cap["rate_min"] >= cap["rate_max"]:
            problems.append(Problem("band_empty", "error", f"$.total_cap_by_execution[{index}]",
                                    f"执行率区间 [{cap['rate_min']}, {cap['rate_max']}) 为空"))
        if index and cap["rate_min"] < caps[index - 1]["rate_max"]:
            problems.append(Problem("bands_overlap", "error", f"$.total_cap_by_execution[{index}]",
                                    "执行率封顶区间相互重叠"))
    return problems


# The semantic checks of each kind of profile (the schema has already checked the shape).
_KIND_CHECKS = {"project": _check_project_rules, "department": _check_department_rules}
