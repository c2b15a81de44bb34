"""Trial figure files: content of e1910.yaml and every validation error path."""

import pytest

from analysis.datafiles import DataError, DataErrors
from analysis.trials import load_trial
from conftest import ROOT, replace_in

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


@pytest.mark.parametrize("old, new, field, problem", [
    ('printed: "112"\n    of: randomised\n    report: nejm2024', 'printed: "300"\n    of: randomised\n    report: nejm2024',
     "figures[randomised-blinatumomab].printed", "count 300 exceeds its total 224"),
    ('    location: "PMID 39047240, abstract (Results)"\n  - id: cr-after-induction\n',
     '    location: ""\n  - id: cr-after-induction\n', "figures[enrolled].location", "missing"),
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
    replace_in(data_copy / "trials" / "e1910.yaml", old, new)
    with pytest.raises((DataError, DataErrors)) as info:
        load_trial("e1910", data_copy / "trials", BIB)
    line = next(l for l in str(info.value).splitlines() if f": {field}: " in l)
    assert problem in line
    assert line.startswith(str(data_copy / "trials" / "e1910.yaml") + ":")
