"""The package's shape: one catalogue of problem codes, layers that import only downward, no
import cycle, no private name imported across packages, and a CLI whose --help is cheap."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from toolkit.cli import main
from toolkit.exits import EXIT_DRIFT, EXIT_USAGE
from toolkit.core.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "toolkit"
# Calls whose first argument is a problem code.
CODE_CALLS = {"Flag", "Problem", "flag", "_problem", "add"}
# Layers, bottom up: a module may import its own layer and those below, never above.
LAYERS = [("toolkit.core", "toolkit.exits"), ("toolkit.workbook",), ("toolkit.forms",), ("toolkit.report", "toolkit.service"),
          ("toolkit.submission", "toolkit.excel", "toolkit.narrative", "toolkit.commands"), ("toolkit.cli",)]


def _modules() -> dict[str, ast.Module]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "buttons" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = ast.parse(path.read_text("utf-8"))
    return modules


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(module imported, names imported) for every import anywhere in the module (function level too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("toolkit"):
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.startswith("toolkit")]
    return found


def _layer(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return -1  # the package root (version)


def test_every_code_used_is_in_the_catalogue():
    used = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            if name in CODE_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str) \
                    and re.fullmatch(r"[a-z][a-z0-9_]+", first.value):
                used.add((first.value, f"{path.relative_to(ROOT)}:{node.lineno}"))
    assert len(used) > 80
    unknown = sorted(where for code, where in used if code not in CATALOGUE)
    assert not unknown, f"codes not in toolkit/core/catalogue.py: {unknown}"


def test_schemas_enumerate_the_catalogue():
    report = json.loads((PACKAGE / "schemas" / "report.schema.json").read_text("utf-8"))
    collect = json.loads((PACKAGE / "schemas" / "collect_report.schema.json").read_text("utf-8"))
    form_codes = [c for c, e in CATALOGUE.items() if e.area in ("form", "workbook")]
    assert report["$defs"]["flag"]["properties"]["code"]["enum"] == form_codes
    assert collect["$defs"]["problem"]["properties"]["code"]["enum"] == list(CATALOGUE)
    assert all(e.severity in ("error", "warning", "info") and e.title and e.description for e in CATALOGUE.values())


def test_layers_import_only_downward_and_nothing_private_across_packages():
    problems = []
    for module, tree in _modules().items():
        if module != "toolkit" and _layer(module) < 0:
            problems.append(f"{module} belongs to no layer (add it to LAYERS)")
        package = module.rsplit(".", 1)[0]
        for imported, names in _imports(tree):
            if _layer(imported) > _layer(module):
                problems.append(f"{module} imports {imported} (a higher layer)")
            if imported.rsplit(".", 1)[0] != package and imported != package:
                problems += [f"{module} imports private {imported}.{n}" for n in names
                             if n.startswith("_") and not n.startswith("__")]
    assert not problems


def test_no_import_cycle():
    modules = _modules()
    graph = {name: {imp for imp, _ in _imports(tree) if imp in modules and imp != name}
             for name, tree in modules.items()}
    # a "from toolkit.forms import registry" names a module too
    for name, tree in modules.items():
        for imported, names in _imports(tree):
            graph[name] |= {f"{imported}.{n}" for n in names if f"{imported}.{n}" in modules}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " → ".join(trail + [node, nxt]))
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def test_help_is_cheap_and_in_chinese():
    code = ("import sys; from toolkit.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('openpyxl', 'pandas', 'numpy', 'xlwings', 'jsonschema') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "用法：jixiao" in out and "显示本帮助并退出" in out and "退出码" in out
    assert "HEAVY []" in out


def test_usage_errors_and_drift_have_their_own_exit_codes(tmp_path, capsys):
    assert main(["scor"]) == EXIT_USAGE
    assert main(["score"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "用法：" in err and "缺少必需的参数" in err
    (tmp_path / "项目支出绩效自评表.xlsx").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # a different (empty) package
    assert main(["template", "build", "--check", "--kind", "project", "--out", str(tmp_path)]) == EXIT_DRIFT
    assert main(["template", "build", "--check", "--kind", "project"]) == 0


def test_readme_map_matches_the_tree():
    """Every module of the package is named in README's map, and everything the map names exists."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## 代码地图", 1)[1].split("```", 2)[1]
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__init__.py" or "buttons" in path.parts:
            continue
        assert path.stem in block, f"README's map does not mention {path.relative_to(ROOT)}"
    for folder in re.findall(r"([a-z]+)/", block):
        assert folder == "toolkit" or list(PACKAGE.rglob(folder)), f"README's map names {folder}/, which is not in the tree"
    for name in re.findall(r"\b([a-z_]+)\.(?:py|xml)\b", block):
        assert list(PACKAGE.rglob(f"{name}.*")), f"README's map names {name}, which is not in the tree"
    codes = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, re.M))
    assert codes == set(CATALOGUE), "README's code table and toolkit/core/catalogue.py differ"
