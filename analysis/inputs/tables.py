"""Schemas of the CSV tables in ``data/`` (pandera) and their loader with one-line errors.

Tables are read with every cell as a string (so "0.50" stays "0.50" and an empty cell stays
empty), validated with pandera, then typed: whole-number columns become nullable integers,
``true``/``false`` columns booleans. Cross-field rules pandera cannot say per column are
checked after it: an event count above its total, a count without the location it was read
at, a count without its ``derived`` flag.

Every problem is reported as ``file:row R (line L): column: problem`` (``R`` counts data rows
from 1; ``L`` is the line in the file, header = line 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.inputs import paths
from analysis.inputs.files import DataError, display_path, raise_if_any

WHOLE = r"^(\d+)?$"
BOOL = ("true", "false", "")


def _text(required: bool = False, pattern: str | None = None, values: tuple[str, ...] | None = None,
          error: str = "") -> pa.Column:
    checks = []
    if required:
        checks.append(pa.Check(lambda s: s.str.strip() != "", element_wise=False, error="must not be empty"))
    if pattern:
        checks.append(pa.Check.str_matches(pattern, error=error or f"must match {pattern}"))
    if values is not None:
        allowed = values + (() if required else ("",))
        checks.append(pa.Check.isin(allowed, error=f"must be one of: {', '.join(v for v in values)}"))
    return pa.Column(str, checks=checks, nullable=False)


def _count() -> pa.Column:
    return _text(pattern=WHOLE, error="must be a whole number (or empty when not known)")


def _flag() -> pa.Column:
    return _text(values=("true", "false"))


@dataclass(frozen=True)
class TableSpec:
    """A CSV table: its pandera schema, count pairs (events, total) and what each count needs."""

    name: str
    schema: pa.DataFrameSchema
    pairs: tuple[tuple[str, str], ...] = ()
    count_needs: dict = field(default_factory=dict)  # count column -> (location column, derived column)
    key: str = ""


_ID = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"
_DOI = r"^(10\.\d{4,9}/\S+)?$"
_PMID = r"^(\d{6,9})?$"

STUDIES = TableSpec(
    name="meta_analysis/studies.csv",
    key="study_id",
    schema=pa.DataFrameSchema({
        "study_id": _text(True, _ID, error="must be a lowercase slug"),
        "label": _text(True),
        "first_author": _text(True),
        "year": _text(True, r"^\d{4}$", error="must be a 4-digit year"),
        "journal": _text(),
        "doi": _text(pattern=_DOI, error="must be a bare DOI like 10.1056/NEJMoa1609783"),
        "pmid": _text(pattern=_PMID, error="must be a bare PubMed id"),
        "nct": _text(pattern=r"^(NCT\d{8})?$", error="must be an NCT number like NCT02013167"),
        "design": _text(True, values=("rct-arm", "phase3-single-arm", "phase2-single-arm", "phase1-2-single-arm",
                                      "phase1b-single-arm", "expanded-access", "retrospective-multicentre",
                                      "retrospective-single-centre")),
        "prospective": _text(True, values=("true", "false")),
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
    }, strict=True, ordered=True),
    pairs=(("cr_events", "cr_total"), ("mrd_responders", "mrd_evaluable")),
    count_needs={"n_patients": ("n_location", None), "cr_events": ("cr_location", "cr_derived"),
                 "mrd_responders": ("mrd_location", "mrd_derived")},
)

OUTCOME_VARIANTS = TableSpec(
    name="meta_analysis/outcome_variants.csv",
    schema=pa.DataFrameSchema({
        "study_id": _text(True, _ID, error="must be a lowercase slug"),
        "outcome": _text(True, values=("cr", "mrd")),
        "primary": _text(True, values=("true", "false")),
        "response": _text(True, values=("CR", "CR/CRh", "CR/CRh/CRi", "CR/CRi", "M1", "response-unspecified", "MRD")),
        "denominator": _text(True, values=("randomised", "treated", "evaluable", "responders-assessed", "mrd-evaluable")),
        "scope": _text(True, values=("rr", "mrd-positive", "consolidation")),
        "cohort": _text(True, values=("whole", "subset", "interim")),
        "hypothetical": _text(True, values=("true", "false")),
        "definition": _text(True),
        "events": _count(),
        "total": _count(),
        "derived": _flag(),
        "location": _text(),
        "notes": _text(),
    }, strict=True, ordered=True),
    pairs=(("events", "total"),),
    count_needs={"events": ("location", "derived"), "total": ("location", None)},
)

_BACKGROUND_BASE = {
    "row_id": _text(True, _ID, error="must be a lowercase slug"),
    "quantity": _text(True),
    "population": _text(True, values=("adult", "paediatric", "mixed")),
    "setting": _text(),
    "group": _text(),
    "events": _count(),
    "total": _count(),
    "reported": _text(),
    "derived": _flag(),
    "study": _text(True),
    "doi": _text(pattern=_DOI, error="must be a bare DOI"),
    "pmid": _text(pattern=_PMID, error="must be a bare PubMed id"),
    "location": _text(True),
    "quote": _text(),
    "notes": _text(),
}


def _background(name: str, extra: dict | None = None) -> TableSpec:
    return TableSpec(name=f"background/{name}", key="row_id",
                     schema=pa.DataFrameSchema({**_BACKGROUND_BASE, **(extra or {})}, strict=True, ordered=True),
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


def _where(index: int) -> str:
    return f"row {index + 1} (line {index + 2})"


def load_table(name: str, data_dir: Path | str = paths.DATA) -> pd.DataFrame:
    """Read and validate one table of ``TABLES`` (e.g. ``"meta_analysis/studies.csv"``).

    Returns a typed DataFrame; raises ``DataError``/``DataErrors`` with one line per problem.
    """
    spec = TABLES[name]
    path = Path(data_dir) / name
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataError(path, None, "file", "not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(path, None, "csv", str(exc).splitlines()[0]) from None
    expected = list(spec.schema.columns)
    if list(frame.columns) != expected:
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        problem = "; ".join(p for p in (f"missing {missing}" if missing else "",
                                        f"unexpected {extra}" if extra else "",
                                        "columns out of order" if not (missing or extra) else "") if p)
        raise DataError(path, 1, "header", problem)
    errors: list[DataError] = []
    try:
        spec.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.sort_values(["index", "column"], na_position="first", kind="stable")
        for _, case in cases.iterrows():
            index = case["index"]
            where = _where(int(index)) if pd.notna(index) else None
            check = str(case["check"])
            errors.append(DataError(path, where, str(case["column"]), f"{case['failure_case']!r} {check}"))
    if spec.key:
        dup = frame[spec.key][frame[spec.key].duplicated()]
        for index, value in dup.items():
            errors.append(DataError(path, _where(index), spec.key, f"duplicate id {value!r}"))
    raise_if_any(errors)
    typed = frame.copy()
    for column, col in spec.schema.columns.items():
        if any(getattr(c, "error", "") and "whole number" in c.error for c in col.checks):
            typed[column] = pd.array([int(v) if v != "" else pd.NA for v in frame[column]], dtype="Int64")
        elif any(getattr(c, "error", "") and c.error.startswith("must be one of: true, false") for c in col.checks):
            typed[column] = pd.array([{"true": True, "false": False}.get(v, pd.NA) for v in frame[column]], dtype="boolean")
    for events, total in spec.pairs:
        for index in typed.index:
            e, t = typed.at[index, events], typed.at[index, total]
            if pd.notna(e) and pd.notna(t) and e > t:
                errors.append(DataError(path, _where(index), events, f"{e} events exceed {total} {t}"))
            if pd.notna(t) and t == 0:
                errors.append(DataError(path, _where(index), total, "a total of 0 cannot be analysed"))
    for count, (location, derived) in spec.count_needs.items():
        for index in typed.index:
            if pd.isna(typed.at[index, count]):
                continue
            if not frame.at[index, location].strip():
                errors.append(DataError(path, _where(index), location,
                                        f"missing source location for {count} = {typed.at[index, count]}"))
            if derived and pd.isna(typed.at[index, derived]):
                errors.append(DataError(path, _where(index), derived,
                                        f"must say true/false: was {count} computed from a percentage?"))
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
    rows = []
    for column, col in TABLES[name].schema.columns.items():
        rules = [c.error for c in col.checks if getattr(c, "error", None)]
        rows.append({"column": column, "rules": "; ".join(rules) or "free text"})
    return pd.DataFrame(rows)


__all__ = ["TABLES", "TableSpec", "load_table", "available_tables", "unregistered_tables", "describe",
           "display_path"]
