"""Handlers of the ``jixiao`` commands that belong to no other module (see :mod:`toolkit.cli`).

Each takes the parsed arguments and returns an exit status.

Example::

    >>> import argparse
    >>> profile_list(argparse.Namespace())  # doctest: +ELLIPSIS
    anonymous-2022	...
    national	2021.2	全国通行口径（财预〔2020〕10号）
    ...
    0
"""

from __future__ import annotations

import sys
from pathlib import Path

from toolkit.core.problems import SEVERITY_LABELS, Problem
from toolkit.core.profile import (ProfileError, builtin_profile_names, check_profile_data, load_profile,
                                  parse_profile_text)
from toolkit.exits import EXIT_BAD_PROFILE, EXIT_DRIFT, EXIT_OK



def score(args) -> int:
    """``jixiao score``: score a workbook, print one line per form and the errors."""
    from toolkit.service import score_file
    from toolkit.report import two_numbers_line as summary_line

    outcome = score_file(args.input, args.output, profile=args.profile, json_path=args.json,
                         overwrite_input=args.in_place)
    print(f"已评分：{args.input} → {outcome.output}（规则：{outcome.report['profile']['id']}）")
    for flag in outcome.book.flags:
        print(f"  [{SEVERITY_LABELS[flag.severity]}] {flag.message}")
    for result in outcome.results:
        print("  " + summary_line(result))
        for flag in result.flags:
            if flag.severity == "error" or args.verbose:
                print(f"      [{SEVERITY_LABELS[flag.severity]}] {flag.where}：{flag.message}")
    if args.json:
        print(f"报告：{args.json}")
    print("所有标记见输出文件的「校验结果」表（红 = 错误，黄 = 提醒，蓝 = 说明）。")
    return EXIT_OK


def _kinds(args):
    from toolkit.core.problems import ToolkitError
    from toolkit.forms.registry import KINDS

    chosen = [kind for kind in KINDS if not args.kind or kind.id == args.kind]
    if not chosen:
        raise ToolkitError(f"没有「{args.kind}」这种表；可选：{'、'.join(kind.id for kind in KINDS)}。")
    return chosen


def _build_or_check(args, *, build, check, built: str, consistent: str) -> int:
    """Build every kind's files into ``args.out``, or with ``--check`` list how the committed ones drift."""
    folder = Path(args.out)
    if args.check:
        drift = [line for kind in _kinds(args) for line in check(kind)(folder)]
        for line in drift:
            print(line)
        if not drift:
            print(consistent)
        return EXIT_DRIFT if drift else EXIT_OK
    for kind in _kinds(args):
        for path in build(kind)(folder):
            print(f"{built}：{path}")
    return EXIT_OK


def template_build(args) -> int:
    """``jixiao template build [--check]``; with ``--profile``, the blank workbook of that profile."""
    if getattr(args, "profile", None):
        return template_for_profile(args)
    return _build_or_check(args, build=lambda kind: kind.build_templates, check=lambda kind: kind.check_templates,
                           built="已生成模板", consistent="模板与代码一致。")


def template_for_profile(args) -> int:
    """``jixiao template build --profile P [--kind K] [-o OUT.xlsx]``: the blank official-format workbook
    for one profile (validated first: a bad profile exits 3), its full JSON in the meta sheet."""
    from toolkit.core.problems import ToolkitError
    from toolkit.forms.blank import blank_workbook
    from toolkit.workbook.atomic import atomic_save
    from toolkit.workbook.outputs import check_outputs

    if args.check:
        raise ToolkitError("--check 检查 templates/ 下已提交的模板，不能与 --profile 同用。")
    profile = load_profile(args.profile)
    wb, name = blank_workbook(profile, args.kind)
    output = Path(args.output) if args.output else Path(name)
    if output.suffix.lower() != ".xlsx":
        raise ToolkitError(f"输出文件「{output}」须以 .xlsx 结尾（模板是 Excel 工作簿）。")
    profile_file = Path(args.profile)
    check_outputs([profile_file] if profile_file.is_file() else [], {"-o": output})
    atomic_save(wb, output)
    print(f"已生成模板：{output}（规则：{profile.id}，SHA-256 {profile.sha256[:12]}…；规则配置全文已存入工作簿）")
    return EXIT_OK


def sample_build(args) -> int:
    """``jixiao sample build [--check]``."""
    return _build_or_check(args, build=lambda kind: kind.build_samples, check=lambda kind: kind.check_samples,
                           built="已生成样例", consistent="样例与种子数据一致。")


def profile_check(args) -> int:
    """``jixiao profile check``: every problem with its JSON path; exit 3 on an error."""
    source = args.profile
    try:
        data = load_profile(source).data if not Path(source).suffix else parse_profile_text(
            Path(source).read_bytes(), source)
    except OSError as exc:
        raise ProfileError(source, [Problem("profile_unreadable", "error", source,
                                            f"无法读取（须为 UTF-8 编码的 JSON 文件）：{exc}")]) from None
    problems = check_profile_data(data)
    if not problems:
        print(f"规则配置「{source}」检查通过：{data.get('title', '')}")
        return EXIT_OK
    stream = sys.stderr if any(p.severity == "error" for p in problems) else sys.stdout
    print(f"规则配置「{source}」发现 {len(problems)} 个问题：", file=stream)
    for problem in problems:
        print(f"  [{SEVERITY_LABELS[problem.severity]}] {problem.location}：{problem.message}（{problem.code}）",
              file=stream)
    return EXIT_BAD_PROFILE if any(p.severity == "error" for p in problems) else EXIT_OK


def profile_list(_args) -> int:
    """``jixiao profile list``."""
    for name in builtin_profile_names():
        profile = load_profile(name)
        print(f"{name}\t{profile.version}\t{profile['title']}")
    return EXIT_OK
