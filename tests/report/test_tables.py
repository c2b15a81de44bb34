"""analysis.report.tables.table_html: escaped, deterministic, numeric cells kept whole."""

import pandas as pd
import pytest

from analysis.report.tables import table_html


def _frame():
    return pd.DataFrame({"study": ["<script>alert(1)</script>", "Topp 2015 <img src=x onerror=alert(1)>"],
                         "events / N": ["81/189", "1,025/2,000"], "pooled (95% CI)": ["47.0% (39.8%-54.4%)", "–"]})


def test_cells_and_headers_are_escaped():
    html = str(table_html(_frame().rename(columns={"study": "<b>study</b>"}), "test-table"))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;study&lt;/b&gt;" in html


def test_table_ids_are_fixed_so_builds_are_deterministic():
    first, second = str(table_html(_frame(), "test-table")), str(table_html(_frame(), "test-table"))
    assert first == second
    assert 'id="T_test_table"' in first and 'id="test-table"' in first


def test_numeric_columns_never_wrap_and_text_columns_do():
    html = str(table_html(_frame(), "test-table"))
    assert html.count('class="data row0 col1 num"') == 1 or 'col1 num' in html
    assert "col0 num" not in html          # the study names wrap between words
    assert "col2 num" in html              # "47.0% (39.8%-54.4%)" is a number with its interval


def test_fold_and_caption():
    html = str(table_html(_frame(), "test-table", caption="What <this> shows", fold="Open <it>"))
    assert html.startswith('<details class="table-fold"><summary>Open &lt;it&gt;</summary>')
    assert "What &lt;this&gt; shows" in html and 'role="region"' in html and 'tabindex="0"' in html


def test_bad_ids_and_columns_are_refused():
    with pytest.raises(ValueError, match="table id"):
        table_html(_frame(), "Test Table")
    with pytest.raises(ValueError, match="numeric columns"):
        table_html(_frame(), "test-table", numeric=["nope"])
