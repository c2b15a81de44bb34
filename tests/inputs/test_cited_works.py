"""data/background/cited_works.yaml: what of each cited work was read; errors name file, line and field."""

import pytest
from conftest import replace_in

from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.files import DataError


@pytest.mark.parametrize("old, new, message", [
    ("    read: abstract\n    reports: \"Front-line", "    read: skimmed\n    reports: \"Front-line",
     "unknown value 'skimmed'"),
    ("*J Clin Oncol*. 2012;30(14):1663.\"", "*J Clin Oncol*. 2012;30(14):1663-1669.\"",
     "does not occur in the commentary"),
    ("  - bibkey: Qian2014", "  - bibkey: Qian2015", "unknown BibTeX key 'Qian2015'"),
    ("    found: false\n    read: nothing", "    found: false\n    read: abstract", "cannot have been read"),
])
def test_cited_works_errors_name_the_field(data_copy, old, new, message):
    replace_in(data_copy / "background" / "cited_works.yaml", old, new)
    with pytest.raises(DataError, match=message):
        load_cited_works(data_copy)
