"""Workhall's benchmarks (quality.md §1): ``python -m bench`` or ``make bench``.

Each benchmark builds its own synthetic, seeded data set in a database it creates, prints its
figures beside a reference measured in the same run on the same machine, and the ratio.
See ``bench/README.md``.
"""
