"""Values and tables of ``book/claims/relapse-burden.md``: published relapse figures against the
commentary's adult and paediatric ranges."""

from __future__ import annotations

import pandas as pd

from analysis.claims.rules import MIN_SHARED, claimed_interval
from analysis.stats.rounding import format_percent

PAGE = "relapse-burden"
USE_WORDS = {"check": "compared", "context": "context", "words": "words only"}


def _pct(x, d=1) -> str:
    return format_percent(x, d)


def page_values(claims, results, adults, children, works) -> dict:
    """Every number the page shows, from the two claims' results and the relapse tables."""
    adult_claim = claims.get("relapse-adults").reported[0]
    child_claim = claims.get("relapse-children").reported[0]
    adult_interval, child_interval = claimed_interval(adult_claim), claimed_interval(child_claim)
    ra, rc = results["relapse-adults"], results["relapse-children"]
    env_a, env_c = ra.extra["envelope"], rc.extra["envelope"]
    by_id = {f.row_id: f for f in adults + children}
    cog_new, cog_old = by_id["cog-1996-2014-relapse"], by_id["cog-1988-2002-relapse"]
    h1, h2 = by_id["hunger2012-5y-os-1990-94"], by_id["hunger2012-5y-os-2000-05"]
    return {
        "adult-claim": adult_claim, "child-claim": child_claim,
        "adult-interval": f"{_pct(adult_interval[0])} to {_pct(adult_interval[1])}",
        "child-interval": f"{_pct(child_interval[0])} to {_pct(child_interval[1])}",
        "adult-n": sum(f.use == "check" for f in adults),
        "child-n": sum(f.use == "check" for f in children),
        "adult-env": f"{_pct(env_a[0])} to {_pct(env_a[1])}",
        "child-env": f"{_pct(env_c[0])} to {_pct(env_c[1])}",
        "adult-words": sum(f.use == "words" for f in adults),
        "gimema": by_id["gimema-0288-relapse"].reported,
        "gimema-resistant": by_id["gimema-0288-resistant"].reported,
        "allhr11": _pct(by_id["pethema-all-hr-11-cir"].span.low, 0),
        "haplo": by_id["haplo-vs-chemo-hr-relapse"].reported,
        "cog-new": _pct(cog_new.recomputed), "cog-old": _pct(cog_old.recomputed),
        "cog-old-2": _pct(cog_old.recomputed, 2),
        "induction-failure": by_id["induction-failure-14-groups"].reported,
        "hunger-os": f"{h1.reported} to {h2.reported}",
        "hunger-deaths": _pct(h2.span.low),
        "n-checks-a": len(ra.checks), "n-checks-c": len(rc.checks),
        "n-agree-a": sum(c.agrees is True for c in ra.checks), "n-agree-c": sum(c.agrees is True for c in rc.checks),
        "ref1": works["Hunger2012"].number, "ref2": works["Qian2014"].number,
        "adult-coverage": _pct(ra.extra["coverage"], 0), "child-coverage": _pct(rc.extra["coverage"], 0),
        "esmo-cure": by_id["esmo-adult-cure"].reported,
        "min-shared": _pct(MIN_SHARED, 0),
    }


def figures_table(figures) -> pd.DataFrame:
    """The published figures of one age group, with how each is used and where it was read."""
    return pd.DataFrame([{"as printed": f.reported, "value drawn": f.drawn, "used as": USE_WORDS[f.use],
                          "what it measures": f.why, "source and where read": f.source} for f in figures])


def cited_works_table(works) -> pd.DataFrame:
    """What the two cited works contain (the part that could be read)."""
    from analysis.inputs.bibliography import short_label

    return pd.DataFrame([{"reference": f"[{w.number}] {short_label(w.bibkey)}", "found": "yes" if w.found else "no",
                          "read": w.read, "what the part read reports": w.reports or "—", "where": w.location}
                         for w in (works["Hunger2012"], works["Qian2014"])])
