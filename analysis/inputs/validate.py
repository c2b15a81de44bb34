"""Validate every input file of the report; collect the problems as one-line messages."""

from __future__ import annotations

from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, DataErrors, load_claims
from analysis.inputs.tables import available_tables, load_table, unregistered_tables
from analysis.inputs.trials import load_trial, trial_names


def _collect(errors: list[str], action) -> None:
    try:
        action()
    except DataErrors as exc:
        errors.extend(str(e) for e in exc.errors)
    except DataError as exc:
        errors.append(str(exc))


def validate_all(data_dir: Path | str = paths.DATA) -> list[str]:
    """Every problem in claims.yaml, the trial files, the CSV tables and source_keys.yaml (empty list = valid)."""
    data_dir = Path(data_dir)
    errors: list[str] = []
    _collect(errors, lambda: load_claims(data_dir / "claims.yaml"))
    from analysis.inputs.errata import load_errata

    if (data_dir / "errata.yaml").exists():
        _collect(errors, lambda: load_errata(data_dir / "errata.yaml", claims_path=data_dir / "claims.yaml"))
    for name in trial_names(data_dir / "trials"):
        _collect(errors, lambda name=name: load_trial(name, data_dir / "trials"))
    if (data_dir / "meta_analysis" / "published.yaml").exists():  # the cited meta-analysis's printed figures
        _collect(errors, lambda: load_trial("published", data_dir / "meta_analysis"))
    if (data_dir / "background" / "cited_works.yaml").exists():
        from analysis.inputs.cited_works import load_cited_works

        _collect(errors, lambda: load_cited_works(data_dir))
    from analysis.inputs.sources import load_source_keys

    _collect(errors, lambda: load_source_keys(data_dir=data_dir))  # every source a data row names has a BibTeX key
    for table in available_tables(data_dir):
        _collect(errors, lambda table=table: load_table(table, data_dir))
    for extra in unregistered_tables(data_dir):
        errors.append(str(DataError(Path(data_dir, extra), None, "file",
                                    "no schema covers this table (add it to analysis/schemas.py)")))
    return errors
