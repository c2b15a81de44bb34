"""Claim group ``all-stages``: the commentary's headline, its title "Blinatumomab may be Feasible
at All Stages of B-Cell Acute Lymphoblastic Leukemia".

The headline is a synthesis, not a number. It is judged by asking, for every disease stage it
spans and for adults and children separately, what evidence existed when the commentary was
published. The evidence is ``data/synthesis/stages.yaml``: one row per study, each with its
design and the primary work it was read in. Each stage × population cell gets the strongest
design that supported feasibility by the date. :func:`stage_coverage_verdict` turns the cells
into a verdict.

Why prospective evidence, single-arm included, is enough for "feasible"
-----------------------------------------------------------------------
"Feasible" asks whether blinatumomab can be given at that stage, as planned, with acceptable
toxicity. A prospective single-arm trial is built to answer that. Gaballa et al. 2022, which
the commentary cites, is a phase 2 study "evaluating the feasibility". The Interfant study's
primary end point was toxicity. A randomised trial answers a different question, whether it
works *better*, which the title's "may be feasible" does not claim. A retrospective series
shows only that some selected patients received the drug. It neither fixes the schedule in
advance nor captures toxicity by protocol. So it supports feasibility weakly.

The rule (``stage-coverage`` in the rulebook ``analysis.claims.rules``)
----------------------------------------------------------------------
- a cell is ``prospective`` when a randomised or single-arm prospective study published by
  the cut-off supports feasibility, ``retrospective`` when only retrospective series do,
  ``contrary`` when a prospective study found it not feasible and none found it feasible,
  and ``none`` when nothing was found;
- ``discrepant``: a whole stage (both populations) has no evidence, or any cell is
  contrary. "All stages" then fails in substance;
- ``imprecise``: every stage has prospective evidence in at least one population, but some
  cell (a stage in adults or in children) rests on retrospective series only or on nothing.
  The headline holds in substance but overstates its population;
- ``consistent``: every cell has prospective evidence by the date.
The title is never ``reproduced``: there is no number to recompute.

The citation axis: the commentary cites a work for 3 of the 5 stages. ``supported`` would
need a cited work for every stage, ``partly-supported`` needs one for some,
``not-supported`` none (:func:`citation_coverage`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analysis.claims import rules
from analysis.claims.registry import claim_group
from analysis.claims.result import Check, ClaimResult, Reproduced
from analysis.inputs import paths
from analysis.inputs.files import ClaimsRegistry, DataError, bib_keys, load_yaml, raise_if_any

CLAIM_ID = "headline-all-stages"
STAGES_FILE = Path("synthesis") / "stages.yaml"

POPULATIONS = ("adults", "children")
DESIGNS = ("randomised", "single-arm", "retrospective")
#: Designs that count as prospective evidence of feasibility (see the module docstring).
PROSPECTIVE_DESIGNS = ("randomised", "single-arm")
#: Strength order of the designs (strongest first), for the "best design" of a cell.
DESIGN_ORDER = {"randomised": 0, "single-arm": 1, "retrospective": 2}
#: Cell statuses, strongest first.
CELL_STATUSES = ("prospective", "retrospective", "none", "contrary")
#: Rule ids (the rulebook's names for these rules).
RULE_COVERAGE = "stage-coverage"
RULE_CITATION = "stage-citation-coverage"

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


# --------------------------------------------------------------------------- typed file

class CutOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received: dt.date
    published: dt.date


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_SLUG)
    label: str = Field(min_length=1)
    what: str = Field(min_length=1)
    commentary_cites: list[str]
    commentary_where: str = Field(min_length=1)
    searched: str | None = None


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_SLUG)
    study: str = Field(min_length=1)
    stage: str
    population: Literal["adults", "children"]
    design: Literal["randomised", "single-arm", "retrospective"]
    finding: Literal["supports", "contrary"]
    what: str = Field(min_length=1)
    printed: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    pmid: str | None = Field(default=None, pattern=r"^\d{6,9}$")
    pmcid: str | None = Field(default=None, pattern=r"^PMC\d+$")
    nct: str | None = Field(default=None, pattern=r"^NCT\d{8}$")
    bibkey: str | None = None
    published: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    report: Literal["full report", "abstract", "conference abstract"]
    read_in: str = Field(min_length=1)
    data_ref: str | None = None
    note: str | None = None

    @field_validator("published")
    @classmethod
    def _real_date(cls, value: str) -> str:
        _date_range(value)  # raises ValueError for e.g. 2022-13
        return value

    @property
    def published_range(self) -> tuple[dt.date, dt.date]:
        return _date_range(self.published)


def _date_range(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a partial date ('2022', '2022-11', '2022-11-16') can mean."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        nxt = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    day = dt.date(*parts)
    return day, day


@dataclass(frozen=True)
class Stages:
    """The loaded ``stages.yaml``: cut-off dates, stages in order, evidence rows."""

    path: Path
    cut_off: CutOff
    stages: tuple[Stage, ...]
    evidence: tuple[Evidence, ...]

    def stage(self, stage_id: str) -> Stage:
        return next(s for s in self.stages if s.id == stage_id)

    def by_date(self, row: Evidence) -> bool:
        """Published on or before the commentary's publication date."""
        return row.published_range[1] <= self.cut_off.published


def _pydantic_errors(path: Path, entry, label: str, exc: ValidationError) -> list[DataError]:
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or label
        top = str(err["loc"][0]) if err["loc"] else ""
        line = entry.line_of(top) if hasattr(entry, "line_of") and top else getattr(entry, "line", None)
        out.append(DataError(path, line, f"{label}.{field}" if field != label else label, err["msg"]))
    return out


def load_stages(data_dir: Path | str | None = None, bibliography: Path | str = paths.BIBLIOGRAPHY) -> Stages:
    """Read and validate ``data/synthesis/stages.yaml``; ``DataError(s)`` (file:line: field:
    problem) on any problem: unknown fields, bad identifiers or dates, unknown stage ids or
    BibTeX keys, duplicate ids, a partial date that straddles the cut-off, a population with
    no evidence row in a stage that does not say what was searched."""
    root = Path(data_dir) if data_dir is not None else paths.DATA
    path = root / STAGES_FILE
    data = load_yaml(path)
    errors: list[DataError] = []
    if not isinstance(data, dict):
        raise DataError(path, None, "file", "expected a mapping with 'cut_off', 'stages' and 'evidence'")
    for key in ("cut_off", "stages", "evidence"):
        if key not in data:
            errors.append(DataError(path, getattr(data, "line", None), key, "missing"))
    unknown = set(data) - {"cut_off", "stages", "evidence"}
    for key in sorted(unknown):
        errors.append(DataError(path, data.line_of(key), key, "unknown field"))
    raise_if_any(errors)

    try:
        cut_off = CutOff.model_validate(data["cut_off"])
    except ValidationError as exc:
        raise_if_any(_pydantic_errors(path, data["cut_off"], "cut_off", exc))
    keys = bib_keys(bibliography)

    stages: list[Stage] = []
    for i, entry in enumerate(data["stages"] or []):
        try:
            stage = Stage.model_validate(entry)
        except ValidationError as exc:
            errors += _pydantic_errors(path, entry, f"stages[{i}]", exc)
            continue
        for key in stage.commentary_cites:
            if key not in keys:
                errors.append(DataError(path, entry.line_of("commentary_cites"), f"stages[{i}].commentary_cites",
                                        f"{key!r} is not a key of {Path(bibliography).name}"))
        if any(s.id == stage.id for s in stages):
            errors.append(DataError(path, entry.line_of("id"), f"stages[{i}].id", f"duplicate id {stage.id!r}"))
        stages.append(stage)
    stage_ids = {s.id for s in stages}

    rows: list[Evidence] = []
    for i, entry in enumerate(data["evidence"] or []):
        try:
            row = Evidence.model_validate(entry)
        except ValidationError as exc:
            errors += _pydantic_errors(path, entry, f"evidence[{i}]", exc)
            continue
        where = f"evidence[{i}]"
        if row.stage not in stage_ids:
            errors.append(DataError(path, entry.line_of("stage"), f"{where}.stage",
                                    f"unknown stage {row.stage!r}; known: {sorted(stage_ids)}"))
        if row.bibkey is not None and row.bibkey not in keys:
            errors.append(DataError(path, entry.line_of("bibkey"), f"{where}.bibkey",
                                    f"{row.bibkey!r} is not a key of {Path(bibliography).name}"))
        first, last = row.published_range
        if first <= cut_off.published < last:
            errors.append(DataError(path, entry.line_of("published"), f"{where}.published",
                                    f"{row.published!r} may fall before or after the cut-off {cut_off.published}: "
                                    "give the month or day"))
        if any(r.id == row.id for r in rows):
            errors.append(DataError(path, entry.line_of("id"), f"{where}.id", f"duplicate id {row.id!r}"))
        rows.append(row)

    for i, stage in enumerate(stages):
        for population in POPULATIONS:
            if not any(r.stage == stage.id and r.population == population for r in rows) and not stage.searched:
                errors.append(DataError(path, data["stages"][i].line, f"stages[{i}].searched",
                                        f"no evidence row for {population} in {stage.id!r}: say what was searched"))
    raise_if_any(errors)
    return Stages(path=path, cut_off=cut_off, stages=tuple(stages), evidence=tuple(rows))


# --------------------------------------------------------------------------- cells and the rule

@dataclass(frozen=True)
class Cell:
    """One stage × population: its status, strongest supporting design by the date, the
    studies by the date (strongest first) and those published later (context only)."""

    stage: str
    population: str
    status: str
    best_design: str | None
    by_date: tuple[Evidence, ...]
    later: tuple[Evidence, ...]

    @property
    def label(self) -> str:
        return f"{self.stage}, {self.population}"


def cell_status(rows_by_date: Sequence[Evidence]) -> tuple[str, str | None]:
    """(status, best supporting design) of one cell from the rows published by the date."""
    supporting = [r for r in rows_by_date if r.finding == "supports"]
    best = min((r.design for r in supporting), key=DESIGN_ORDER.__getitem__, default=None)
    if any(r.design in PROSPECTIVE_DESIGNS for r in supporting):
        return "prospective", best
    if any(r.finding == "contrary" and r.design in PROSPECTIVE_DESIGNS for r in rows_by_date):
        return "contrary", best
    if supporting:
        return "retrospective", best
    return "none", None


def coverage_cells(stages: Stages) -> tuple[Cell, ...]:
    """Every stage × population cell, in stage order, adults first."""
    cells = []
    for stage in stages.stages:
        for population in POPULATIONS:
            rows = sorted((r for r in stages.evidence if r.stage == stage.id and r.population == population),
                          key=lambda r: (DESIGN_ORDER[r.design], r.published))
            early = tuple(r for r in rows if stages.by_date(r))
            late = tuple(r for r in rows if not stages.by_date(r))
            status, best = cell_status(early)
            cells.append(Cell(stage.id, population, status, best, early, late))
    return tuple(cells)


@dataclass(frozen=True)
class CoverageVerdict:
    verdict: str
    uncovered_stages: tuple[str, ...]   # no evidence in either population
    contrary: tuple[str, ...]           # cell labels
    weak: tuple[str, ...]               # cells resting on retrospective series only
    empty: tuple[str, ...]              # cells with no evidence (their stage covered elsewhere)


def stage_coverage_verdict(cells: Sequence[Cell]) -> CoverageVerdict:
    """The verdict on "feasible at all stages" from the stage × population cells (rule in the
    module docstring): discrepant if a whole stage is uncovered or any cell is contrary;
    imprecise if every stage has prospective evidence somewhere but some cell is weak or
    empty; consistent if every cell has prospective evidence."""
    verdict, uncovered, contrary, weak, empty = rules.stage_coverage(cells)
    return CoverageVerdict(verdict, uncovered, contrary, weak, empty)


def citation_coverage(stages: Stages) -> tuple[str, tuple[str, ...]]:
    """(citation value, ids of the stages the commentary cites a work for)."""
    cited = tuple(s.id for s in stages.stages if s.commentary_cites)
    return rules.stage_citation(len(cited), len(stages.stages)), cited


# --------------------------------------------------------------------------- words

DESIGN_WORDS = {"randomised": "randomised trial", "single-arm": "single-arm prospective trial",
                "retrospective": "retrospective series only"}
STATUS_OUTCOME = {"prospective": "agrees", "retrospective": "departs", "none": "departs", "contrary": "disagrees"}


def _stage_label(stages: Stages, stage_id: str) -> str:
    return stages.stage(stage_id).label


def _cell_words(stages: Stages, label: str) -> str:
    stage_id, population = label.split(", ")
    return f"{_stage_label(stages, stage_id)} in {population}"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def cell_check(stages: Stages, cell: Cell) -> Check:
    """The cell as a row of the claim's checks table."""
    stage = stages.stage(cell.stage)
    if cell.by_date:
        found = "; ".join(f"{r.study}: {r.design}, {r.published[:4]}" for r in cell.by_date)
    else:
        found = "no study found by the date"
    if cell.later:
        found += "; published later: " + "; ".join(f"{r.study}: {r.design}, {r.published[:4]}" for r in cell.later)
    note = "" if cell.status != "none" else (stage.searched or "")
    source = "; ".join(r.citation for r in cell.by_date[:1])
    return Check(label=f"{stage.label}, {cell.population}", reported="feasible", found=found,
                 agrees=None, outcome=STATUS_OUTCOME[cell.status], source=source, note=note, rule=RULE_COVERAGE)


def headline_result(claims: ClaimsRegistry, stages: Stages | None = None) -> ClaimResult:
    """The ClaimResult of the headline from the stage table."""
    claim = claims.get(CLAIM_ID)
    stages = stages or load_stages()
    cells = coverage_cells(stages)
    judged = stage_coverage_verdict(cells)
    citation, cited = citation_coverage(stages)
    n_prospective = sum(c.status == "prospective" for c in cells)
    checks = tuple(cell_check(stages, c) for c in cells)
    date = stages.cut_off.published.strftime("%-d %B %Y")
    covered = [s.label for s in stages.stages if s.id not in judged.uncovered_stages]
    parts = [f"By the commentary's publication ({date}), {n_prospective} of the {len(cells)} stage × population "
             f"cells had prospective evidence (randomised or single-arm trials) that blinatumomab can be given."]
    if judged.uncovered_stages:
        parts.append(f"No study at all covers {_join([_stage_label(stages, s) for s in judged.uncovered_stages])}, "
                     "so 'all stages' fails in substance.")
    if judged.contrary:
        parts.append("Prospective evidence found it not feasible in "
                     f"{_join([_cell_words(stages, c) for c in judged.contrary])}.")
    if judged.verdict == "imprecise":
        parts.append(f"Every stage has prospective evidence in at least one population ({len(covered)} of "
                     f"{len(stages.stages)} stages), so the headline holds in substance.")
    if judged.weak:
        parts.append(f"Only retrospective series cover {_join([_cell_words(stages, c) for c in judged.weak])}.")
    if judged.empty:
        parts.append(f"No study by the date covers {_join([_cell_words(stages, c) for c in judged.empty])}.")
    if judged.verdict == "imprecise":
        only_children = all(c.endswith(", children") for c in judged.weak + judged.empty)
        parts.append("The title's 'all stages of B-ALL' therefore overstates its population: every stage is "
                     "covered for adults, not for children." if only_children else
                     "The title's 'all stages' therefore overstates the evidence for these cells.")
    later = sorted({r.study for c in cells for r in c.later})
    if later:
        parts.append(f"Published after the commentary, not counted: {_join(later)}.")
    cited_labels = [_stage_label(stages, s) for s in cited]
    uncited = [s.label for s in stages.stages if s.id not in cited]
    citation_reason = (f"The commentary cites a work for {len(cited)} of the {len(stages.stages)} stages "
                       f"({_join(cited_labels)}); it cites none for {_join(uncited)}."
                       if uncited else "The commentary cites a work for every stage.")
    reason = " ".join(parts) + " " + citation_reason
    deciding = Reproduced("stage × population cells with prospective evidence by the publication date",
                          n_prospective / len(cells), f"{n_prospective} of {len(cells)}")
    takeaway = (f"{n_prospective} of {len(cells)} stage × population cells had prospective evidence by "
                f"{date}; "
                + ("every stage is covered in adults, " if all(
                    any(c.status == "prospective" and c.population == "adults" for c in cells if c.stage == s.id)
                    for s in stages.stages) else "")
                + f"{len(judged.weak) + len(judged.empty)} cells rest on retrospective series or nothing.")
    return ClaimResult(id=claim.id, citation=citation, verdict=judged.verdict, reason=reason,
                       reproduced=(deciding,), checks=checks, citation_reason=citation_reason,
                       extra={"cells": cells, "judged": judged, "stages": stages},
                       takeaway=takeaway, deciding=deciding, rules=(RULE_COVERAGE, RULE_CITATION))


@claim_group("all-stages", ids=[CLAIM_ID])
def evaluate_all_stages(claims: ClaimsRegistry) -> list[ClaimResult]:
    return [headline_result(claims)]


# --------------------------------------------------------------------------- page helpers

def coverage_table(stages: Stages | None = None):
    """The stage × population table as a DataFrame (rows: stages; columns: adults, children):
    each cell the strongest design by the date and the studies behind it."""
    import pandas as pd

    stages = stages or load_stages()
    cells = coverage_cells(stages)
    rows = []
    for stage in stages.stages:
        row = {"stage": stage.label}
        for population in POPULATIONS:
            cell = next(c for c in cells if c.stage == stage.id and c.population == population)
            studies = ", ".join(r.study for r in cell.by_date) or "none found"
            row[population] = (DESIGN_WORDS[cell.best_design] if cell.best_design else "no evidence") + f": {studies}"
        row["cited by the commentary"] = "yes" if stage.commentary_cites else "no"
        rows.append(row)
    return pd.DataFrame(rows)
