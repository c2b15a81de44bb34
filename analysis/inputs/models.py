"""Typed models of the report's YAML input files (pydantic v2, strict).

Each file is read with line numbers (:func:`analysis.inputs.files.load_yaml`) and validated by
one model here. The models are strict on purpose, because a report that silently reads a wrong
input is worse than one that stops:

- no coercion: ``secondary: "no"`` is an error, not ``True``; ``printed: 488`` (a number where
  the value as printed, a string, is expected) is an error; a count must be a whole number;
- unknown keys are rejected at every level (a misspelt optional field would otherwise be lost);
- values that refer to other inputs are checked with the :class:`Context` (BibTeX keys in
  ``book/references.bib``, quotes verbatim in ``data/source/commentary.txt``, claim ids in
  ``data/claims.yaml``, pages in ``_toc.yml``);
- printed values must parse and be plausible (percentages 0-100, no number above
  :data:`MAX_NUMBER`).

Rules that relate several entries (duplicate ids, a count above the count it is part of) are the
``check_*`` functions; they run once the document has its structure. Every problem becomes a
:class:`~analysis.inputs.files.DataError` naming the file, the line, the field and the problem
(the wording is :mod:`analysis.inputs.model_errors`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from analysis.inputs import paths
from analysis.inputs.files import (
    CITATION_VALUES,
    VERDICT_VALUES,
    DataError,
    bib_keys,
    display_path,
    error_at,
    locate,
    normalise_text,
    read_text,
    toc_pages,
)
from analysis.inputs.model_errors import describe, validate_at, validate_document

#: Largest number accepted in a printed value or a count (no trial or cohort comes near it).
MAX_NUMBER = 10_000_000
ERRATA_KINDS = ("typo", "garbled-text", "reference-details", "attribution", "wording", "scope")
#: The claims whose figures the cited works are checked for (``carries`` keys of cited_works.yaml).
BACKGROUND_CLAIMS = ("relapse-adults", "relapse-children", "reinduction-cr", "trm-immunotherapy")
READ_VALUES = ("full-text", "abstract", "record-only", "nothing")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
_PAGE = re.compile(r"^[a-z0-9-]+(?:/[a-z0-9-]+)*$")


# --------------------------------------------------------------------------- context
@dataclass
class Context:
    """What values in one file are checked against: other inputs, read once (``None`` = could not
    be read; the reason is in ``errors`` and the dependent checks are skipped, so a broken
    bibliography is reported once, not once per key)."""

    commentary: str | None = None
    commentary_name: str = "data/source/commentary.txt"
    bib_keys: set[str] | None = None
    bib_name: str = "book/references.bib"
    claim_ids: set[str] | None = None
    pages: set[str] | None = None
    errors: list[DataError] = field(default_factory=list)

    @classmethod
    def build(cls, commentary: Path | str | None = None, bibliography: Path | str | None = None,
              toc: Path | str | None = None, claim_ids: set[str] | None = None) -> Context:
        ctx = cls(claim_ids=claim_ids)
        if commentary is not None:
            ctx.commentary_name = display_path(commentary)
            ctx.commentary = ctx._read(lambda: normalise_text(read_text(commentary, "the commentary's text")))
        if bibliography is not None:
            ctx.bib_name = display_path(bibliography)
            ctx.bib_keys = ctx._read(lambda: bib_keys(bibliography))
        if toc is not None:
            ctx.pages = ctx._read(lambda: toc_pages(toc))
        return ctx

    def _read(self, action):
        try:
            return action()
        except DataError as exc:
            self.errors.append(exc)
            return None


def _context(info: ValidationInfo) -> Context:
    return info.context if isinstance(info.context, Context) else Context()


# --------------------------------------------------------------------------- value types
def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not a lowercase slug like 'meta-cr-rate'")
    return value


def _identifier(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an id (lowercase letters, digits, '-', '_' or '.')")
    return value


def _bibkey(value: str, info: ValidationInfo) -> str:
    ctx = _context(info)
    if ctx.bib_keys is not None and value not in ctx.bib_keys:
        raise ValueError(f"unknown BibTeX key {value!r} (not in {ctx.bib_name})")
    return value


def _verbatim(value: str, info: ValidationInfo) -> str:
    ctx = _context(info)
    _non_empty(value)
    if ctx.commentary is not None and normalise_text(value) not in ctx.commentary:
        raise ValueError(f"does not occur in the commentary ({ctx.commentary_name}): {value[:60]!r}...")
    return value


def _claim_ref(value: str, info: ValidationInfo) -> str:
    ctx = _context(info)
    if ctx.claim_ids is not None and value not in ctx.claim_ids:
        raise ValueError(f"unknown claim id {value!r} (not in data/claims.yaml)")
    return value


def one_of(values: tuple[str, ...], what: str):
    """A string that must be one of ``values``; the error says "unknown <what> 'x' (allowed: ...)"."""

    def check(value: str) -> str:
        if value not in values:
            raise ValueError(f"unknown {what} {value!r} (allowed: {', '.join(values)})")
        return value

    return Annotated[StrictStr, AfterValidator(check)]


def check_printed(text: str):
    """Parse a value as printed and check it is plausible; ``ValueError`` naming the problem."""
    from analysis.stats.rounding import parse_printed

    printed = parse_printed(text)
    for number in printed.numbers:
        if number.is_percent and not 0 <= number.value <= 100:
            raise ValueError(f"{text!r}: a percentage must lie between 0% and 100%")
        if abs(number.value) > MAX_NUMBER:
            raise ValueError(f"{text!r}: {number.value:,} is implausibly large (above {MAX_NUMBER:,})")
    return printed


def _printed(value: str) -> str:
    check_printed(value)
    return value


def _as_list(value: Any) -> Any:
    """A single identifier may be written without brackets; an empty field is no identifier."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


Text = StrictStr
NonEmpty = Annotated[StrictStr, AfterValidator(_non_empty)]
Slug = Annotated[StrictStr, AfterValidator(_slug)]
Identifier = Annotated[StrictStr, AfterValidator(_identifier)]
BibKey = Annotated[StrictStr, AfterValidator(_bibkey)]
Verbatim = Annotated[StrictStr, AfterValidator(_verbatim)]
ClaimRef = Annotated[StrictStr, AfterValidator(_claim_ref)]
PrintedValue = Annotated[StrictStr, AfterValidator(_non_empty), AfterValidator(_printed)]
Strings = Annotated[list[StrictStr], BeforeValidator(_as_list)]


class Strict(BaseModel):
    """Every model: no coercion, no unknown keys, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# --------------------------------------------------------------------------- data/claims.yaml
class Expected(Strict):
    citation: StrictStr
    verdict: StrictStr


def _expected(value: Any) -> Expected:
    """``{citation: ..., verdict: ...}``, checked as one field (its errors name ``expected``)."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a mapping {{citation: ..., verdict: ...}}, got {describe(value)}")
    unknown = sorted(str(k) for k in value if k not in ("citation", "verdict"))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (allowed: citation, verdict)")
    citation, verdict = value.get("citation"), value.get("verdict")
    if citation not in CITATION_VALUES:
        raise ValueError(f"unknown citation value {citation!r} (allowed: {', '.join(CITATION_VALUES)})")
    if verdict not in VERDICT_VALUES:
        raise ValueError(f"unknown verdict value {verdict!r} (allowed: {', '.join(VERDICT_VALUES)})")
    if (citation == "pending") != (verdict == "pending"):
        raise ValueError("'pending' must be on both axes or on neither")
    return Expected(citation=citation, verdict=verdict)


class ClaimEntry(Strict):
    """One claim: the quote, where it is analysed, and the verdicts CI holds the analysis to."""

    id: Slug
    quote: Verbatim
    section: NonEmpty
    references: list[BibKey]
    reported: list[PrintedValue]
    page: NonEmpty
    expected: Annotated[Any, AfterValidator(_expected)]

    @field_validator("page")
    @classmethod
    def _page_listed(cls, value: str, info: ValidationInfo) -> str:
        if not _PAGE.match(value):
            raise ValueError(f"{value!r} is not a page path like 'claims/meta-analysis'")
        ctx = _context(info)
        if ctx.pages is not None and value not in ctx.pages:
            raise ValueError(f"no page {value!r} in _toc.yml (the claim would link to nothing)")
        return value


class ClaimsSource(Strict):
    citation: NonEmpty
    doi: NonEmpty
    bibkey: BibKey
    licence: Text = ""


class ClaimsFile(Strict):
    source: ClaimsSource
    claims: Annotated[list[ClaimEntry], Field(min_length=1)]


def check_claims(model: ClaimsFile, doc: Any, path: Path) -> list[DataError]:
    errors = []
    seen: dict[str, int] = {}
    for i, claim in enumerate(model.claims):
        if claim.id in seen:
            first = locate(doc, ("claims", seen[claim.id], "id"))
            errors.append(error_at(path, doc, ("claims", i, "id"),
                                   f"duplicate claim id {claim.id!r} (first at line {first})"))
        seen.setdefault(claim.id, i)
    return errors


# --------------------------------------------------------------------------- data/errata.yaml
class ErratumSource(Strict):
    bibkey: BibKey
    location: NonEmpty
    says: NonEmpty


class ErratumEntry(Strict):
    id: Slug
    title: NonEmpty
    kind: one_of(ERRATA_KINDS, "kind")
    commentary: Verbatim
    problem: NonEmpty
    sources: list[ErratumSource]
    claims: list[ClaimRef]


class ErrataFile(Strict):
    errata: list[ErratumEntry]


def check_errata(model: ErrataFile, doc: Any, path: Path) -> list[DataError]:
    return _duplicates(path, doc, "errata", [e.id for e in model.errata], "id")


# --------------------------------------------------------------------------- data/trials/*.yaml, published.yaml
class TrialReport(Strict):
    label: NonEmpty
    bibkey: BibKey
    what: Text = ""
    read: StrictBool
    secondary: StrictBool = False
    note: Text = ""


class TrialCut(Strict):
    label: NonEmpty
    note: Text = ""


class FigureEntry(Strict):
    """One figure as printed in one report. ``text`` comes first: it decides how ``printed`` is read."""

    text: StrictBool = False
    id: Identifier
    quantity: NonEmpty
    printed: NonEmpty
    report: NonEmpty
    location: NonEmpty
    arm: Text = ""
    of: Text = ""
    derived: StrictBool = False
    note: Text = ""
    time: Text = ""
    cut: Text = ""
    denominator: Text = ""

    @field_validator("printed")
    @classmethod
    def _parsable(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("text", True) is False:  # absent from data when `text` itself is invalid
            check_printed(value)
        return value

    @field_validator("time")
    @classmethod
    def _landmark(cls, value: str) -> str:
        if value:
            from analysis.inputs.trials import landmark_months

            landmark_months(value)
        return value


class HazardRatioPair(Strict):
    hr: NonEmpty
    p: NonEmpty | None = None


class LandmarkArm(Strict):
    landmark: NonEmpty
    n: NonEmpty


class TrialComparisons(Strict):
    """Which figures the consistency checks compare (curation as data, not code): each hazard ratio
    with the P printed beside it, each landmark with the arm size it must be attainable from, the
    control-arm landmarks of the same analysis as the printed median and of a later one, and the
    experimental arm's landmarks."""

    hazard_ratios: list[HazardRatioPair] = []
    km_landmarks: list[LandmarkArm] = []
    same_cut_control: list[NonEmpty] = []
    later_cut_control: list[NonEmpty] = []
    experimental_landmarks: list[NonEmpty] = []


class TrialFile(Strict):
    trial: NonEmpty
    nct: Text = ""
    cuts: dict[StrictStr, TrialCut] = {}
    reports: Annotated[dict[StrictStr, TrialReport], Field(min_length=1)]
    figures: Annotated[list[FigureEntry], Field(min_length=1)]
    comparisons: TrialComparisons | None = None


def check_trial(model: TrialFile, doc: Any, path: Path) -> list[DataError]:
    """Figure ids unique; ``report``, ``cut``, ``of`` and ``denominator`` name what exists; a count
    no larger than the count it is part of; a denominator only for a percentage, and a count."""
    from analysis.stats.rounding import parse_printed

    errors = _duplicates(path, doc, "figures", [f.id for f in model.figures], "id", "figure id")
    by_id = {f.id: f for f in reversed(model.figures)}
    parsed = {f.id: parse_printed(f.printed) for f in model.figures if not f.text}

    def err(i: int, name: str, problem: str) -> None:
        errors.append(error_at(path, doc, ("figures", i, name), problem))

    for i, fig in enumerate(model.figures):
        if fig.report not in model.reports:
            err(i, "report", f"unknown report {fig.report!r} (known: {', '.join(model.reports)})")
        if fig.cut and fig.cut not in model.cuts:
            known = ", ".join(model.cuts) or "none; add a top-level cuts: mapping"
            err(i, "cut", f"unknown data cut {fig.cut!r} (known: {known})")
        if fig.of:
            whole = by_id.get(fig.of)
            mine, theirs = parsed.get(fig.id), parsed.get(fig.of)
            if whole is None:
                err(i, "of", f"unknown figure {fig.of!r}")
            elif mine and theirs and mine.estimate is not None and theirs.estimate is not None \
                    and mine.estimate.value > theirs.estimate.value:
                err(i, "printed", f"count {fig.printed} exceeds its total {whole.printed} (figure {whole.id!r})")
        if fig.denominator:
            n, mine = by_id.get(fig.denominator), parsed.get(fig.id)
            theirs = parsed.get(fig.denominator)
            if n is None:
                err(i, "denominator", f"unknown figure {fig.denominator!r}")
            elif mine is None or mine.estimate is None or not mine.estimate.is_percent:
                err(i, "denominator", f"only a printed percentage has a denominator; {fig.printed!r} is not one")
            elif theirs is None or theirs.kind != "number" or theirs.estimate.unit or theirs.estimate.decimals:
                err(i, "denominator", f"figure {n.id!r} ({n.printed!r}) is not a count of patients")
    if model.comparisons is not None:
        c = model.comparisons
        refs = [(("comparisons", "hazard_ratios", i, "hr"), x.hr) for i, x in enumerate(c.hazard_ratios)]
        refs += [(("comparisons", "hazard_ratios", i, "p"), x.p) for i, x in enumerate(c.hazard_ratios) if x.p]
        refs += [(("comparisons", "km_landmarks", i, k), getattr(x, k)) for i, x in enumerate(c.km_landmarks)
                 for k in ("landmark", "n")]
        refs += [(("comparisons", name, i), v) for name in ("same_cut_control", "later_cut_control",
                                                            "experimental_landmarks")
                 for i, v in enumerate(getattr(c, name))]
        from analysis.inputs.requirements import printed_kind as _printed_kind

        # the form each compared figure must keep (a hazard ratio with its interval, ...)
        forms = {"hr": ("estimate-ci",), "p": ("number",), "landmark": ("number%",), "n": ("number",)}
        for where, figure_id in refs:
            if figure_id not in by_id:
                errors.append(error_at(path, doc, where, f"unknown figure {figure_id!r}"))
                continue
            role = where[-1] if isinstance(where[-1], str) else "landmark"
            fig = by_id[figure_id]
            kind = "text" if fig.text else (_printed_kind(parsed[figure_id]) if figure_id in parsed else "text")
            if kind not in forms[role]:
                errors.append(error_at(path, doc, where, f"figure {figure_id!r} is printed as {fig.printed!r}; the "
                                       f"check needs {' or '.join(forms[role])}"))
    return errors


# --------------------------------------------------------------------------- data/background/cited_works.yaml
class Carry(Strict):
    prints: StrictBool
    why: NonEmpty


def _background_claim(value: str) -> str:
    if value not in BACKGROUND_CLAIMS:
        raise ValueError(f"{value!r} is not a claim of the background group (allowed: {', '.join(BACKGROUND_CLAIMS)})")
    return value


class CitedWorkEntry(Strict):
    bibkey: BibKey
    number: Annotated[StrictInt, Field(ge=1, le=1000)]
    as_cited: Annotated[list[Verbatim], Field(min_length=1)]
    found: StrictBool
    read: one_of(READ_VALUES, "value")
    reports: Text
    location: Text
    carries: dict[Annotated[StrictStr, AfterValidator(_background_claim)], Carry]


class CitedWorksFile(Strict):
    works: list[CitedWorkEntry]


def check_cited_works(model: CitedWorksFile, doc: Any, path: Path) -> list[DataError]:
    errors = _duplicates(path, doc, "works", [w.bibkey for w in model.works], "bibkey", "work")
    errors += _duplicates(path, doc, "works", [w.number for w in model.works], "number", "reference number")
    for i, work in enumerate(model.works):
        if not work.found and work.read != "nothing":
            errors.append(error_at(path, doc, ("works", i, "read"), "a work that was not found cannot have been read"))
        for cid, carry in work.carries.items():
            if carry.prints and work.read not in ("full-text", "abstract"):
                errors.append(error_at(path, doc, ("works", i, "carries", cid, "prints"),
                                       f"{cid}: a work whose text was not read cannot be said to print the figure"))
    return errors


# --------------------------------------------------------------------------- data/source_keys.yaml
class SourceKeyEntry(Strict):
    bibkey: BibKey
    doi: Strings = []
    pmid: Strings = []
    pmcid: Strings = []
    nct: Strings = []
    also: Strings = []
    names: Strings = []
    used_in: Strings = []
    note: Text = ""


class SourceKeysFile(Strict):
    works: list[SourceKeyEntry]


def check_source_keys(model: SourceKeysFile, doc: Any, path: Path) -> list[DataError]:
    return _duplicates(path, doc, "works", [w.bibkey for w in model.works], "bibkey", "BibTeX key", "listed twice")


# --------------------------------------------------------------------------- shared helpers
def _duplicates(path: Path, doc: Any, listing: str, values: list, name: str, what: str = "id",
                problem: str = "") -> list[DataError]:
    first: dict[Any, int] = {}
    errors = []
    for i, value in enumerate(values):
        if value in first:
            text = problem or f"duplicate {what} {value!r}"
            errors.append(error_at(path, doc, (listing, i, name),
                                   f"{text} (first at line {locate(doc, (listing, first[value], name))})"))
        first.setdefault(value, i)
    return errors


__all__ = ["Context", "ClaimsFile", "ErrataFile", "TrialFile", "CitedWorksFile", "SourceKeysFile",
           "validate_document", "validate_at", "check_claims", "check_errata", "check_trial", "check_cited_works",
           "check_source_keys", "check_printed", "MAX_NUMBER", "paths"]
