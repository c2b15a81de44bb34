"""Properties every verdict of the ledger must have, whatever the data (issue 10's judging criteria)."""

import pytest

from analysis.claims import RULES, evaluate_all
from analysis.claims.rules import WIDE_CI


@pytest.fixture(scope="module")
def results():
    return evaluate_all()


def test_no_informative_check_rests_on_a_ci_wider_than_fifty_points(results):
    with_ci = [c for r in results for c in r.checks if c.ci is not None]
    assert len(with_ci) >= 10                       # the property is exercised, not vacuous
    for c in with_ci:
        if c.ci[1] - c.ci[0] > WIDE_CI:
            assert not c.informative and "points" in c.uninformative_reason, c.label
    assert any(not c.informative for c in with_ci)  # the two-series pools are caught


def test_every_check_says_whether_it_could_fail_and_which_rule_judged_it(results):
    for r in results:
        for c in r.checks:
            assert isinstance(c.informative, bool)
            assert c.informative or c.uninformative_reason, (r.id, c.label)
            assert c.rule in RULES, (r.id, c.label, c.rule)


def test_no_claim_is_consistent_or_reproduced_on_uninformative_checks_alone(results):
    for r in results:
        if r.verdict in ("consistent", "reproduced", "imprecise", "discrepant"):
            assert any(c.counted for c in r.checks), r.id


def test_every_claim_names_its_rules_takeaway_and_deciding_number(results):
    for r in results:
        assert r.rules and all(rid in RULES for rid in r.rules), r.id
        assert r.takeaway and len(r.takeaway) <= 160, r.id
        assert r.deciding is not None and r.deciding.text, r.id
