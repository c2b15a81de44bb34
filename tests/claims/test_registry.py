"""The claims registry data/claims.yaml: content and every validation error path."""

from pathlib import Path

import pytest
from conftest import ROOT, replace_in, replace_in_claim

from analysis.inputs.files import DataError, DataErrors, load_claims

COMMENTARY = ROOT / "data" / "source" / "commentary.txt"
BIB = ROOT / "book" / "references.bib"


def load(data: Path):
    return load_claims(data / "claims.yaml", data / "source" / "commentary.txt", BIB)


def test_registry_covers_the_commentary_in_reading_order():
    claims = load_claims()
    assert 15 <= len(claims) <= 25
    positions = []
    text = " ".join(COMMENTARY.read_text().replace("*", "").split())
    for claim in claims:
        positions.append(text.index(" ".join(claim.quote.split())))
    assert positions == sorted(positions), "claims must be in reading order"
    ids = claims.ids()
    for needed in ("meta-cr-rate", "meta-mrd-rate", "meta-studies-patients", "e1910-randomisation",
                   "e1910-median-os", "posthct-outcomes", "trm-immunotherapy", "reinduction-cr"):
        assert needed in ids
    assert claims.get("meta-cr-rate").reported == ("54%", "44%-64%")
    assert claims.get("meta-studies-patients").reported == ("18", "1,373")


def test_every_number_of_the_commentary_body_is_in_some_claim():
    """Each percentage or count printed in the body appears in a claim's reported values."""
    import re

    body = COMMENTARY.read_text().split("CONCLUSION")[0]
    numbers = set(re.findall(r"\d+(?:\.\d+)?%|\b\d{1,3}(?:,\d{3})+\b|\b\d+\.\d+ months", body))
    reported = " ".join(r for c in load_claims() for r in c.reported)
    missing = sorted(n for n in numbers - {"95%"} if n not in reported)  # "95% CI" is a CI level
    assert not missing, f"numbers of the commentary not registered as claims: {missing}"


def test_vendored_commentary_matches_shared_sources():
    shared = ROOT.parent / "shared" / "sources" / "commentary.txt"
    if not shared.exists():
        pytest.skip("../shared/sources is not beside this checkout")
    assert shared.read_text() == COMMENTARY.read_text()


@pytest.mark.parametrize("old, new, field, problem", [
    ("  - id: relapse-children", "  - id: relapse-adults", "claims[relapse-adults].id", "duplicate claim id"),
    ("references: [Gaballa2022]\n    reported: [\"14.3 months\"]",
     "references: [Gaballa2021]\n    reported: [\"14.3 months\"]",
     "claims[posthct-follow-up].references", "unknown BibTeX key 'Gaballa2021'"),
    ("quote: \"Median follow-up was 43 months.\"", "quote: \"Median follow-up was 42 months.\"",
     "claims[e1910-follow-up].quote", "does not occur"),
    ("expected: {citation: unverifiable, verdict: consistent}",
     "expected: {citation: unverifiable, verdict: confirmed}",
     "claims[e1910-randomisation].expected", "unknown verdict value 'confirmed'"),
    ("expected: {citation: unverifiable, verdict: consistent}", "expected: {citation: pending, verdict: consistent}",
     "claims[e1910-randomisation].expected", "'pending' must be on both axes"),
    ("reported: [\"43 months\"]", "reported: [43]", "claims[e1910-follow-up].reported", "must be a list of strings"),
    ("reported: [\"43 months\"]", "reported: [\"43 months or 3.5 years\"]", "claims[e1910-follow-up].reported",
     "mixes numbers and words"),
    ("    page: claims/e1910\n    expected: {citation: unverifiable", "    expected: {citation: unverifiable",
     "claims[e1910-randomisation].page", "missing field"),
    ("    section: About the study\n    references: [Hoelzer2024]",
     "    section: About the study\n    colour: red\n    references: [Hoelzer2024]",
     "claims[trm-immunotherapy].colour", "unknown field"),
])
def test_invalid_registry_gives_one_line_naming_file_line_and_field(data_copy, old, new, field, problem):
    claim_id = field.split("[")[1].split("]")[0]
    replace_in_claim(data_copy / "claims.yaml", claim_id, old, new)
    with pytest.raises((DataError, DataErrors)) as info:
        load(data_copy)
    message = str(info.value)
    line = next(ln for ln in message.splitlines() if field in ln)
    assert line.startswith(str(data_copy / "claims.yaml") + ":")
    assert f": {field}: " in line and problem in line
    assert line.split(":")[1].isdigit(), "the message names the line"


def test_yaml_syntax_error_names_the_line(data_copy):
    replace_in(data_copy / "claims.yaml", "  - id: meta-scope", "  - id: [meta-scope")
    with pytest.raises(DataError) as info:
        load(data_copy)
    assert ":yaml:" in str(info.value).replace(" ", "") or ": yaml: " in str(info.value)
    assert str(info.value).count("\n") == 0


def test_duplicate_yaml_key_is_rejected(data_copy):
    replace_in(data_copy / "claims.yaml", "    section: About the study\n    references: [Hoelzer2024]",
               "    section: About the study\n    section: Again\n    references: [Hoelzer2024]")
    with pytest.raises(DataError, match="section: duplicate key"):
        load(data_copy)
