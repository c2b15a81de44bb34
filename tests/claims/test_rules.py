"""The verdict rulebook: each rule on both sides of each threshold, and the registry the rules page renders."""

import pytest

from analysis.claims import rules
from analysis.claims.result import Check
from analysis.inputs.cited_works import load_cited_works


def made(outcome, informative=True, role="decides"):
    return Check("c", "r", "f", None, outcome=outcome, informative=informative, role=role,
                 uninformative_reason=None if informative else "cannot fail", rule="rounding")


# ----------------------------------------------------------------------------- registry
def test_every_rule_is_documented_with_a_reference_and_an_anchor():
    assert len(rules.RULES) >= 15
    for r in rules.RULES.values():
        assert r.title and r.decides and len(r.reference) > 20, r.id
        assert r.anchor == f"rule-{r.id}" and r.function.rule_id == r.id


def test_a_rule_id_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        rules.rule("rounding", title="t", decides="d", reference="r")(lambda: None)


def test_rules_used_rejects_an_unknown_rule():
    assert rules.rules_used([made("agrees")], "combine-checks") == ("rounding", "combine-checks")
    with pytest.raises(ValueError, match="unknown rule id"):
        rules.rules_used([], "no-such-rule")


# ----------------------------------------------------------------------------- informativeness
def test_a_ci_of_exactly_fifty_points_is_informative_and_one_wider_is_not():
    assert rules.ci_informative(0.20, 0.70) == (True, None)
    informative, why = rules.ci_informative(0.002, 0.978)
    assert not informative and why.startswith("95% CI spans 97.6 points (wider than 50)")
    assert rules.ci_informative(0.20, 0.7001)[0] is False


def test_grim_cannot_fail_for_whole_percentages_from_n_100():
    assert rules.granularity_informative(0, 99) == (True, None)
    informative, why = rules.granularity_informative(0, 100)
    assert not informative and "n = 100" in why
    assert rules.granularity_informative(1, 999)[0] and not rules.granularity_informative(1, 1000)[0]


# ----------------------------------------------------------------------------- numbers
def test_rounding_and_exact_value_use_the_printed_rounding_interval():
    assert rules.rounding(0.5449, "54%").outcome == "agrees"
    assert rules.rounding(0.5451, "54%").outcome == "disagrees"
    assert rules.exact_value(224, "224").outcome == "agrees"
    assert rules.exact_value(225, "224").outcome == "disagrees"


@pytest.mark.parametrize("estimate, ci, outcome, position", [
    (0.25, (0.20, 0.30), "agrees", "inside"),
    (0.195, (0.15, 0.25), "agrees", "inside"),        # the lower rounding edge of "20%" is in
    (0.194, (0.15, 0.25), "departs", "below"),
    (0.416, (0.240, 0.617), "departs", "above"),      # first salvage: above, CI reaches the range
    (0.416, (0.310, 0.530), "disagrees", "above"),    # the same estimate, a CI wholly above 30.5%
    (0.10, (0.05, 0.194), "disagrees", "below"),
    (0.10, (0.05, 0.195), "departs", "below"),        # the CI touches the lower edge
])
def test_range_rule_on_both_sides_of_each_edge(estimate, ci, outcome, position):
    j = rules.estimate_in_range(estimate, ci, "20%-30%")
    assert (j.outcome, j.position, j.informative) == (outcome, position, True)


def test_range_rule_marks_a_wide_ci_uninformative_but_keeps_its_outcome():
    j = rules.estimate_in_range(0.246, (0.002, 0.978), "20%-30%")
    assert (j.outcome, j.informative) == ("agrees", False)
    assert "97.6 points" in j.uninformative_reason


@pytest.mark.parametrize("estimate, ci, outcome", [
    (0.012, (0.006, 0.02), "agrees"),
    (0.0149, (0.01, 0.03), "agrees"),
    (0.023, (0.013, 0.042), "departs"),    # the TRM pool: 2.3 times 1%, CI reaches 1.5%
    (0.023, (0.0151, 0.042), "disagrees"), # the same estimate with a CI clearing the rounding interval
    (0.004, (0.001, 0.0049), "disagrees"),
    (0.004, (0.001, 0.006), "departs"),
])
def test_around_reads_a_round_number_as_its_rounding_interval(estimate, ci, outcome):
    assert rules.estimate_around(estimate, ci, "1%").outcome == outcome


def test_claimed_interval_uses_the_rounding_of_each_end():
    assert rules.claimed_interval("50%-65%") == pytest.approx((0.495, 0.655))
    with pytest.raises(ValueError, match="not a printed range"):
        rules.claimed_interval("54%")


@pytest.mark.parametrize("low, high, outcome", [
    (0.60, 0.60, "agrees"), (0.655, 0.655, "agrees"), (0.66, 0.66, "disagrees"),
    (0.30, 0.60, "agrees"),      # shares 10.5 of the 16 points: more than half the narrower range
    (0.30, 0.55, "disagrees"),   # shares 5.5 of 16: touching is not agreement
    (0.30, 0.575, "agrees"),     # shares exactly 8 of 16 = half
])
def test_published_range_needs_half_of_the_narrower_range(low, high, outcome):
    assert rules.published_in_range(low, high, (0.495, 0.655)).outcome == outcome


def test_statement_rule():
    assert rules.statement(True).outcome == "agrees"
    assert rules.statement(True, "timing: leaves out intensification").outcome == "departs"
    assert rules.statement(False, "anything").outcome == "disagrees"


def test_consistency_rules():
    assert rules.p_value_fits(0.002, 0.003, "0.003").outcome == "agrees"
    assert rules.p_value_fits(0.0036, 0.004, "0.003").outcome == "disagrees"
    assert rules.median_fits_landmark(True, 0.99).outcome == "agrees"
    assert rules.median_fits_landmark(True, 1.01).outcome == "disagrees"
    assert rules.median_fits_landmark(False, 0.5).outcome == "disagrees"
    assert rules.attainable(True, 0, 21).informative and not rules.attainable(True, 0, 112).informative


# ----------------------------------------------------------------------------- combining
def test_verdict_from_checks_counts_only_informative_deciding_checks():
    assert rules.verdict_from_checks([made("agrees"), made("agrees")]) == "consistent"
    assert rules.verdict_from_checks([made("agrees")], recomputed_from_primary=True) == "reproduced"
    assert rules.verdict_from_checks([made("agrees"), made("departs")]) == "imprecise"
    assert rules.verdict_from_checks([made("departs"), made("disagrees")]) == "discrepant"
    # disagreement in a check that cannot fail, or in context, is never counted
    assert rules.verdict_from_checks([made("agrees"), made("disagrees", informative=False)]) == "consistent"
    assert rules.verdict_from_checks([made("agrees"), made("disagrees", role="context")]) == "consistent"
    # checks that cannot fail never make a claim consistent
    assert rules.verdict_from_checks([made("agrees", informative=False)]) == "not-reproducible"
    assert rules.verdict_from_checks([Check("c", "r", "f", None,
                                            uninformative_reason="not made")]) == "not-reproducible"


def J(outcome, informative=True):
    return rules.Judgement(outcome, "range", informative, None if informative else "wide")


def test_verdict_across_settings():
    assert rules.verdict_across_settings({"a": J("agrees"), "b": J("agrees"),
                                          "c": J("disagrees", False)}) == "consistent"
    assert rules.verdict_across_settings({"a": J("agrees"), "b": J("disagrees")}) == "imprecise"
    assert rules.verdict_across_settings({"a": J("departs"), "b": J("agrees", False)}) == "imprecise"
    assert rules.verdict_across_settings({"a": J("disagrees"), "b": J("agrees", False)}) == "discrepant"
    assert rules.verdict_across_settings({"a": J("agrees", False)}) == "not-reproducible"


def test_pooled_meta_verdict():
    assert rules.pooled_meta_verdict([made("agrees")]) == "not-reproducible"
    assert rules.pooled_meta_verdict([made("agrees"), made("disagrees")]) == "discrepant"
    assert rules.pooled_meta_verdict([made("disagrees", informative=False)]) == "not-reproducible"


# ----------------------------------------------------------------------------- citation
def _work(key, **changes):
    work = load_cited_works()[key]
    return type(work)(**{**work.__dict__, **changes})


def test_citation_from_works_on_each_branch():
    works = load_cited_works()
    citation, reason = rules.citation_from_works("relapse-adults", ("Hunger2012", "Qian2014"), works)
    assert citation == "unverifiable" and reason.startswith("[1] read, does not print it; [2] not found.")
    assert rules.citation_from_works("trm-immunotherapy", ("Hoelzer2024",), works)[0] == "supported"
    assert rules.citation_from_works("relapse-adults", ("Hunger2012",), works)[0] == "not-supported"
    printing = dict(works, Qian2014=_work("Qian2014", found=True, read="abstract",
                                          carries={"relapse-adults": {"prints": True, "why": "says so"}}))
    assert rules.citation_from_works("relapse-adults", ("Hunger2012", "Qian2014"), printing)[0] == "partly-supported"
    assert rules.citation_from_works("relapse-adults", ("Qian2014",), printing)[0] == "supported"
    with pytest.raises(ValueError, match="not listed"):
        rules.citation_from_works("relapse-adults", ("Nobody2020",), works)


def test_reference_finding():
    hunger = load_cited_works()["Hunger2012"]
    assert rules.reference_finding(hunger, "relapse-adults", "unverifiable") == "not-supported"
    assert rules.reference_finding(_work("Hunger2012", read="record-only"), "relapse-adults",
                                   "supported") == "unverifiable"
    assert rules.reference_finding(hunger, "meta-scope", "pending") == "pending"
    assert rules.reference_finding(hunger, "meta-scope", "supported") == "supported"
