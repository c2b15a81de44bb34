"""The citation axis for figures read from trial reports: does the *cited* report say it?"""

from __future__ import annotations

from analysis.inputs.files import Claim
from analysis.inputs.trials import Trial


def citation_axis(claim: Claim, trial: Trial, figure_ids: list[str]) -> tuple[str, str]:
    """Judge whether the report(s) the claim cites carry the figures it rests on.

    - ``supported``: a cited report whose text was read carries every figure;
    - ``partly-supported``: a cited, read report carries some of them;
    - ``not-supported``: the cited reports were read and carry none of them;
    - ``unverifiable``: no cited report could be read (the reason names the reports that do
      carry the figures, so the reader sees where the numbers really come from).

    Secondary reports (meeting news) never make a citation ``supported``.
    """
    cited = [r for r in trial.reports.values() if r.bibkey in claim.references and not r.secondary]
    figures = [trial.figure(f) for f in figure_ids]
    elsewhere = sorted({trial.reports[f.report].label for f in figures
                        if trial.reports[f.report].bibkey not in claim.references})
    read = [r for r in cited if r.read]
    if not cited:
        return "unverifiable", f"The trial file lists no report under the cited key(s) {', '.join(claim.references)}."
    if not read:
        names = "; ".join(r.label for r in cited)
        where = f" The figures are printed in: {'; '.join(elsewhere)}." if elsewhere else ""
        return "unverifiable", f"The cited source ({names}) could not be read.{where}"
    keys = {r.key for r in read}
    carried = [f for f in figures if f.report in keys]
    if len(carried) == len(figures):
        return "supported", "The cited report, as read, states everything the claim rests on."
    if carried:
        return "partly-supported", (f"The cited report prints {len(carried)} of the {len(figures)} figures; "
                                    f"the others are printed in: {'; '.join(elsewhere) or 'no report read'}.")
    return "not-supported", (f"The cited report was read and prints none of these figures; they are printed in: "
                             f"{'; '.join(elsewhere) or 'no report read'}.")


def trial_result(claim: Claim, trial: Trial, checks, cited_figures: list[str], consistent_reason: str,
                 **fields) -> "ClaimResult":  # noqa: F821 (imported below: result imports this module)
    """The usual end of a trial-claim evaluator: the verdict from the checks, the citation axis
    from the cited report, and the reason written out — the evaluator's own sentence when every
    check that could be made agrees, otherwise the checks that disagree."""
    from analysis.claims.result import ClaimResult, disagreement, verdict_from_checks

    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim, trial, cited_figures)
    reason = (consistent_reason if verdict == "consistent" else disagreement(checks)) + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       citation_reason=citation_reason, **fields)
