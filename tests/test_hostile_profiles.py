"""Issue 22: a hostile rule profile or an output aimed at an input never ends in 「意外错误」 (exit 1) or
a silent change. Non-finite numbers, nesting thousands deep, integers of thousands of digits, text
that is not Unicode and a profile of the wrong kind are refused with exit 3 and a Chinese message
naming the key path; an output that would replace an input or another output is refused before any
work (exit 2), and the input is unchanged."""

from __future__ import annotations

import hashlib
import json
import random
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.cli import main

from .conftest import ROOT, SAMPLE

NATIONAL = json.loads((ROOT / "toolkit" / "profiles" / "national.json").read_text("utf-8"))
NATIONAL.pop("$schema", None)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _national_text(**replace: str) -> str:
    text = json.dumps(NATIONAL, ensure_ascii=False)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


HOSTILE = {
    "nan": (_national_text(**{'"trigger_ratio": 1.3': '"trigger_ratio": NaN'}), "$.over_achievement.trigger_ratio"),
    "infinity": (_national_text(**{'"trigger_ratio": 1.3': '"trigger_ratio": 1e999'}),
                 "$.over_achievement.trigger_ratio"),
    "deep": ("[" * 5000 + "]" * 5000, "嵌套层数过多"),
    "huge_integer": (_national_text(**{'"trigger_ratio": 1.3': '"trigger_ratio": ' + "9" * 5000}), "整数位数过多"),
    "lone_surrogate": (_national_text(**{'"title": "': '"title": "\\ud800'}), "$.title"),
}


@pytest.mark.parametrize("family", list(HOSTILE))
def test_a_hostile_profile_is_refused_with_its_key_path(family, tmp_path, capsys):
    text, said = HOSTILE[family]
    profile = tmp_path / f"{family}.json"
    profile.write_text(text, encoding="utf-8")
    workbook = tmp_path / "a.xlsx"
    shutil.copy(SAMPLE, workbook)
    before = _digest(workbook)
    assert main(["profile", "check", str(profile)]) == 3
    assert said in capsys.readouterr().err
    assert main(["score", str(workbook), "-o", str(tmp_path / "b.xlsx"), "--profile", str(profile)]) == 3
    err = capsys.readouterr().err
    assert said in err and "意外错误" not in err
    assert _digest(workbook) == before and not (tmp_path / "b.xlsx").exists()


def test_a_profile_of_another_kind_is_refused_not_replaced(tmp_path, capsys):
    out = tmp_path / "b.xlsx"
    assert main(["score", str(SAMPLE), "-o", str(out), "--profile", "wuhua-2023"]) == 3
    err = capsys.readouterr().err
    assert "$.kind" in err and "部门整体" in err and not out.exists()


@pytest.mark.parametrize("aim", ["json_on_input", "json_on_output", "json_on_input_in_place"])
def test_an_output_aimed_at_an_input_or_another_output_is_refused(aim, tmp_path, capsys):
    workbook = tmp_path / "a.xlsx"
    shutil.copy(SAMPLE, workbook)
    before = _digest(workbook)
    args = {"json_on_input": ["-o", str(tmp_path / "b.xlsx"), "--json", str(workbook)],
            "json_on_output": ["-o", str(tmp_path / "b.xlsx"), "--json", str(tmp_path / "b.xlsx")],
            "json_on_input_in_place": ["--in-place", "--json", str(workbook)]}[aim]
    assert main(["score", str(workbook), *args]) == 2
    assert "覆盖" in capsys.readouterr().err
    assert _digest(workbook) == before and not (tmp_path / "b.xlsx").exists()
    assert not list(tmp_path.glob("*.bak-*"))  # refused before any work: not even a backup


def _mutate(data, rng: random.Random, poison):
    """``data`` with one value, chosen at random among all nested values, replaced by ``poison``."""
    paths = []

    def walk(value, path):
        paths.append(path)
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, path + [key])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, path + [index])

    walk(data, [])
    path = rng.choice(paths[1:])
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = poison
    return copy


POISONS = st.sampled_from([float("nan"), float("inf"), -float("inf"), 10 ** 40, -1, 0, "", "\ud800", [], {},
                           None, True, "≥", [[[[[[]]]]]], 1e308, -1e-308, "NaN"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(poison=POISONS, seed=st.integers(0, 2 ** 16))
def test_generated_hostile_profiles_never_end_in_an_unexpected_error(poison, seed, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("hostile-profile")
    data = _mutate(NATIONAL, random.Random(seed), poison)
    profile = folder / "p.json"
    profile.write_text(json.dumps(data, ensure_ascii=False, allow_nan=True), encoding="utf-8", errors="surrogatepass")
    checked = main(["profile", "check", str(profile)])
    scored = main(["score", str(SAMPLE), "-o", str(folder / "out.xlsx"), "--profile", str(profile)])
    err = capsys.readouterr().err
    assert checked in (0, 3) and scored in (0, 3), err
    assert "意外错误" not in err
    if checked == 3:  # what check refuses, score refuses too: never a silent change
        assert scored == 3
