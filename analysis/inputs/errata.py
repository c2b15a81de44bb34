"""The commentary's textual problems (``data/errata.yaml``): loading and validation.

The file's model is :class:`analysis.inputs.models.ErrataFile`: each entry quotes the
commentary verbatim, has a known ``kind``, names its sources (BibTeX key, where read and what
the source ``says``, all three required) and the claims it affects (ids of ``data/claims.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import claim_ids, load_yaml, raise_if_any
from analysis.inputs.models import ERRATA_KINDS, Context, ErrataFile, check_errata, validate_document

ERRATA = paths.DATA / "errata.yaml"
KINDS = ERRATA_KINDS


@dataclass(frozen=True)
class Erratum:
    id: str
    title: str
    kind: str
    commentary: str
    problem: str
    sources: tuple[dict, ...]   # each {bibkey, location, says}
    claims: tuple[str, ...]


def load_errata(path: Path | str = ERRATA, commentary: Path | str = paths.COMMENTARY,
                bibliography: Path | str = paths.BIBLIOGRAPHY, claims_path: Path | str = paths.CLAIMS) -> list[Erratum]:
    """Load and validate the errata: verbatim quotes, known kinds, BibTeX keys and claim ids.

    The claim ids are read from ``claims_path`` without validating it again (its own problems
    are reported once, by :func:`analysis.inputs.files.load_claims`).
    """
    path = Path(path)
    context = Context.build(commentary=commentary, bibliography=bibliography, claim_ids=claim_ids(claims_path))
    doc = load_yaml(path)
    model, errors = validate_document(ErrataFile, doc, path, context)
    if model is not None:
        errors += check_errata(model, doc, path)
    raise_if_any(context.errors + errors)
    return [Erratum(id=e.id, title=e.title, kind=e.kind, commentary=e.commentary, problem=e.problem,
                    sources=tuple(s.model_dump() for s in e.sources), claims=tuple(e.claims))
            for e in model.errata]
