"""Two slow spots of the bibliography's formatting in the Sphinx process, each replaced by a
remembered answer to a question whose answer cannot change during a build.

sphinxcontrib-bibtex formats every entry of the bibliography once per build and each citation
again where it is resolved (serially, in Sphinx's main process). Each time, pybtex

- looks its plugins (styles, backends) up among the installed distributions' entry points
  (``importlib.metadata.entry_points``, which reads every distribution's metadata: about 16 ms
  per lookup, 1.2 s of a build). The installed distributions do not change while Sphinx runs,
  so each (group, name) lookup is made once. Plugins registered at run time
  (``pybtex.plugin.register_plugin``, as sphinxcontrib-bibtex does) are still checked first, by
  pybtex itself, on every lookup.
- decodes every name and field from LaTeX to text (latexcodec, about 1 s of a build for the
  same few hundred strings). Decoding is a pure function of the string, so each string is decoded
  once; the rich text pybtex builds from it is built anew each time, as before.

The site is byte-identical with and without these (compared when they were introduced; the
build test compares a parallel with a serial build).
"""

import codecs
from functools import cache


@cache
def _decoded_latex(latex: str) -> str:
    return codecs.decode(latex, "ulatex")


def _remember_latex_decoding() -> None:
    import latexcodec  # noqa: F401 (registers the "ulatex" codec)
    from pybtex import richtext
    from pybtex.markup import LaTeXParser

    original = richtext.Text.from_latex.__func__
    if getattr(original, "remembered", False):
        return

    def from_latex(cls, latex):
        if not isinstance(latex, str):
            return original(cls, latex)
        return LaTeXParser(_decoded_latex(latex)).parse()

    from_latex.remembered = True
    richtext.Text.from_latex = classmethod(from_latex)


def _remember_entry_points() -> None:
    import pybtex.plugin

    lookup = pybtex.plugin.entry_points
    if getattr(lookup, "remembered", False):
        return

    @cache
    def installed(group: str, name: str) -> tuple:
        return tuple(lookup(group=group, name=name))

    def entry_points(*, group: str, name: str):
        return installed(group, name)

    entry_points.remembered = True
    pybtex.plugin.entry_points = entry_points


def setup(app):
    _remember_entry_points()
    _remember_latex_decoding()
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
