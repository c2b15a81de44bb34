"""Analysis package for the verifiable report on Liu & Wu, J Leuk 2023;11:358.

Modules, one job each:

- ``paths``        where the repository's data and sources live
- ``rounding``     statcheck-style parsing of printed numbers and rounding comparisons
- ``meta``         meta-analysis of single proportions (agrees with R metafor)
- ``consistency``  statistical consistency checks on published summaries
- ``plots``        figures (forest plots, landmark plots)
- ``claims``       the claims registry, ``ClaimResult`` and one evaluator per claim group
"""

__version__ = "0.1.0"
