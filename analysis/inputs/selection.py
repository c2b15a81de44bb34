"""How the claim pages use every row of the background tables: ``data/background/selection.yaml``.

The curation of the background evidence (which published figure is compared with a claim, which
is context, which series enters which pool, which row supersedes another) is data, not code. Every
row of each table has exactly one entry and every entry names a row of its table, so renaming a row
id fails validation instead of silently dropping a check. Errors are one line each,
``file:line: field: problem``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from analysis.inputs import paths
from analysis.inputs.files import DataError, load_yaml, raise_if_any
from analysis.inputs.models import validate_at

RELAPSE_USES = ("check", "context", "words")
#: The allowed ``use`` values of each table.
USES = {
    "adult_relapse.csv": RELAPSE_USES,
    "paediatric_relapse.csv": RELAPSE_USES,
    "salvage_cr.csv": ("pool", "alternative", "excluded"),
    "blinatumomab_fatal_events.csv": ("pool", "comparator", "excluded", "guideline"),
}
#: Salvage pools a row may be restricted to, and the data sensitivity analyses a row may be dropped in.
SALVAGE_POOLS = ("first", "second-or-later", "randomised", "cohort", "all")
SALVAGE_SENSITIVITY = ("without GRAALL", "without LALA-94")


class RowUse(BaseModel):
    """How one row is used (see the file's header for each field)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    use: str
    why: str = Field(min_length=3)
    label: str | None = None
    complement: bool = False
    pool_only: Literal["first", "second-or-later", "randomised", "cohort", "all"] | None = None
    alternative_of: str | None = None
    superseded_by: str | None = None
    subset_of: str | None = None
    sensitivity: list[Literal["without GRAALL", "without LALA-94"]] = []
    #: study design of a pooled fatal-events row (the table has no design column): for the certainty rating
    design: Literal["randomised", "single-arm"] | None = None


def load_selection(data_dir: Path | str | None = None, tables: dict[str, list[str]] | None = None
                   ) -> dict[str, dict[str, RowUse]]:
    """``{table: {row_id: RowUse}}``, validated against the tables' row ids.

    ``tables`` maps each table name to its row ids (read from the CSV files when omitted).
    """
    root = Path(data_dir) if data_dir is not None else paths.DATA
    path = root / "background" / "selection.yaml"
    data = load_yaml(path)
    errors: list[DataError] = []
    if not isinstance(data, dict):
        raise DataError(path, None, "file", "expected a mapping of table names")
    if tables is None:
        from analysis.inputs.tables import read_csv

        tables = {}
        for name in USES:  # every record's id, well-formed or not (the table's own check reports the rest)
            table = read_csv(root / "background" / name)
            if table.header[:1] != ["row_id"]:
                raise DataError(table.path, 1, "header", "the first column must be row_id")
            tables[name] = table.keys
    out: dict[str, dict[str, RowUse]] = {}
    for name in data:
        if name not in USES:
            errors.append(DataError(path, data.line_of(name), name, f"unknown table (allowed: {', '.join(USES)})"))
    for name, allowed in USES.items():
        entries = data.get(name)
        if not isinstance(entries, dict):
            errors.append(DataError(path, data.line_of(name) if name in data else None, name,
                                    "missing or not a mapping of row ids"))
            continue
        rows = tables[name]
        out[name] = {}
        for row_id, spec in entries.items():
            line = entries.line_of(row_id)
            where = f"{name}.{row_id}"
            if row_id not in rows:
                errors.append(DataError(path, line, where, f"no row {row_id!r} in background/{name}"))
                continue
            if not isinstance(spec, dict):
                errors.append(DataError(path, line, where, "expected a mapping {use: ..., why: ...}"))
                continue
            use, problems = validate_at(RowUse, spec, path, data, (name, row_id))
            if use is None:
                errors.extend(problems)
                continue
            if use.use not in allowed:
                errors.append(DataError(path, spec.line_of("use"), f"{where}.use",
                                        f"{use.use!r} is not allowed here (allowed: {', '.join(allowed)})"))
            for ref in ("alternative_of", "superseded_by", "subset_of"):
                target = getattr(use, ref)
                if target is not None and target not in rows:
                    errors.append(DataError(path, spec.line_of(ref), f"{where}.{ref}",
                                            f"no row {target!r} in background/{name}"))
            if name == "blinatumomab_fatal_events.csv" and use.use == "pool" and use.design is None:
                errors.append(DataError(path, line, f"{where}.design", "a pooled row needs its study design "
                                        "(randomised or single-arm)"))
            if use.complement and use.use != "context":
                errors.append(DataError(path, spec.line_of("complement"), f"{where}.complement",
                                        "only a context row can be drawn as a complement"))
            out[name][row_id] = use
        for row_id in rows:
            if row_id not in entries:
                errors.append(DataError(path, entries.line, name,
                                        f"row {row_id!r} of background/{name} has no entry (say how it is used)"))
    raise_if_any(errors)
    return out
