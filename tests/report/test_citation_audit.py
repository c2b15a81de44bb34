"""The citation audit: one row per reference, computed from the ledger."""

import pytest

from analysis.claims import evaluate
from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.errata import load_errata
from analysis.inputs.files import load_claims
from analysis.report.citation_audit import audit_verdict, citation_audit
from analysis.report.ledger import build_ledger

CLAIMS = load_claims()


@pytest.mark.parametrize("read, citations, expected", [
    ("abstract", ["supported", "supported", "pending"], "supported"),
    ("abstract", ["not-supported", "not-supported"], "not-supported"),
    ("abstract", ["supported", "not-supported"], "partly-supported"),
    ("abstract", ["unverifiable"], "unverifiable"),
    ("abstract", ["pending", "pending"], "pending"),
    ("nothing", ["supported"], "unverifiable"),
    ("record-only", ["pending"], "unverifiable"),
])
def test_audit_verdict_rule(read, citations, expected):
    work = next(iter(load_cited_works().values()))
    work = type(work)(**{**work.__dict__, "read": read, "found": read != "nothing"})
    assert audit_verdict(work, citations) == expected


def test_citation_audit_covers_all_six_references_from_the_ledger():
    ledger = build_ledger([evaluate(i) for i in CLAIMS.ids()], CLAIMS)
    rows = {r.bibkey: r for r in citation_audit(ledger, load_cited_works(), load_errata())}
    assert [r.number for r in sorted(rows.values(), key=lambda r: r.number)] == [1, 2, 3, 4, 5, 6]
    assert rows["Hunger2012"].verdict == "not-supported"     # read; prints none of the three figures
    assert rows["Qian2014"].verdict == "unverifiable"
    # the claims it is cited for are unverifiable as a whole ([2] not found), and the audit says so
    for c in rows["Qian2014"].claims:
        assert (c["citation"], c["this_work"]) == ("unverifiable", "unverifiable")
    for c in rows["Hunger2012"].claims:
        assert (c["citation"], c["this_work"]) == ("unverifiable", "not-supported")
    assert rows["Hoelzer2024"].verdict == "supported"
    assert rows["Litzow2022"].verdict == "unverifiable"
    assert {e["id"] for e in rows["Hunger2012"].errata} == {"ref1-truncated"}
    assert {e["id"] for e in rows["Qian2014"].errata} == {"ref2-not-found"}
    assert {e["id"] for e in rows["Hoelzer2024"].errata} == {"ref3-year"}
    assert {e["id"] for e in rows["Liu2023meta"].errata} == {"ref4-year"}
    assert rows["Gaballa2022"].errata == ()
    assert {c["id"] for c in rows["Hunger2012"].claims} == {"relapse-adults", "relapse-children", "reinduction-cr"}
    # claims of other groups keep whatever the ledger says; nothing is invented for them
    for row in rows.values():
        for c in row.claims:
            assert c["citation"] == next(x for x in ledger["claims"] if x["id"] == c["id"])["citation"]
