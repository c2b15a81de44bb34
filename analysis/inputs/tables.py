"""Schemas of the CSV tables in ``data/`` (pandera) and their loader with one-line errors.

A table is read as text (UTF-8, a byte-order mark stripped) with Python's ``csv`` module, so
that every record keeps the line it starts on and a row with too many or too few fields is
named, not shifted. Cells stay strings ("0.50" stays "0.50", an empty cell stays empty) while
pandera validates them against the column's declared kind (:class:`Col`); then the table is
typed from the same declaration: ``count`` columns become nullable integers, ``flag`` columns
booleans (only the words ``true`` and ``false``: ``no`` is an error, never a truth value).
Rules pandera cannot say per column are checked after it: an event count above its total, a
count without the location it was read at, a count without its ``derived`` flag, duplicate ids.

Every problem is reported as ``file:line: column: problem``; the header is line 1, so data
row 1 is line 2.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.inputs import paths
from analysis.inputs.files import DataError, display_path, raise_if_any, read_text
from analysis.inputs.models import MAX_NUMBER

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b)")


@dataclass(frozen=True)
class Col:
    """One column: its kind (``text``, ``count`` or ``flag``) and the rules its cells obey."""

    kind: str = "text"
    required: bool = False
    pattern: str | None = None
    values: tuple[str, ...] | None = None
    error: str = ""
    percentages: bool = False  # printed percentages in the text must lie in [0, 100]

    def __post_init__(self) -> None:
        if self.kind not in ("text", "count", "flag"):
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "text" and self.values is not None and set(self.values) <= {"true", "false", "yes", "no"}:
            raise ValueError("a true/false column is a flag (_flag()): as text, 'false' would be a true value")

    def rules(self) -> list[str]:
        out = ["required"] if self.required else []
        if self.kind == "count":
            out.append(f"a whole number from 0 to {MAX_NUMBER:,}, or empty when not known")
        elif self.kind == "flag":
            out.append("true or false" + ("" if self.required else ", or empty"))
        if self.pattern:
            out.append(self.error or f"must match {self.pattern}")
        if self.values is not None:
            out.append(f"one of: {', '.join(self.values)}")
        if self.percentages:
            out.append("percentages between 0% and 100%")
        return out

    def column(self) -> pa.Column:
        checks = []
        if self.required:
            checks.append(pa.Check(lambda s: s.str.strip() != "", error="must not be empty"))
        if self.kind == "count":
            checks.append(pa.Check.str_matches(r"^(\d+)?$", error="must be a whole number (or empty when not known)"))
            checks.append(pa.Check(lambda s: s.map(lambda v: not v.isdigit() or int(v) <= MAX_NUMBER),
                                   error=f"is implausibly large (above {MAX_NUMBER:,})"))
        if self.kind == "flag":
            values = ("true", "false") + (() if self.required else ("",))
            checks.append(pa.Check.isin(values, error="must be true or false (the words, lowercase)"))
        if self.pattern:
            checks.append(pa.Check.str_matches(self.pattern, error=self.error or f"must match {self.pattern}"))
        if self.values is not None:
            allowed = self.values + (() if self.required else ("",))
            checks.append(pa.Check.isin(allowed, error=f"must be one of: {', '.join(self.values)}"))
        if self.percentages:
            checks.append(pa.Check(lambda s: s.map(lambda v: all(float(m) <= 100 for m in _PERCENT.findall(v))),
                                   error="a percentage must lie between 0% and 100%"))
        # no dtype check: every cell is a str by construction (read_csv), and pandera's per-cell
        # type check of object columns is most of its run time
        return pa.Column(None, checks=checks, nullable=False)


def _text(required: bool = False, pattern: str | None = None, values: tuple[str, ...] | None = None,
          error: str = "") -> Col:
    return Col("text", required, pattern, values, error)


def _count() -> Col:
    return Col("count")


def _flag(required: bool = False) -> Col:
    return Col("flag", required)


@dataclass(frozen=True)
class TableSpec:
    """A CSV table: its columns, count pairs (events, total) and what each count needs."""

    name: str
    columns: dict[str, Col]
    pairs: tuple[tuple[str, str], ...] = ()
    count_needs: dict = field(default_factory=dict)  # count column -> (location column, derived column)
    key: str = ""
    whole_pairs: bool = False  # events and total are given together or not at all

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        return pa.DataFrameSchema({name: col.column() for name, col in self.columns.items()},
                                  strict=True, ordered=True)


_ID = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"
_DOI = r"^(10\.\d{4,9}/\S+)?$"
_PMID = r"^(\d{6,9})?$"

STUDIES = TableSpec(
    name="meta_analysis/studies.csv",
    key="study_id",
    columns={
        "study_id": _text(True, _ID, error="must be a lowercase slug"),
        "label": _text(True),
        "first_author": _text(True),
        "year": _text(True, r"^(19[5-9]\d|20\d\d)$", error="must be a 4-digit year from 1950"),
        "journal": _text(),
        "doi": _text(pattern=_DOI, error="must be a bare DOI like 10.1056/NEJMoa1609783"),
        "pmid": _text(pattern=_PMID, error="must be a bare PubMed id"),
        "nct": _text(pattern=r"^(NCT\d{8})?$", error="must be an NCT number like NCT02013167"),
        "design": _text(True, values=("rct-arm", "phase3-single-arm", "phase2-single-arm", "phase1-2-single-arm",
                                      "phase1b-single-arm", "expanded-access", "retrospective-multicentre",
                                      "retrospective-single-centre")),
        "prospective": _flag(required=True),
        "population": _text(True, values=("adult", "paediatric", "mixed")),
        "ph_status": _text(True, values=("negative", "positive", "mixed", "unknown")),
        "setting": _text(True, values=("rr-active", "mrd-positive", "consolidation-in-remission",
                                       "post-blinatumomab-failure", "mixed")),
        "n_patients": _count(),
        "n_location": _text(),
        "cr_events": _count(),
        "cr_total": _count(),
        "cr_definition": _text(values=("CR", "CR/CRh", "CR/CRh/CRi", "CR/CRi", "M1", "response-unspecified")),
        "cr_derived": _flag(),
        "cr_location": _text(),
        "mrd_responders": _count(),
        "mrd_evaluable": _count(),
        "mrd_derived": _flag(),
        "mrd_location": _text(),
        "notes": _text(),
    },
    pairs=(("cr_events", "cr_total"), ("mrd_responders", "mrd_evaluable")),
    count_needs={"n_patients": ("n_location", None), "cr_events": ("cr_location", "cr_derived"),
                 "mrd_responders": ("mrd_location", "mrd_derived")},
    whole_pairs=True,
)

OUTCOME_VARIANTS = TableSpec(
    name="meta_analysis/outcome_variants.csv",
    columns={
        "study_id": _text(True, _ID, error="must be a lowercase slug"),
        "outcome": _text(True, values=("cr", "mrd")),
        "primary": _flag(required=True),
        "response": _text(True, values=("CR", "CR/CRh", "CR/CRh/CRi", "CR/CRi", "M1", "response-unspecified", "MRD")),
        "denominator": _text(True, values=("randomised", "treated", "evaluable", "responders-assessed",
                                           "mrd-evaluable")),
        "scope": _text(True, values=("rr", "mrd-positive", "consolidation")),
        "cohort": _text(True, values=("whole", "subset", "interim")),
        "hypothetical": _flag(required=True),
        "definition": _text(True),
        "events": _count(),
        "total": _count(),
        "derived": _flag(),
        "location": _text(),
        "notes": _text(),
    },
    pairs=(("events", "total"),),
    count_needs={"events": ("location", "derived"), "total": ("location", None)},
    whole_pairs=True,
)

_BACKGROUND_BASE = {
    "row_id": _text(True, _ID, error="must be a lowercase slug"),
    "quantity": _text(True),
    "population": _text(True, values=("adult", "paediatric", "mixed")),
    "setting": _text(),
    "group": _text(),
    "events": _count(),
    "total": _count(),
    "reported": Col("text", percentages=True),
    "derived": _flag(),
    "study": _text(True),
    "doi": _text(pattern=_DOI, error="must be a bare DOI"),
    "pmid": _text(pattern=_PMID, error="must be a bare PubMed id"),
    "location": _text(True),
    "quote": _text(),
    "notes": _text(),
}


def _background(name: str, extra: dict | None = None) -> TableSpec:
    return TableSpec(name=f"background/{name}", key="row_id", columns={**_BACKGROUND_BASE, **(extra or {})},
                     pairs=(("events", "total"),), count_needs={"events": ("location", "derived")})


TABLES: dict[str, TableSpec] = {t.name: t for t in (
    STUDIES,
    OUTCOME_VARIANTS,
    _background("adult_relapse.csv"),
    _background("paediatric_relapse.csv"),
    _background("salvage_cr.csv", {"salvage_line": _text(True, values=("first", "second-or-later", "mixed")),
                                   "design": _text(True, values=("randomised-control-arm", "cohort-series"))}),
    _background("blinatumomab_fatal_events.csv",
                {"attribution": _text(True, values=("treatment-related", "any-cause"))}),
)}


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class CsvRows:
    """A CSV file as read: the header, the well-formed records and the line each starts on."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    errors: list[DataError]
    keys: list[str] = field(default_factory=list)  # the first cell of every record, well-formed or not

    def records(self) -> list[tuple[int, dict[str, str]]]:
        return [(line, dict(zip(self.header, row, strict=True)))
                for line, row in zip(self.lines, self.rows, strict=True)]


def read_csv(path: Path | str) -> CsvRows:
    """Read a CSV file; a record with a wrong number of fields is left out and named (its line,
    the columns it lacks or the values it has too many). Raises ``DataError`` for an unreadable,
    empty or non-UTF-8 file and for a malformed header."""
    path = Path(path)
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[DataError] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise DataError(path, reader.line_num or 1, "csv", str(exc)) from None
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DataError(path, 1, "header", f"column {repeated[0]!r} appears twice")
    rows, lines, keys = [], [], []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(DataError(path, start, "csv", str(exc)))
            break
        if record:  # a blank line is no record
            keys.append(record[0])
            if len(record) == len(header):
                rows.append(record)
                lines.append(start)
            elif len(record) > len(header):
                extra = record[len(header):]
                errors.append(DataError(path, start, "fields", f"{len(record)} values where the header has "
                                        f"{len(header)} columns (extra: {', '.join(repr(v[:30]) for v in extra)})"))
            else:
                missing = header[len(record):]
                errors.append(DataError(path, start, "fields", f"{len(record)} values where the header has "
                                        f"{len(header)} columns (missing: {', '.join(missing)})"))
        start = reader.line_num + 1
    return CsvRows(path, header, rows, lines, errors, keys)


def load_table(name: str, data_dir: Path | str = paths.DATA) -> pd.DataFrame:
    """Read and validate one table of ``TABLES`` (e.g. ``"meta_analysis/studies.csv"``).

    Returns a typed DataFrame; raises ``DataError``/``DataErrors`` with one line per problem.
    """
    spec = TABLES[name]
    path = Path(data_dir) / name
    read = read_csv(path)
    expected = list(spec.columns)
    if read.header != expected:
        missing = [c for c in expected if c not in read.header]
        extra = [c for c in read.header if c not in expected]
        problem = "; ".join(p for p in (f"missing {', '.join(missing)}" if missing else "",
                                        f"unknown {', '.join(extra)}" if extra else "",
                                        "columns out of order (expected: " + ", ".join(expected) + ")"
                                        if not (missing or extra) else "") if p)
        raise DataError(path, 1, "header", problem)
    errors = list(read.errors)
    if not read.rows and not errors:
        raise DataError(path, None, "file", "no data rows (only a header)")
    frame = pd.DataFrame(read.rows, columns=expected, dtype=str) if read.rows else pd.DataFrame(
        {c: pd.Series([], dtype=str) for c in expected})

    def line(index) -> int:
        return read.lines[int(index)]

    try:
        spec.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.sort_values(["index", "column"], na_position="first", kind="stable")
        for _, case in cases.iterrows():
            where = line(case["index"]) if pd.notna(case["index"]) else None
            value, check = case["failure_case"], str(case["check"])
            problem = check if value in ("", None) else f"{value!r} {check}"
            errors.append(DataError(path, where, str(case["column"]), problem))
    if spec.key:
        first: dict[str, int] = {}
        for index, value in frame[spec.key].items():
            if value in first:
                errors.append(DataError(path, line(index), spec.key,
                                        f"duplicate id {value!r} (first at line {first[value]})"))
            first.setdefault(value, line(index))
    raise_if_any(errors)
    typed = frame.copy()
    for column, col in spec.columns.items():
        if col.kind == "count":
            typed[column] = pd.array([int(v) if v != "" else pd.NA for v in frame[column]], dtype="Int64")
        elif col.kind == "flag":
            typed[column] = pd.array([{"true": True, "false": False}.get(v, pd.NA) for v in frame[column]],
                                     dtype="boolean")
    for events, total in spec.pairs:
        for index in typed.index:
            e, t = typed.at[index, events], typed.at[index, total]
            if pd.notna(e) and pd.notna(t) and e > t:
                errors.append(DataError(path, line(index), events, f"{e} events exceed {total} {t}"))
            if pd.notna(t) and t == 0:
                errors.append(DataError(path, line(index), total, "a total of 0 cannot be analysed"))
            if spec.whole_pairs and pd.isna(e) != pd.isna(t):
                given, empty = (events, total) if pd.notna(e) else (total, events)
                errors.append(DataError(path, line(index), empty, f"empty while {given} is given: a count and its "
                                        "total are given together or not at all"))
    for count, (location, derived) in spec.count_needs.items():
        for index in typed.index:
            if pd.isna(typed.at[index, count]):
                continue
            if not frame.at[index, location].strip():
                errors.append(DataError(path, line(index), location,
                                        f"missing source location for {count} = {typed.at[index, count]}"))
            if derived and pd.isna(typed.at[index, derived]):
                errors.append(DataError(path, line(index), derived,
                                        f"must say true or false: was {count} computed from a percentage?"))
    raise_if_any(errors)
    return typed


def available_tables(data_dir: Path | str = paths.DATA) -> list[str]:
    """The registered tables that exist under ``data_dir``."""
    return [name for name in TABLES if (Path(data_dir) / name).exists()]


def unregistered_tables(data_dir: Path | str = paths.DATA) -> list[str]:
    """CSV files under ``data_dir`` that no schema covers (each is a validation error)."""
    root = Path(data_dir)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.csv") if str(p.relative_to(root)) not in TABLES)


def describe(name: str) -> pd.DataFrame:
    """A table's schema for display: column, rule."""
    rows = [{"column": column, "rules": "; ".join(col.rules()) or "free text"}
            for column, col in TABLES[name].columns.items()]
    return pd.DataFrame(rows)


__all__ = ["TABLES", "TableSpec", "Col", "CsvRows", "read_csv", "load_table", "available_tables",
           "unregistered_tables", "describe", "display_path"]
