"""Re-induction CR ("only 20%-30%"): pools by setting, judged by the range rule and combined across
settings; each broken input below flips the verdict."""

import math

import numpy as np
import pytest
from conftest import replace_in
from scipy import special, stats
from scipy.optimize import minimize_scalar

from analysis.claims import evaluate
from analysis.claims.reinduction_cr import reinduction_cr, salvage_evidence
from analysis.inputs.files import load_claims

CLAIMS = load_claims()
SALVAGE = ("background", "salvage_cr.csv")


def test_reinduction_is_imprecise_first_salvage_above_later_salvage_untestable():
    result = evaluate("reinduction-cr")
    assert (result.citation, result.verdict) == ("unverifiable", "imprecise")
    ev = salvage_evidence()
    assert {n: p.k for n, p in ev.pools.items()} == {"first": 4, "second-or-later": 2, "randomised": 2,
                                                     "cohort": 5, "all": 7}
    first = ev.pools["first"].shown
    assert first.estimate == pytest.approx(0.416, abs=0.001)
    assert (first.ci_low, first.ci_high) == pytest.approx((0.240, 0.617), abs=0.001)
    settings = result.extra["settings"]
    assert settings["first"] == {"outcome": "departs", "informative": True, "position": "above"}
    assert not settings["second-or-later"]["informative"] and not settings["randomised"]["informative"]
    assert result.extra["fits"] == ["second-or-later", "randomised"]          # by the pooled point estimate
    assert "fits second or later salvage and randomised control arms" in result.reason
    # the takeaway claims no fit a check cannot show: those two pools are inside only by their point estimates
    assert result.takeaway == ("Inside 20%-30% by point estimate only: second or later salvage and randomised control "
                               "arms (about 25%; too few series to test); first salvage (42%) is above.")
    assert "combine-settings" in result.rules and "informative-ci" in result.rules


def test_no_informative_check_rests_on_a_ci_wider_than_fifty_points():
    result = evaluate("reinduction-cr")
    for check, pool in zip(result.checks, salvage_evidence().pools.values(), strict=True):
        wide = pool.shown.ci_high - pool.shown.ci_low > 0.5
        assert check.informative is not wide, check.label
    assert [c.role for c in result.checks] == ["decides", "decides", "decides", "context", "context"]


def test_gmall_second_salvage_enters_only_its_own_pool_and_lala94_is_first_salvage():
    ev = salvage_evidence()
    holding = {n for n, p in ev.pools.items() if "gmall-second-salvage" in {s.row_id for s in p.series}}
    assert holding == {"second-or-later"}
    assert "lala94-first-relapse-cr2" in {s.row_id for s in ev.pools["first"].series}
    pooled = {s.row_id for p in ev.pools.values() for s in p.series}
    assert not any(i.startswith(("hist-", "review-")) for i in pooled)
    assert "pethema-first-relapse-intensive" not in pooled and "inovate-soc-cr-cri-primary" not in pooled
    assert not any(label.startswith(("hist-", "review-", "gmall-")) for label in ev.table["series"])


def test_reinduction_data_sensitivity_analyses():
    sens = salvage_evidence().data_sensitivity
    assert {s.row_id for s in sens["first"]["without GRAALL"].series} == {
        "gmall-first-salvage-after-chemo", "gmall-first-salvage-after-sct", "lala94-first-relapse-cr2"}
    assert "lala94-first-relapse-cr2" not in {s.row_id for s in sens["first"]["without LALA-94"].series}
    assert sens["randomised"]["CR only"] is None          # one series left: not pooled
    assert "CR only" not in sens["first"]                 # first salvage is CR only already


def test_second_salvage_pool_matches_an_independent_reml_hk_computation():
    """REML by direct maximisation of the restricted likelihood (scipy), HK by its formula."""
    x, n = np.array([27.0, 53.0]), np.array([82.0, 288.0])
    y, v = special.logit(x / n), 1 / x + 1 / (n - x)

    def restricted_nll(t2):
        w = 1 / (v + t2)
        mu = (w * y).sum() / w.sum()
        return 0.5 * (np.log(v + t2).sum() + np.log(w.sum()) + (w * (y - mu) ** 2).sum())

    t2 = minimize_scalar(restricted_nll, bounds=(0, 10), method="bounded", options={"xatol": 1e-10}).x
    w = 1 / (v + t2)
    mu = (w * y).sum() / w.sum()
    se = math.sqrt((w * (y - mu) ** 2).sum() / (len(y) - 1) / w.sum())
    crit = stats.t.ppf(0.975, len(y) - 1)
    pooled = salvage_evidence().pools["second-or-later"].shown
    assert pooled.tau2 == pytest.approx(t2, rel=1e-3)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((special.expit(mu - crit * se),
                                                             special.expit(mu + crit * se)), abs=1e-4)


def _set_first_salvage(data_copy, gmall, graall, lala, sct):
    path = data_copy.joinpath(*SALVAGE)
    replace_in(path, ",,224,42%,false,GMALL", f",{gmall},224,{round(100 * gmall / 224)}%,false,GMALL")
    replace_in(path, "8 best supportive care)\",121,229,53%",
               f"8 best supportive care)\",{graall},229,{round(100 * graall / 229)}%")
    replace_in(path, "48 died before any chemotherapy)\",187,421,44%",
               f"48 died before any chemotherapy)\",{lala},421,{round(100 * lala / 421)}%")
    replace_in(path, "GMALL salvage chemotherapy,11,48,23%",
               f"GMALL salvage chemotherapy,{sct},48,{round(100 * sct / 48)}%")


def test_first_salvage_inside_the_range_makes_the_claim_consistent(data_copy):
    _set_first_salvage(data_copy, gmall=56, graall=57, lala=105, sct=12)      # all about 25%
    result = reinduction_cr(CLAIMS, data_dir=data_copy)
    assert result.extra["settings"]["first"]["outcome"] == "agrees"
    assert result.verdict == "consistent"


def test_first_salvage_ci_wholly_above_the_range_keeps_it_imprecise_not_consistent(data_copy):
    _set_first_salvage(data_copy, gmall=150, graall=160, lala=290, sct=33)   # all about 70%
    result = reinduction_cr(CLAIMS, data_dir=data_copy)
    assert result.extra["settings"]["first"]["outcome"] == "disagrees"
    assert result.verdict == "discrepant"          # the only informative setting contradicts it


def test_informative_later_salvage_that_fits_and_first_that_departs_stays_imprecise(data_copy):
    # a third, larger later-salvage series narrows that pool's CI below 50 points
    path = data_copy.joinpath(*SALVAGE)
    row = path.read_text().splitlines()[8]        # mdacc-second-salvage
    assert row.startswith("mdacc-second-salvage,")
    path.write_text(path.read_text().rstrip("\n") + "\n" + row.replace("mdacc-second-salvage", "mdacc-third-copy", 1)
                    .replace(",53,288,18%", ",75,300,25%") + "\n")
    replace_in(data_copy / "background" / "selection.yaml", "  pethema-first-relapse-intensive:",
               "  mdacc-third-copy: {use: pool, label: \"copy\", why: \"test series\"}\n  "
               "pethema-first-relapse-intensive:")
    result = reinduction_cr(CLAIMS, data_dir=data_copy)
    assert result.extra["settings"]["second-or-later"] == {"outcome": "agrees",
                                                           "informative": True, "position": "inside"}
    assert result.verdict == "imprecise"
