"""Bands and tiers: the grade lookup and the check that bands cover a range without gaps.

Grades (优/良/中/差), qualitative tiers and judgement tiers are all bands ``[min, max)`` whose
top band includes its max.

Example::

    >>> grade_for(90, [{"grade": "优", "min": 90, "max": 100}, {"grade": "良", "min": 0, "max": 90}])
    '优'
"""

from __future__ import annotations

from collections.abc import Mapping

from toolkit.core.problems import Problem


def grade_for(total: float | None, grades: list[Mapping]) -> str | None:
    """The grade band [min, max) containing ``total`` (the top band includes its max).

    >>> grades = [{"grade": "优", "min": 90, "max": 100}, {"grade": "良", "min": 80, "max": 90},
    ...           {"grade": "中", "min": 60, "max": 80}, {"grade": "差", "min": 0, "max": 60}]
    >>> grade_for(89.99, grades), grade_for(100, grades), grade_for(-1, grades)
    ('良', '优', None)
    >>> grade_for(65, [{"grade": "优", "min": 90, "max": 100}, {"grade": "差", "min": 0, "max": 60}]) is None
    True
    """
    if total is None:
        return None
    bands = sorted(grades, key=lambda b: b["min"])
    for index, band in enumerate(bands):
        top = index == len(bands) - 1
        upper_ok = total <= band["max"] + 1e-9 if top else total < band["max"]
        if band["min"] - 1e-9 <= total and upper_ok:
            return band["grade"]
    return None


def check_bands(bands: list[Mapping], path: str, *, label: str, key: str = "id",
                low: float = 0, high: float = 100) -> list[Problem]:
    """Bands [min, max) must cover [low, high] with no gap and no overlap.

    >>> [p.code for p in check_bands([{"id": "a", "min": 0, "max": 50},
    ...                                {"id": "b", "min": 60, "max": 100}], "$.t", label="档")]
    ['bands_gap']
    """
    problems: list[Problem] = []
    ordered = sorted(enumerate(bands), key=lambda pair: pair[1]["min"])
    for index, band in ordered:
        if band["min"] >= band["max"]:
            problems.append(Problem("band_empty", "error", f"{path}[{index}]",
                                    f"{label}「{band[key]}」下限 {band['min']} 不小于上限 {band['max']}"))
    expected = low
    for index, band in ordered:
        if band["min"] > expected:
            problems.append(Problem("bands_gap", "error", f"{path}[{index}]",
                                    f"{label}未覆盖 [{format_bound(expected)}, {format_bound(band['min'])})：该区间没有定义"))
        elif band["min"] < expected:
            problems.append(Problem("bands_overlap", "error", f"{path}[{index}]",
                                    f"{label}「{band[key]}」与前一档在 [{format_bound(band['min'])}, {format_bound(expected)}) 重叠"))
        expected = max(expected, band["max"])
    if expected < high:
        problems.append(Problem("bands_gap", "error", path,
                                f"{label}未覆盖 [{format_bound(expected)}, {format_bound(high)}]：该区间没有定义"))
    if ordered and ordered[-1][1]["max"] > high:
        problems.append(Problem("band_out_of_range", "error", f"{path}[{ordered[-1][0]}]",
                                f"{label}上限 {ordered[-1][1]['max']} 超过 {format_bound(high)}"))
    return problems


def format_bound(number: float) -> str:
    """A band bound as people write it: 60, 0.5.

    >>> format_bound(60.0), format_bound(0.5)
    ('60', '0.5')
    """
    return f"{number:g}"
