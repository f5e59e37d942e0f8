"""``profile check`` catches every profile that would crash scoring (issue 19), by property test.

Random profiles are made from the built-in ones (department and project kinds): weights, bands,
rule parameters and knobs changed, optional keys removed, weight moved between sibling indicators, a rule replaced by another profile's
rule of another method (its inputs declared with it) — the methods are taken from the schema's
list, so a method the rule language gains is fuzzed as soon as a built-in profile uses it. Each
goes through ``jixiao profile check``; one that passes gets its blank workbook
(``template build --profile``) filled with random values — blanks, text, negatives, zero, huge
numbers, 「不适用」 — and ``jixiao score`` must not fail (exit 0, never 1). One that fails the check is
refused by ``score`` with exit 3, never 1.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import load_workbook

from toolkit.cli import main
from toolkit.core.profile import builtin_profile_names, load_profile
from toolkit.exits import EXIT_BAD_PROFILE, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "toolkit" / "schemas" / "profile.schema.json").read_text("utf-8"))
BASES = {name: load_profile(name).data for name in builtin_profile_names()}
TEMPLATES = {"project": ROOT / "templates" / "项目支出绩效自评表.xlsx",
             "department": ROOT / "templates" / "部门整体支出绩效_wuhua-2023.xlsx"}
VALUES = st.sampled_from([None, "", "abc", "不适用", "是", "否", "—", -5, -0.5, 0, 0.3, 1, 3.5, 95, 100, 120,
                          "95%", "≥90%", "12人", 1e12, "0%"])
NUMBER_KEYS = ("points", "cap", "zero_if_above", "limit", "per_step", "step", "full", "floor", "full_at",
               "zero_at", "per_item", "per_quarter", "average_points", "quarter_cap", "average_cap", "min", "max",
               "trigger_ratio", "deduct_fraction", "rate_decimals", "ratio_decimals", "cap_rate", "decimals")


def schema_methods() -> list[str]:
    """Every rule method the schema declares (the consts of the rule's oneOf)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            method = node.get("properties", {}).get("method") if isinstance(node.get("properties"), dict) else None
            if isinstance(method, dict) and "const" in method and method["const"] not in found:
                found.append(method["const"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(SCHEMA)
    return found


def _rules(data: dict):
    """Every rule object in a profile (a leaf's, a composite part's …), with the dict holding it."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("rule"), dict) and "method" in node["rule"]:
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _examples() -> dict[str, list[tuple[dict, list[dict]]]]:
    """method → [(a rule using it, the input declarations it needs)] from the built-in profiles."""
    from toolkit.core.framework import rule_inputs
    out: dict[str, list] = {}
    for data in BASES.values():
        declared = {item["id"]: item for item in data.get("inputs", [])}
        for holder in _rules(data):
            rule = holder["rule"]
            try:
                needed = [declared[name] for name in rule_inputs(rule) if name in declared]
            except (KeyError, TypeError):
                continue
            out.setdefault(rule["method"], []).append((rule, needed))
    return out


METHODS = schema_methods()
EXAMPLES = _examples()


def test_the_fuzzer_knows_the_schemas_methods():
    """The generator draws rules of every method the schema declares that some built-in profile uses,
    and the built-in profiles use most of them (a method nobody uses is not fuzzed: add an example)."""
    assert "ratio" in METHODS and "manual" in METHODS
    assert len(set(EXAMPLES) & set(METHODS)) >= len(METHODS) * 0.6, (sorted(EXAMPLES), METHODS)


@st.composite
def profiles(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    data["id"] = "fuzz"
    data.pop("declared_counts", None)
    data.pop("results_table", None)
    numbers = [(holder, key) for holder in _dicts(data) for key in holder
               if key in NUMBER_KEYS and isinstance(holder[key], (int, float)) and not isinstance(holder[key], bool)]
    siblings = [holder["children"] for holder in _dicts(data)
                if isinstance(holder.get("children"), list) and len(holder["children"]) > 1
                and all(isinstance(child.get("weight"), (int, float)) for child in holder["children"])]
    if siblings and draw(st.booleans()):  # weight moved between two sibling indicators (the sum kept)
        group = draw(st.sampled_from(siblings))
        giver, taker = draw(st.sampled_from([(a, b) for a in range(len(group)) for b in range(len(group)) if a != b]))
        moved = draw(st.sampled_from([0.5, 1, 2]))
        group[giver]["weight"] -= moved
        group[taker]["weight"] += moved
    for _ in range(draw(st.integers(0, 2))):  # numbers scaled, zeroed, negated
        if numbers:
            holder, key = draw(st.sampled_from(numbers))
            holder[key] = draw(st.sampled_from([0, -1, 0.5 * holder[key], 2 * holder[key], holder[key] + 1,
                                                round(holder[key] * 0.9, 2)]))
    optional = [(holder, key) for holder in _dicts(data) for key in list(holder)
                if key in ("cap", "zero_if_above", "floor", "full", "steps", "direction", "schedule", "note",
                           "veto", "domain", "quarter_cap", "average_points", "target_grid_rules",
                           "score_tolerance", "measure_tolerance", "judgement_tiers", "rate_rounding_conventions")]
    for _ in range(draw(st.integers(0, 2))):  # optional keys removed
        if optional:
            holder, key = draw(st.sampled_from(optional))
            holder.pop(key, None)
    holders = list(_rules(data))
    if holders and data["kind"] == "department" and draw(st.booleans()):  # a rule of another method
        method = draw(st.sampled_from([m for m in METHODS if m in EXAMPLES]))
        rule, needed = draw(st.sampled_from(EXAMPLES[method]))
        holder = draw(st.sampled_from(holders))
        holder["rule"] = copy.deepcopy(rule)
        known = {item["id"] for item in data["inputs"]}
        data["inputs"] += [copy.deepcopy(item) for item in needed if item["id"] not in known]
    return data


def _dicts(value):
    stack, out = [value], []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            out.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def _fill(path: Path, kind: str, draw_value) -> None:
    """Random entries where a clerk types: the 评分表 and 基础数据 (department), the 资金 and the
    指标 rows (project). Labels and the tool's columns stay."""
    wb = load_workbook(path)
    if kind == "department":
        ws = wb["评分表"]
        for row in range(4, ws.max_row + 1):
            if ws.cell(row, 5).value and isinstance(ws.cell(row, 6).value, (int, float)):
                ws.cell(row, 9).value, ws.cell(row, 10).value = draw_value(), draw_value()
        inputs = wb["基础数据"]
        for row in range(3, inputs.max_row + 1):
            if inputs.cell(row, 1).value:
                inputs.cell(row, 4).value = draw_value()
    else:
        ws = wb[wb.sheetnames[1]]
        for ref in ("C6", "D6", "E6", "H6"):
            ws[ref].value = draw_value()
        for row in range(13, 22):
            ws.cell(row, 4).value = f"指标{row}"
            for col in (5, 6, 7, 8):
                ws.cell(row, col).value = draw_value()
    wb.save(path)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=profiles(), entries=st.data())
def test_a_profile_that_passes_the_check_never_crashes_score(tmp_path_factory, data, entries):
    folder = tmp_path_factory.mktemp("fuzz")
    profile = folder / "fuzz.json"
    profile.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    checked = main(["profile", "check", str(profile)])
    assert checked in (EXIT_OK, EXIT_BAD_PROFILE)
    if checked == EXIT_BAD_PROFILE:  # refused by score too, never a crash
        code = main(["score", str(TEMPLATES[data["kind"]]), "-o", str(folder / "out.xlsx"), "--profile", str(profile)])
        assert code == EXIT_BAD_PROFILE
        return
    blank = folder / "blank.xlsx"
    assert main(["template", "build", "--profile", str(profile), "-o", str(blank)]) == EXIT_OK
    _fill(blank, data["kind"], lambda: entries.draw(VALUES))
    assert main(["score", str(blank), "-o", str(folder / "scored.xlsx")]) == EXIT_OK
    assert main(["score", str(folder / "scored.xlsx"), "-o", str(folder / "again.xlsx")]) == EXIT_OK
