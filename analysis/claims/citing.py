"""The usual end of a trial-claim evaluator: verdict, citation and reason from the rulebook."""

from __future__ import annotations

from analysis.claims import rules
from analysis.claims.result import ClaimResult
from analysis.inputs.files import Claim
from analysis.inputs.trials import Trial


def departures(checks) -> str:
    """The reason's sentence naming each counted check that does not agree, with what was found:
    'Departs: a (found). Disagrees: b (found). '."""
    out = []
    for outcome, word in (("departs", "Departs"), ("disagrees", "Disagrees")):
        named = [f"{c.label} ({c.found})" for c in checks if c.counted and c.outcome == outcome]
        if named:
            out.append(f"{word}: " + "; ".join(named) + ".")
    return " ".join(out) + " " if out else ""


def trial_result(claim: Claim, trial: Trial, checks, cited_figures: list[str], reasons: dict[str, str] | str,
                 *, takeaway: str = "", deciding=None, extra_rules: tuple[str, ...] = (), **fields) -> ClaimResult:
    """The verdict from the checks (``combine-checks``), the citation from the cited report
    (``citation-reports``) and the reason: the evaluator's own sentence for the verdict reached
    (``reasons`` maps verdict -> sentence; a plain string is the 'consistent' sentence), otherwise
    the checks that depart or disagree."""
    verdict = rules.verdict_from_checks(checks)
    citation, citation_reason = rules.citation_from_reports(claim, trial, cited_figures)
    own = {"consistent": reasons} if isinstance(reasons, str) else reasons
    reason = (own.get(verdict) or departures(checks) or "No check could be made. ") + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       citation_reason=citation_reason, takeaway=takeaway, deciding=deciding,
                       rules=rules.rules_used(checks, "combine-checks", "citation-reports", *extra_rules), **fields)
