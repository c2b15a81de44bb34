"""The claims ledger: every claim's two verdicts, as a JSON document and as a text table.

The JSON schema follows the design README::

    {"source": {"doi": ..., "citation": ...},
     "claims": [{"id", "quote", "section", "references", "reported", "reproduced",
                 "citation", "verdict", "reason", "citation_reason", "checks",
                 "expected": {"citation", "verdict"}, "page"}]}

``ledger_json`` is byte-deterministic for the same inputs (sorted keys, fixed float rounding,
no timestamps), so two clean builds publish identical files.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from analysis.claims.result import ClaimResult
from analysis.inputs.files import Claim, ClaimsRegistry
from analysis.version import REPORT_VERSION

SITE_PREFIX = "book/"  # pages live under book/ in the site, as in the source tree


def page_url(claim: Claim) -> str:
    """The claim's permalink inside the site: 'book/claims/e1910.html#e1910-randomisation'."""
    return f"{SITE_PREFIX}{claim.page}.html#{claim.id}"


def _round_floats(value, digits: int = 10):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round_floats(v, digits) for v in value]
    return value


def build_ledger(results: Iterable[ClaimResult], claims: ClaimsRegistry) -> dict:
    """Assemble the ledger document from the results and the registry (reading order)."""
    by_id = {r.id: r for r in results}
    rows = []
    for claim in claims:
        result = by_id.get(claim.id) or ClaimResult.pending(claim.id)
        rows.append({
            "id": claim.id,
            "quote": claim.quote,
            "section": claim.section,
            "references": list(claim.references),
            "reported": list(claim.reported),
            "reproduced": [r.to_dict() for r in result.reproduced],
            "citation": result.citation,
            "verdict": result.verdict,
            "reason": result.reason,
            "citation_reason": result.citation_reason,
            "checks": [c.to_dict() for c in result.checks],
            "takeaway": result.takeaway,
            "deciding": result.deciding.to_dict() if result.deciding is not None else None,
            "rules": list(result.rules),
            "expected": {"citation": claim.expected_citation, "verdict": claim.expected_verdict},
            "page": page_url(claim),
        })
    source = {k: claims.source[k] for k in ("citation", "doi", "bibkey", "licence") if k in claims.source}
    return _round_floats({"source": source, "version": REPORT_VERSION, "claims": rows})


def ledger_json(ledger: dict) -> str:
    """The ledger as canonical JSON text (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(ledger, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def ledger_csv(ledger: dict) -> str:
    """The ledger as CSV, one row per claim (lists joined with ' | '), for spreadsheets."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "section", "quote", "references", "reported", "reproduced", "citation", "verdict",
                     "expected_citation", "expected_verdict", "reason", "page"])
    for row in ledger["claims"]:
        writer.writerow([row["id"], row["section"], row["quote"], " | ".join(row["references"]),
                         " | ".join(row["reported"]), " | ".join(r["text"] for r in row["reproduced"]),
                         row["citation"], row["verdict"], row["expected"]["citation"], row["expected"]["verdict"],
                         row["reason"], row["page"]])
    return buffer.getvalue()


CHECK_COLUMNS = ["claim", "citation", "verdict", "check", "reported", "found", "outcome", "informative",
                 "uninformative_reason", "counted", "role", "rule", "ci_low", "ci_high", "source"]


def ledger_checks_csv(ledger: dict) -> str:
    """Every check of every claim as CSV, one row per check (statcheck: one row per result), with
    whether it could fail (``informative``), why not, and whether the claim's rule counted it."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHECK_COLUMNS)
    for row in ledger["claims"]:
        for c in row["checks"]:
            counted = c["outcome"] is not None and c["informative"] and c["role"] == "decides"
            ci = c.get("ci") or [None, None]
            writer.writerow([row["id"], row["citation"], row["verdict"], c["label"], c["reported"], c["found"],
                             c["outcome"] or "", str(c["informative"]).lower(), c["uninformative_reason"] or "",
                             str(counted).lower(), c["role"], c["rule"],
                             "" if ci[0] is None else f"{ci[0]:.6f}", "" if ci[1] is None else f"{ci[1]:.6f}",
                             c["source"]])
    return buffer.getvalue()


def drift(ledger: dict) -> list[str]:
    """One line per claim whose verdicts differ from ``expected`` in data/claims.yaml."""
    out = []
    for row in ledger["claims"]:
        exp = row["expected"]
        for axis in ("citation", "verdict"):
            if row[axis] != exp[axis]:
                out.append(f"{row['id']}: {axis} is {row[axis]!r} but data/claims.yaml expects {exp[axis]!r} "
                           f"— {row['reason']}")
    return out


def ledger_table(ledger: dict, width: int = 100) -> str:
    """A plain-text table of the ledger for the terminal."""
    header = f"{'claim':<24} {'citation':<17} {'verdict':<17} reported -> reproduced"
    lines = [header, "-" * len(header)]
    for row in ledger["claims"]:
        reported = ", ".join(row["reported"]) or "(statement)"
        reproduced = "; ".join(r["text"] for r in row["reproduced"]) or "-"
        expected = (row["expected"]["citation"], row["expected"]["verdict"])
        flag = "" if (row["citation"], row["verdict"]) == expected else "  << DRIFT"
        first = f"{row['id']:<24} {row['citation']:<17} {row['verdict']:<17} {reported} -> {reproduced}{flag}"
        lines.extend(textwrap.wrap(first, width=width, subsequent_indent=" " * 60) or [first])
    counts: dict[str, int] = {}
    for row in ledger["claims"]:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    lines.append("-" * len(header))
    lines.append(f"{len(ledger['claims'])} claims: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return "\n".join(lines)
