"""The ledger page's counts and the caption of its summary figure, from the ledger."""

from __future__ import annotations

from analysis.inputs.files import CITATION_VALUES, VERDICT_VALUES
from analysis.report.html import verdict_counts


def page_values(ledger: dict) -> dict:
    """Counts per verdict and citation value (every value, zeros included), and the figure's
    caption in words ("12 consistent, 2 discrepant, ...; 9 supported, ...")."""
    counts = verdict_counts(ledger)
    values: dict = {"n-claims": len(ledger["claims"])}
    for value in VERDICT_VALUES:
        values[f"n-{value}"] = counts["verdict"].get(value, 0)
    for value in CITATION_VALUES:
        if value != "pending":
            values[f"n-citation-{value}"] = counts["citation"].get(value, 0)
    verdicts = ", ".join(f"{n} {v}" for v in VERDICT_VALUES if (n := counts["verdict"].get(v, 0)))
    citations = ", ".join(f"{n} {v}" for v in CITATION_VALUES if (n := counts["citation"].get(v, 0)))
    values["summary-caption"] = f"verdicts {verdicts}; citations {citations}"
    return values
