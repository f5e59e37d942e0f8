"""The ``jixiao`` command line.

Commands::

    jixiao score INPUT.xlsx [-o OUT.xlsx] [--profile P] [--json REPORT.json] [--in-place]
    jixiao template build [--check] [--out DIR]
    jixiao sample build [--check]
    jixiao profile check PROFILE
    jixiao profile list

Exit status: 0 done (a scored file may still carry flags), 2 the input could not be used,
3 the rule profile is invalid, 1 anything unexpected (with a short message, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit import __version__
from toolkit.core.problems import SEVERITY_LABELS, Problem, ToolkitError
from toolkit.core.profile import ProfileError, builtin_profile_names, check_profile_data, load_profile

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_BAD_PROFILE = 0, 1, 2, 3

# Modules that add their own subcommands: each defines ``register_cli(subparsers)``.
EXTENSIONS: list[str] = ["toolkit.submission.export", "toolkit.submission.collect", "toolkit.excel.addin", "toolkit.forms.department.cli"]


def _cmd_score(args) -> int:
    from toolkit.workbook.edits import summary_line
    from toolkit.service import score_file

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


def _cmd_template(args) -> int:
    from toolkit.forms.project.builds import build_templates, check_templates

    if args.check:
        drift = check_templates(Path(args.out))
        for line in drift:
            print(line)
        return EXIT_OK if not drift else EXIT_BAD_INPUT
    for path in build_templates(Path(args.out)):
        print(f"已生成模板：{path}")
    return EXIT_OK


def _cmd_sample(args) -> int:
    from toolkit.forms.project.builds import build_samples

    for path in build_samples(Path(args.out)):
        print(f"已生成样例：{path}")
    return EXIT_OK


def _cmd_profile_check(args) -> int:
    import json

    source = args.profile
    try:
        data = load_profile(source).data if not Path(source).suffix else json.loads(
            Path(source).read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(source, [Problem("profile_unreadable", "error", source,
                                            f"无法读取（须为 UTF-8 编码的 JSON 文件）：{exc}")]) from None
    problems = check_profile_data(data)
    if not problems:
        print(f"规则配置「{source}」检查通过：{data.get('title', '')}")
        return EXIT_OK
    print(f"规则配置「{source}」发现 {len(problems)} 个问题：")
    for problem in problems:
        print(f"  [{SEVERITY_LABELS[problem.severity]}] {problem.location}：{problem.message}（{problem.code}）")
    return EXIT_BAD_PROFILE if any(p.severity == "error" for p in problems) else EXIT_OK


def _cmd_profile_list(_args) -> int:
    for name in builtin_profile_names():
        profile = load_profile(name)
        print(f"{name}\t{profile.version}\t{profile['title']}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jixiao", description="绩效自评工具箱：预算绩效自评表计算得分与校验")
    parser.add_argument("--version", action="version", version=f"jixiao-toolkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="计算得分：读入填好的自评表，输出带标记的评分工作簿")
    score.add_argument("input", help="填好的 .xlsx 工作簿")
    score.add_argument("-o", "--output", help="输出工作簿（默认：输入文件名加「_评分」）")
    score.add_argument("--profile", default="national", help="规则配置：内置名称（如 national）或 JSON 文件路径")
    score.add_argument("--json", help="同时写出机器可读的 JSON 报告")
    score.add_argument("--in-place", action="store_true", help="直接写回输入文件（先另存备份 文件名.bak-时间.xlsx）")
    score.add_argument("-v", "--verbose", action="store_true", help="列出全部标记（默认只列错误）")
    score.set_defaults(func=_cmd_score)

    template = sub.add_parser("template", help="模板")
    template_sub = template.add_subparsers(dest="action", required=True)
    build = template_sub.add_parser("build", help="按代码生成官方格式模板")
    build.add_argument("--out", default="templates", help="输出目录（默认 templates）")
    build.add_argument("--check", action="store_true", help="只检查已提交的模板是否与代码一致")
    build.set_defaults(func=_cmd_template)

    sample = sub.add_parser("sample", help="样例")
    sample_sub = sample.add_subparsers(dest="action", required=True)
    sample_build = sample_sub.add_parser("build", help="把种子数据填入模板，生成 samples/ 下的样例工作簿")
    sample_build.add_argument("--out", default="samples")
    sample_build.set_defaults(func=_cmd_sample)

    profile = sub.add_parser("profile", help="规则配置")
    profile_sub = profile.add_subparsers(dest="action", required=True)
    check = profile_sub.add_parser("check", help="检查规则配置（格式、分值合计、档次覆盖等）")
    check.add_argument("profile", help="内置名称或 JSON 文件路径")
    check.set_defaults(func=_cmd_profile_check)
    profile_sub.add_parser("list", help="列出内置规则配置").set_defaults(func=_cmd_profile_list)

    import importlib
    for module_name in EXTENSIONS:
        importlib.import_module(module_name).register_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jixiao`` console script.

    >>> main(["score", "/nonexistent.xlsx"])
    错误：文件「/nonexistent.xlsx」不存在。
    2
    """
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ProfileError as exc:
        print(f"错误：{exc}", file=sys.stdout)
        return EXIT_BAD_PROFILE
    except ToolkitError as exc:
        print(f"错误：{exc}", file=sys.stdout)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("已取消。")
        return EXIT_UNEXPECTED
    except Exception as exc:  # last resort: never show a traceback to a clerk
        print(f"意外错误（{type(exc).__name__}）：{exc}\n请把此信息和文件发给技术支持。", file=sys.stdout)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
