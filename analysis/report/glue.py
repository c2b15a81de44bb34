"""The one glue helper of the book: every value a page shows goes through :class:`PageGlue`.

A page creates ``g = PageGlue("treatment-related-mortality")`` (its file name) and glues values
with ``g("pooled", "2.3%")``; the key becomes ``treatment-related-mortality-pooled``, so a key's
prefix always names the page that owns it (bilateral-connectome's convention). Only plain
Python ``str``/``int``/``float`` values are glued: under NumPy 2 a numpy scalar breaks
``{glue:text}`` format specs, and a bool or a None is almost always a bug in the page. Figures
are glued with :meth:`PageGlue.figure` (shown by ``{glue:figure}`` with a numbered caption),
HTML pieces with :meth:`PageGlue.html` (shown by ``{glue:}``), both closed after gluing so that
no figure is also printed where the cell ran.
"""

from __future__ import annotations

import re

from markupsafe import Markup

__all__ = ["PageGlue"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class PageGlue:
    """Glue values under one page's namespace; remembers every key it glued (``keys``)."""

    def __init__(self, page: str, glue=None):
        if not _NAME.match(page):
            raise ValueError(f"page name {page!r}: use the page's file name (lowercase, hyphens)")
        self.page = page
        self.keys: dict[str, object] = {}
        if glue is None:
            from myst_nb import glue as glue  # imported lazily: tests run without a kernel
        self._glue = glue

    def key(self, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"{self.page}: glue name {name!r}: lowercase letters, digits and hyphens only")
        full = f"{self.page}-{name}"
        if full in self.keys:
            raise ValueError(f"{self.page}: glue key {full!r} glued twice")
        return full

    def __call__(self, name: str, value) -> None:
        """Glue a plain ``str``, ``int`` or ``float`` under ``<page>-<name>``."""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or type(value).__module__ == "numpy":
            raise TypeError(f"{self.page}-{name}: glue plain Python str/int/float, got {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise ValueError(f"{self.page}-{name}: an empty text would vanish from the page")
        key = self.key(name)
        self.keys[key] = value
        self._glue(key, value, display=False)

    def many(self, values: dict) -> None:
        """Glue every (name, value) of a page-data mapping."""
        for name, value in values.items():
            self(name, value)

    def html(self, name: str, markup: Markup) -> None:
        """Glue an HTML piece built by :mod:`analysis.report.html` or :mod:`analysis.report.tables`."""
        from IPython.display import HTML

        if not isinstance(markup, Markup):
            raise TypeError(f"{self.page}-{name}: glue HTML built by analysis.report (escaped Markup), "
                            f"got {type(markup).__name__}")
        key = self.key(name)
        self.keys[key] = markup
        self._glue(key, HTML(str(markup)), display=False)

    def figure(self, name: str, fig) -> None:
        """Glue a matplotlib Figure (for ``{glue:figure}``) and close it."""
        import matplotlib.pyplot as plt

        key = self.key(name)
        self.keys[key] = fig
        self._glue(key, fig, display=False)
        plt.close(fig)
