"""Trial figure files (``data/trials/*.yaml``): loading, validation and look-up.

A trial file lists the reports of one trial (``reports``) and every figure read in them
(``figures``), each with the value *as printed* and where it was read. Validation rejects, with
one line naming file, line and field: a missing source location, an unknown report, a printed
value this report cannot parse, a duplicate figure id, and a count above the count it is part
of (``of:``).

Optional fields of a figure, each validated:

- ``text: true`` -- the printed value is wording (e.g. "BCR::ABL1-negative"), kept verbatim and
  never parsed as a number;
- ``time`` -- the landmark time of a survival estimate as printed ("3 years", "12 months");
  ``Figure.time_months`` converts it (1 year = 12 months);
- ``cut`` -- the data cut (analysis) the figure belongs to, a key of the file's top-level
  ``cuts`` mapping, so that figures from different analyses are not mixed silently;
- ``denominator`` -- for a printed percentage, the id of the figure holding the number of
  patients it is a percentage of (used for GRIM / Kaplan-Meier attainability checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, MissingInput, display_path, load_yaml, locate, raise_if_any
from analysis.stats.rounding import Printed, parse_printed

TRIALS = paths.DATA / "trials"
_MONTHS_PER = {"month": 1.0, "months": 1.0, "year": 12.0, "years": 12.0}


def landmark_months(text: str) -> float:
    """A printed landmark time in months: "3 years" -> 36.0, "12 months" -> 12.0, "1 year" -> 12.0.

    Raises ``ValueError`` naming the text when it is not one number with a unit of months or years.
    """
    from analysis.stats.rounding import parse_number

    try:
        num = parse_number(text)
    except ValueError:
        raise ValueError(f"time {text!r} is not a printed time (expected e.g. '3 years' or '12 months')") from None
    if num.comparator:
        raise ValueError(f"time {text!r} is a bound, not a landmark time")
    factor = _MONTHS_PER.get(num.unit.strip().lower())
    if factor is None:
        raise ValueError(f"time {text!r} has unit {num.unit!r}; expected months or years")
    return float(num.value) * factor


@dataclass(frozen=True)
class Report:
    key: str
    label: str
    bibkey: str
    what: str
    read: bool
    secondary: bool = False
    note: str = ""


@dataclass(frozen=True)
class Cut:
    """One data cut (analysis) of a trial: its short label and what is known about it."""

    key: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class Figure:
    id: str
    quantity: str
    printed: str
    parsed: Printed
    report: str
    location: str
    arm: str = ""
    of: str = ""
    derived: bool = False
    note: str = ""
    line: int = 0
    printed_line: int = 0
    text: bool = False
    time: str = ""
    cut: str = ""
    denominator: str = ""
    path: str = ""  # the file it was read from (errors name it)

    def error(self, field: str, problem: str) -> DataError:
        """A one-line error about this figure, naming its file, line and field (for callers that find
        the figure unusable for what they need, e.g. a number where wording is printed)."""
        line = self.printed_line if field == "printed" else self.line
        return DataError(self.path or "trial file", line or None, f"figures[{self.id}].{field}", problem)

    @property
    def value(self) -> float:
        """The printed number on the analysis scale (proportion for percentages)."""
        if self.parsed.estimate is None:
            raise self.error("printed", f"{self.printed!r} has no single number, and the analysis needs one")
        return self.parsed.estimate.fraction

    @property
    def time_months(self) -> float:
        """The landmark time in months (``time`` field), e.g. 36.0 for "3 years"."""
        if not self.time:
            raise self.error("time", "missing: the analysis needs the landmark time of this figure")
        return landmark_months(self.time)


@dataclass(frozen=True)
class Trial:
    name: str
    path: str
    reports: dict[str, Report]
    figures: dict[str, Figure]
    cuts: dict[str, Cut] = field(default_factory=dict)
    #: which figures the consistency checks compare (``comparisons:`` of the trial file), or None
    comparisons: object = None

    def figure(self, figure_id: str) -> Figure:
        try:
            return self.figures[figure_id]
        except KeyError:
            raise MissingInput(DataError(self.path, None, "figures",
                                         f"no figure with id {figure_id!r} (the analysis needs it)")) from None

    def table(self, figure_ids: list[str] | None = None):
        """The figures as a DataFrame for display: quantity, arm, as printed, report, where read."""
        import pandas as pd

        ids = figure_ids or list(self.figures)
        rows = []
        for f in map(self.figure, ids):
            row = {"figure": f.id, "quantity": f.quantity, "arm": f.arm or "–", "as printed": f.printed}
            if any(self.figure(i).time for i in ids):
                row["at"] = f.time or "–"
            if self.cuts and any(self.figure(i).cut for i in ids):
                row["analysis"] = self.cuts[f.cut].label if f.cut else "–"
            row.update({"report": self.reports[f.report].label, "where read": f.location,
                        "derived": "yes" if f.derived else "no"})
            rows.append(row)
        return pd.DataFrame(rows)

    def cites(self, figure_id: str) -> str:
        """Where a figure was read, for display: 'NEJM 2024, PMID 39047240, abstract (Results)'."""
        fig = self.figure(figure_id)
        return f"{self.reports[fig.report].label}, {fig.location}"


def load_trial(name: str, directory: Path | str = TRIALS,
               bibliography: Path | str = paths.BIBLIOGRAPHY) -> Trial:
    """Load and validate ``<directory>/<name>.yaml`` (:class:`analysis.inputs.models.TrialFile`);
    raise ``DataError(s)`` on any problem."""
    from analysis.inputs.models import Context, TrialFile, check_trial, validate_document

    path = Path(directory) / f"{name}.yaml"
    context = Context.build(bibliography=bibliography)
    doc = load_yaml(path)
    model, errors = validate_document(TrialFile, doc, path, context)
    if model is not None:
        errors += check_trial(model, doc, path)
    raise_if_any(context.errors + errors)
    reports = {key: Report(key=key, label=r.label, bibkey=r.bibkey, what=r.what, read=r.read,
                           secondary=r.secondary, note=r.note) for key, r in model.reports.items()}
    cuts = {key: Cut(key=key, label=c.label, note=c.note) for key, c in model.cuts.items()}
    figures: dict[str, Figure] = {}
    for i, f in enumerate(model.figures):
        parsed = Printed(f.printed.strip(), "text", ()) if f.text else parse_printed(f.printed)
        figures[f.id] = Figure(id=f.id, quantity=f.quantity, printed=f.printed, parsed=parsed, report=f.report,
                               location=f.location, arm=f.arm, of=f.of, derived=f.derived, note=f.note,
                               line=locate(doc, ("figures", i)) or 0,
                               printed_line=locate(doc, ("figures", i, "printed")) or 0, text=f.text,
                               time=f.time, cut=f.cut, denominator=f.denominator, path=display_path(path))
    return Trial(name=model.trial, path=display_path(path), reports=reports, figures=figures, cuts=cuts,
                 comparisons=model.comparisons)


def trial_names(directory: Path | str = TRIALS) -> list[str]:
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))
