"""The citation audit: one row per reference of the commentary, computed from the ledger."""

from __future__ import annotations

from dataclasses import dataclass


from analysis.inputs.files import normalise_text
from analysis.inputs.cited_works import CitedWork
from analysis.claims.rules import reference_finding as work_finding


AUDIT_RULE = (
    "A reference that was not found, or whose text was not read, is 'unverifiable'. Otherwise its "
    "verdict comes from what this work contributes to each claim citing it, pending ones left aside: "
    "for the background claims, whether the part read prints the claim's figure (supported or "
    "not-supported, even when the claim as a whole is unverifiable because another cited work could not "
    "be read); for other claims, the claim's citation verdict. All supported -> supported; none "
    "supported or partly supported -> not-supported (unverifiable if all of them are unverifiable); any "
    "other mixture -> partly-supported; no claim evaluated yet -> pending."
)


def audit_verdict(work: CitedWork, citations: list[str]) -> str:
    """The verdict of one reference from the citation verdicts of the claims citing it."""
    if not work.text_read:
        return "unverifiable"
    judged = [c for c in citations if c != "pending"]
    if not judged:
        return "pending"
    if all(c == "supported" for c in judged):
        return "supported"
    if all(c == "unverifiable" for c in judged):
        return "unverifiable"
    if not any(c in ("supported", "partly-supported") for c in judged):
        return "not-supported"
    return "partly-supported"


@dataclass(frozen=True)
class AuditRow:
    number: int
    bibkey: str
    as_cited: str
    read: str
    reports: str
    location: str
    claims: tuple[dict, ...]
    verdict: str
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
                             verdict=audit_verdict(work, [c["this_work"] for c in citing]),
                             errata=tuple(bib_errors), notes=tuple(notes)))
    return rows
