"""The commentary's references and what of each was read (``data/background/cited_works.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import load_yaml, raise_if_any
from analysis.inputs.models import (
    BACKGROUND_CLAIMS,
    READ_VALUES,
    CitedWorksFile,
    Context,
    check_cited_works,
    validate_document,
)

__all__ = ["BACKGROUND_CLAIMS", "READ_VALUES", "CitedWork", "load_cited_works"]


def _data(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else paths.DATA


@dataclass(frozen=True)
class CitedWork:
    """One reference of the commentary and what of it was read."""

    bibkey: str
    number: int
    as_cited: tuple[str, ...]
    found: bool
    read: str
    reports: str
    location: str
    carries: dict = field(default_factory=dict)

    @property
    def text_read(self) -> bool:
        """True when some of the work's text (abstract or full text) was read."""
        return self.found and self.read in ("full-text", "abstract")

    @property
    def as_cited_text(self) -> str:
        return " ".join(self.as_cited)


def load_cited_works(data_dir: Path | str | None = None, commentary: Path | str | None = None,
                     bibliography: Path | str = paths.BIBLIOGRAPHY) -> dict[str, CitedWork]:
    """Load and validate ``background/cited_works.yaml`` (:class:`analysis.inputs.models.CitedWorksFile`);
    keyed by BibTeX key.

    Raises ``DataError``(s) naming the line and field: unknown BibTeX key, a reference text
    not in the commentary, an unknown ``read`` value, a work that prints a figure without
    having been read, duplicate keys or numbers.
    """
    root = _data(data_dir)
    path = root / "background" / "cited_works.yaml"
    commentary = Path(commentary) if commentary else root / "source" / "commentary.txt"
    context = Context.build(commentary=commentary, bibliography=bibliography)
    doc = load_yaml(path)
    model, errors = validate_document(CitedWorksFile, doc, path, context)
    if model is not None:
        errors += check_cited_works(model, doc, path)
    raise_if_any(context.errors + errors)
    return {w.bibkey: CitedWork(bibkey=w.bibkey, number=w.number, as_cited=tuple(w.as_cited), found=w.found,
                                read=w.read, reports=w.reports, location=w.location,
                                carries={k: c.model_dump() for k, c in w.carries.items()})
            for w in model.works}
