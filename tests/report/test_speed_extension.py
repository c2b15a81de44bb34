"""book/_ext/speed.py remembers two of pybtex's answers within a build; remembered, they must be
the answers pybtex gives itself (pybtex's own functions are the reference)."""

from __future__ import annotations

import codecs
import importlib.util

import latexcodec  # noqa: F401 (the "ulatex" codec)
import pybtex.plugin
import pytest
from conftest import ROOT
from pybtex import richtext
from pybtex.markup import LaTeXParser

LATEX = ["G{\\\"o}kbuget, Nicola", "{\\'E}lodie and Jos{\\'e}", "Litzow, Mark R.",
         "{U.S. Food and Drug Administration}",
         "Blinatumomab {B-ALL} {E1910}", "M{\\\"u}ller and {\\o}stergaard", "50{\\%} of patients", ""]


@pytest.fixture
def speed(monkeypatch):
    """The extension, applied to pybtex for this test only."""
    monkeypatch.setattr(pybtex.plugin, "entry_points", pybtex.plugin.entry_points)
    monkeypatch.setattr(richtext.Text, "from_latex", richtext.Text.from_latex)
    spec = importlib.util.spec_from_file_location("speed", ROOT / "book" / "_ext" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._remember_entry_points()
    module._remember_latex_decoding()
    return module


def test_remembered_decoding_gives_pybtexs_text(speed):
    for latex in LATEX * 2:  # the second time from memory
        assert richtext.Text.from_latex(latex) == LaTeXParser(codecs.decode(latex, "ulatex")).parse()
    assert speed._decoded_latex.cache_info().hits >= len(LATEX)


def test_remembered_plugin_lookups_give_pybtexs_plugins(speed):
    from importlib.metadata import entry_points

    for group, name in [("pybtex.style.formatting", "plain"), ("pybtex.style.formatting", "alpha"),
                        ("pybtex.backends", "plaintext"), ("pybtex.backends", "html"),
                        ("pybtex.style.names", "lastfirst")]:
        expected = next(iter(entry_points(group=group, name=name))).load()
        assert pybtex.plugin.find_plugin(group, name) is expected
        assert pybtex.plugin.find_plugin(group, name) is expected  # from memory
    with pytest.raises(pybtex.plugin.PluginNotFound):
        pybtex.plugin.find_plugin("pybtex.backends", "no-such-backend")


def test_applying_it_twice_wraps_once(speed):
    once = (pybtex.plugin.entry_points, richtext.Text.from_latex)
    speed._remember_entry_points()
    speed._remember_latex_decoding()
    assert (pybtex.plugin.entry_points, richtext.Text.from_latex) == once
