"""Short, readable labels and links for BibTeX keys (for HTML built by the pages).

Sphinx renders ``{cite}`` roles in prose; HTML assembled in code cells (claim headers, the
ledger, the citation audit) needs the same works named the same way: "Litzow et al. 2022",
linked to the DOI when there is one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from analysis.inputs import paths


@lru_cache(maxsize=4)
def _entries(path: str) -> dict:
    from analysis.inputs.files import parsed_bibliography

    return dict(parsed_bibliography(path).entries)


def _plain(text: str) -> str:
    """A BibTeX name part as a reader sees it: LaTeX accents decoded (``G{\\"o}kbuget`` ->
    Gökbuget, via pybtex's own codec, latexcodec) and grouping braces dropped."""
    import codecs

    import latexcodec  # noqa: F401  (registers the 'ulatex' codec)

    try:
        text = codecs.decode(text, "ulatex")
    except (UnicodeDecodeError, ValueError, LookupError):
        pass
    return text.replace("{", "").replace("}", "").strip()


def short_label(key: str, bibliography: Path | str = paths.BIBLIOGRAPHY) -> str:
    """'Litzow et al. 2022', 'Liu & Wu 2023', 'U.S. Food and Drug Administration 2024'.

    Author-year labels as in the Vancouver/APA convention: one author by name, two joined by
    '&', three or more -- or an author list truncated with BibTeX's ``and others`` -- as
    'First et al.'. The von part stays with the surname ('von Stackelberg et al.'); a work
    with no year in its record shows 'n.d.'.
    """
    entry = _entries(str(bibliography))[key]
    people = list(entry.persons.get("author", []))
    truncated = bool(people) and _is_others(people[-1])
    if truncated:
        people = people[:-1]
    year = entry.fields.get("year", "n.d.")
    if not people:
        return f"{key} {year}"
    # Only the names the label shows are decoded (the first two at most: decoding is slow).
    names = [_plain(" ".join(p.prelast_names + p.last_names) or " ".join(p.first_names)) for p in people[:2]]
    if len(people) == 1 and not truncated:
        who = names[0]
    elif len(people) == 2 and not truncated:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {year}"


def _is_others(person) -> bool:
    """pybtex reads the BibTeX keyword ``and others`` as a person named 'others'."""
    return not person.first_names and not person.prelast_names and [n.lower() for n in person.last_names] == ["others"]


def entry_url(key: str, bibliography: Path | str | None = None) -> str | None:
    """Where a reference can be read: ``doi:<doi>`` when the entry has a DOI, else its ``url``
    field, else None. Not yet checked: pages pass it through ``analysis.report.html.safe_url``."""
    entry = _entries(str(bibliography if bibliography is not None else paths.BIBLIOGRAPHY))[key]
    if "doi" in entry.fields:
        return f"doi:{entry.fields['doi']}"
    return entry.fields.get("url")

