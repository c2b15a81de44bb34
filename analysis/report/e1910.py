"""The E1910 page's tables: which report prints each of the commentary's figures, and the claims' wording problems."""

from __future__ import annotations

from analysis.claims.result import ClaimResult
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.trials import Trial

# The commentary's E1910 figures, and the figure ids that print the same quantity in each report.
# (claim id, quantity, commentary's words -- a fragment of the claim's quote -- figure ids)
REPORT_TABLE = [
    ("e1910-population", "eligible ages", "30-70 years", ["eligible-age"]),
    ("e1910-population", "disease", "Ph-B-ALL", ["eligible-disease", "fda-population"]),
    ("e1910-mrd-threshold", "MRD-negative means", "<0.01%", ["mrd-threshold"]),
    ("e1910-mrd-threshold", "MRD assessed", "after induction chemotherapy", ["mrd-timing", "fda-timing"]),
    ("e1910-randomisation", "patients randomised", "224", ["randomised"]),
    ("e1910-randomisation", "per arm", "112", ["randomised-blinatumomab", "fda-randomised-blinatumomab"]),
    ("e1910-arms", "blinatumomab cycles added", "four", ["blinatumomab-cycles"]),
    ("e1910-median-os", "median OS, blinatumomab", "not reached", ["ash-median-os-blinatumomab"]),
    ("e1910-median-os", "median OS, chemotherapy", "71.4 months", ["ash-median-os-chemotherapy"]),
    ("e1910-follow-up", "median follow-up", "43 months", ["ash-follow-up", "follow-up", "fda-later-follow-up"]),
    (None, "hazard ratio for death (not in the commentary)", "", ["ash-os-hr", "nejm-os-hr",
                                                                  "fda-os-hr", "fda-os5-hr"]),
]


def report_table(claims: ClaimsRegistry, trial: Trial):
    """Which report prints each of the commentary's E1910 figures (a DataFrame for display).

    One row per figure of the commentary, one column per report; a cell holds what that report
    prints (with its analysis when it is not the main one) or a dash. The cited abstract's column
    says that its text could not be read. Raises ``ValueError`` if a row's commentary words are
    not in its claim's quote (so the table cannot drift from the claims file).
    """
    import pandas as pd

    rows = []
    for claim_id, quantity, words, ids in REPORT_TABLE:
        if claim_id is not None:
            quote = claims.get(claim_id).quote
            if words not in quote:
                raise ValueError(f"report table: {words!r} is not in the quote of {claim_id!r}")
        row = {"quantity": quantity, "commentary": words or "–"}
        for key, rep in trial.reports.items():
            if not rep.read:
                row[rep.label + " (cited)"] = "text not read"
                continue
            cell = [trial.figure(i) for i in ids if trial.figure(i).report == key]
            main = next(iter(trial.cuts), "")
            row[rep.label] = "; ".join(f.printed + (f" ({trial.cuts[f.cut].label.split(' (')[0]})"
                                                    if f.cut and f.cut != main
                                                    else "") for f in cell) or "–"
        rows.append(row)
    return pd.DataFrame(rows)


def wording_html(result: ClaimResult, errata_page: str = "../errata.html") -> str:
    """The wording problems of a claim (``extra["wording"]``) as an HTML list linking the errata;
    every string escaped by markupsafe (the package's one escaping path)."""
    from markupsafe import Markup

    items = result.extra.get("wording", [])
    if not items:
        return ""
    lis = Markup("").join(
        Markup('<li>“{}” — the source has “{}” ({}); see <a href="{}#erratum-{}">the erratum</a>.</li>').format(
            w["commentary"], w["source"], w["where"], errata_page, w["erratum"]) for w in items)
    return str(Markup('<div class="wording"><p><strong>Wording (does not change the verdict):</strong></p>'
                      '<ul>{}</ul></div>').format(lis))
