"""Validate every input of the report; collect the problems as one-line messages.

``validate_all`` reads every data file through its typed model or table schema and then checks
what relates files to each other, so that ``python -m analysis validate`` fails on everything
``verify`` or the book build would otherwise fail on (or, worse, silently accept):

- each file on its own: ``claims.yaml``, ``errata.yaml``, ``trials/*.yaml``,
  ``meta_analysis/published.yaml``, ``background/cited_works.yaml``, ``source_keys.yaml`` (typed
  models, :mod:`analysis.inputs.models`) and every CSV table (:mod:`analysis.inputs.tables`);
  a CSV file no schema covers is an error;
- the shared inputs they refer to: ``data/source/commentary.txt`` (quotes are verbatim),
  ``book/references.bib`` (parsed by pybtex; every key a data file names exists), ``_toc.yml``
  (every claim's ``page`` is listed, every listed page exists);
- no value carries HTML markup or a script URL (the pages escape everything they show; this
  refuses it at the door as well);
- the meta-analysis specifications (``meta_analysis/specifications.yaml``) and the cross-checks of
  the candidate tables (:mod:`analysis.stats.specifications`);
- across files: each ``study_id`` of ``outcome_variants.csv`` is a study of ``studies.csv``; every
  claim an evaluator declares is in ``claims.yaml``; every id the code looks up exists
  (:mod:`analysis.inputs.requirements`).

Each problem is printed once, sorted by file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, DataErrors, MissingInput, load_claims, toc_pages, unique_sorted

#: Data files the report cannot be built without (besides the tables and the trial files the code needs).
_REQUIRED = "not found (the report needs it)"
REQUIRED_FILES = ("claims.yaml", "errata.yaml", "source/commentary.txt", "source_keys.yaml",
                  "meta_analysis/published.yaml", "meta_analysis/specifications.yaml", "background/cited_works.yaml",
                  "background/selection.yaml", "synthesis/stages.yaml")


def _collect(errors: list[DataError], action) -> object:
    try:
        return action()
    except DataErrors as exc:
        errors.extend(exc.errors)
    except DataError as exc:
        errors.append(exc)
    except MissingInput as exc:
        errors.append(exc.error)
    return None


def _declared_claims() -> None:
    """Declare, as requirements on ``claims.yaml``, the claim ids every evaluator group covers."""
    from analysis.claims.registry import groups
    from analysis.inputs.requirements import require

    for group in groups().values():
        module = getattr(group.function, "__module__", "") or group.name
        require("claims.yaml", group.ids, by=module.replace(".", "/") + ".py")


def _variant_studies(data_dir: Path) -> list[DataError]:
    """Every ``study_id`` of ``outcome_variants.csv`` names a study of ``studies.csv``."""
    from analysis.inputs.tables import read_csv

    studies = read_csv(data_dir / "meta_analysis" / "studies.csv")
    if not studies.rows:  # an empty or broken table is reported once, by its own check
        return []
    known = set(studies.keys)
    variants = read_csv(data_dir / "meta_analysis" / "outcome_variants.csv")
    return [DataError(variants.path, line, "study_id", f"unknown study {cells['study_id']!r} (not in "
                      "meta_analysis/studies.csv)")
            for line, cells in variants.records() if cells["study_id"] and cells["study_id"] not in known]


#: HTML tags, comments or processing instructions, and script URL schemes: never data.
MARKUP = re.compile(r"<\s*[A-Za-z!/?]|\b(?:javascript|vbscript)\s*:", re.IGNORECASE)


def _markup_problem(text: str) -> str:
    found = MARKUP.search(text)
    return f"markup is not data: {text[found.start():found.start() + 40]!r} (write it as plain text)"


def _markup(data_dir: Path) -> list[DataError]:
    """No data value carries HTML or a script URL. Every page escapes what it shows (analysis/report);
    this refuses such input at the door as well, so a hostile value fails ``validate`` and CI."""
    from analysis.inputs.files import error_at, load_yaml
    from analysis.inputs.tables import read_csv

    errors: list[DataError] = []

    def walk(path: Path, doc, node, loc: tuple) -> None:
        if isinstance(node, str) and MARKUP.search(node):
            errors.append(error_at(path, doc, loc, _markup_problem(node), item_prefix=False))
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and MARKUP.search(key):
                    errors.append(error_at(path, doc, loc + (key,), _markup_problem(key)))
                walk(path, doc, value, loc + (key,))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(path, doc, value, loc + (index,))

    for path in sorted(data_dir.rglob("*.yaml")):
        try:
            doc = load_yaml(path)
        except DataError:
            continue  # reported by the file's own check
        walk(path, doc, doc, ())
    for path in sorted(data_dir.rglob("*.csv")):
        try:
            table = read_csv(path)
        except DataError:
            continue
        for line, cells in table.records():
            errors += [DataError(path, line, column, _markup_problem(value))
                       for column, value in cells.items() if MARKUP.search(value)]
    return errors


def _toc_files(toc: Path, book_root: Path) -> list[DataError]:
    """Every page ``_toc.yml`` lists exists as a MyST or notebook file."""
    return [DataError(toc, None, "file", f"page {page!r} is listed but book/{page}.md does not exist")
            for page in sorted(toc_pages(toc))
            if not any((book_root / f"{page}{suffix}").exists() for suffix in (".md", ".ipynb"))]


def validate_errors(data_dir: Path | str = paths.DATA, bibliography: Path | str = paths.BIBLIOGRAPHY,
                    toc: Path | str = paths.TOC) -> list[DataError]:
    """Every problem in the inputs, as ``DataError``s (each once, sorted); empty = valid."""
    from analysis.inputs.cited_works import load_cited_works
    from analysis.inputs.errata import load_errata
    from analysis.inputs.requirements import check_kinds, check_requirements
    from analysis.inputs.sources import load_source_keys
    from analysis.inputs.tables import TABLES, load_table, unregistered_tables
    from analysis.inputs.trials import load_trial, trial_names

    data_dir, bibliography, toc = Path(data_dir), Path(bibliography), Path(toc)
    commentary = data_dir / "source" / "commentary.txt"
    errors: list[DataError] = []
    for name in REQUIRED_FILES:
        if not (data_dir / name).is_file():
            errors.append(DataError(data_dir / name, None, "file", _REQUIRED))
    if toc.is_file():
        _collect(errors, lambda: errors.extend(_toc_files(toc, toc.parent / "book")))
    else:
        errors.append(DataError(toc, None, "file", "not found (the book's table of contents)"))
    claims_path = data_dir / "claims.yaml"
    if claims_path.is_file():
        _collect(errors, lambda: load_claims(claims_path, commentary, bibliography, toc if toc.is_file() else None))
    if (data_dir / "errata.yaml").is_file():
        _collect(errors, lambda: load_errata(data_dir / "errata.yaml", commentary, bibliography, claims_path))
    for name in trial_names(data_dir / "trials"):
        _collect(errors, lambda name=name: load_trial(name, data_dir / "trials", bibliography))
    if (data_dir / "meta_analysis" / "published.yaml").is_file():  # the cited meta-analysis's printed figures
        _collect(errors, lambda: load_trial("published", data_dir / "meta_analysis", bibliography))
    if (data_dir / "background" / "cited_works.yaml").is_file():
        _collect(errors, lambda: load_cited_works(data_dir, commentary, bibliography))
    if (data_dir / "source_keys.yaml").is_file():
        _collect(errors, lambda: load_source_keys(data_dir=data_dir, bibliography=bibliography))
    for table in TABLES:
        _collect(errors, lambda table=table: load_table(table, data_dir))
    for extra in unregistered_tables(data_dir):
        errors.append(DataError(Path(data_dir, extra), None, "file",
                                "no schema covers this table (add it to analysis/inputs/tables.py)"))
    if (data_dir / "background" / "selection.yaml").is_file():  # how the pages use every background row
        from analysis.inputs.selection import load_selection

        _collect(errors, lambda: load_selection(data_dir))
    if (data_dir / "synthesis" / "stages.yaml").is_file():  # the evidence for the headline, stage by stage
        from analysis.claims.synthesis import load_stages

        _collect(errors, lambda: load_stages(data_dir, bibliography))
    _collect(errors, lambda: errors.extend(_variant_studies(data_dir)))
    if (data_dir / "meta_analysis" / "specifications.yaml").is_file():  # study sets, definitions, models
        from analysis.stats.specifications import load_candidates, load_specifications

        _collect(errors, lambda: load_specifications(data_dir))
        if not any(e.file.endswith(("studies.csv", "outcome_variants.csv")) for e in errors):
            _collect(errors, lambda: load_candidates(data_dir))  # the tables' cross-checks, once they load
    _collect(errors, lambda: errors.extend(_markup(data_dir)))
    _declared_claims()
    _collect(errors, lambda: errors.extend(check_requirements(data_dir)))
    _collect(errors, lambda: errors.extend(check_kinds(data_dir, bibliography)))
    return _one_missing_file_error(unique_sorted(errors))


def _one_missing_file_error(errors: list[DataError]) -> list[DataError]:
    """A missing file is reported once, by the check that says best what needs it."""
    missing: dict[str, DataError] = {}
    for error in errors:
        if error.field == "file" and error.problem.startswith("not found"):
            kept = missing.get(error.file)
            if kept is None or kept.problem == _REQUIRED:
                missing[error.file] = error
    return [e for e in errors if not (e.field == "file" and e.problem.startswith("not found"))
            or missing[e.file] is e]


def validate_all(data_dir: Path | str = paths.DATA, bibliography: Path | str = paths.BIBLIOGRAPHY,
                 toc: Path | str = paths.TOC) -> list[str]:
    """Every problem in the inputs as one line ``file:line: field: problem`` (empty list = valid)."""
    return [str(e) for e in validate_errors(data_dir, bibliography, toc)]
