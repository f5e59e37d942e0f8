"""JSON Schema errors of a rule profile in Chinese: the JSON path of the offending key, what is
wrong with it, and the closest valid key or value.

jsonschema's own messages are English, and a typo inside one branch of a ``oneOf`` (a rule, whose
``method`` says which branch it means) only gives «is not valid under any of the given schemas».
Here each error is walked down its ``context`` to the branch the instance means — the one whose
discriminator (a ``const`` such as ``"method": "ratio"``, a required key, the type) it matches —
and that branch's own errors are reported; unknown keys and values get the closest valid one
(:mod:`difflib`).

Example::

    >>> schema = {"type": "object", "properties": {"rule": {"oneOf": [
    ...     {"type": "object", "additionalProperties": False, "required": ["method"],
    ...      "properties": {"method": {"const": "ratio"}, "zero_if_above": {"type": "number"}}},
    ...     {"type": "object", "additionalProperties": False, "required": ["method"],
    ...      "properties": {"method": {"const": "manual"}}}]}}}
    >>> [(p.location, p.message) for p in schema_problems(schema, {"rule": {"method": "ratio", "zero_if_abov": 1}})]
    [('$.rule', '未知字段「zero_if_abov」，是否为「zero_if_above」？')]
    >>> schema_problems(schema, {"rule": {"method": "ratoi"}})[0].message
    '「ratoi」不是可选的值，是否为「ratio」？可选：ratio、manual'
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping

import jsonschema
from jsonschema.exceptions import ValidationError, relevance

from toolkit.core.problems import Problem

TYPE_NAMES = {"number": "数字", "integer": "整数", "string": "文字", "boolean": "true 或 false", "array": "列表（[…]）",
              "object": "对象（{…}）", "null": "null"}
KNOWN_PATTERNS = {
    "^[a-z0-9_]+$": "只能用小写英文字母、数字和下划线",
    "^[a-z0-9][a-z0-9_.-]*$": "只能用小写英文字母、数字和 _ . -，且以字母或数字开头",
}
MAX_SHOWN_CHOICES = 12  # a longer list of valid keys or values is cut, with 「等 N 个」


def schema_problems(schema: Mapping, data: object, *, code: str = "schema") -> list[Problem]:
    """Every schema error of ``data`` as a Chinese :class:`Problem` (location = JSON path), in path
    order; duplicates (the same message at the same place) are dropped.

    >>> schema_problems({"type": "object", "required": ["id"]}, {})[0].message
    '缺少必需字段「id」'
    """
    validator = _validator(schema)
    found: list[tuple[str, str]] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        found += explain(error)
    return [Problem(code, "error", location, message) for location, message in _without_echoes(found)]


def _without_echoes(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A misspelt key is reported once: 「未知字段「wieght」，是否为「weight」？」 already says that
    「weight」 is missing, so the missing-key message of the same place is dropped."""
    found = list(dict.fromkeys(found))
    guessed = {(where, match) for where, message in found
               for match in re.findall(r"是否为「([^」]+)」", message) if message.startswith("未知字段")}
    kept = []
    for where, message in found:
        keys = re.findall(r"「([^」]+)」", message)
        echoed = [(where, key) in guessed for key in keys]
        if (message.startswith("缺少必需字段") and all(echoed)) or (message.startswith("应写明其中一种") and any(echoed)):
            continue
        kept.append((where, message))
    return kept


_VALIDATORS: dict[int, tuple[Mapping, jsonschema.Draft202012Validator]] = {}


def _validator(schema: Mapping) -> jsonschema.Draft202012Validator:
    """One validator per schema object (building one walks the whole schema: a profile check ran
    ten times slower without this)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = _VALIDATORS[id(schema)] = (schema, jsonschema.Draft202012Validator(schema))
    return cached[1]


def json_path(parts: Iterable) -> str:
    """``$.framework[0].children[2]`` from a path's parts.

    >>> json_path(["framework", 0, "rule"])
    '$.framework[0].rule'
    """
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def explain(error: ValidationError) -> list[tuple[str, str]]:
    """(location, message) pairs saying what ``error`` means, descending into the branch of a
    ``oneOf``/``anyOf`` the instance means."""
    where = json_path(error.absolute_path)
    kind = error.validator
    if kind in ("oneOf", "anyOf"):
        return _explain_branches(error, where)
    if kind == "additionalProperties":
        return [(where, message) for message in _unknown_keys(error.instance, _allowed_keys([error.schema]))]
    return [(where, _message(error))]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid choice closest to ``word`` (None when none is close).

    >>> closest("zero_if_abov", ["cap", "zero_if_above", "points"]), closest("xyz", ["cap"])
    ('zero_if_above', None)
    """
    choices = [str(choice) for choice in choices]
    found = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not found:  # a case or separator slip: ZERO-IF-ABOVE
        folded = {re.sub(r"[\s_\-]", "", choice.lower()): choice for choice in choices}
        found = [folded[key] for key in [re.sub(r"[\s_\-]", "", str(word).lower())] if key in folded]
    return found[0] if found else None


# -- oneOf / anyOf ---------------------------------------------------------------------------

def _explain_branches(error: ValidationError, where: str) -> list[tuple[str, str]]:
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if not branches:  # valid under more than one branch
        return [(where, "同时符合多种写法，无法确定是哪一种：请删去多余的字段")]
    instance = error.instance
    if all(not e.relative_path and e.validator in ("type", "const", "enum") for errors in branches.values()
           for e in errors):  # a number or "full": one message listing what may stand here
        wanted = []
        for errors in branches.values():
            for e in errors:
                wanted += ([_type_name(e.validator_value)] if e.validator == "type" else
                           [f"「{_show(v)}」" for v in ([e.validator_value] if e.validator == "const" else e.validator_value)])
        return [(where, f"应为{' 或 '.join(dict.fromkeys(wanted))}，现为{_actual_type(instance)}")]
    discriminators = _discriminator_misses(branches, len(error.validator_value), instance)
    if discriminators is not None:
        return discriminators
    scored = sorted(branches.items(), key=lambda pair: (_distance(pair[1], instance), pair[0]))
    best_score = _distance(scored[0][1], instance)
    tied = [index for index, errors in scored if _distance(errors, instance) == best_score]
    chosen = branches[tied[0]]
    results: list[tuple[str, str]] = []
    for sub in sorted(chosen, key=relevance):
        if sub.validator == "additionalProperties" and len(tied) > 1:
            schemas = [error.validator_value[index] for index in tied]
            results += [(json_path(sub.absolute_path), message)
                        for message in _unknown_keys(sub.instance, _allowed_keys(schemas))]
        elif sub.validator == "required" and len(tied) > 1:
            options = [_required_of(error.validator_value[index]) for index in tied]
            shown = "、".join("「" + "、".join(keys) + "」" for keys in options if keys)
            results.append((json_path(sub.absolute_path), f"应写明其中一种：{shown}"))
        else:
            results += explain(sub)
    return list(dict.fromkeys(results))


def _discriminator_misses(branches: dict[int, list[ValidationError]], count: int,
                          instance: object) -> list[tuple[str, str]] | None:
    """When every branch fails the same key's ``const``/``enum`` (a misspelt ``method``), one
    message listing the valid values; None when some branch accepts the discriminator."""
    if len(branches) < count or not isinstance(instance, dict):
        return None
    keys: dict[tuple, list] = {}
    for errors in branches.values():
        misses = [e for e in errors if e.validator in ("const", "enum") and len(e.relative_path) == 1]
        if not misses:
            return None
        for miss in misses:
            values = [miss.validator_value] if miss.validator == "const" else list(miss.validator_value)
            keys.setdefault(tuple(miss.absolute_path), []).extend(values)
    path, values = max(keys.items(), key=lambda pair: len(pair[1]))
    if len(keys) > 1 and any(len(v) != len(values) for v in keys.values()):
        return None
    return [(json_path(path), _not_a_choice(instance.get(path[-1]), list(dict.fromkeys(values))))]


def _distance(errors: list[ValidationError], instance: object) -> tuple[int, int]:
    """How far an instance is from a branch: a wrong discriminator or type first, then missing
    keys, then the number of other errors."""
    wrong_kind = sum(1 for e in errors if (e.validator in ("const", "enum") and len(e.relative_path) == 1)
                     or (e.validator == "type" and not e.relative_path))
    missing = unknown = 0
    keys = list(instance) if isinstance(instance, dict) else []
    for e in errors:
        if e.relative_path or not isinstance(e.schema, dict):
            continue
        allowed = list(e.schema.get("properties", {}))
        if e.validator == "required":  # a required key misspelt is one slip, not a missing key
            absent = [k for k in e.validator_value if k not in keys]
            missing += sum(1 for k in absent if closest(k, [x for x in keys if x not in allowed]) is None)
        elif e.validator == "additionalProperties":
            unknown += sum(1 for k in keys if k not in allowed and closest(k, allowed) is None)
    return wrong_kind * 100 + missing * 10 + unknown * 5, len(errors)


def _required_of(schema: object) -> list[str]:
    return list(schema.get("required", [])) if isinstance(schema, dict) else []


# -- one error -------------------------------------------------------------------------------

def _allowed_keys(schemas: Iterable[object]) -> list[str]:
    keys: list[str] = []
    for schema in schemas:
        if isinstance(schema, dict):
            keys += [key for key in schema.get("properties", {}) if key not in keys]
    return keys


def _unknown_keys(instance: object, allowed: list[str]) -> list[str]:
    if not isinstance(instance, dict):
        return []
    messages = []
    for key in instance:
        if key in allowed:
            continue
        suggestion = closest(key, [k for k in allowed if k not in instance])
        if suggestion:
            messages.append(f"未知字段「{key}」，是否为「{suggestion}」？")
        else:
            messages.append(f"未知字段「{key}」（此处可用的字段：{_choices(allowed)}）")
    return messages


def _choices(values: list) -> str:
    shown = "、".join(_show(v) for v in values[:MAX_SHOWN_CHOICES])
    return shown + (f" 等 {len(values)} 个" if len(values) > MAX_SHOWN_CHOICES else "")


def _show(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _not_a_choice(value: object, choices: list) -> str:
    suggestion = closest(_show(value), [_show(c) for c in choices]) if isinstance(value, str) else None
    hint = f"是否为「{suggestion}」？" if suggestion else ""
    return f"「{_show(value)}」不是可选的值，{hint}可选：{_choices(choices)}"


def _type_name(types: object) -> str:
    types = [types] if isinstance(types, str) else list(types)
    return " 或 ".join(TYPE_NAMES.get(t, t) for t in types)


def _actual_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"数字 {_show(value)}"
    if isinstance(value, str):
        return f"文字「{value[:40]}」"
    if isinstance(value, list):
        return "列表"
    return "对象"


def _message(error: ValidationError) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [key for key in expected if not isinstance(value, dict) or key not in value]
        text = "缺少必需字段" + "、".join(f"「{key}」" for key in missing)
        if isinstance(value, dict):  # where other keys are allowed, a misspelt one is no error of its own
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            strays = [key for key in value if key not in known]
            guesses = [(stray, closest(stray, missing)) for stray in strays]
            text += "".join(f"，「{stray}」是否为「{guess}」？" for stray, guess in guesses if guess)
        return text
    if kind == "type":
        return f"应为{_type_name(expected)}，现为{_actual_type(value)}"
    if kind == "enum":
        return _not_a_choice(value, list(expected))
    if kind == "const":
        return f"应为「{_show(expected)}」，现为「{_show(value)}」"
    if kind == "minimum":
        return f"{_show(value)} 小于允许的最小值 {_show(expected)}"
    if kind == "maximum":
        return f"{_show(value)} 大于允许的最大值 {_show(expected)}"
    if kind == "exclusiveMinimum":
        return f"{_show(value)} 须大于 {_show(expected)}"
    if kind == "exclusiveMaximum":
        return f"{_show(value)} 须小于 {_show(expected)}"
    if kind == "minLength":
        return "不能为空" if expected == 1 else f"至少 {expected} 个字符"
    if kind == "maxLength":
        return f"最多 {expected} 个字符"
    if kind == "minItems":
        return "列表不能为空" if expected == 1 else f"至少需要 {expected} 项，现有 {len(value)} 项"
    if kind == "maxItems":
        return f"最多 {expected} 项，现有 {len(value)} 项"
    if kind == "uniqueItems":
        return "列表中有重复项"
    if kind == "pattern":
        rule = KNOWN_PATTERNS.get(expected, f"须符合格式 {expected}")
        return f"「{_show(value)}」格式不对：{rule}"
    if kind == "multipleOf":
        return f"{_show(value)} 须为 {_show(expected)} 的整数倍"
    if kind == "not":
        return "此处不能这样写"
    return f"不符合配置格式（{kind}）：{error.message}"
