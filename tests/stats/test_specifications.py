"""analysis.stats.specifications: the YAML of study sets and scenarios, the variant columns, the rules.

Each rule is shown on both sides: the data as it is passes, one broken input fails with the
one-line message (file:line: field: problem)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import replace_in

from analysis.inputs.files import DataError, DataErrors
from analysis.stats.specifications import (
    MAIN_SCOPE,
    Specifications,
    _choose,
    load_candidates,
    load_specifications,
    selection,
)

SPEC = "meta_analysis/specifications.yaml"
VAR = "meta_analysis/outcome_variants.csv"


def test_the_data_loads():
    spec = load_specifications()
    assert isinstance(spec, Specifications)
    assert [s.key for s in spec.study_sets["cr"]] == ["pivotal", "pivotal-adult", "prospective", "adult", "identified",
                                                      "identified-2023"]
    assert [s.key for s in spec.scenarios["mrd"]] == ["reported", "itt"]
    assert spec.primary.model_dump() == {"set": "identified", "scenario": "reported", "transform": "logit",
                                         "method": "REML", "ci": "hk"}
    load_candidates()


def _error(data_copy, exc=(DataError, DataErrors)) -> str:
    with pytest.raises(exc) as info:
        load_specifications(data_copy)
    return str(info.value)


@pytest.mark.parametrize("old, new, message", [
    ("      where: {prospective: [true], setting: [rr-active], year: {max: 2017}}\n    - key: pivotal-adult",
     "      where: {prospective: [\"true\"], setting: [rr-active], year: {max: 2017}}\n    - key: pivotal-adult",
     "specifications.yaml:41: study_sets.cr[0].where.prospective: 'true' is not a value of studies.csv prospective"),
    ("setting: [rr-active, mixed], year: {max: cutoff_year}}\n    - key: identified-2023",
     "setting: [rr-active, mixd], year: {max: cutoff_year}}\n    - key: identified-2023",
     "study_sets.cr[4].where.setting: 'mixd' is not a value of studies.csv setting"),
    ("population: [adult], setting: [rr-active]", "populations: [adult], setting: [rr-active]",
     "study_sets.cr[3].where.populations: unknown condition"),
    ("cutoff_year: 2022", "cutoff_year: \"2022\"",
     "specifications.yaml:25: cutoff_year: Input should be a valid integer"),
    ("      pick: fewest\n      otherwise: primary", "      pick: fewest\n      otherwise: primary\n      fallback: x",
     "scenarios.cr[1].fallback: Extra inputs are not permitted"),
    ("      pick: preferred", "      pick: best", "scenarios.mrd[1].pick: Input should be"),
    ("among: {response: [CR/CRh],", "among: {response: [CRh],", "scenarios.cr[2].among.response: 'CRh' is not a value"),
    ("  set: identified\n", "  set: everything\n", "primary.set: unknown cr study set 'everything'"),
    ("glmm_sets: [pivotal, identified]", "glmm_sets: [pivotal, all]", "glmm_sets: unknown study set 'all'"),
    ("      otherwise: omit\n", "", "scenarios.mrd[1].otherwise: say what happens when no count matches"),
    ("      scopes: [rr, mrd-positive, consolidation]\n", "",
     "setting 'mrd-positive' has scope 'mrd-positive', which the set does not pool"),
])
def test_a_broken_specification_fails_with_one_line(data_copy, old, new, message):
    replace_in(data_copy / SPEC, old, new)
    assert message in _error(data_copy)


def test_a_duplicate_key_is_an_error(data_copy):
    replace_in(data_copy / SPEC, "    - key: pivotal-adult\n", "    - key: pivotal\n")
    assert "study_sets.cr[1].key: duplicate key 'pivotal'" in _error(data_copy)


def test_a_missing_file_is_an_error(data_copy):
    (data_copy / SPEC).unlink()
    assert "specifications.yaml: file: not found" in _error(data_copy)


@pytest.mark.parametrize("old, new, message", [
    # a second primary row for MT103-211's CR (rows 5 and 6 of the file)
    ("topp2015-mt103-211,cr,false,CR,treated,rr,whole,false,CR within 2 cycles,63,",
     "topp2015-mt103-211,cr,true,CR,treated,rr,whole,false,CR within 2 cycles,63,",
     "row 6 (line 7): primary: second primary row for topp2015-mt103-211 cr rr (the first is row 5 (line 6))"),
    # a hypothetical row marked primary
    ("topp2014-mt103-206,mrd,false,MRD,responders-assessed,rr,whole,true,",
     "topp2014-mt103-206,mrd,true,MRD,responders-assessed,rr,whole,true,",
     "row 4 (line 5): primary: a hypothetical count cannot be primary"),
    # an MRD row with a CR response
    ("martinelli2017-alcantara,mrd,true,MRD,", "martinelli2017-alcantara,mrd,true,CR,",
     "response: 'CR' with outcome 'mrd'"),
    # the primary row no longer primary: studies.csv's primary count has no row
    ("martinelli2017-alcantara,mrd,true,MRD,", "martinelli2017-alcantara,mrd,false,MRD,",
     "martinelli2017-alcantara has a primary mrd count 14/16 but outcome_variants.csv has no primary mrd row"),
])
def test_a_broken_variant_table_fails_with_one_line(data_copy, old, new, message):
    replace_in(data_copy / VAR, old, new)
    with pytest.raises((DataError, DataErrors), match=None) as info:
        load_candidates(data_copy)
    assert message in str(info.value)


def test_every_setting_has_a_scope():
    from analysis.inputs.tables import STUDIES
    allowed = {v for c in STUDIES.schema.columns["setting"].checks
               for v in (getattr(c, "statistics", None) or {}).get("allowed_values", [])} - {""}
    assert allowed == set(MAIN_SCOPE)


def _g(**kw):
    base = {"definition": "d", "events": 1, "total": 10, "derived": False, "location": "x", "primary": False,
            "response": "CR", "denominator": "treated", "cohort": "whole", "scope": "rr", "candidates": (1,)}
    return {**base, **kw}


def _scenario(**kw):
    from analysis.stats.specifications import Scenario
    return Scenario(key="s", label="s", description="s", **kw)


def test_pick_rules_on_both_sides():
    p = _g(primary=True, events=5, candidates=(5,), definition="p")
    a = _g(events=3, candidates=(3,), definition="a")
    b = _g(events=7, candidates=(7,), definition="b", denominator="randomised")
    fewest = _scenario(pick="fewest", among={"same_as_primary": ["denominator"]}, otherwise="primary")
    assert _choose([p, a, b], fewest, "x")[0] is a                 # b has another denominator
    most = _scenario(pick="most", among={}, otherwise="primary")
    assert _choose([p, a, b], most, "x")[0] is b
    only = _scenario(pick="only", among={"response": ["CR/CRh"]}, otherwise="primary")
    assert _choose([p, a], only, "x") == (p, "primary (no count matches the scenario)")
    omit = _scenario(pick="only", among={"response": ["CR/CRh"]}, otherwise="omit")
    assert _choose([p, a], omit, "x") == (None, "no count matches the scenario")
    pref = _scenario(pick="preferred", among={}, prefer_denominator=["randomised", "treated"], otherwise="omit")
    assert _choose([p, a, b], pref, "x")[0] is b
    tie = _scenario(pick="most", among={}, prefer_denominator=["treated"], otherwise="primary")
    c = _g(events=7, candidates=(7,), definition="c")
    assert _choose([b, c], tie, "x")[0] is c                       # equal events: the preferred denominator
    with pytest.raises(ValueError, match="2 counts the rule cannot tell apart"):
        _choose([b, _g(events=7, candidates=(7,), definition="e", denominator="randomised")], tie, "x")
    assert _choose([a, b], _scenario(pick="primary"), "x") == (None, "no primary count")


def test_a_study_outside_the_sets_scopes_is_an_error(data_copy):
    replace_in(data_copy / "meta_analysis" / "studies.csv", "rct-arm,true,adult,negative,rr-active,271",
               "rct-arm,true,adult,negative,mrd-positive,271")
    replace_in(data_copy / VAR, "kantarjian2017-tower,cr,true,CR/CRh,randomised,rr,",
               "kantarjian2017-tower,cr,true,CR/CRh,randomised,mrd-positive,")
    studies, variants = load_candidates(data_copy)
    sel = selection(studies, variants, "cr", "identified", "reported")
    assert "kantarjian2017-tower" not in set(sel.counts["study_id"])   # setting no longer matches the set
    spec = load_specifications(data_copy)
    broken = spec.model_copy(update={"study_sets": {**spec.study_sets, "cr": [
        spec.study_sets["cr"][0].model_copy(update={"where": {"year": spec.study_sets["cr"][0].where["year"]}})]}})
    with pytest.raises(DataError, match="its scope is not pooled"):
        selection(studies, variants, "cr", "pivotal", "reported", broken)


def test_omitted_studies_carry_the_reason():
    studies, variants = load_candidates()
    sel = selection(studies, variants, "mrd", "identified", "itt")
    reasons = {o.study_id: o.reason for o in sel.omitted}
    assert reasons["kantarjian2017-tower"] == "no count matches the scenario"
    assert set(sel.counts["rule"]) == {"preferred"}
    assert isinstance(sel.counts, pd.DataFrame)
