"""Short, readable labels and links for BibTeX keys (for HTML built by the pages).

Sphinx renders ``{cite}`` roles in prose; HTML assembled in code cells (claim headers, the
ledger, the citation audit) needs the same works named the same way: "Litzow et al. 2022",
linked to the DOI when there is one.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from analysis.inputs import paths


@lru_cache(maxsize=4)
def _entries(path: str) -> dict:
    from pybtex.database import parse_file

    return dict(parse_file(path).entries)


def short_label(key: str, bibliography: Path | str = paths.BIBLIOGRAPHY) -> str:
    """'Litzow et al. 2022', 'Liu & Wu 2023', 'U.S. Food and Drug Administration 2024'."""
    entry = _entries(str(bibliography))[key]
    people = entry.persons.get("author", [])
    names = [" ".join(p.last_names) or " ".join(p.first_names) for p in people]
    names = [n.replace("{", "").replace("}", "") for n in names]
    year = entry.fields.get("year", "n.d.")
    if not names:
        return f"{key} {year}"
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {year}"


def link(key: str, bibliography: Path | str = paths.BIBLIOGRAPHY) -> str:
    """HTML: the short label, linked to the DOI (or URL) when the entry has one."""
    entry = _entries(str(bibliography))[key]
    label = escape(short_label(key, bibliography))
    if "doi" in entry.fields:
        return f'<a href="https://doi.org/{escape(entry.fields["doi"])}">{label}</a>'
    if "url" in entry.fields:
        return f'<a href="{escape(entry.fields["url"])}">{label}</a>'
    return label
