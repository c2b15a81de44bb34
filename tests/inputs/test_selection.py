"""data/background/selection.yaml: how every background row is used; one-line errors, nothing dropped silently."""

import pytest
from conftest import replace_in

from analysis.inputs.files import DataError, DataErrors
from analysis.inputs.selection import load_selection

SEL = ("background", "selection.yaml")


def test_every_row_of_every_table_has_one_entry():
    selection = load_selection()
    assert {k: len(v) for k, v in selection.items()} == {"adult_relapse.csv": 13, "paediatric_relapse.csv": 11,
                                                         "salvage_cr.csv": 17, "blinatumomab_fatal_events.csv": 15}
    assert selection["salvage_cr.csv"]["gmall-second-salvage"].pool_only == "second-or-later"
    assert selection["adult_relapse.csv"]["esmo-adult-cure"].complement is True


def errors(data_copy):
    with pytest.raises((DataError, DataErrors)) as info:
        load_selection(data_copy)
    return str(info.value).splitlines()


@pytest.mark.parametrize("old, new, expected", [
    ("  gimema-0288-relapse: {use: check,", "  gimema-0288-relapsed: {use: check,",
     "data/background/selection.yaml:{line}: adult_relapse.csv.gimema-0288-relapsed: no row 'gimema-0288-relapsed' in background/adult_relapse.csv"),
    ("  gimema-0288-relapse: {use: check,", "  gimema-0288-relapse: {use: maybe,",
     "data/background/selection.yaml:{line}: adult_relapse.csv.gimema-0288-relapse.use: 'maybe' is not allowed here (allowed: check, context, words)"),
    ("use: excluded, superseded_by: inovate-soc-cr-cri-final,", "use: excluded, superseded_by: inovate-final,",
     "data/background/selection.yaml:{line}: salvage_cr.csv.inovate-soc-cr-cri-primary.superseded_by: no row 'inovate-final' in background/salvage_cr.csv"),
    ("{use: context, complement: true, why: \"cure rate; drawn as 1 − cure, which also counts toxic deaths and",
     "{use: context, complement: \"yes\", why: \"cure rate; drawn as 1 − cure, which also counts toxic deaths and",
     "data/background/selection.yaml:{line}: adult_relapse.csv.esmo-adult-cure.complement: must be true or false (unquoted), got the text 'yes'"),
    ("{use: pool, pool_only: second-or-later,", "{use: pool, pool_only: third,",
     "data/background/selection.yaml:{line}: salvage_cr.csv.gmall-second-salvage.pool_only: unknown value 'third' (allowed: 'first', 'second-or-later', 'randomised', 'cohort' or 'all')"),
    ("  tower-blin-tr-fatal: {use: pool,", "  tower-blin-tr-fatal: {use: pool, colour: red,",
     "data/background/selection.yaml:{line}: blinatumomab_fatal_events.csv.tower-blin-tr-fatal.colour: unknown field (allowed: use, why, label, complement, pool_only, alternative_of, superseded_by, subset_of, sensitivity, design)"),
])
def test_errors_name_file_line_and_field(data_copy, old, new, expected):
    path = data_copy.joinpath(*SEL)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if old in text)
    replace_in(path, old, new)
    assert any(e.endswith(expected.format(line=line)) for e in errors(data_copy)), errors(data_copy)


def test_a_row_without_an_entry_is_an_error_not_a_dropped_row(data_copy):
    path = data_copy.joinpath(*SEL)
    replace_in(path, "  stjude-relapse-us: {use: check, why: \"relapse, US children (institutional patient page)\"}\n",
               "")
    assert any("row 'stjude-relapse-us' of background/paediatric_relapse.csv has no entry" in e
               for e in errors(data_copy))


def test_an_unknown_table_is_named(data_copy):
    path = data_copy.joinpath(*SEL)
    path.write_text(path.read_text() + "\nother.csv:\n  x: {use: check, why: \"x\"}\n")
    assert any(e.endswith("other.csv: unknown table (allowed: adult_relapse.csv, paediatric_relapse.csv, "
                          "salvage_cr.csv, blinatumomab_fatal_events.csv)") for e in errors(data_copy))
