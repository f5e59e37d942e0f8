"""Real published forms (tests/data/realforms: each JSON names its public source) adopt and score as
their ``expect`` says — the execution score, each indicator's verdict and score, the flags their
published inconsistencies call for — with no other error or warning; and each real layout, perturbed
(label suffixes, a one- or two-row header, column order, merges), locates to the same content."""

from __future__ import annotations

import random
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.forms.project.adopt import VOCABULARY, read_grids
from toolkit.workbook.locator import Grid, locate_forms

from .realforms_harness import CHECKS, build_form_file, form_ids, load, run_form_file

# The forms of the set (copied into tests/data/realforms) and the forms found since; every form is held
# to the same bar.
ALL_FORMS = form_ids()


@lru_cache(maxsize=None)
def _judged(form_id: str):
    with tempfile.TemporaryDirectory(prefix="jx-real-") as folder:
        return tuple(run_form_file(form_id, Path(folder)))


@pytest.mark.parametrize("form_id", ALL_FORMS)
def test_real_form_is_adopted_and_its_execution_score_read(form_id):
    for judgement in _judged(form_id):
        assert not judgement.error, judgement.error
        assert judgement.adopted
        if judgement.execution_expected:
            assert judgement.execution_ok, judgement.execution_detail


@pytest.mark.parametrize("form_id", ALL_FORMS)
def test_real_form_indicators_get_the_verdicts_the_rule_gives(form_id):
    for judgement in _judged(form_id):
        assert judgement.indicators_ok == judgement.indicators_expected, judgement.indicator_misses


@pytest.mark.parametrize("form_id", [form_id for form_id in ALL_FORMS if form_id in CHECKS])
def test_real_form_raises_the_flags_it_calls_for_and_no_other(form_id):
    for judgement in _judged(form_id):
        assert judgement.missing_flags == [], judgement.missing_flags
        assert judgement.noisy == [], judgement.noisy


def test_every_transcription_names_its_public_source():
    for form_id in ALL_FORMS:
        source = load(form_id)["source"]
        assert source["url"].startswith("http") and source.get("title"), form_id


# -- perturbed layouts -------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _grid(form_id: str) -> Grid:
    folder = Path(tempfile.mkdtemp(prefix="jx-real-grid-"))
    return read_grids(build_form_file(form_id, folder))[0]


def _content(grid: Grid) -> list[dict]:
    """What must not change: each form's model without its place and labels as written."""
    found = []
    for form in locate_forms(grid, VOCABULARY).forms:
        model = form.model()
        for key in ("sheet", "top_left"):
            model.pop(key)
        for item in model["indicators"]:
            item.pop("level1_raw", None)
        found.append(model)
    return found


def _header(grid: Grid):
    [form] = [form for form in locate_forms(grid, VOCABULARY).forms][:1] or [None]
    return form


def _suffix_labels(grid: Grid, rng: random.Random) -> Grid:
    """Print the grid's and fund block's column labels with a suffix as other bureaus do."""
    form = _header(grid)
    cells = dict(grid.cells)
    for key, hit in form.labels.items():
        if key.startswith(("indicators.columns.", "funds.columns.")) and isinstance(hit.value, str):
            ref = _key(hit.cell)
            cells[ref] = hit.value + rng.choice(["（A）", "（B）", "(B/A)", "（%）", "\n（万元）", "："])
    return Grid(grid.title, cells, grid.merges)


def _two_row_header(grid: Grid) -> Grid:
    """A one-row grid header printed over two rows: 「绩效指标」 over 一级/二级/三级, every other
    label merged down over both rows (as Yunnan prints it)."""
    form = _header(grid)
    cols = {key.removeprefix("indicators.columns."): _key(hit.cell) for key, hit in form.labels.items()
            if key.startswith("indicators.columns.") and key.count(".") == 2}
    rows = {row for row, _ in cols.values()}
    if len(rows) != 1 or not {"level1", "level2", "level3"} <= cols.keys():
        return grid
    [top] = rows
    moved = {}
    for (row, col), value in grid.cells.items():
        moved[(row + 1 if row > top else row, col)] = value
    merges = []
    for r1, c1, r2, c2 in grid.merges:
        if r1 > top:
            merges.append((r1 + 1, c1, r2 + 1, c2))
        elif r2 >= top and r1 <= top:
            merges.append((r1, c1, r2 + 1, c2))
        else:
            merges.append((r1, c1, r2, c2))
    levels = [cols[key][1] for key in ("level1", "level2", "level3")]
    for col in levels:
        moved[(top + 1, col)] = moved.pop((top, col))
    moved[(top, min(levels))] = "绩效指标"
    merges = [m for m in merges if not (m[0] <= top <= m[2] and m[1] <= min(levels) <= m[3])]
    merges.append((top, min(levels), top, max(levels)))
    for key, (_, col) in cols.items():
        if col not in levels and not any(m[0] <= top <= m[2] and m[1] <= col <= m[3] for m in merges):
            merges.append((top, col, top + 1, col))
    return Grid(grid.title, moved, tuple(merges))


def _swap_grid_columns(grid: Grid, rng: random.Random) -> Grid:
    """Two value columns of the indicator grid printed in the other order (header and rows)."""
    form = _header(grid)
    cols = sorted({_key(hit.cell)[1] for key, hit in form.labels.items()
                   if key.split(".")[-1] in ("target", "actual", "weight", "score", "reason")
                   and key.startswith("indicators.columns.")})
    header_rows = {_key(hit.cell)[0] for key, hit in form.labels.items() if key.startswith("indicators.columns.")}
    if len(cols) < 2 or len(header_rows) > 1:  # a two-row header's groups stay together
        return grid
    a, b = rng.sample(cols, 2)
    first = min(_key(hit.cell)[0] for key, hit in form.labels.items() if key.startswith("indicators.columns."))
    swap = {a: b, b: a}
    cells = {(row, swap.get(col, col) if row >= first else col): value for (row, col), value in grid.cells.items()}
    merges = tuple(m for m in grid.merges if not (m[2] >= first and (m[1] <= a <= m[3] or m[1] <= b <= m[3])
                                                   and m[1] != m[3]))
    merges = tuple((r1, swap.get(c1, c1) if r1 >= first and c1 == c2 else c1, r2,
                    swap.get(c2, c2) if r1 >= first and c1 == c2 else c2) for r1, c1, r2, c2 in merges)
    return Grid(grid.title, cells, merges)


def _key(ref: str) -> tuple[int, int]:
    from toolkit.workbook.sheets import split_ref
    return split_ref(ref)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_FORMS), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.integers(0, 2**16))
def test_perturbed_real_layouts_locate_to_the_same_content(form_id, suffixes, two_rows, swap, unmerge, seed):
    grid = _grid(form_id)
    original = _content(grid)
    if not original:
        return  # a layout the locator does not read at all is caught by the tests above
    rng = random.Random(seed)
    if suffixes:
        grid = _suffix_labels(grid, rng)
    if two_rows:
        grid = _two_row_header(grid)
    if swap:
        grid = _swap_grid_columns(grid, rng)
    if unmerge:
        grid = Grid(grid.title, grid.cells, tuple(m for m in grid.merges if rng.random() < 0.5))
    assert _content(grid) == original
