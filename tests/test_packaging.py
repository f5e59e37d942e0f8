"""A non-editable install works: build the wheel, install it on its own, then build the Excel
add-ins and score the bundled sample from it — nothing read from the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"


def test_wheel_installs_and_runs_without_the_source_tree(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "toolkit", source / "toolkit", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("jixiao_toolkit-*.whl"))
    with zipfile.ZipFile(wheel) as package:
        names = set(package.namelist())
        entry_points = next(package.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert {"toolkit/excel/ribbon.xml", "toolkit/excel/buttons/jixiao_score.py", "toolkit/profiles/national.json",
            "toolkit/schemas/report.schema.json", "toolkit/forms/registry.py"} <= names
    assert "jixiao = toolkit.cli:main" in entry_points

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    # -S: no .pth files, so the developer's editable install cannot shadow the wheel; the
    # dependencies come from this interpreter's site-packages as plain folders.
    paths = dict.fromkeys([str(site), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "XLWINGS_LICENSE_KEY": "noncommercial"}
    work = tmp_path / "work"
    work.mkdir()

    def jixiao(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-S", "-m", "toolkit.cli", *args], cwd=work, env=env,
                              capture_output=True, text=True)

    where = subprocess.run([sys.executable, "-S", "-c", "import toolkit; print(toolkit.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(site)

    built = jixiao("addin", "build", str(work / "addins"))
    assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in (work / "addins").iterdir()) == [
        "jixiao_about.xlam", "jixiao_export.xlam", "jixiao_report.xlam", "jixiao_score.xlam"]

    scored = jixiao("score", str(SAMPLE), "-o", str(work / "评分.xlsx"), "--json", str(work / "报告.json"))
    assert scored.returncode == 0, scored.stderr
    assert "政府采购：总分 填报 83.95，复核 83.96" in scored.stdout and (work / "评分.xlsx").exists()

    report = jixiao("report", str(SAMPLE), "-o", str(work / "自评报告.docx"))  # outlines.json is package data
    assert report.returncode == 0, report.stderr
    assert (work / "自评报告.docx").exists()
