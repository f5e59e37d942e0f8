"""Schema errors of a rule profile in Chinese: the JSON path of the offending key, what is wrong,
and the closest valid key or value — inside a rule too, where the ``oneOf`` of methods used to
give only «is not valid under any of the given schemas».

Every built-in profile is mutated one key at a time (each key misspelt, each number given as
text, each required key removed, each enum value misspelt) and ``check_profile_data`` must name
the place and the fix.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.core.profile import builtin_profile_names, check_profile_data, load_profile
from toolkit.exits import EXIT_BAD_PROFILE

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ("is not valid under any of the given schemas", "was expected", "is a required property",
           "is not of type", "Additional properties")


def _paths(value, path=(), seen=None):
    """(path, key, container) of the keys of every object in ``value`` — each key once per place in
    the schema (``rule.value`` in a ratio rule and in a bands rule are two places; the 25th
    indicator's ``weight`` is the first one's again), so the test stays fast."""
    seen = set() if seen is None else seen
    if isinstance(value, dict):
        for key, item in value.items():
            shape = (tuple("#" if isinstance(p, int) else p for p in path), key, value.get("method"))
            if shape not in seen:
                seen.add(shape)
                yield path, key, value
            yield from _paths(item, path + (key,), seen)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,), seen)


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def _location(path) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _profiles():
    return [load_profile(name).data for name in builtin_profile_names()]


def _places():
    """(profile, path, key, container) of each place in the schema once over all built-in profiles."""
    seen: set = set()
    return [(data, path, key, container) for data in _profiles() for path, key, container in _paths(data, seen=seen)]


def _no_english(problems):
    for problem in problems:
        assert not any(text in problem.message for text in ENGLISH), problem.message


def test_a_misspelt_key_anywhere_names_its_path_and_the_key_meant():
    checked = suggested = 0
    for data, path, key, _ in _places():
        if key == "$schema":
            continue
        bad = copy.deepcopy(data)
        container = _get(bad, path)
        typo = key + key[-1]  # 「zero_if_abovee」: one letter too many
        container[typo] = container.pop(key)
        problems = [p for p in check_profile_data(bad) if p.code == "schema"]
        if not problems:  # a free-form mapping (level1_weights: 一级指标 → 分值) takes any key
            continue
        checked += 1
        _no_english(problems)
        shown = [f"{p.location}：{p.message}" for p in problems]
        unknown = f"{_location(path)}：未知字段「{typo}」，是否为「{key}」？"  # where only listed keys are allowed
        missing = f"「{typo}」是否为「{key}」？"  # where other keys are allowed, as a missing required key
        assert unknown in shown or any(s.startswith(f"{_location(path)}：缺少必需字段「{key}」") and missing in s
                                       for s in shown), (unknown, shown)
        suggested += 1
    assert checked == suggested and checked > 60


def test_the_issue_example_inside_a_composite_rule():
    data = load_profile("shenzhen-yantian-2021").data
    found = [(path, key) for path, key, _ in _paths(data) if key == "zero_if_above" and "parts" in path]
    if not found:  # no composite part with that key in this profile: make one
        found = [(path, key) for path, key, _ in _paths(data) if key == "zero_if_above"]
    path, key = found[0]
    bad = copy.deepcopy(data)
    _get(bad, path)["zero_if_abov"] = _get(bad, path).pop(key)
    [problem] = check_profile_data(bad)
    assert problem.location == _location(path)
    assert problem.message == "未知字段「zero_if_abov」，是否为「zero_if_above」？"


def test_a_number_given_as_text_says_what_it_should_be():
    checked = 0
    for data, path, key, container in _places():
        value = container[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        bad = copy.deepcopy(data)
        _get(bad, path)[key] = str(value)
        problems = [p for p in check_profile_data(bad) if p.code == "schema"]
        if not problems:
            continue
        checked += 1
        _no_english(problems)
        where = _location(path + (key,))
        assert any(p.location == where and p.message.startswith("应为") and f"现为文字「{value}」" in p.message
                   for p in problems), [f"{p.location}：{p.message}" for p in problems]
    assert checked > 30


def test_a_missing_required_key_is_named():
    checked = 0
    for data, path, key, _ in _places():
        bad = copy.deepcopy(data)
        del _get(bad, path)[key]
        problems = [p for p in check_profile_data(bad) if p.code == "schema"]
        missing = [p for p in problems if p.message.startswith("缺少必需字段")]
        if not missing:
            continue
        checked += 1
        _no_english(problems)
        assert any(p.location == _location(path) and f"「{key}」" in p.message for p in missing), \
            [f"{p.location}：{p.message}" for p in problems]
    assert checked > 25


@pytest.mark.parametrize("name", builtin_profile_names())
def test_a_misspelt_choice_gets_the_closest_valid_one(name):
    data = load_profile(name).data
    checked = 0
    for path, key, container in list(_paths(data)):
        value = container[key]
        if not isinstance(value, str) or key not in ("method", "kind", "mode", "type", "direction", "steps",
                                                      "consequence", "basis", "average_basis"):
            continue
        bad = copy.deepcopy(data)
        _get(bad, path)[key] = value[:-1] if len(value) > 4 else value + "x"
        problems = [p for p in check_profile_data(bad) if p.code == "schema"]
        if not problems:
            continue
        checked += 1
        _no_english(problems)
        where = _location(path + (key,))
        assert any(p.location == where and f"是否为「{value}」？" in p.message and "可选：" in p.message
                   for p in problems), [f"{p.location}：{p.message}" for p in problems]
    assert checked > 0


def test_profile_check_prints_the_path_and_the_suggestion(tmp_path, capsys):
    data = load_profile("wuhua-2023").data
    bad = copy.deepcopy(data)
    rule = next(leaf for leaf in bad["framework"][0]["children"][0]["children"] if leaf["rule"]["method"] != "manual")["rule"]
    rule["per_stepp"] = rule.pop("per_step")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    assert main(["profile", "check", str(path)]) == EXIT_BAD_PROFILE
    err = capsys.readouterr().err
    assert "rule：未知字段「per_stepp」，是否为「per_step」？（schema）" in err
    assert "is not valid" not in err
