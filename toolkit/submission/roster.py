"""The bureau's roster (单位名单) for ``jixiao collect --roster``: which units are expected to
submit, optionally with their expected projects; against it collect lists what was not
submitted (未报送) and what was not expected (多报).

A roster is a simple list in an .xlsx workbook (the first worksheet) or a .csv file: a column
headed 单位 (单位名称, 预算单位, 报送单位, 实施单位, 部门, 部门名称) and optionally a column headed
项目 (项目名称). One row per unit, or one row per expected project (a unit left blank under a
filled one continues it, as when the unit cell is merged). Without a header row, the first column
is the unit and the second (if any) the project. Names are compared after Unicode NFKC
normalisation and with all white space removed (「深圳市 社保局」 = 「深圳市社保局」).

Example::

    >>> roster = Roster.from_rows([["单位", "项目"], ["甲局", "项目一"], [None, "项目二"], ["乙局", None]], "名单")
    >>> [(u.name, u.projects) for u in roster.units]
    [('甲局', ('项目一', '项目二')), ('乙局', ())]
    >>> forms = [{"unit": "甲局", "project": "项目一", "kind": "project", "file": "a.xlsx", "group": "g"},
    ...          {"unit": "丙局", "project": "项目九", "kind": "project", "file": "c.xlsx", "group": "g"}]
    >>> result = roster.check(forms, [])
    >>> [(m["unit"], m["project"]) for m in result["missing"]], [(u["unit"], u["project"]) for u in result["unexpected"]]
    ([('甲局', '项目二'), ('乙局', None)], [('丙局', '项目九')])
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.problems import ToolkitError

UNIT_HEADERS = ("单位", "单位名称", "预算单位", "报送单位", "实施单位", "部门", "部门名称", "主管部门", "单位全称")
PROJECT_HEADERS = ("项目", "项目名称")
MAX_ROWS = 100_000


def normalise(name: object) -> str:
    """A name as the roster compares it: NFKC, no white space.

    >>> normalise(" 深圳市　社保局 ")
    '深圳市社保局'
    """
    if name is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name)))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class ExpectedUnit:
    name: str
    projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Roster:
    source: str
    units: tuple[ExpectedUnit, ...]

    @classmethod
    def from_rows(cls, rows: list[list[object]], source: str) -> Roster:
        """The roster in ``rows`` (lists of cell values); ToolkitError when it names no unit."""
        unit_col, project_col, start = 0, 1, 0
        for index, row in enumerate(rows[:10]):
            cells = [normalise(v) for v in row]
            units = [i for i, c in enumerate(cells) if c in UNIT_HEADERS]
            if units:
                unit_col, start = units[0], index + 1
                projects = [i for i, c in enumerate(cells) if c in PROJECT_HEADERS]
                project_col = projects[0] if projects else None
                break
        else:
            project_col = 1 if any(len(row) > 1 and _text(row[1]) for row in rows) else None
        found: dict[str, tuple[str, list[str]]] = {}
        current = ""
        for row in rows[start:]:
            unit = _text(row[unit_col]) if unit_col < len(row) else ""
            project = _text(row[project_col]) if project_col is not None and project_col < len(row) else ""
            if unit:
                current = unit
            elif project and current:
                unit = current
            if not unit:
                continue
            name, projects = found.setdefault(normalise(unit), (unit, []))
            if project and normalise(project) not in {normalise(p) for p in projects}:
                projects.append(project)
        if not found:
            raise ToolkitError(f"单位名单「{source}」中没有单位：请在第一列（或标题为「单位」的列）逐行列出应报送的单位。")
        return cls(source, tuple(ExpectedUnit(name, tuple(projects)) for name, projects in found.values()))

    @classmethod
    def read(cls, path: str | Path) -> Roster:
        """Read a roster file (.xlsx / .xlsm / .csv / .txt); ToolkitError (a Chinese message) when it cannot be used."""
        path = Path(path)
        if not path.is_file():
            raise ToolkitError(f"找不到单位名单「{path}」。")
        suffix = path.suffix.lower()
        try:
            if suffix in (".csv", ".txt"):
                data = path.read_bytes()
                for encoding in ("utf-8-sig", "gb18030"):
                    try:
                        text = data.decode(encoding)
                        break
                    except UnicodeDecodeError:
                        continue
                rows = [row for _, row in zip(range(MAX_ROWS), csv.reader(io.StringIO(text)))]
            elif suffix in (".xlsx", ".xlsm"):
                from toolkit.workbook.io import open_workbook

                wb = open_workbook(path, data_only=True, read_only=True)
                try:
                    ws = wb.worksheets[0]
                    rows = [list(row) for _, row in zip(range(MAX_ROWS), ws.iter_rows(values_only=True))]
                finally:
                    wb.close()
            else:
                raise ToolkitError(f"单位名单「{path.name}」须为 .xlsx 或 .csv 文件（第一列为单位，可选第二列为项目）。")
        except ToolkitError:
            raise
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ToolkitError(f"单位名单「{path.name}」无法读取（{type(exc).__name__}）：请另存为 .xlsx 或 .csv 后重试。") from None
        return cls.from_rows(rows, path.name)

    def check(self, counted: list[dict], forms: list[dict]) -> dict:
        """未报送 and 多报 against the counted forms (rows with ``unit``, ``project``, ``kind``,
        ``file``, ``group``); ``forms`` are all forms read (counted or not, each with ``file`` and
        ``status_label``), to say when a missing unit did send files that were not counted."""
        by_unit: dict[str, list[dict]] = {}
        for row in counted:
            by_unit.setdefault(normalise(row["unit"]), []).append(row)
        sent: dict[str, list[dict]] = {}
        for row in forms:
            if not row.get("counted"):
                sent.setdefault(normalise(row["unit"]), []).append(row)
        expected = {normalise(u.name): u for u in self.units}

        def uncounted(key: str) -> str:
            rows = sent.get(key, [])
            if not rows:
                return "未收到"
            files = list(dict.fromkeys(f"「{r['file']}」（{r.get('status_label') or '未计入'}）" for r in rows))
            return "收到文件但未计入汇总：" + "、".join(files[:3]) + (f" 等 {len(files)} 个" if len(files) > 3 else "")

        missing = []
        for key, unit in expected.items():
            rows = by_unit.get(key, [])
            if not rows:
                missing.append({"unit": unit.name, "project": None, "note": uncounted(key)})
                continue
            have = {normalise(r["project"]) for r in rows if r.get("kind") == "project"}
            for project in unit.projects:
                if normalise(project) not in have:
                    missing.append({"unit": unit.name, "project": project, "note": "该单位已报送，但没有此项目"})
        unexpected = []
        for row in counted:
            key = normalise(row["unit"])
            unit = expected.get(key)
            if unit is None:
                unexpected.append({"unit": row["unit"], "project": row["project"], "file": row["file"],
                                   "group": row.get("group"), "note": "单位不在名单中"})
            elif unit.projects and row.get("kind") == "project" and \
                    normalise(row["project"]) not in {normalise(p) for p in unit.projects}:
                unexpected.append({"unit": row["unit"], "project": row["project"], "file": row["file"],
                                   "group": row.get("group"), "note": "名单中该单位没有此项目"})
        return {"file": self.source, "units": len(self.units),
                "projects": sum(len(u.projects) for u in self.units), "missing": missing, "unexpected": unexpected}
