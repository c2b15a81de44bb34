"""The headline claim (analysis.claims.synthesis): loader errors, the coverage rule on each side
of each branch, the citation rule, and broken inputs that flip the verdict."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analysis.claims import synthesis as S  # noqa: E402
from analysis.inputs.files import DataError, DataErrors, load_claims  # noqa: E402


@pytest.fixture()
def data_copy(tmp_path):
    """A copy of data/synthesis the test may edit (the bibliography stays the repository's)."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "synthesis", target / "synthesis")
    return target


def edit(data_dir: Path, change) -> None:
    path = data_dir / "synthesis" / "stages.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def row(doc, row_id):
    return next(r for r in doc["evidence"] if r["id"] == row_id)


def verdict_of(data_dir: Path) -> str:
    return S.stage_coverage_verdict(S.coverage_cells(S.load_stages(data_dir))).verdict


# --------------------------------------------------------------------------- the repository's data

def test_repository_file_loads_and_gives_imprecise():
    stages = S.load_stages()
    cells = S.coverage_cells(stages)
    assert len(cells) == 10
    judged = S.stage_coverage_verdict(cells)
    assert judged.verdict == "imprecise"
    assert judged.uncovered_stages == () and judged.contrary == ()
    assert judged.weak == ("mrd-positive, children",)
    assert set(judged.empty) == {"consolidation-mrd-negative, children", "post-transplant, children"}
    # every stage has prospective evidence in adults
    assert all(c.status == "prospective" for c in cells if c.population == "adults")


def test_later_reports_do_not_count():
    stages = S.load_stages()
    cells = {c.label: c for c in S.coverage_cells(stages)}
    e1910 = cells["consolidation-mrd-negative, adults"]
    assert [r.id for r in e1910.by_date] == ["e1910-ash2022"] and [r.id for r in e1910.later] == ["e1910-nejm2024"]
    kids = cells["frontline, children"]
    assert "aall1731" in [r.id for r in kids.later] and kids.best_design == "single-arm"


def test_evaluator_result_matches_expected():
    from analysis.claims.registry import evaluate

    result = evaluate(S.CLAIM_ID)
    claim = load_claims().get(S.CLAIM_ID)
    assert (result.citation, result.verdict) == (claim.expected_citation, claim.expected_verdict)
    assert result.deciding.text == "7 of 10"
    assert len(result.checks) == 10
    assert [c.outcome for c in result.checks].count("agrees") == 7
    assert "children" in result.reason and "3 of the 5 stages" in result.citation_reason
    assert result.rules == (S.RULE_COVERAGE, S.RULE_CITATION)


# --------------------------------------------------------------------------- the rule, both sides

def _cell(stage, population, status):
    best = {"prospective": "single-arm", "retrospective": "retrospective"}.get(status)
    return S.Cell(stage, population, status, best, (), ())


def _grid(overrides=None):
    cells = {(s, p): "prospective" for s in ("a", "b") for p in S.POPULATIONS}
    cells.update(overrides or {})
    return [_cell(s, p, st) for (s, p), st in cells.items()]


def test_rule_consistent_when_every_cell_prospective():
    assert S.stage_coverage_verdict(_grid()).verdict == "consistent"


def test_rule_imprecise_when_one_cell_weak_or_empty():
    assert S.stage_coverage_verdict(_grid({("a", "children"): "retrospective"})).verdict == "imprecise"
    assert S.stage_coverage_verdict(_grid({("a", "children"): "none"})).verdict == "imprecise"


def test_rule_imprecise_when_a_stage_rests_on_retrospective_only():
    grid = _grid({("a", "adults"): "retrospective", ("a", "children"): "retrospective"})
    assert S.stage_coverage_verdict(grid).verdict == "imprecise"


def test_rule_discrepant_when_a_whole_stage_uncovered():
    grid = _grid({("a", "adults"): "none", ("a", "children"): "none"})
    judged = S.stage_coverage_verdict(grid)
    assert judged.verdict == "discrepant" and judged.uncovered_stages == ("a",)


def test_rule_discrepant_when_contrary():
    assert S.stage_coverage_verdict(_grid({("b", "adults"): "contrary"})).verdict == "discrepant"


def test_cell_status_branches():
    stages = S.load_stages()
    by_id = {r.id: r for r in stages.evidence}
    assert S.cell_status([by_id["tower"], by_id["badar2020"]]) == ("prospective", "randomised")
    assert S.cell_status([by_id["badar2020"]]) == ("retrospective", "retrospective")
    assert S.cell_status([]) == ("none", None)
    contrary = by_id["blast"].model_copy(update={"finding": "contrary"})
    assert S.cell_status([contrary])[0] == "contrary"
    assert S.cell_status([contrary, by_id["badar2020"]])[0] == "contrary"
    assert S.cell_status([contrary, by_id["tower"]])[0] == "prospective"


def test_citation_rule():
    stages = S.load_stages()
    assert S.citation_coverage(stages)[0] == "partly-supported"
    all_cited = S.Stages(stages.path, stages.cut_off,
                         tuple(s.model_copy(update={"commentary_cites": ["Liu2023meta"]}) for s in stages.stages),
                         stages.evidence)
    assert S.citation_coverage(all_cited)[0] == "supported"
    none_cited = S.Stages(stages.path, stages.cut_off,
                          tuple(s.model_copy(update={"commentary_cites": []}) for s in stages.stages), stages.evidence)
    assert S.citation_coverage(none_cited)[0] == "not-supported"


# --------------------------------------------------------------------------- broken inputs flip it

def test_dropping_the_adult_post_transplant_study_makes_it_discrepant(data_copy):
    edit(data_copy, lambda d: d["evidence"].remove(row(d, "gaballa2022")))
    assert verdict_of(data_copy) == "discrepant"


def test_a_paediatric_post_transplant_trial_alone_keeps_it_imprecise(data_copy):
    def add(d):
        new = dict(row(d, "gaballa2022"), id="kids-posthct", population="children")
        d["evidence"].append(new)
    edit(data_copy, add)
    stages = S.load_stages(data_copy)
    judged = S.stage_coverage_verdict(S.coverage_cells(stages))
    assert judged.verdict == "imprecise" and "post-transplant, children" not in judged.empty


def test_all_children_cells_filled_makes_it_consistent(data_copy):
    def add(d):
        for stage, rid in (("mrd-positive", "blast"), ("consolidation-mrd-negative", "e1910-ash2022"),
                           ("post-transplant", "gaballa2022")):
            d["evidence"].append(dict(row(d, rid), id=f"kids-{stage}", population="children"))
    edit(data_copy, add)
    assert verdict_of(data_copy) == "consistent"


def test_moving_the_ash_abstract_after_the_date_empties_the_adult_cell(data_copy):
    edit(data_copy, lambda d: row(d, "e1910-ash2022").update(published="2024-02"))
    stages = S.load_stages(data_copy)
    judged = S.stage_coverage_verdict(S.coverage_cells(stages))
    assert judged.verdict == "discrepant" and judged.uncovered_stages == ("consolidation-mrd-negative",)


# --------------------------------------------------------------------------- loader errors

@pytest.mark.parametrize("change, message", [
    (lambda d: row(d, "tower").update(design="case report"), "evidence[0].design"),
    (lambda d: row(d, "tower").update(stage="induction"), "unknown stage 'induction'"),
    (lambda d: row(d, "tower").update(bibkey="NoSuchKey2020"), "'NoSuchKey2020' is not a key"),
    (lambda d: row(d, "tower").update(published="2024"), "may fall before or after the cut-off"),
    (lambda d: row(d, "tower").update(published="2022-13"), "evidence[0].published"),
    (lambda d: row(d, "tower").update(doi="NEJMoa1609783"), "evidence[0].doi"),
    (lambda d: row(d, "tower").update(colour="green"), "evidence[0].colour"),
    (lambda d: row(d, "mt103-211").update(id="tower"), "duplicate id 'tower'"),
    (lambda d: d["stages"][3].pop("searched"), "say what was searched"),
    (lambda d: d["stages"][0].update(commentary_cites=["Nope1999"]), "'Nope1999' is not a key"),
])
def test_loader_refuses_broken_rows(data_copy, change, message):
    edit(data_copy, change)
    with pytest.raises((DataError, DataErrors)) as info:
        S.load_stages(data_copy)
    text = str(info.value)
    assert message in text
    assert "stages.yaml:" in text   # file:line: field: problem


def test_error_names_the_line(data_copy):
    path = data_copy / "synthesis" / "stages.yaml"
    text = path.read_text(encoding="utf-8").replace("design: randomised\n", "design: cohort\n", 1)
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "design: cohort")
    with pytest.raises(DataError) as info:
        S.load_stages(data_copy)
    assert f"stages.yaml:{line}: evidence[0].design:" in str(info.value)


# --------------------------------------------------------------------------- page helpers

def test_coverage_table_and_figure():
    table = S.coverage_table()
    assert list(table.columns) == ["stage", "adults", "children", "cited by the commentary"]
    assert table.loc[3, "children"].startswith("no evidence")
    import matplotlib

    matplotlib.use("Agg")
    from analysis.plots.all_stages import plot_stage_coverage

    fig = plot_stage_coverage()
    assert len(fig.axes) == 1
