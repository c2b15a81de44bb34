"""The commentary's textual problems (``data/errata.yaml``): loading and validation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, bib_keys, display_path, load_claims, load_yaml, normalise_text, raise_if_any

ERRATA = paths.DATA / "errata.yaml"
KINDS = ("typo", "garbled-text", "reference-details", "attribution", "wording", "scope")


@dataclass(frozen=True)
class Erratum:
    id: str
    title: str
    kind: str
    commentary: str
    problem: str
    sources: tuple[dict, ...]
    claims: tuple[str, ...]


def load_errata(path: Path | str = ERRATA, commentary: Path | str = paths.COMMENTARY,
                bibliography: Path | str = paths.BIBLIOGRAPHY, claims_path: Path | str = paths.CLAIMS) -> list[Erratum]:
    """Load and validate the errata: verbatim quotes, known kinds, BibTeX keys and claim ids."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("errata"), list):
        raise DataError(path, None, "errata", "expected a top-level 'errata:' list")
    text = normalise_text(Path(commentary).read_text(encoding="utf-8"))
    keys = bib_keys(bibliography)
    claim_ids = set(load_claims(claims_path, commentary, bibliography).ids())
    errors: list[DataError] = []
    out: list[Erratum] = []
    seen: set[str] = set()
    for index, e in enumerate(data["errata"]):
        eid = e.get("id") if isinstance(e, dict) else None
        name = f"errata[{eid or index}]"
        if not isinstance(e, dict):
            errors.append(DataError(path, None, name, "expected a mapping"))
            continue

        def err(f: str, problem: str, _e=e, _n=name) -> None:
            errors.append(DataError(path, _e.line_of(f), f"{_n}.{f}", problem))

        for f in ("id", "title", "kind", "commentary", "problem", "sources", "claims"):
            if f not in e:
                err(f, "missing field")
        if eid in seen:
            err("id", f"duplicate id {eid!r}")
        seen.add(eid)
        if e.get("kind") not in KINDS:
            err("kind", f"unknown kind {e.get('kind')!r} (allowed: {', '.join(KINDS)})")
        if normalise_text(str(e.get("commentary", ""))) not in text:
            err("commentary", f"does not occur in {display_path(commentary)}")
        for source in e.get("sources") or []:
            if not isinstance(source, dict) or source.get("bibkey") not in keys:
                err("sources", f"unknown BibTeX key {source.get('bibkey') if isinstance(source, dict) else source!r}")
            elif not str(source.get("location", "")).strip():
                err("sources", f"missing source location for {source['bibkey']}")
        for cid in e.get("claims") or []:
            if cid not in claim_ids:
                err("claims", f"unknown claim id {cid!r}")
        out.append(Erratum(id=str(eid), title=str(e.get("title", "")), kind=str(e.get("kind")), commentary=str(e.get("commentary")),
                           problem=str(e.get("problem")), sources=tuple(e.get("sources") or ()),
                           claims=tuple(e.get("claims") or ())))
    raise_if_any(errors)
    return out
