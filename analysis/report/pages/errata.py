"""Values of ``book/errata.md``: the commentary's textual problems, from ``data/errata.yaml``."""

from __future__ import annotations

PAGE = "errata"


def page_values(errata) -> dict:
    """Counts the errata page states."""
    return {"n": len(errata), "n-reference": sum(e.kind == "reference-details" for e in errata)}


def claim_pages(claims) -> dict[str, str]:
    """Each claim's section, as a link from a page in book/ ("claims/e1910.html#e1910-arms")."""
    return {c.id: f"{c.page}.html#{c.id}" for c in claims}
