"""The citation audit: one row per reference, computed from the ledger."""


from analysis.claims import evaluate
from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.errata import load_errata
from analysis.inputs.files import load_claims
from analysis.report.citation_audit import citation_audit
from analysis.report.ledger import build_ledger

CLAIMS = load_claims()


def test_citation_audit_covers_all_six_references_from_the_ledger():
    ledger = build_ledger([evaluate(i) for i in CLAIMS.ids()], CLAIMS)
    rows = {r.bibkey: r for r in citation_audit(ledger, load_cited_works(), load_errata())}
    assert [r.number for r in sorted(rows.values(), key=lambda r: r.number)] == [1, 2, 3, 4, 5, 6]
    assert not hasattr(rows["Hunger2012"], "verdict")         # a reference has findings, never a second verdict
    # the claims it is cited for are unverifiable as a whole ([2] not found), and the audit says so
    for c in rows["Qian2014"].claims:
        assert (c["citation"], c["this_work"]) == ("unverifiable", "unverifiable")
    for c in rows["Hunger2012"].claims:
        assert (c["citation"], c["this_work"]) == ("unverifiable", "not-supported")
    assert [c["this_work"] for c in rows["Hoelzer2024"].claims] == ["supported"]
    assert {c["this_work"] for c in rows["Litzow2022"].claims} == {"unverifiable"}
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
