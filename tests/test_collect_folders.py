"""Collect never stops and counts each submission once (issue 18), on generated folders.

A seeded generator builds a bureau's inbox of a few hundred files: exports of project forms
(two rule profiles, two years) and of department forms (three frameworks and years), units with
no grade beside graded ones (exported blank templates with only a unit name), a blank template
with no unit at all, and about 10 % broken in assorted ways — truncated, empty, not Excel, a
legacy .xls header, a zip that is not a workbook, a score edited after export, content changed
after export, an old template version, a working copy sorted before its export, an identical
copy, the same unit and project exported again with other content — plus collect's own earlier
summary. Every export is made the way ``jixiao export`` makes it: the generator edits a real
export (unit, project, year) and recomputes the fingerprint with :mod:`toolkit.submission.fingerprint`.

The test asserts that every file is listed (or, for collect's own summary, ignored), the exit code
is 0 or 6, and that the summary's totals — in the JSON and in 汇总.xlsx — equal a recount from
the generator's own record of which files are intact, distinct submissions (the first in path
order of each unit, year and project; a file without a unit is not counted).

``JIXIAO_COLLECT_SEED`` and ``JIXIAO_COLLECT_FILES`` change the seed and the folder's size.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from toolkit.cli import main
from toolkit.core.catalogue import CATALOGUE
from toolkit.submission import fingerprint as fp
from toolkit.submission.collect import ORIGINAL_STATUSES, validate_collect_report, write_summary
from toolkit.submission.export import export_file

from .conftest import corrected_copy

ROOT = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("JIXIAO_COLLECT_SEED", "18"))
FILES = int(os.environ.get("JIXIAO_COLLECT_FILES", "220"))
INFO_KEYS = ("jx.template_id", "jx.template_version", "jx.profile_id", "jx.profile_version", "jx.profile_sha256",
             "jx.toolkit_version", "jx.exported_at", "jx.status")
TITLES = {"project": "项目支出绩效自评表", "department": "部门整体支出绩效自评表"}


@dataclass
class Form:
    kind: str
    year: str | None
    unit: str
    project: str | None  # None: whatever collect names the form (department forms, blank templates)
    budget: float | None
    actual: float | None
    entered: float | None

    @property
    def group(self) -> str:
        return f"{self.year + ' 年度' if self.year else '未填年度'} · {TITLES[self.kind]}"


@dataclass
class Made:
    name: str
    forms: list[Form] = field(default_factory=list)
    intact: bool = False  # an intact export: counted unless an earlier file holds the same form
    broken: str | None = None


# -- reading and editing exports ---------------------------------------------------------------

def _named(wb, name: str):
    """Every cell the sheet-scoped defined ``name`` points to (one per sheet that defines it)."""
    cells = []
    for ws in wb.worksheets:
        defined = ws.defined_names.get(name)
        if defined is not None:
            ref = defined.attr_text.split("!")[1].replace("$", "").split(":")[0]
            cells.append(ws[ref])
    return cells


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _facts(wb, kind: str) -> list[Form]:
    """What the generator knows of an export it made, read from its cells (not by collect)."""
    forms = []
    if kind == "project":
        for ws in wb.worksheets:
            if "JX_Funds" not in ws.defined_names:
                continue
            top = ws.defined_names["JX_Funds"].attr_text.split("!")[1].replace("$", "").split(":")[0]
            row, column = ws[top].row, ws[top].column
            value = lambda name: ws[ws.defined_names[name].attr_text.split("!")[1].replace("$", "")].value  # noqa: E731
            unit = value("JX_Implementer") or value("JX_Department") or ""
            year = value("JX_Year")
            forms.append(Form("project", None if year is None else str(year), str(unit).strip(),
                              value("JX_ProjectName") or None, _number(ws.cell(row, column + 2).value),
                              _number(ws.cell(row, column + 3).value), _number(value("JX_TotalScore"))))
    else:
        [unit] = _named(wb, "JXD_Department")[:1] or [None]
        years = _named(wb, "JXD_Year")
        totals = _named(wb, "JXD_TotalScore")
        year = years[0].value if years else None
        forms.append(Form("department", None if year is None else str(year), str(unit.value or "").strip(), None,
                          None, None, _number(totals[0].value) if totals else None))
    return forms


def _reforge(wb, props: dict[str, str]) -> None:
    """The fingerprint of ``wb`` as ``jixiao export`` computes it, with the export's own descriptive properties."""
    scores = {props[f"jx.sheet.{i}.name"]: list(json.loads(props[f"jx.sheet.{i}.scores"]))
              for i in range(1, int(props["jx.sheets"]) + 1)}
    fp.write_properties(wb, fp.compute(wb, scores, {k: props[k] for k in INFO_KEYS if k in props}))


def _variant(base: Path, kind: str, target: Path, *, unit: str, project: str | None = None,
             year: int | None = None) -> list[Form]:
    """``base`` (an export) with another unit, project name and year, fingerprinted again."""
    wb = openpyxl.load_workbook(base)
    props = fp.read_properties(wb)
    prefix = "JX_" if kind == "project" else "JXD_"
    for cell in _named(wb, "JX_Implementer" if kind == "project" else "JXD_Department"):
        cell.value = unit
    if project is not None:
        for number, cell in enumerate(_named(wb, "JX_ProjectName")):
            cell.value = project if number == 0 else f"{project}-{number + 1}"
    if year is not None:
        for cell in _named(wb, prefix + "Year"):
            cell.value = year
    _reforge(wb, props)
    wb.save(target)
    return _facts(wb, kind)


def _forge(job: tuple) -> list[Form]:
    base, kind, target, options = job
    return _variant(base, kind, target, **options)


# -- the bases: real exports -------------------------------------------------------------------

@dataclass
class Bases:
    projects: list[Path]  # single-sheet clean exports (shenzhen), one national
    departments: list[Path]  # forced exports of the three department samples
    blanks: list[tuple[Path, str]]  # exported blank templates: (file, kind)
    working_copy: Path  # a trimmed working copy (no fingerprint)


def _trimmed(source: Path, keep: list[str], target: Path) -> Path:
    wb = openpyxl.load_workbook(source)
    for ws in list(wb.worksheets):
        if "JX_ProjectName" in ws.defined_names and ws.title not in keep:
            wb.remove(ws)
    wb.save(target)
    return target


def _blank(template: Path, names: dict[str, str], target: Path) -> Path:
    wb = openpyxl.load_workbook(template)
    for name, value in names.items():
        for cell in _named(wb, name):
            cell.value = value
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> Bases:
    return make_bases(tmp_path_factory.mktemp("bases"))


def make_bases(work: Path) -> Bases:
    """Real exports: single-sheet project exports (shenzhen, one national), the three department
    samples, and blank templates exported with and without a unit."""
    source = corrected_copy(work / "填报.xlsx")
    titles = [ws.title for ws in openpyxl.load_workbook(source, read_only=True).worksheets if ws.title not in
              ("填表说明", "_jx_meta")]
    projects = []
    for number, keep in enumerate([[titles[0]], [titles[6]], [titles[1], titles[4]]]):
        trimmed = _trimmed(source, keep, work / f"trim{number}.xlsx")
        projects.append(export_file(trimmed, work / f"p{number}").output)
    projects.append(export_file(work / "trim0.xlsx", work / "national", profile="national", force=True).output)
    samples = ROOT / "samples"
    departments = [export_file(samples / f"{seed}_部门整体支出绩效.xlsx", work / seed, force=True).output
                   for seed in ("seed000", "seed004", "seed002")]
    templates = ROOT / "templates"
    blanks = [
        (export_file(_blank(templates / "项目支出绩效自评表.xlsx", {"JX_Implementer": "某空白单位", "JX_Year": 2021},
                            work / "blank_p.xlsx"), work / "bp", force=True).output, "project"),
        (export_file(_blank(templates / "部门整体支出绩效_shenzhen-yantian-2021.xlsx",
                            {"JXD_Department": "某空白部门", "JXD_Year": 2021}, work / "blank_d.xlsx"),
                     work / "bd", force=True).output, "department"),
        (export_file(templates / "部门整体支出绩效_wuhua-2023.xlsx", work / "bw", force=True).output, "department"),
    ]
    return Bases(projects, departments, blanks, work / "trim1.xlsx")


# -- the folder ------------------------------------------------------------------------------

def _broken(kind: str, rng: random.Random, inbox: Path, name: str, originals: list[tuple[Made, Path, str]],
            bases: Bases) -> Made:
    """One broken (or repeated) file of ``kind``; ``originals`` are intact exports made earlier."""
    made = Made(name, broken=kind)
    target = inbox / name
    original, original_path, original_kind = rng.choice(originals)
    if kind == "truncated":
        target.write_bytes(original_path.read_bytes()[: rng.randint(200, 3000)])
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "text":
        target.write_text("请查收附件。", encoding="utf-8")
    elif kind == "legacy_xls":
        target.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    elif kind == "zip_not_excel":
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("说明.txt", "不是工作簿")
    elif kind in ("score_edited", "content_changed", "old_template"):
        wb = openpyxl.load_workbook(original_path)
        props = fp.read_properties(wb)
        if kind == "old_template":
            props["jx.template_version"] = "0.9"
            fp.write_properties(wb, props)
        else:
            sheet = props["jx.sheet.1.name"]
            scores = list(json.loads(props["jx.sheet.1.scores"]))
            if kind == "score_edited" and scores:
                wb[sheet][scores[0]].value = 1.5
            else:
                wb[sheet]["A1"].value = "改过的标题"
        wb.save(target)
    elif kind == "identical_copy":
        shutil.copy(original_path, target)
        made.forms = original.forms
    elif kind == "same_project_again":  # the same unit, year and project, other content: a repeat
        form = original.forms[0]
        wb = openpyxl.load_workbook(original_path)
        props = fp.read_properties(wb)
        for cell in _named(wb, "JX_GoalActual") + _named(wb, "JXD_Preparer"):
            cell.value = "更正后的说明"
        _reforge(wb, props)
        wb.save(target)
        made.forms = [form]
    elif kind == "working_copy":
        made.name = "0_" + name  # sorted before the exports: never the original of anything
        target = inbox / made.name
        shutil.copy(bases.working_copy, target)
    return made


BROKEN_KINDS = ("truncated", "empty", "text", "legacy_xls", "zip_not_excel", "score_edited", "content_changed",
                "old_template", "identical_copy", "same_project_again", "working_copy")


def generate(inbox: Path, bases: Bases, seed: int, count: int) -> list[Made]:
    """``count`` files in ``inbox``: intact exports first (a_…), broken ones after them in path order (z_…)
    except the working copies (0_…); about one in ten is broken."""
    rng = random.Random(seed)
    inbox.mkdir(parents=True, exist_ok=True)
    made: list[Made] = []
    originals: list[tuple[Made, Path, str]] = []
    broken_count = max(len(BROKEN_KINDS), count // 10)
    intact_count = count - broken_count - len(bases.blanks) - 1  # - the blanks - collect's own summary
    units = [f"测试单位{n:03d}" for n in range(max(4, intact_count // 3))]
    plans = []  # drawn in order (the seed decides everything), forged in two processes
    for number in range(intact_count):
        name = f"a_{number:04d}.xlsx"
        if rng.random() < 0.12:
            plans.append((name, rng.choice(bases.departments), "department",
                          {"unit": f"测试部门{rng.randrange(8):02d}"}))
        else:
            plans.append((name, rng.choice(bases.projects), "project",
                          {"unit": rng.choice(units), "project": f"项目{number:04d}" if rng.random() < 0.9 else "重名项目",
                           "year": rng.choice([2021, 2021, 2022])}))
    with ProcessPoolExecutor(2) as pool:
        forged = list(pool.map(_forge, [(base, kind, inbox / name, options) for name, base, kind, options in plans]))
    for (name, _base, kind, _options), forms in zip(plans, forged):
        item = Made(name, forms, intact=True)
        made.append(item)
        originals.append((item, inbox / name, kind))
    for number, (path, kind) in enumerate(bases.blanks):
        name = f"b_blank{number}.xlsx"
        shutil.copy(path, inbox / name)
        made.append(Made(name, _facts(openpyxl.load_workbook(path), kind), intact=True))
    kinds = list(BROKEN_KINDS) + [rng.choice(BROKEN_KINDS) for _ in range(broken_count - len(BROKEN_KINDS))]
    for number, kind in enumerate(kinds):
        made.append(_broken(kind, rng, inbox, f"z_{number:04d}_{kind}.xlsx", originals, bases))
    return made


def recount(made: list[Made]) -> tuple[dict, dict]:
    """Per (group, unit) and per group: forms, budget, actual, entered totals of the counted forms —
    the generator's own record: intact files in path order, the first of each unit/year/project,
    units filled in."""
    seen: set[tuple] = set()
    units: dict[tuple, list[Form]] = {}
    for item in sorted(made, key=lambda m: m.name):
        if not item.intact:
            continue
        for form in item.forms:
            key = (form.unit, form.year, form.project, form.kind)  # a department form: its unit and year
            if key in seen:
                continue
            seen.add(key)
            if form.unit:
                units.setdefault((form.group, form.unit), []).append(form)
    groups: dict[str, list[Form]] = {}
    for (group, _unit), forms in units.items():
        groups.setdefault(group, []).extend(forms)
    return units, groups


def _sum(values):
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def _mean(values):
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 2) if values else None


# -- the test -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run(bases, tmp_path_factory):
    work = tmp_path_factory.mktemp("folder")
    inbox = work / "收件"
    started = time.perf_counter()
    made = generate(inbox, bases, SEED, FILES)
    generated = time.perf_counter() - started
    # collect's own summary of an earlier run, left in the inbox: recognised by its marker, not its name
    write_summary({"projects": [], "units": [], "files": [], "grades": {}}, inbox / "报送文件.xlsx")
    out, js = work / "汇总.xlsx", work / "报告.json"
    started = time.perf_counter()
    code = main(["collect", str(inbox), "-o", str(out), "--json", str(js), "-q", "--jobs", "2"])
    collected = time.perf_counter() - started
    return {"made": made, "inbox": inbox, "code": code, "out": out, "report": json.loads(js.read_text("utf-8")),
            "seconds": (generated, collected)}


def test_every_file_is_listed_and_the_run_ends_with_a_report(run):
    report = run["report"]
    validate_collect_report(report)
    assert run["code"] in (0, 6)
    on_disk = {str(p.relative_to(run["inbox"])) for p in run["inbox"].rglob("*") if p.is_file()}
    listed = [f["path"] for f in report["files"]]
    assert len(listed) == len(set(listed))
    assert set(listed) | {i["path"] for i in report["ignored"]} == on_disk
    assert [i["path"] for i in report["ignored"]] == ["报送文件.xlsx"]  # its own summary, by its marker
    assert len(on_disk) == FILES
    generated, collected = run["seconds"]
    print(f"{FILES} files: generated in {generated:.1f} s, collected in {collected:.1f} s")


def test_broken_files_are_listed_and_never_counted(run):
    files = {f["path"]: f for f in run["report"]["files"]}
    broken = [m for m in run["made"] if m.broken]
    assert len(broken) >= len(run["made"]) // 12
    for item in broken:
        entry = files[item.name]
        assert entry["status"] not in ORIGINAL_STATUSES, (item.name, entry["status"])
        assert not any(form["counted"] for form in entry["forms"]), item.name
        assert entry["problems"], item.name
    assert {m.broken for m in broken} == set(BROKEN_KINDS)


def test_the_summary_equals_a_recount_from_the_intact_files(run):
    report = run["report"]
    units, groups = recount(run["made"])
    got_units = {(u["group"], u["unit"]): u for u in report["units"]}
    assert set(got_units) == set(units)
    for key, forms in units.items():
        unit = got_units[key]
        assert unit["projects"] == len(forms), key
        assert unit["budget"] == pytest.approx(_sum(f.budget for f in forms)), key
        assert unit["actual"] == pytest.approx(_sum(f.actual for f in forms)), key
        assert unit["average_entered"] == pytest.approx(_mean(f.entered for f in forms)), key
    got_groups = {g["group"]: g for g in report["groups"]}
    assert set(got_groups) == set(groups)
    for group, forms in groups.items():
        assert got_groups[group]["forms"] == len(forms)
        assert got_groups[group]["budget"] == pytest.approx(_sum(f.budget for f in forms))
        assert got_groups[group]["units"] == len({f.unit for f in forms})
    assert len(report["projects"]) == sum(len(f) for f in units.values()) == report["summary"]["counted_forms"]
    # the re-checked averages are the averages of the counted forms' own re-checked totals
    for (group, unit), row in got_units.items():
        totals = [p["total"] for p in report["projects"] if p["group"] == group and p["unit"] == unit]
        assert row["average_total"] == pytest.approx(_mean(totals))


def test_rankings_never_cross_years_or_kinds(run):
    report = run["report"]
    assert len(report["groups"]) >= 4  # two project years, department years
    for group in report["groups"]:
        ranks = [p["rank"] for p in report["projects"] if p["group"] == group["group"]]
        assert ranks == list(range(1, len(ranks) + 1))
        unit_ranks = [u["rank"] for u in report["units"] if u["group"] == group["group"]]
        assert unit_ranks == list(range(1, len(unit_ranks) + 1))
    assert any(u["average_total"] is None for u in report["units"])  # 某空白单位: no grade beside graded units


def test_the_workbook_holds_the_same_totals(run):
    wb = openpyxl.load_workbook(run["out"])
    report = run["report"]
    assert wb.sheetnames[:6] == ["汇总说明", "项目汇总", "单位汇总", "文件清单", "问题清单", "复核意见"]
    ws = wb["单位汇总"]
    header = [c.value for c in ws[1]]
    rows = {(r[header.index("单位")], r[header.index("年度")], r[header.index("表的种类")]): r
            for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(report["units"])
    for unit in report["units"]:
        row = rows[(unit["unit"], unit["year"] or "未填年度", {"project": "项目支出", "department": "部门整体"}[unit["kind"]])]
        assert row[header.index("表数")] == unit["projects"]
        assert row[header.index("全年预算数")] == pytest.approx(unit["budget"]) if unit["budget"] is not None \
            else row[header.index("全年预算数")] is None
    assert wb["项目汇总"].max_row == len(report["projects"]) + 1
    files = wb["文件清单"]
    assert files.max_row == len(report["files"]) + len(report["ignored"]) + 1
    order = [r[1] for r in files.iter_rows(min_row=2, values_only=True)]
    assert order.index("通过") > order.index("无法读取") if "通过" in order else True
    text = "\n".join(str(c.value) for row in wb["汇总说明"].iter_rows() for c in row if c.value)
    assert "未计入" in text and "无法知道哪些单位" in text


def test_notices_speak_plain_chinese(run):
    wb = openpyxl.load_workbook(run["out"])
    texts = [str(c.value) for row in wb["复核意见"].iter_rows() for c in row if isinstance(c.value, str)]
    codes = set(CATALOGUE)
    words = {w for t in texts for w in re.findall(r"[a-z][a-z0-9_]{3,}", t)}
    assert not words & codes, words & codes
    assert not any(t.startswith("=") for t in texts)
    assert any("如何修改" in t for t in texts)
    units = {n["unit"] for n in run["report"]["notices"]}
    assert "（无法识别单位的文件）" in units  # the truncated, empty and non-Excel files
