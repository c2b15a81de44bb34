"""Trial figure files: content of e1910.yaml and every validation error path."""

import pytest
from conftest import ROOT, replace_in

from analysis.inputs.files import DataError, DataErrors
from analysis.inputs.trials import landmark_months, load_trial

BIB = ROOT / "book" / "references.bib"


def test_e1910_figures_as_printed():
    trial = load_trial("e1910")
    assert trial.figure("randomised").printed == "224"
    assert trial.figure("randomised").value == 224
    assert trial.figure("cr-after-induction-percent").value == pytest.approx(0.81)
    assert trial.reports["ash2022"].read is False
    assert trial.cites("randomised") == "NEJM 2024, PMID 39047240, abstract (Results)"
    assert set(trial.table()["where read"]) >= {"PMID 39047240, abstract (Results)"}
    with pytest.raises(KeyError, match="no figure with id 'nope'"):
        trial.figure("nope")


def assert_one_line_error(data_copy, old, new, field, problem):
    """Break e1910.yaml by one edit; loading it names file, line, field and the problem in one line."""
    replace_in(data_copy / "trials" / "e1910.yaml", old, new)
    with pytest.raises((DataError, DataErrors)) as info:
        load_trial("e1910", data_copy / "trials", BIB)
    line = next(row for row in str(info.value).splitlines() if f": {field}: " in row)
    assert problem in line
    assert line.startswith(str(data_copy / "trials" / "e1910.yaml") + ":")


@pytest.mark.parametrize("old, new, field, problem", [
    ('printed: "112"\n    of: randomised\n    report: nejm2024', 'printed: "300"\n    of: randomised\n    report: nejm2024',
     "figures[randomised-blinatumomab].printed", "count 300 exceeds its total 224"),
    ('    location: "PMID 39047240, abstract (Results)"\n  - id: cr-after-induction\n',
     '    location: ""\n  - id: cr-after-induction\n', "figures[enrolled].location", "must not be empty"),
    ("report: fda2024\n    location: \"efficacy paragraph\"\n  - id: fda-randomised-chemotherapy",
     "report: fda2025\n    location: \"efficacy paragraph\"\n  - id: fda-randomised-chemotherapy",
     "figures[fda-randomised-blinatumomab].report", "unknown report 'fda2025'"),
    ("  - id: cr-after-induction\n", "  - id: enrolled\n", "figures[enrolled].id", "duplicate figure id"),
    ('printed: "81%"', 'printed: "81% or so"', "figures[cr-after-induction-percent].printed", "mixes numbers and words"),
    ("    bibkey: Litzow2024", "    bibkey: Litzow2025", "reports.nejm2024.bibkey", "unknown BibTeX key 'Litzow2025'"),
    ("    read: false", "    read: maybe", "reports.ash2022.read", "must be true or false"),
    ("    of: enrolled\n", "    of: enroled\n", "figures[cr-after-induction].of", "unknown figure 'enroled'"),
])
def test_invalid_trial_file_gives_one_line_naming_file_line_and_field(data_copy, old, new, field, problem):
    assert_one_line_error(data_copy, old, new, field, problem)


# --------------------------------------------------------------------------- text, time, cut, denominator

def test_landmark_fields_and_data_cuts():
    trial = load_trial("e1910")
    nejm = trial.figure("nejm-os-chemotherapy")
    assert (nejm.time, nejm.time_months, nejm.cut, nejm.denominator) == ("3 years", 36.0, "interim3", "randomised-chemotherapy")
    assert trial.figure("fda-os5-chemotherapy").time_months == 60.0
    assert trial.figure("ash-os-chemotherapy").time_months == 42.0        # "3.5 years"
    assert set(trial.cuts) == {"interim3", "later"}
    assert trial.cuts["later"].label.startswith("later analysis")
    disease = trial.figure("eligible-disease")
    assert disease.text and disease.parsed.kind == "text" and disease.printed == "BCR::ABL1-negative B-cell precursor ALL"
    table = trial.table(["nejm-os-chemotherapy", "fda-os5-chemotherapy"])
    assert list(table["at"]) == ["3 years", "5 years"]
    assert list(table["analysis"]) == ["third efficacy interim analysis", "later analysis (median follow-up 4.5 years)"]
    assert "at" not in trial.table(["enrolled"]).columns
    gaballa = load_trial("gaballa2022")
    assert gaballa.figure("os-1y").time_months == 12.0 and gaballa.figure("os-1y").denominator == "analysed"
    assert gaballa.cuts == {}
    with pytest.raises(ValueError, match="needs the landmark time"):
        _ = trial.figure("enrolled").time_months
    with pytest.raises(ValueError, match="has no single number"):
        _ = disease.value


@pytest.mark.parametrize("text, months", [("3 years", 36.0), ("1 year", 12.0), ("12 months", 12.0), ("3.5 years", 42.0),
                                          ("14.3 months", 14.3)])
def test_landmark_months(text, months):
    assert landmark_months(text) == pytest.approx(months)


@pytest.mark.parametrize("text, problem", [("three years", "not a printed time"), ("36 weeks", "unit 'weeks'"),
                                           ("36", "unit ''"), ("<3 years", "is a bound")])
def test_landmark_months_rejects(text, problem):
    with pytest.raises(ValueError, match=problem):
        landmark_months(text)


@pytest.mark.parametrize("old, new, field, problem", [
    ('    time: "5 years"\n    denominator: fda-randomised-blinatumomab', '    time: "5 weeks"\n    denominator: fda-randomised-blinatumomab',
     "figures[fda-os5-blinatumomab].time", "unit 'weeks'"),
    ('    time: "3 years"\n    denominator: randomised-blinatumomab', '    time: 3\n    denominator: randomised-blinatumomab',
     "figures[nejm-os-blinatumomab].time", "must be text (in quotes"),
    ("    cut: later\n    report: fda2024\n    location: \"efficacy paragraph\"\n  - id: fda-os5-blinatumomab\n",
     "    cut: latest\n    report: fda2024\n    location: \"efficacy paragraph\"\n  - id: fda-os5-blinatumomab\n",
     "figures[fda-later-follow-up].cut", "unknown data cut 'latest'"),
    ("    text: true\n    report: nejm2024\n    location: \"PMID 39047240, abstract (Methods)\"\n  - id: fda-population",
     "    text: yes please\n    report: nejm2024\n    location: \"PMID 39047240, abstract (Methods)\"\n  - id: fda-population",
     "figures[eligible-disease].text", "must be true or false"),
    ("    denominator: randomised-chemotherapy\n    cut: interim3\n    report: nejm2024\n    location: \"PMID 39047240, abstract (Results)\"\n  - id: nejm-os-hr",
     "    denominator: randomised-chemo\n    cut: interim3\n    report: nejm2024\n    location: \"PMID 39047240, abstract (Results)\"\n  - id: nejm-os-hr",
     "figures[nejm-os-chemotherapy].denominator", "unknown figure 'randomised-chemo'"),
    ('    printed: "43 months"\n', '    printed: "43 months"\n    denominator: randomised\n',
     "figures[follow-up].denominator", "only a printed percentage has a denominator"),
    ("    denominator: randomised-chemotherapy\n    cut: interim3\n    report: nejm2024\n    location: \"PMID 39047240, abstract (Results)\"\n  - id: nejm-os-hr",
     "    denominator: follow-up\n    cut: interim3\n    report: nejm2024\n    location: \"PMID 39047240, abstract (Results)\"\n  - id: nejm-os-hr",
     "figures[nejm-os-chemotherapy].denominator", "is not a count of patients"),
    ("  interim3:\n    label: third efficacy interim analysis\n", "  interim3:\n    labels: third efficacy interim analysis\n",
     "cuts.interim3.label", "missing field"),
    ("  later:\n    label: later analysis (median follow-up 4.5 years)\n",
     "  later:\n    label: later analysis (median follow-up 4.5 years)\n    date: 2024\n",
     "cuts.later.date", "unknown field"),
    ("cuts:\n  interim3:", "cuts: [interim3]\nunused:\n  interim3:", "cuts", "must be a mapping"),
])
def test_invalid_landmark_fields_give_one_line_naming_the_field(data_copy, old, new, field, problem):
    assert_one_line_error(data_copy, old, new, field, problem)


def test_a_text_figure_is_never_parsed_as_a_number(data_copy):
    # Without `text: true` a printed value with digits and words is rejected, with it it is kept.
    replace_in(data_copy / "trials" / "e1910.yaml",
               '    printed: "BCR::ABL1-negative B-cell precursor ALL"\n    text: true\n',
               '    printed: "BCR::ABL1-negative B-cell precursor ALL"\n')
    with pytest.raises(DataError, match=r"figures\[eligible-disease\]\.printed: .*mixes numbers and words"):
        load_trial("e1910", data_copy / "trials", BIB)
