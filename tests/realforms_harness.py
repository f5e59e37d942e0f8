"""Adopt and score every real published form of ``tests/data/realforms`` and judge the result
against what the form's ``expect`` says (the national rule applied by hand to the published
form) — shared by ``tests/test_realforms.py`` and ``benchmarks/bench_realforms.py``.

For each form: was it adopted; was the execution score (or, on a completion table, the rate)
read as ``expect.execution`` says; does each indicator's verdict and score match
``expect.indicators``; and which errors/warnings the tool raised that neither ``expect`` nor
``tests/data/realforms_checks.json`` (the flags each form's published inconsistencies call for, with why) accounts
for — the noisy flags, which cost a clerk's trust as much as a missed one.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.forms.project.adopt import adopt_file
from toolkit.service import score_file
from toolkit.workbook.locator import EXECUTION_ROW

REALFORMS = Path(__file__).parent / "data" / "realforms"
CHECKS = json.loads((REALFORMS.parent / "realforms_checks.json").read_text("utf-8"))
TOLERANCE = 0.011  # a published figure's last digit
MET_METHODS = {"positive_met", "reverse_met", "equal_met", "qualitative_met"}
NOT_MET_METHODS = {"positive_ratio", "reverse_ratio", "reverse_linear", "equal_missed", "over_achievement_deducted"}
MANUAL_METHODS = {"qualitative_judgement", "quantitative_manual", "qualitative_clamped", "qualitative_manual", "manual"}


def _builder():
    """``tests/data/realforms/build.py`` (renders a transcription in its own printed layout)."""
    spec = importlib.util.spec_from_file_location("realforms_build", REALFORMS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_form_file(form_id: str, outdir: Path) -> Path:
    """The .xlsx of one transcription, rendered from its JSON into ``outdir``."""
    _builder().build(str(REALFORMS / f"{form_id}.json"), str(outdir))
    return outdir / f"{form_id}.xlsx"


def form_ids() -> list[str]:
    """Every transcribed source (one JSON each), in name order."""
    return sorted(path.stem for path in REALFORMS.glob("*.json"))


def load(form_id: str) -> dict:
    return json.loads((REALFORMS / f"{form_id}.json").read_text("utf-8"))


@dataclass(frozen=True)
class Noise:
    """An error or warning nothing accounts for."""

    item: str | None
    code: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.item or '表'} {self.code} {self.severity}: {self.message}"


@dataclass
class Judgement:
    form_id: str
    adopted: bool = False
    execution_expected: bool = False
    execution_ok: bool = False
    execution_detail: str = ""
    indicators_expected: int = 0
    indicators_ok: int = 0
    indicator_misses: list[str] = field(default_factory=list)
    noisy: list[Noise] = field(default_factory=list)
    missing_flags: list[str] = field(default_factory=list)
    error: str = ""


def verdict_of(item: dict) -> str:
    """What the tool concluded about one indicator, in ``expect``'s words."""
    codes = {flag["code"] for flag in item["flags"]}
    if "missing_value" in codes and item["computed"] is None:
        return "missing_actual"
    if item["kind"] == "execution":
        return "met" if item["weight"] is not None and _close(item["computed"], item["weight"]) else "not_met"
    status = (item.get("status") or {}).get("code")
    if status:
        return {"met": "met", "not_met": "not_met", "judgement": "manual", "not_applicable": "not_applicable"}[status]
    if item["method"] in MET_METHODS:
        return "met"
    if item["method"] in NOT_MET_METHODS:
        return "not_met"
    if item["method"] in MANUAL_METHODS:
        return "manual"
    return item["method"]


def _close(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) <= TOLERANCE


def judge_form(form_id: str, expect: dict, report_form: dict, allowed: list[dict]) -> Judgement:
    """Compare one scored form with its ``expect`` (see the module docstring)."""
    judgement = Judgement(form_id, adopted=True)
    items = report_form["items"]
    execution = next((item for item in items if item["kind"] == "execution"), None)
    want = expect.get("execution")
    if want and (want.get("score") is not None or want.get("rate") is not None):
        judgement.execution_expected = True
        if execution is None:
            judgement.execution_detail = "no execution item"
        elif execution["weight"] is None:  # a completion table: the rate, no points
            judgement.execution_ok = _close(report_form["execution_rate"], min(want["rate"], 9e9))
            judgement.execution_detail = f"rate {report_form['execution_rate']} vs {want['rate']}"
        else:
            judgement.execution_ok = _close(execution["computed"], want["score"])
            judgement.execution_detail = f"score {execution['computed']} vs {want['score']}"
    by_label = {item["label"]: item for item in items if item["kind"] != "execution"}
    for label, wanted in (expect.get("indicators") or {}).items():
        if wanted.get("verdict") is None:
            continue
        judgement.indicators_expected += 1
        item = by_label.get(label)
        if item is None and EXECUTION_ROW.lookup(label) == "execution":
            item = execution  # 预算执行率 printed as an indicator row is scored as the execution item
        if item is None:
            judgement.indicator_misses.append(f"{label}: not scored as an indicator")
            continue
        verdict = verdict_of(item)
        score = item["computed"] if item["computed"] is not None else item["entered"]
        ok = verdict == wanted["verdict"] and (wanted.get("score") is None or item["weight"] is None
                                               or _close(score, wanted["score"]))
        if ok:
            judgement.indicators_ok += 1
        else:
            judgement.indicator_misses.append(f"{label}: {verdict} {score} vs {wanted['verdict']} {wanted.get('score')}")
    raised = [(item["label"], flag) for item in items for flag in item["flags"]]
    on_items = {(flag["code"], flag["message"]) for _, flag in raised}
    raised += [(None, flag) for flag in report_form["flags"] if (flag["code"], flag["message"]) not in on_items]
    accounted = {(entry.get("item"), entry["code"]) for entry in allowed}
    for label, flag in raised:
        if flag["severity"] not in ("error", "warning"):
            continue
        if (label, flag["code"]) not in accounted and (None, flag["code"]) not in accounted:
            judgement.noisy.append(Noise(label, flag["code"], flag["severity"], flag["message"]))
    codes = {(label, flag["code"]) for label, flag in raised} | {(None, flag["code"]) for _, flag in raised}
    judgement.missing_flags = [f"{entry.get('item') or '表'} {entry['code']} ({entry['why']})" for entry in allowed
                               if entry.get("required", True) and (entry.get("item"), entry["code"]) not in codes]
    return judgement


def run_form_file(form_id: str, workdir: Path) -> list[Judgement]:
    """Adopt ``built/<form_id>.xlsx`` and score it in ``workdir``; one judgement per form."""
    data = load(form_id)
    adopted = workdir / f"{form_id}_导入.xlsx"
    try:
        source = build_form_file(form_id, workdir)
        adopt_file(source, adopted)
        outcome = score_file(adopted, workdir / f"{form_id}_评分.xlsx", profile="national")
    except Exception as exc:  # noqa: BLE001 — the benchmark reports it, the test fails on it
        return [Judgement(form_id, error=f"{type(exc).__name__}: {exc}")]
    judgements = []
    forms = outcome.report["forms"]
    for index, form in enumerate(data["forms"]):
        if index >= len(forms):
            judgements.append(Judgement(form_id, error=f"form {index + 1} not adopted"))
            continue
        allowed = [entry for entry in CHECKS.get(form_id, {}).get("flags", []) if entry.get("form", index + 1) == index + 1]
        judgements.append(judge_form(form_id, form["expect"], forms[index], allowed))
    return judgements


def run_all() -> list[Judgement]:
    with tempfile.TemporaryDirectory(prefix="jx-realforms-") as folder:
        return [judgement for form_id in form_ids() for judgement in run_form_file(form_id, Path(folder))]
