"""MRD response like with like: the two denominators a pooled "MRD response rate" can have.

A study reports MRD response either among the patients who reached CR/CRh (or CR/CRi) and were
assessed for MRD, or over every patient treated. The two answer different questions (how deep
are the remissions; how many treated patients reach an MRD-negative remission) and differ by a
factor of two to three, so a pool must not mix them. :func:`mrd_pools` pools the candidate
studies of the primary study set under each definition separately (``specifications.yaml``
scenarios ``reported`` and ``itt``), with the primary model (logit, REML, Hartung-Knapp), and
lists the studies each one leaves out and why: a study without the count a definition needs is
left out, never given another definition's count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.stats.meta import PooledProportion
from analysis.stats.reproduction import _specs_of, bracket_fits, primary_analysis
from analysis.stats.specifications import Omitted, Specifications, selection

__all__ = ["DefinitionPool", "mrd_pools", "MRD_DEFINITIONS"]

#: The two MRD definitions: scenario key -> how the page says it in words.
MRD_DEFINITIONS = {
    "reported": "MRD responders among patients in CR/CRh (or CR/CRi) assessed for MRD",
    "itt": "MRD responders over every patient treated (intention to treat)",
}


@dataclass(frozen=True)
class DefinitionPool:
    """One pooled MRD response rate under one definition.

    ``key`` (scenario), ``words`` (the definition in words), ``fit`` (the primary model's
    :class:`PooledProportion`: estimate, ci_low, ci_high, k, tau², I², ...), ``counts`` (the
    studies pooled with events, total, denominator, location), ``omitted`` (studies of the set
    left out, with the reason), ``bracket`` (the fit at every combination of tied counts).
    """

    key: str
    words: str
    fit: PooledProportion
    counts: pd.DataFrame
    omitted: tuple[Omitted, ...]
    bracket: tuple[PooledProportion, ...]

    @property
    def estimate(self) -> float:
        return self.fit.estimate

    @property
    def ci(self) -> tuple[float, float]:
        return self.fit.ci_low, self.fit.ci_high

    @property
    def k(self) -> int:
        return self.fit.k

    @property
    def studies(self) -> tuple[str, ...]:
        return tuple(self.counts["label"])


def mrd_pools(studies: pd.DataFrame, variants: pd.DataFrame, set_key: str | None = None,
              specs: Specifications | None = None) -> dict[str, DefinitionPool]:
    """{"reported": among responders assessed, "itt": over all treated}, each a :class:`DefinitionPool`
    of the primary study set (or ``set_key``) under the primary model."""
    specs = _specs_of(variants, specs)
    set_key = set_key or specs.primary.set
    out = {}
    for key, words in MRD_DEFINITIONS.items():
        sel = selection(studies, variants, "mrd", set_key, key, specs)
        if len(sel.counts) < 2:
            raise ValueError(f"MRD pool {key!r} of set {set_key!r}: {len(sel.counts)} studies with a count, need 2")
        out[key] = DefinitionPool(key=key, words=words, fit=primary_analysis(sel.counts), counts=sel.counts,
                                  omitted=sel.omitted, bracket=tuple(bracket_fits(sel.counts)))
    return out
