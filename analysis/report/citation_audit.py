"""The citation audit: one row per reference of the commentary, computed from the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.claims.rules import reference_finding as work_finding
from analysis.inputs.cited_works import CitedWork
from analysis.inputs.files import normalise_text


@dataclass(frozen=True)
class AuditRow:
    number: int
    bibkey: str
    as_cited: str
    read: str
    reports: str
    location: str
    claims: tuple[dict, ...]
    errata: tuple[dict, ...]
    notes: tuple[dict, ...]


def citation_audit(ledger: dict, works: dict[str, CitedWork], errata) -> list[AuditRow]:
    """One row per reference: what the claims citing it say, what it reports, its verdict, and
    its bibliographic errors (``reference-details`` errata whose quoted text lies in the
    reference as printed) and attribution notes (other errata naming the work as a source).

    ``ledger`` is :func:`analysis.report.ledger.build_ledger`'s document; ``errata`` the list from
    :func:`analysis.inputs.errata.load_errata`.
    """
    rows = []
    for work in sorted(works.values(), key=lambda w: w.number):
        citing = tuple({"id": c["id"], "quote": c["quote"], "citation": c["citation"], "verdict": c["verdict"],
                        "this_work": work_finding(work, c["id"], c["citation"]),
                        "reason": c["citation_reason"] or c["reason"], "page": c["page"]}
                       for c in ledger["claims"] if work.bibkey in c["references"])
        reference = normalise_text(work.as_cited_text)
        bib_errors, notes = [], []
        for e in errata:
            if e.kind == "reference-details" and normalise_text(e.commentary) in reference:
                bib_errors.append({"id": e.id, "problem": e.problem})
            elif e.kind != "reference-details" and any(s.get("bibkey") == work.bibkey for s in e.sources):
                notes.append({"id": e.id, "kind": e.kind, "problem": e.problem})
        rows.append(AuditRow(number=work.number, bibkey=work.bibkey, as_cited=work.as_cited_text, read=work.read,
                             reports=work.reports, location=work.location, claims=citing,
                             errata=tuple(bib_errors), notes=tuple(notes)))
    return rows
