"""The introduction's answer: the summary of findings and the paragraph that reads it.

Everything is generated from the ledger (the same document ``python -m analysis verify``
writes), so the answer on the first screen of the site cannot disagree with the claim pages.
"""

from __future__ import annotations

from analysis.report.labels import claim_name

#: Verdicts and citation values that mean "holds" on each axis.
HOLDS_VERDICT = ("reproduced", "consistent")
HOLDS_CITATION = ("supported",)
#: Values that mean "does not hold" (a substantive disagreement, or a detail that departs).
FAILS_VERDICT = ("discrepant", "imprecise")
FAILS_CITATION = ("not-supported", "partly-supported")
#: Values that mean "could not be checked" on an axis, and why, in a reader's words.
UNCHECKABLE = {
    ("verdict", "not-reproducible"): "the primary data needed to recompute the number are not public",
    ("citation", "unverifiable"): "the cited source could not be read or could not be found",
}


def _names(rows) -> str:
    names = [claim_name(r["id"]) for r in rows]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _count(n: int, noun: str = "claim") -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary_paragraph(ledger: dict) -> dict[str, str]:
    """What holds, what does not, what cannot be checked and why: three sentences computed from
    the ledger (keys ``holds``, ``fails``, ``unchecked``, ``pending``), empty sentences omitted
    by the page through ``none`` wording."""
    rows = [r for r in ledger["claims"] if r["verdict"] != "pending"]
    total = len(ledger["claims"])
    holds = [r for r in rows if r["verdict"] in HOLDS_VERDICT and r["citation"] in HOLDS_CITATION]
    fails = [r for r in rows if r["verdict"] in FAILS_VERDICT or r["citation"] in FAILS_CITATION]
    out = {}
    out["holds"] = (f"{_count(len(holds))} of {total} {'holds' if len(holds) == 1 else 'hold'} on both axes — the "
                    f"cited source says it and the number agrees with the evidence: {_names(holds)}." if holds else
                    f"None of the {total} claims holds on both axes.")
    if fails:
        parts = []
        for r in fails:
            problems = [v for v in (r["verdict"], r["citation"]) if v in FAILS_VERDICT + FAILS_CITATION]
            parts.append(f"{claim_name(r['id'])} ({', '.join(problems)})")
        verb = "does" if len(fails) == 1 else "do"
        out["fails"] = f"{_count(len(fails))} {verb} not hold as written: " + "; ".join(parts) + "."
    else:
        out["fails"] = "No claim is contradicted by its sources."
    unchecked = []
    for (axis, value), why in UNCHECKABLE.items():
        hit = [r for r in rows if r[axis] == value]
        if hit:
            unchecked.append(f"for {_count(len(hit))} {why} ({_names(hit)})")
    joined = "; ".join(unchecked)
    out["unchecked"] = (joined[:1].upper() + joined[1:] + "." if unchecked
                        else "Every claim could be checked on both axes.")
    pending = [r for r in ledger["claims"] if r["verdict"] == "pending"]
    out["pending"] = (f"{_count(len(pending))} not analysed yet: {_names(pending)}." if pending
                      else "Every claim has been analysed.")
    return out


def page_values(ledger: dict, claims) -> dict:
    """Every value the introduction glues (besides the tables)."""
    from analysis.stats.rounding import format_percent, rounding_interval

    example = claims.get("meta-cr-rate").reported[0]
    low, high = rounding_interval(example)
    pending = sum(r["verdict"] == "pending" for r in ledger["claims"])
    values = {f"summary-{k}": v for k, v in summary_paragraph(ledger).items()}
    values.update({
        "n-claims": len(ledger["claims"]),
        "n-references": len({ref for c in claims for ref in c.references}),
        "n-pending": pending,
        "n-analysed": len(ledger["claims"]) - pending,
        "rounding-example": example,
        "rounding-low": format_percent(low, 1),
        "rounding-high": format_percent(high, 1),
    })
    return values
