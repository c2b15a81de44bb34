"""Every data table a page shows, rendered by one function: :func:`table_html`.

Why one function: tables are where text from the data files reaches the page, so this is where
escaping, determinism and phone layout are decided once.

- **Escaping**: pandas ``Styler.format(escape="html")``: every cell, header and index label is
  text, never markup (a ``<script>`` in a data file is shown, not run).
- **Deterministic**: the table id is fixed by the caller (``Styler.set_uuid``), so two builds of
  the same data give byte-identical HTML (pandas otherwise draws a random uuid per table).
- **Numbers and words never split**: cells holding numbers, counts, percentages and intervals
  carry the class ``num`` (``white-space: nowrap``, ``word-break: normal``: CSS in
  ``book/_static/custom.css``); text cells wrap only between words.
- **Phones**: the table sits in a box that scrolls sideways inside the page (never the page
  itself) and shows a visible "scroll" cue when it is wider than the screen; long tables can be
  folded into a ``<details>`` element with a summary saying what is inside.
"""

from __future__ import annotations

import re

import pandas as pd
from markupsafe import Markup, escape

__all__ = ["table_html", "NUMERIC"]

#: A cell is numeric when, after removing words that only qualify a number, it is made of
#: digits, signs, separators, %, intervals and brackets: "54%", "1,373", "47.0% (39.8%-54.4%)",
#: "12/21 = 57.1%", "< 0.001", "k = 3".
NUMERIC = re.compile(r"^[\s\d.,%–\-+−/=<>≤≥~()\[\];:×kKnN]*\d[\s\d.,%–\-+−/=<>≤≥~()\[\];:×kKnN]*$")
_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def _is_numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(NUMERIC.match(value.strip()))


def _numeric_columns(frame: pd.DataFrame) -> list:
    """Columns whose non-empty cells are all numbers (see :data:`NUMERIC`)."""
    out = []
    for col in frame.columns:
        cells = [v for v in frame[col].tolist() if not (v is None or (isinstance(v, float) and pd.isna(v)))
                 and str(v).strip() not in ("", "–", "-", "—")]
        if cells and all(_is_numeric(v) for v in cells):
            out.append(col)
    return out


def table_html(frame: pd.DataFrame, table_id: str, *, caption: str | None = None, numeric: list | None = None,
               fold: str | None = None, wide: bool = False, formats: dict | None = None) -> Markup:
    """The table as escaped, deterministic HTML for a page (a ``Markup`` to display or glue).

    Parameters
    ----------
    frame : the rows to show, with readable column names (never internal ids or method codes).
    table_id : fixed, unique on its page, lowercase with hyphens (``"meta-analysis-studies"``);
        used for ``Styler.set_uuid`` and as the HTML id of the table's box.
    caption : what the table shows, above it (also the scroll box's accessible name).
    numeric : columns that never wrap; by default the columns whose cells are all numbers.
    fold : when given, the table is folded inside ``<details>`` with this summary text.
    wide : the table may be wider than the text column (it scrolls inside its box with a cue).
    formats : per-column format for ``Styler.format`` (e.g. ``{"N": "{:,.0f}"}``).
    """
    if not _ID.match(table_id):
        raise ValueError(f"table id {table_id!r}: use lowercase letters, digits and hyphens")
    frame = frame.reset_index(drop=True)
    numeric = _numeric_columns(frame) if numeric is None else list(numeric)
    unknown = [c for c in numeric if c not in frame.columns]
    if unknown:
        raise ValueError(f"table {table_id}: numeric columns {unknown} are not in the table")
    from analysis.report.html import unbroken_numbers

    def text(value):
        if isinstance(value, str):
            return unbroken_numbers(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    cell_formats = {c: text for c in frame.columns}
    cell_formats.update(formats or {})
    styler = (frame.style.hide(axis="index")
              .format(cell_formats, escape="html", na_rep="–")
              .format_index(escape="html", axis=1)
              .set_uuid(table_id.replace("-", "_"))
              .set_table_attributes(f'class="report-table{" wide" if wide else ""}"'))
    if caption:
        styler = styler.set_caption(str(escape(caption)))
    positions = [frame.columns.get_loc(c) for c in numeric]
    if positions:
        styler = styler.set_td_classes(pd.DataFrame(
            [["num" if j in positions else "" for j in range(frame.shape[1])] for _ in range(frame.shape[0])],
            index=frame.index, columns=frame.columns))
    html = styler.to_html()
    label = escape(caption or table_id.replace("-", " "))
    box = Markup(f'<div class="table-scroll" id="{table_id}" role="region" aria-label="{label}" tabindex="0">'
                 f'{html}</div>')
    if fold:
        return Markup(f'<details class="table-fold"><summary>{escape(fold)}</summary>{box}</details>')
    return box
