"""A custom profile travels with its workbook (issue 19).

``jixiao template build --profile FILE`` writes the blank workbook of a bureau's own framework and
stores the profile's full canonical JSON and SHA-256 in the hidden meta sheet (in pieces: a cell
holds 32,767 characters); ``score``, the Excel button, ``export``, ``report`` and ``collect`` then
use it without ``--profile``. ``--profile`` still wins and any difference is flagged
(``profile_differs``); an embedded profile edited by hand is refused. And the two crashes the issue
names are gone: a department framework that differs from the workbook's, and a
``target_grid_rules`` naming a department profile.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.cli import main
from toolkit.core.framework import leaves
from toolkit.core.profile import canonical_json, content_sha256, load_profile
from toolkit.exits import EXIT_BAD_INPUT, EXIT_BAD_PROFILE, EXIT_OK
from toolkit.forms.department import layout
from toolkit.service import read_workbook, score_file
from toolkit.submission.collect import check_file
from toolkit.submission.export import export_file
from toolkit.submission.fastread import read_submission
from toolkit.submission.fingerprint import read_properties
from toolkit.workbook.meta import PIECE_CHARS, decode_export_profile, embedded_text, read_meta

from tests.test_xl_remote import _license  # noqa: F401 — autouse: registers xlwings' remote engine

ROOT = Path(__file__).resolve().parents[1]
WUHUA_TEMPLATE = ROOT / "templates" / "部门整体支出绩效_wuhua-2023.xlsx"
RENAMED = "预算编制合理性（本局口径）"


def wuhua() -> dict:
    return json.loads((ROOT / "toolkit" / "profiles" / "wuhua-2023.json").read_text("utf-8"))


def bureau_profile() -> dict:
    """wuhua-2023 as a bureau would adapt it: its own id, one indicator renamed, two weights moved."""
    data = wuhua()
    data["id"], data["title"] = "bureau-2024", "某区财政局 2024 年部门整体支出绩效评价指标"
    rows = data["framework"][0]["children"][0]["children"]
    rows[0]["name"] = RENAMED
    rows[0]["weight"] += 1
    rows[3]["weight"] -= 1  # 预算编制的及时性: a manual row, so the rule still fits its weight
    data.pop("results_table", None)
    return data


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return path


def meta_of(path: Path) -> dict[str, str]:
    return read_meta(load_workbook(path))[0]


def fill(template: Path, out: Path, *, unit: str = "甲单位") -> Path:
    """The clerk's work: unit, year and every score as its full weight (the manual rows need one)."""
    wb = load_workbook(template)
    ws = wb[layout.SCORE_SHEET]
    ws["C2"], ws["I2"] = unit, 2024
    for row in range(4, ws.max_row + 1):
        if isinstance(ws.cell(row, 6).value, (int, float)) and ws.cell(row, 5).value:
            ws.cell(row, 10).value = ws.cell(row, 6).value
    wb.save(out)
    return out


@pytest.fixture()
def custom(tmp_path):
    """(profile file, its blank workbook built by the command, the same workbook filled in)."""
    profile = write(tmp_path / "bureau.json", bureau_profile())
    blank = tmp_path / "blank.xlsx"
    assert main(["template", "build", "--profile", str(profile), "-o", str(blank)]) == EXIT_OK
    return profile, blank, fill(blank, tmp_path / "甲单位.xlsx")


# -- template build --profile -----------------------------------------------------------------

def test_template_build_writes_the_framework_and_embeds_the_profile(custom):
    profile_file, blank, _ = custom
    data = json.loads(profile_file.read_text("utf-8"))
    ws = load_workbook(blank)[layout.SCORE_SHEET]
    names = [ws.cell(row, 5).value for row in range(4, 4 + 25)]
    assert names == [leaf.name for leaf in leaves(data)] and names[0] == RENAMED
    assert ws["F4"].value == 6  # the bureau's weight, not wuhua's 5
    meta = meta_of(blank)
    assert meta["profile_id"] == "bureau-2024"
    assert embedded_text(meta) == canonical_json(data)
    assert meta["profile_sha256"] == content_sha256(data) == load_profile(profile_file).sha256


def test_the_embedded_profile_reads_alike_through_every_reader(custom):
    _, blank, _ = custom
    by_openpyxl = meta_of(blank)
    by_calamine = read_meta(read_submission(blank, engine="calamine"))[0]
    assert embedded_text(by_calamine) == embedded_text(by_openpyxl)
    from tests.test_xl_remote import remote_book
    from toolkit.excel.reading import read_open_book
    by_button = read_open_book(remote_book(blank)).data.meta
    assert embedded_text(by_button) == embedded_text(by_openpyxl)


def test_a_large_profile_is_split_across_meta_rows(tmp_path):
    data = bureau_profile()
    data["description"] = "评分细则：" + "各项指标按年度工作要点逐项核对，" * 4500  # ~70,000 characters
    profile = write(tmp_path / "big.json", data)
    blank = tmp_path / "big.xlsx"
    assert main(["template", "build", "--profile", str(profile), "-o", str(blank)]) == EXIT_OK
    meta = meta_of(blank)
    pieces = [key for key in meta if key.startswith("profile_json.")]
    assert len(pieces) >= 3 and all(len(meta[key]) <= PIECE_CHARS for key in pieces)
    assert embedded_text(meta) == canonical_json(data)
    assert embedded_text(read_meta(read_submission(blank, engine="calamine"))[0]) == canonical_json(data)
    outcome = score_file(fill(blank, tmp_path / "big_filled.xlsx"), tmp_path / "big_scored.xlsx")
    assert outcome.report["profile"]["sha256"] == content_sha256(data)


def test_kind_defaults_to_the_profile_and_a_wrong_kind_or_output_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "build", "--profile", "national"]) == EXIT_OK
    assert (tmp_path / "项目支出绩效自评表_national.xlsx").is_file()
    assert meta_of(tmp_path / "项目支出绩效自评表_national.xlsx")["profile_sha256"] == load_profile("national").sha256
    assert main(["template", "build", "--profile", "national", "--kind", "department"]) == EXIT_BAD_PROFILE
    assert "不能生成部门整体支出绩效的模板" in capsys.readouterr().err
    profile = write(tmp_path / "bureau.json", bureau_profile())
    assert main(["template", "build", "--profile", str(profile), "-o", str(profile)]) == EXIT_BAD_INPUT
    assert json.loads(profile.read_text("utf-8"))["id"] == "bureau-2024", "the profile file must never be replaced"


# -- every later step uses the embedded profile ----------------------------------------------

def test_score_uses_the_embedded_profile_without_profile_option(custom, tmp_path):
    _, _, filled = custom
    outcome = score_file(filled, tmp_path / "scored.xlsx")
    assert outcome.report["profile"]["id"] == "bureau-2024"
    result = outcome.results[0]
    assert not [f for f in result.flags if f.code in ("indicator_unknown", "indicator_missing", "profile_differs")]
    assert [i.weight for i in result.items if i.label == RENAMED] == [6.0]
    assert embedded_text(meta_of(tmp_path / "scored.xlsx")) == canonical_json(bureau_profile())


def test_explicit_profile_wins_and_the_difference_is_flagged(custom, tmp_path, capsys):
    _, _, filled = custom
    outcome = score_file(filled, tmp_path / "scored.xlsx", profile="wuhua-2023")
    assert outcome.report["profile"]["id"] == "wuhua-2023"
    differs = [f for f in outcome.book.flags if f.code == "profile_differs"]
    assert len(differs) == 1 and differs[0].severity == "warning"
    bureau, builtin = content_sha256(bureau_profile()), load_profile("wuhua-2023").sha256
    message = differs[0].message
    assert "bureau-2024" in message and "wuhua-2023" in message and bureau[:12] in message and builtin[:12] in message
    assert "本次按--profile 指定的文件「wuhua-2023」" not in message and "本次按内置配置「wuhua-2023」" in message
    # The renamed indicator is not in wuhua-2023: said per row, never a crash.
    assert any(f.code == "indicator_unknown" and RENAMED in f.message for f in outcome.results[0].flags)
    # said once: the form does not repeat it by id at the 综合评分 cell
    assert not [f for result in outcome.results for f in result.flags if f.code == "profile_differs"]
    # the same profile given explicitly is no difference
    same = score_file(filled, tmp_path / "same.xlsx", profile=str(custom[0]))
    assert not [f for f in same.book.flags if f.code == "profile_differs"]


def test_a_tampered_embedded_profile_is_refused(custom, tmp_path, capsys):
    _, _, filled = custom
    wb = load_workbook(filled)
    meta = wb["_jx_meta"]
    for row in meta.iter_rows():
        if row[0].value == "profile_json.1":
            assert '"weight":6' in row[1].value
            row[1].value = row[1].value.replace('"weight":6', '"weight":16', 1)
    tampered = tmp_path / "tampered.xlsx"
    wb.save(tampered)
    assert main(["score", str(tampered), "-o", str(tmp_path / "out.xlsx")]) == EXIT_BAD_PROFILE
    err = capsys.readouterr().err
    assert "内嵌的规则配置" in err and "SHA-256 不符" in err and "--profile" in err
    # --profile names the rules to use instead (what the message advises): scored, and still said
    outcome = score_file(tampered, tmp_path / "out.xlsx", profile="wuhua-2023")
    assert outcome.report["profile"]["id"] == "wuhua-2023"
    [flag] = [f for f in outcome.book.flags if f.code == "profile_tampered"]
    assert flag.severity == "warning" and "SHA-256 不符" in flag.message and "本次按内置配置「wuhua-2023」" in flag.message


def test_an_embedded_profile_is_validated_like_a_file(custom, tmp_path, capsys):
    """A profile whose hash matches yet breaks the rules (written by hand, hash and all) is refused
    with the same Chinese schema message a file gets."""
    _, _, filled = custom
    data = bureau_profile()
    rule = data["framework"][0]["children"][0]["children"][2]["rule"]
    rule["per_stepp"] = rule.pop("per_step")
    wb = load_workbook(filled)
    rows = {row[0].value: row[1] for row in wb["_jx_meta"].iter_rows() if row[0].value}
    for key in [k for k in rows if k.startswith("profile_json.")]:
        rows[key].value = None
    rows["profile_json.1"].value = canonical_json(data)
    rows["profile_sha256"].value = content_sha256(data)
    wb.save(tmp_path / "hand.xlsx")
    assert main(["score", str(tmp_path / "hand.xlsx"), "-o", str(tmp_path / "out.xlsx")]) == EXIT_BAD_PROFILE
    err = capsys.readouterr().err
    assert "hand.xlsx 内嵌的规则配置「bureau-2024」" in err
    assert "$.framework[0].children[0].children[2].rule：未知字段「per_stepp」，是否为「per_step」？" in err


def test_an_embedded_profile_with_a_builtin_id_but_other_content_is_flagged(tmp_path):
    data = wuhua()
    data["title"] += "（本局修订）"  # valid, yet not the built-in's content
    changed = write(tmp_path / "wuhua-2023.json", data)
    blank = tmp_path / "blank.xlsx"
    assert main(["template", "build", "--profile", str(changed), "-o", str(blank)]) == EXIT_OK
    outcome = score_file(fill(blank, tmp_path / "filled.xlsx"), tmp_path / "scored.xlsx")
    assert outcome.report["profile"]["sha256"] == content_sha256(data)
    [flag] = [f for f in outcome.book.flags if f.code == "profile_differs"]
    assert "与本工具内置的同名配置" in flag.message and "--profile wuhua-2023" in flag.message


def test_export_carries_the_profile_and_collect_uses_it(custom, tmp_path):
    _, _, filled = custom
    export = export_file(filled, tmp_path / "out")
    props = read_properties(load_workbook(export.output))
    assert props["jx.profile_id"] == "bureau-2024" and props["jx.profile_sha256"] == content_sha256(bureau_profile())
    assert decode_export_profile(props["jx.profile_json"]) == canonical_json(bureau_profile())
    entry = check_file(export.output)
    assert entry["status"] == "accepted", entry["problems"]
    assert entry["forms"][0]["unit"] == "甲单位" and "bureau-2024（工作簿内嵌" in entry["forms"][0]["profile"]
    # The bureau's --profile still wins: said per file, and the summary names the rules per unit.
    bureau = load_profile("wuhua-2023")
    entry = check_file(export.output, bureau)
    assert entry["status"] == "profile_mismatch"
    assert entry["forms"][0]["profile"].startswith("wuhua-2023（本局 --profile")
    assert any(p["code"] == "indicator_unknown" and RENAMED in p["message"] for p in entry["problems"])
    # The summary workbook names, per unit, the rules that scored it.
    summary = tmp_path / "汇总.xlsx"
    assert main(["collect", str(tmp_path / "out"), "-o", str(summary), "-q", "--jobs", "1"]) == EXIT_OK
    rows = list(load_workbook(summary)["项目汇总"].iter_rows(values_only=True))
    column = rows[0].index("计分规则")
    assert [row[column] for row in rows[1:] if row[3] == "甲单位"][0].startswith("bureau-2024（工作簿内嵌")


def test_collect_refuses_an_export_whose_embedded_profile_was_edited(custom, tmp_path):
    _, _, filled = custom
    export = export_file(filled, tmp_path / "out")
    wb = load_workbook(export.output)
    from toolkit.workbook.meta import export_profile_text
    from toolkit.core.profile import Profile
    lenient = bureau_profile()
    lenient["framework"][0]["children"][0]["children"][0]["rule"] = {"method": "manual", "note": "一律满分"}
    forged = export_profile_text(Profile(lenient, "x", content_sha256(lenient)))
    props = {p.name: p for p in wb.custom_doc_props}
    pieces = sorted(name for name in props if name.startswith("jx.profile_json"))
    for name in pieces:
        wb.custom_doc_props.props.remove(props[name])
    from openpyxl.packaging.custom import StringProperty
    for number, start in enumerate(range(0, len(forged), 240), start=1):
        wb.custom_doc_props.append(StringProperty(name=f"jx.profile_json.p{number}", value=forged[start:start + 240]))
    wb.save(tmp_path / "forged.xlsx")
    entry = check_file(tmp_path / "forged.xlsx")
    assert entry["status"] == "tampered"
    assert [p["code"] for p in entry["problems"]] == ["profile_tampered"]
    entry = check_file(tmp_path / "forged.xlsx", load_profile("wuhua-2023"))  # the bureau's rules: still tampered
    assert entry["status"] == "tampered" and "profile_tampered" in [p["code"] for p in entry["problems"]]


def test_report_drafts_by_the_embedded_profile(custom):
    from toolkit.narrative.draft import read_draft
    _, _, filled = custom
    draft = read_draft(filled)
    assert draft.profile.id == "bureau-2024" and draft.profile.origin == "embedded"


def test_the_excel_button_scores_a_custom_workbook_without_profile(custom, tmp_path):
    """The button path (xlwings remote engine) gives what ``jixiao score`` gives, by the embedded profile."""
    from tests.test_xl_remote import run_button_and_compare
    _, _, filled = custom
    _book, _actions, replay, outcome = run_button_and_compare(filled, tmp_path)
    assert outcome.report["profile"]["id"] == "bureau-2024"
    assert "无法" not in replay.alerts[0][0] and "甲单位" in replay.alerts[0][0]
    meta_rows = {row[0]: row[1] for row in replay.rows("_jx_meta") if row}
    assert meta_rows["profile_sha256"] == content_sha256(bureau_profile())


# -- the crashes of issue 19 -----------------------------------------------------------------

def _variants() -> dict[str, dict]:
    """Custom department profiles whose framework differs from the wuhua-2023 workbook's."""
    out: dict[str, dict] = {}
    data = wuhua()
    data.pop("declared_counts", None), data.pop("results_table", None)
    removed = copy.deepcopy(data)
    group = removed["framework"][0]["children"][0]
    gone = group["children"].pop(3)  # 预算编制的及时性, manual, 4 points → onto 预算编制合理性
    group["children"][0]["weight"] += gone["weight"]
    out["removed"] = removed
    added = copy.deepcopy(data)
    group = added["framework"][0]["children"][0]
    extra = dict(copy.deepcopy(group["children"][3]), id="budget_extra", name="预算调整规范性", weight=2)
    group["children"][3]["weight"] -= 2
    group["children"].append(extra)
    out["added"] = added
    renamed = copy.deepcopy(data)
    renamed["framework"][1]["children"][0]["children"][0]["name"] = "绩效目标设置合理性"
    out["renamed"] = renamed
    weights = copy.deepcopy(data)
    group = weights["framework"][0]["children"][0]["children"]
    group[0]["weight"], group[1]["weight"] = 6, 4
    out["weights"] = weights
    foreign = copy.deepcopy(data)
    for leaf in leaves(foreign):
        leaf.node["name"] += "（本局）"
    out["all_renamed"] = foreign
    for name in ("shenzhen-yantian-2021", "yanzhou-2020-corrected"):
        out[name] = copy.deepcopy(load_profile(name).data)
    for key, profile in out.items():
        profile["id"] = profile["id"] if key.startswith(("shenzhen", "yanzhou")) else f"mine-{key.replace('_', '-')}"
    return out


@pytest.mark.parametrize("variant", list(_variants()))
def test_a_framework_other_than_the_workbooks_never_crashes_score(variant, tmp_path, capsys):
    data = _variants()[variant]
    profile = write(tmp_path / "mine.json", data)
    assert main(["profile", "check", str(profile)]) == EXIT_OK, capsys.readouterr().err
    code = main(["score", str(WUHUA_TEMPLATE), "-o", str(tmp_path / "out.xlsx"), "--profile", str(profile)])
    out, err = capsys.readouterr()
    assert "意外错误" not in err
    workbook = {row.level3.text for row in read_workbook(WUHUA_TEMPLATE).forms[0].rows}
    framework = {leaf.name for leaf in leaves(data)}
    if not workbook & framework:  # nothing in common: refused, naming the indicators on both sides
        assert code == EXIT_BAD_PROFILE
        assert "没有一项相同" in err and "「预算编制合理性」" in err and "wuhua-2023" in err
        return
    assert code == EXIT_OK, err
    report = score_file(WUHUA_TEMPLATE, tmp_path / "again.xlsx", profile=str(profile)).results[0]
    unknown = {f.message.split("「")[1].split("」")[0] for f in report.flags if f.code == "indicator_unknown"}
    missing = {f.message for f in report.flags if f.code == "indicator_missing"}
    assert unknown == workbook - framework  # each indicator that differs is named, on its row
    assert len(missing) == len(framework - workbook)


def test_target_grid_rules_naming_a_department_profile_is_a_profile_error(tmp_path, capsys):
    data = wuhua()
    data["id"], data["target_grid_rules"] = "mine-grid", "shenzhen-yantian-2021"
    profile = write(tmp_path / "mine.json", data)
    assert main(["profile", "check", str(profile)]) == EXIT_BAD_PROFILE
    err = capsys.readouterr().err
    assert "$.target_grid_rules" in err and "是部门整体配置，不是项目表规则配置" in err and "national" in err
    sample = ROOT / "samples" / "seed004_部门整体支出绩效.xlsx"  # its 目标完成情况 grid is filled
    assert main(["score", str(sample), "-o", str(tmp_path / "out.xlsx"), "--profile", str(profile)]) == EXIT_BAD_PROFILE
    assert "KeyError" not in capsys.readouterr().err
    data["target_grid_rules"] = "shenzhen"  # a project profile: scores as before
    write(profile, data)
    assert main(["score", str(sample), "-o", str(tmp_path / "out.xlsx"), "--profile", str(profile)]) == EXIT_OK


def test_adopt_carries_the_embedded_profile_on(custom, tmp_path):
    """Re-adopting an earlier output (its 目标完成情况 grid filled) keeps the bureau's framework."""
    _, _, filled = custom
    wb = load_workbook(filled)
    ws = wb[layout.TARGET_SHEET]
    header = next(row for row in range(1, ws.max_row + 1) if ws.cell(row, 2).value == "一级指标")
    for col, value in zip(range(2, 7), ["产出指标", "数量指标", "参保人数", "≥1000人", "1200人"]):
        ws.cell(header + 1, col).value = value
    wb.save(tmp_path / "targets.xlsx")
    assert main(["adopt", str(tmp_path / "targets.xlsx"), "-o", str(tmp_path / "adopted.xlsx")]) == EXIT_OK
    assert meta_of(tmp_path / "adopted.xlsx")["profile_sha256"] == content_sha256(bureau_profile())
    outcome = score_file(tmp_path / "adopted.xlsx", tmp_path / "scored.xlsx")
    assert outcome.report["profile"]["id"] == "bureau-2024"
    assert not [f for f in outcome.results[0].flags if f.code == "indicator_unknown"]


@pytest.mark.parametrize("embedded", [True, False])
def test_another_profile_is_flagged_once_whether_or_not_the_workbook_embeds_its_own(embedded, tmp_path):
    """seed000 (盐田) scored by wuhua-2023: one profile_differs — by content at the book level when the
    meta carries the profile in full, by id at the 综合评分 cell for an older, id-only meta."""
    path = tmp_path / "seed000.xlsx"
    wb = load_workbook(ROOT / "samples" / "seed000_部门整体支出绩效.xlsx")
    meta = wb["_jx_meta"]
    if not embedded:
        for row in range(meta.max_row, 0, -1):
            if str(meta.cell(row, 1).value).startswith("profile_json"):
                meta.delete_rows(row)
    wb.save(path)
    outcome = score_file(path, tmp_path / "scored.xlsx", profile="wuhua-2023")
    on_forms = [f for result in outcome.results for f in result.flags if f.code == "profile_differs"]
    on_book = [f for f in outcome.book.flags if f.code == "profile_differs"]
    assert len(on_forms + on_book) == 1
    assert (on_book if embedded else on_forms)[0].message.count("shenzhen-yantian-2021") == 1
