"""analysis.report.glue.PageGlue: keys namespaced by page, plain values only, no key twice."""

import pytest
from markupsafe import Markup

from analysis.report.glue import PageGlue


def _glue():
    store = {}
    return PageGlue("treatment-related-mortality", glue=lambda k, v, display=False: store.__setitem__(k, v)), store


def test_keys_carry_the_page_name():
    g, store = _glue()
    g("pooled", "2.3%")
    g("k", 4)
    assert store == {"treatment-related-mortality-pooled": "2.3%", "treatment-related-mortality-k": 4}


@pytest.mark.parametrize("value", [True, None, 1.5 + 0j, [1], __import__("numpy").float64(0.5)])
def test_only_plain_values(value):
    g, _ = _glue()
    with pytest.raises(TypeError):
        g("x", value)


def test_a_key_glued_twice_or_empty_text_is_an_error():
    g, _ = _glue()
    g("x", "a")
    with pytest.raises(ValueError, match="twice"):
        g("x", "b")
    with pytest.raises(ValueError, match="empty"):
        g("y", " ")
    with pytest.raises(ValueError, match="glue name"):
        g("Bad Name", "z")


def test_html_must_come_from_the_escaping_path():
    g, store = _glue()
    with pytest.raises(TypeError, match="Markup"):
        g.html("table", "<table></table>")
    g.html("table", Markup("<table></table>"))
    assert "treatment-related-mortality-table" in store
