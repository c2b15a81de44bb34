"""data/source_keys.yaml: every work a data row names has a BibTeX key, and the data page cites them."""

import re

import pytest
from conftest import ROOT

from analysis.inputs.files import DataError, DataErrors, bib_keys
from analysis.inputs.sources import keys_by_file, load_source_keys
from analysis.inputs.validate import validate_all


def _errors(exc) -> list[str]:
    return [str(e) for e in exc.errors] if isinstance(exc, DataErrors) else [str(exc)]


def test_the_repository_mapping_is_valid_and_complete():
    works = load_source_keys()
    keys = [w.bibkey for w in works]
    assert len(keys) == len(set(keys))
    assert set(keys) <= bib_keys()
    assert validate_all() == []


def test_an_unmapped_doi_in_a_data_row_is_an_error(data_copy):
    path = data_copy / "background" / "adult_relapse.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("10.2147/BLCTT.S223894", "10.9999/unmapped.2024", 1), encoding="utf-8")
    with pytest.raises((DataError, DataErrors)) as info:
        load_source_keys(data_dir=data_copy)
    messages = _errors(info.value)
    assert any("adult_relapse.csv:4: doi: DOI 10.9999/unmapped.2024 maps to no BibTeX key" in m
               for m in messages), messages
    assert any("adult_relapse.csv:4: doi" in m for m in validate_all(data_copy))


def test_an_unmapped_nct_in_a_yaml_line_is_an_error(data_copy):
    path = data_copy / "trials" / "e1910.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("nct: NCT02003222", "nct: NCT09999999", 1),
                    encoding="utf-8")
    messages = validate_all(data_copy)
    assert any(re.search(r"e1910\.yaml:\d+: nct: NCT NCT09999999 maps to no BibTeX key", m) for m in messages), messages


def test_an_unknown_bibkey_is_an_error(data_copy):
    path = data_copy / "source_keys.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("bibkey: Topp2014JCO,", "bibkey: Topp2099Nowhere,", 1),
                    encoding="utf-8")
    with pytest.raises((DataError, DataErrors)) as info:
        load_source_keys(data_dir=data_copy)
    messages = _errors(info.value)
    pattern = r"source_keys\.yaml:\d+: works\[Topp2099Nowhere\]\.bibkey: unknown BibTeX key 'Topp2099Nowhere'"
    assert any(re.search(pattern, m)
               for m in messages), messages


def test_a_row_naming_no_work_is_an_error(data_copy):
    path = data_copy / "background" / "paediatric_relapse.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("St. Jude Together, ALL relapse page", "An unnamed web page", 1), encoding="utf-8")
    messages = validate_all(data_copy)
    assert any("paediatric_relapse.csv:11: study: 'An unnamed web page': names no work" in m
               for m in messages), messages


def test_used_in_must_match_the_files(data_copy):
    path = data_copy / "source_keys.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if "bibkey: Sigmund2020BLCTT," in row)
    path.write_text(text.replace(line, line.replace("used_in: [background/adult_relapse.csv]",
                                                    "used_in: [background/salvage_cr.csv]")), encoding="utf-8")
    messages = validate_all(data_copy)
    assert any("works[Sigmund2020BLCTT].used_in: found but not listed: background/adult_relapse.csv; "
               "listed but not found: background/salvage_cr.csv" in m for m in messages), messages


def _cited_by_section(page: str) -> dict[str, set[str]]:
    sources = page.split("\n## Sources\n", 1)[1]
    out: dict[str, set[str]] = {}
    for heading, body in re.findall(r"^### `data/([^`]+)`\n(.*?)(?=^### |\Z)", sources, flags=re.M | re.S):
        out[heading] = {k.strip() for role in re.findall(r"\{cite:[a-z]*\}`([^`]*)`", body) for k in role.split(",")}
    return out


def test_the_data_page_cites_exactly_the_mapped_keys():
    page = (ROOT / "book" / "data.md").read_text(encoding="utf-8")
    cited = {k.strip() for role in re.findall(r"\{cite:[a-z]*\}`([^`]*)`", page) for k in role.split(",")}
    works = load_source_keys()
    assert cited == {w.bibkey for w in works}
    expected = {name: set(keys) for name, keys in keys_by_file(works).items()}
    assert _cited_by_section(page) == expected
