"""Hostile and careless workbooks (issue 13): every family of ``tests/hostile/corpus.py`` is
built once (seed 0, CI scale) and run through score, score --in-place, export and collect by
``tests/hostile/runner.py``; each family's test asserts that all the issue's counts are 0 —
tracebacks, exit 1, runs over the time or 1 GB limit, clerk cells changed, files missing from
collect's report, live formulas in what the tool wrote, and the other broken promises.

The whole corpus is built and run once per session, in parallel (one worker per core), for the
families selected (``-k`` keeps a run short). A run gets ``JIXIAO_HOSTILE_TIMEOUT`` seconds
(default 10: a sound tool needs 1–3 s for these files; ``benchmarks/hostile_run.py`` uses the
issue's 60 s); once a command of a case runs out of time or memory the case's other commands
are skipped, and ``score --in-place`` runs only where it meets more than ``score -o``.

:data:`KNOWN_FAILURES` lists the families the current code fails, each marked
``xfail(strict=True)``: when a fix makes one pass, its test fails as XPASS until its entry is
removed here.
"""

from __future__ import annotations

import os
import zipfile

import pytest

from tests.hostile import corpus, runner

SEED = 0
OPTIONS = runner.Options(timeout=float(os.environ.get("JIXIAO_HOSTILE_TIMEOUT", "10")), stop_after_limit=True,
                         all_in_place=False)

# family → what the current code does wrong (remove the entry with the fix).
KNOWN_FAILURES: dict[str, str] = {  # none at present: every family passes
}


def _family_params():
    """One parameter per family, marked xfail(strict) when listed in :data:`KNOWN_FAILURES`."""
    return [pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[name]))
            if name in KNOWN_FAILURES else pytest.param(name, id=name) for name in corpus.FAMILIES]


@pytest.fixture(scope="session")
def hostile_runs(request, tmp_path_factory) -> list[runner.Run]:
    """Every selected family built and run once, in parallel."""
    selected = {item.callspec.params["family"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_hostile_family" and hasattr(item, "callspec")}
    out = tmp_path_factory.mktemp("hostile")
    setup = corpus.Setup.prepare(out / "_bases", corpus.CI)
    specs = [(name, SEED) for name in corpus.FAMILIES if name in selected]
    return runner.run_corpus(out, setup, specs, OPTIONS)


@pytest.mark.parametrize("family", _family_params())
def test_hostile_family(family, hostile_runs):
    """Every count of the issue is 0 for the family's runs."""
    runs = [run for run in hostile_runs if run.family == family]
    assert runs, f"{family} did not run"
    counts = runner.counts(runs)
    assert not any(counts.values()), f"{runner.summary(runs)}\n{runner.table(runs, only_failures=True)}"


def test_known_failures_name_families():
    """Every known failure names a family that exists (a renamed family must not silently pass)."""
    assert set(KNOWN_FAILURES) <= set(corpus.FAMILIES)


def test_corpus_is_seeded(tmp_path):
    """The same seed writes the same file."""
    setup = corpus.Setup.prepare(tmp_path / "_bases", corpus.CI)
    first = corpus.build_case(tmp_path / "a", "value_at_a1048576", 7, setup)
    second = corpus.build_case(tmp_path / "b", "value_at_a1048576", 7, setup)
    assert first.description == second.description
    assert first.inputs[0].read_bytes() == second.inputs[0].read_bytes()


def test_zip_bomb_is_small_on_disk_and_inflates_past_the_limit(tmp_path):
    """A bomb is a valid deflate stream, a few MB on disk and past the 1 GB limit once inflated."""
    case = corpus.build_case(tmp_path, "zip_bomb_sheet_whitespace", 0, corpus.Setup.prepare(tmp_path, corpus.CI))
    path = case.inputs[0]
    with zipfile.ZipFile(path) as archive:
        biggest = max(archive.infolist(), key=lambda info: info.file_size)
        with archive.open(biggest) as part:  # the first 4 MB inflate to the sheet, then whitespace
            start = part.read(4 * 2**20)
    assert b"<worksheet" in start[:200] and start.endswith(b" \n")
    assert biggest.file_size > runner.MEMORY_MB * 2**20 and path.stat().st_size < 8 * 2**20
