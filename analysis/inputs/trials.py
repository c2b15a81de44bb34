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
from analysis.inputs.files import DataError, bib_keys, display_path, load_yaml, raise_if_any
from analysis.stats.rounding import Printed, parse_printed

TRIALS = paths.DATA / "trials"
_FIGURE_FIELDS = {"id", "quantity", "printed", "report", "location", "arm", "of", "derived", "note",
                  "text", "time", "cut", "denominator"}
_REPORT_FIELDS = {"label", "bibkey", "what", "read", "note", "secondary"}
_CUT_FIELDS = {"label", "note"}
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

    @property
    def value(self) -> float:
        """The printed number on the analysis scale (proportion for percentages)."""
        if self.parsed.estimate is None:
            raise ValueError(f"figure {self.id!r} ({self.printed!r}) has no single number")
        return self.parsed.estimate.fraction

    @property
    def time_months(self) -> float:
        """The landmark time in months (``time`` field), e.g. 36.0 for "3 years"."""
        if not self.time:
            raise ValueError(f"figure {self.id!r} has no landmark time")
        return landmark_months(self.time)


@dataclass(frozen=True)
class Trial:
    name: str
    path: str
    reports: dict[str, Report]
    figures: dict[str, Figure]
    cuts: dict[str, Cut] = field(default_factory=dict)

    def figure(self, figure_id: str) -> Figure:
        try:
            return self.figures[figure_id]
        except KeyError:
            raise KeyError(f"{self.path}: no figure with id {figure_id!r}") from None

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
    """Load and validate ``<directory>/<name>.yaml``; raise ``DataError(s)`` on any problem."""
    path = Path(directory) / f"{name}.yaml"
    data = load_yaml(path)
    errors: list[DataError] = []
    if not isinstance(data, dict):
        raise DataError(path, None, "file", "expected a mapping with 'reports' and 'figures'")
    keys = bib_keys(bibliography)
    reports: dict[str, Report] = {}
    raw_reports = data.get("reports")
    if not isinstance(raw_reports, dict) or not raw_reports:
        raise DataError(path, getattr(data, "line_of", lambda k: None)("reports"), "reports", "missing or empty")
    for key, rep in raw_reports.items():
        where = raw_reports.line_of(key)
        if not isinstance(rep, dict):
            errors.append(DataError(path, where, f"reports.{key}", "expected a mapping"))
            continue
        for f in sorted(set(rep) - _REPORT_FIELDS):
            errors.append(DataError(path, rep.line_of(f), f"reports.{key}.{f}", "unknown field"))
        if rep.get("bibkey") not in keys:
            errors.append(DataError(path, rep.line_of("bibkey"), f"reports.{key}.bibkey",
                                    f"unknown BibTeX key {rep.get('bibkey')!r} (not in {display_path(bibliography)})"))
        if not isinstance(rep.get("read"), bool):
            errors.append(DataError(path, rep.line_of("read"), f"reports.{key}.read",
                                    "must be true or false (was the report's text read?)"))
        if not isinstance(rep.get("label"), str) or not rep["label"].strip():
            errors.append(DataError(path, rep.line, f"reports.{key}.label", "missing short label (e.g. 'NEJM 2024')"))
        reports[key] = Report(key=key, label=str(rep.get("label", key)), bibkey=str(rep.get("bibkey")), what=str(rep.get("what", "")),
                              read=bool(rep.get("read")), secondary=bool(rep.get("secondary", False)),
                              note=str(rep.get("note", "")))
    cuts: dict[str, Cut] = {}
    raw_cuts = data.get("cuts", {})
    if not isinstance(raw_cuts, dict):
        errors.append(DataError(path, data.line_of("cuts"), "cuts", "expected a mapping of data-cut keys"))
        raw_cuts = {}
    for key, cut in raw_cuts.items():
        if not isinstance(cut, dict) or not isinstance(cut.get("label"), str) or not cut["label"].strip():
            errors.append(DataError(path, raw_cuts.line_of(key), f"cuts.{key}.label",
                                    "missing short label (e.g. 'third interim analysis')"))
            continue
        for f in sorted(set(cut) - _CUT_FIELDS):
            errors.append(DataError(path, cut.line_of(f), f"cuts.{key}.{f}", "unknown field"))
        cuts[key] = Cut(key=key, label=cut["label"], note=str(cut.get("note", "")))
    figures: dict[str, Figure] = {}
    raw_figures = data.get("figures")
    if not isinstance(raw_figures, list):
        raise DataError(path, data.line_of("figures") if "figures" in data else None, "figures", "missing list")
    for index, fig in enumerate(raw_figures):
        if not isinstance(fig, dict):
            errors.append(DataError(path, None, f"figures[{index}]", "expected a mapping"))
            continue
        fid = fig.get("id")
        name = f"figures[{fid}]" if isinstance(fid, str) else f"figures[{index}]"

        def err(field: str, problem: str, _f=fig, _n=name) -> None:
            errors.append(DataError(path, _f.line_of(field), f"{_n}.{field}", problem))

        for f in sorted(set(fig) - _FIGURE_FIELDS):
            err(f, f"unknown field (allowed: {', '.join(sorted(_FIGURE_FIELDS))})")
        for f in ("id", "quantity", "printed", "report", "location"):
            value = fig.get(f)
            if not isinstance(value, str) or not value.strip():
                err(f, "missing (every figure needs its value as printed and where it was read)"
                    if f == "location" else "missing or not a string")
        if not isinstance(fid, str):
            continue
        if fid in figures:
            err("id", f"duplicate figure id {fid!r}")
            continue
        if isinstance(fig.get("report"), str) and fig["report"] not in reports:
            err("report", f"unknown report {fig['report']!r} (known: {', '.join(reports)})")
        is_text = fig.get("text", False)
        if not isinstance(is_text, bool):
            err("text", "must be true or false (true = the printed value is wording, not a number)")
            is_text = False
        if is_text:
            parsed = Printed(str(fig.get("printed", "")).strip(), "text", ())
        else:
            try:
                parsed = parse_printed(str(fig.get("printed", "")))
            except ValueError as exc:
                err("printed", str(exc))
                continue
        time = fig.get("time", "")
        if not isinstance(time, str):
            err("time", f"must be the time as printed, a string such as '3 years' (got {time!r})")
            time = ""
        elif time:
            try:
                landmark_months(time)
            except ValueError as exc:
                err("time", str(exc))
        cut = fig.get("cut", "")
        if cut != "" and cut not in cuts:
            err("cut", f"unknown data cut {cut!r} (known: {', '.join(cuts) or 'none; add a top-level cuts: mapping'})")
        figures[fid] = Figure(id=fid, quantity=str(fig.get("quantity", "")), printed=str(fig.get("printed")),
                              parsed=parsed, report=str(fig.get("report", "")),
                              location=str(fig.get("location", "")), arm=str(fig.get("arm", "")),
                              of=str(fig.get("of", "")), derived=bool(fig.get("derived", False)),
                              note=str(fig.get("note", "")), line=fig.line,
                              printed_line=fig.line_of("printed"), text=is_text, time=str(time),
                              cut=str(cut), denominator=str(fig.get("denominator", "")))
    for fig in figures.values():
        if not fig.of:
            continue
        whole = figures.get(fig.of)
        if whole is None:
            errors.append(DataError(path, fig.line + 0, f"figures[{fig.id}].of", f"unknown figure {fig.of!r}"))
        elif fig.parsed.estimate is not None and whole.parsed.estimate is not None \
                and fig.parsed.estimate.value > whole.parsed.estimate.value:
            errors.append(DataError(path, fig.printed_line, f"figures[{fig.id}].printed",
                                    f"count {fig.printed} exceeds its total {whole.printed} (figure {whole.id!r})"))
    for fig in figures.values():
        if not fig.denominator:
            continue
        n = figures.get(fig.denominator)
        problem = ""
        if n is None:
            problem = f"unknown figure {fig.denominator!r}"
        elif fig.parsed.estimate is None or not fig.parsed.estimate.is_percent:
            problem = f"only a printed percentage has a denominator; {fig.printed!r} is not one"
        elif n.parsed.kind != "number" or n.parsed.estimate.unit or n.parsed.estimate.decimals:
            problem = f"figure {n.id!r} ({n.printed!r}) is not a count of patients"
        if problem:
            errors.append(DataError(path, fig.line, f"figures[{fig.id}].denominator", problem))
    raise_if_any(errors)
    return Trial(name=str(data.get("trial", name)), path=display_path(path), reports=reports, figures=figures,
                 cuts=cuts)


def trial_names(directory: Path | str = TRIALS) -> list[str]:
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))
