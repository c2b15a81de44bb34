"""CSV tables: schemas, typed loading and every validation error path."""


import pandas as pd
import pytest
from conftest import ROOT

from analysis.inputs.files import DataError, DataErrors
from analysis.inputs.tables import TABLES, available_tables, describe, load_table, unregistered_tables

HEADER = ("study_id,outcome,primary,response,denominator,scope,cohort,hypothetical,"
          "definition,events,total,derived,location,notes\n")
#: the six classification columns (issue 11: curation as validated data), the same for every test row
CLASSIFICATION = "false,CR,randomised,rr,whole,false,"
GOOD = "tower,cr,CR,91,267,false,PMID 28249141 abstract,\n"


def classified(line: str) -> str:
    """A test row written as study_id,outcome,definition,...: the classification columns inserted."""
    study, outcome, rest = line.split(",", 2)
    return f"{study},{outcome},{CLASSIFICATION}{rest}" if line.strip() else line


def write(tmp_path, body: str, header: str = HEADER):
    (tmp_path / "meta_analysis").mkdir(exist_ok=True)
    rows = "".join(classified(line) for line in body.splitlines(keepends=True))
    (tmp_path / "meta_analysis" / "outcome_variants.csv").write_text(header + rows, encoding="utf-8")
    return tmp_path


def errors_of(tmp_path) -> list[str]:
    with pytest.raises((DataError, DataErrors)) as info:
        load_table("meta_analysis/outcome_variants.csv", tmp_path)
    return str(info.value).splitlines()


def test_every_table_in_data_is_registered_and_valid():
    assert unregistered_tables() == []
    for name in available_tables():
        frame = load_table(name)
        assert len(frame) > 0, name


def test_typed_loading(tmp_path):
    frame = load_table("meta_analysis/outcome_variants.csv",
                       write(tmp_path, GOOD + "x1,mrd,MRD,,,,PMID 1 Table 2,\n"))
    assert frame.loc[0, "events"] == 91 and str(frame["events"].dtype) == "Int64"
    assert frame.loc[0, "derived"] is False or frame.loc[0, "derived"] == False  # noqa: E712
    assert pd.isna(frame.loc[1, "events"])


@pytest.mark.parametrize("row, field, problem", [
    ("tower,cr,CR,300,267,false,PMID 1 abstract,\n", "events", "300 events exceed total 267"),
    ("tower,cr,CR,91,267,false,,\n", "location", "missing source location for events = 91"),
    ("tower,cr,CR,91,267,,PMID 1 abstract,\n", "derived", "must say true or false"),
    ("tower,cr,CR,91.5,267,false,PMID 1 abstract,\n", "events", "must be a whole number"),
    ("tower,os,CR,91,267,false,PMID 1 abstract,\n", "outcome", "must be one of: cr, mrd"),
    ("Tower 2017,cr,CR,91,267,false,PMID 1 abstract,\n", "study_id", "must be a lowercase slug"),
    ("tower,cr,CR,0,0,false,PMID 1 abstract,\n", "total", "a total of 0 cannot be analysed"),
])
def test_bad_row_gives_one_line_naming_file_row_and_field(tmp_path, row, field, problem):
    lines = errors_of(write(tmp_path, GOOD + row))
    line = next(row for row in lines if f": {field}: " in row)
    assert problem in line
    assert line.startswith(str(tmp_path / "meta_analysis" / "outcome_variants.csv") + ":3: ")  # header = line 1


def test_header_problems(tmp_path):
    lines = errors_of(write(tmp_path, GOOD, header=HEADER.replace(",notes", "")))
    assert lines == [f"{tmp_path / 'meta_analysis' / 'outcome_variants.csv'}:1: header: missing notes"]


def test_duplicate_ids(tmp_path):
    studies = ROOT / "data" / "meta_analysis" / "studies.csv"
    if not studies.exists():
        pytest.skip("studies.csv not yet present")
    (tmp_path / "meta_analysis").mkdir()
    lines = studies.read_text().splitlines()
    (tmp_path / "meta_analysis" / "studies.csv").write_text("\n".join(lines + [lines[1]]) + "\n")
    message = "\n".join(errors_of_table(tmp_path, "meta_analysis/studies.csv"))
    assert "study_id: duplicate id" in message


def errors_of_table(tmp_path, name):
    with pytest.raises((DataError, DataErrors)) as info:
        load_table(name, tmp_path)
    return str(info.value).splitlines()


def test_unregistered_csv_is_reported(tmp_path):
    (tmp_path / "stray.csv").write_text("a,b\n1,2\n")
    assert unregistered_tables(tmp_path) == ["stray.csv"]


def test_missing_file():
    with pytest.raises(DataError, match="file: not found"):
        load_table("meta_analysis/outcome_variants.csv", ROOT / "tests")


def test_describe_lists_every_column():
    for name, spec in TABLES.items():
        assert list(describe(name)["column"]) == list(spec.schema.columns)
