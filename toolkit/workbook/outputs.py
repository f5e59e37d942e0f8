"""Paths a command writes, checked against what it reads and against each other before any work:
an output never replaces an input or another output of the same run.

Example::

    >>> from pathlib import Path
    >>> check_outputs([Path("a.xlsx")], {"-o": Path("b.xlsx"), "--json": Path("b.json")})
    >>> check_outputs([Path("a.xlsx")], {"-o": Path("b.xlsx"), "--json": Path("a.xlsx")})
    Traceback (most recent call last):
    ...
    toolkit.core.problems.ToolkitError: --json 指向输入文件「a.xlsx」：输出从不覆盖输入，请换一个文件名。
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.core.problems import ToolkitError


def same_file(a: Path, b: Path) -> bool:
    """Do two paths name one file (an existing file by its identity, else by its resolved path)?"""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return Path(os.path.abspath(a)).resolve() == Path(os.path.abspath(b)).resolve()


def check_outputs(inputs: list[Path], outputs: dict[str, Path | None], *, in_place: Path | None = None) -> None:
    """Raise ToolkitError when an output (by option name) is an input — except ``in_place``, the one
    input a command may rewrite after a backup — or two outputs are one file."""
    named = [(option, Path(path)) for option, path in outputs.items() if path is not None]
    for option, path in named:
        for source in inputs:
            if same_file(path, Path(source)) and not (in_place is not None and same_file(path, in_place)
                                                       and option == "-o"):
                raise ToolkitError(f"{option} 指向输入文件「{Path(source).name}」：输出从不覆盖输入，请换一个文件名。")
    for index, (option, path) in enumerate(named):
        for other, other_path in named[index + 1:]:
            if same_file(path, other_path):
                raise ToolkitError(f"{option} 与 {other} 是同一个文件「{path.name}」：两个输出会互相覆盖，请分别指定文件名。")
