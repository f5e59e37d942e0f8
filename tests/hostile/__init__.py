"""Hostile and careless workbooks (issues 13 and 22): a seeded generator (:mod:`.corpus`) and a
runner (:mod:`.runner`) that puts every generated file through ``jixiao score``, ``score
--in-place``, ``export`` and ``collect`` — and a family's own commands (outputs aimed at inputs,
hostile profiles, report, adopt) — with a wall-clock and a memory limit.

``tests/test_hostile.py`` is the CI-sized run; ``benchmarks/hostile_run.py`` the larger one.
"""
