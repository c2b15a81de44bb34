"""The ids the analysis looks up in the data files, checked by ``validate``.

An evaluator that looks a figure or a row up by its id (``trial.figure("enrolled")``, a
``row_id`` in a selection rule) depends on that id existing. Without this check a renamed row
is silently dropped from a pool or a list of checks (a check that vanishes is worse than one that
fails). So every such id is declared, per data file and per user, and ``validate`` fails, naming
the id, the file and who needs it, when one is missing::

    data/trials/e1910.yaml: figures: no figure 'enrolled' (needed by analysis/claims/e1910.py)

Declarations come from two places, merged:

- ``required_ids.yaml`` beside this module: the ids the code looked up when it was written
  (collected from the literals of each module; ``tests/inputs/test_requirements.py`` fails when
  a module uses an id of its data files that the list lacks);
- :func:`require`, called by a module at import time to declare its needs in code::

      require("background/salvage_cr.csv", ["graall-cr2"], by=__name__)

What an "id" is depends on the file: a figure id in a trial file (``trials/*.yaml``,
``meta_analysis/published.yaml``), the key column of a CSV table (``row_id``, ``study_id``), a
claim id in ``claims.yaml``, an erratum id in ``errata.yaml``, a BibTeX key in
``background/cited_works.yaml``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, load_yaml, read_text

REQUIRED_IDS = Path(__file__).with_name("required_ids.yaml")
REQUIRED_KINDS = Path(__file__).with_name("required_kinds.yaml")
#: What each kind of printed value is called in an error.
KIND_NAMES = {"number": "a number", "number%": "a percentage", "range": "a range", "range%": "a range of percentages",
              "estimate-ci": "an estimate with its interval", "estimate-ci%": "a percentage with its interval",
              "bound": "a bound", "bound%": "a bound on a percentage", "text": "wording (text: true)"}

_DECLARED: dict[str, dict[str, set[str]]] = {}


def require(file: str, ids: Iterable[str], by: str) -> None:
    """Declare that ``by`` (a module or page) looks up ``ids`` in ``file`` (relative to ``data/``)."""
    needs = _DECLARED.setdefault(file, {})
    for item in ids:
        needs.setdefault(str(item), set()).add(str(by))


def _listed(path: Path = REQUIRED_IDS) -> dict[str, dict[str, set[str]]]:
    """``required_ids.yaml``: {data file: {user: [ids]}} as {data file: {id: {users}}}."""
    doc = load_yaml(path)
    out: dict[str, dict[str, set[str]]] = {}
    problems = []
    if not isinstance(doc, dict):
        raise DataError(path, None, "file", "expected a mapping {data file: {user: [ids]}}")
    for file, users in doc.items():
        if not isinstance(users, dict):
            problems.append(DataError(path, doc.line_of(file), str(file), "expected a mapping {user: [ids]}"))
            continue
        for user, ids in users.items():
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                problems.append(DataError(path, users.line_of(user), f"{file}.{user}", "expected a list of ids"))
                continue
            for item in ids:
                out.setdefault(str(file), {}).setdefault(item, set()).add(str(user))
    if problems:
        raise problems[0]
    return out


def requirements() -> dict[str, dict[str, set[str]]]:
    """Every declared need: {data file: {id: {users}}} (the list file and :func:`require` merged)."""
    merged = {file: {i: set(users) for i, users in ids.items()} for file, ids in _listed().items()}
    for file, ids in _DECLARED.items():
        for item, users in ids.items():
            merged.setdefault(file, {}).setdefault(item, set()).update(users)
    return merged


#: file (relative to data/) or folder prefix -> (what the ids are called, how they are read)
def _kind(file: str) -> tuple[str, str]:
    if file.endswith(".csv"):
        return "row", "csv"
    if file.startswith("trials/") or file == "meta_analysis/published.yaml":
        return "figure", "figures"
    return {"claims.yaml": ("claim", "claims"), "errata.yaml": ("erratum", "errata"),
            "background/cited_works.yaml": ("work", "works")}.get(file, ("id", ""))


def ids_in(file: str, data_dir: Path | str = paths.DATA) -> set[str]:
    """The ids a data file defines (read leniently: the file's own check reports its problems)."""
    path = Path(data_dir) / file
    what, how = _kind(file)
    if how == "csv":
        from analysis.inputs.tables import TABLES

        spec = TABLES.get(file)
        key = spec.key if spec else ""
        rows = csv.DictReader(io.StringIO(read_text(path), newline=""))
        return {row.get(key) or "" for row in rows} - {""}
    doc = load_yaml(path)
    entries = doc.get(how) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return set()
    field = "bibkey" if how == "works" else "id"
    return {e[field] for e in entries if isinstance(e, dict) and isinstance(e.get(field), str)}


def printed_kind(parsed) -> str:
    """The form of a parsed printed value as the analysis reads it: ``number``, ``range``,
    ``estimate-ci``, ``bound`` (``%`` appended for percentages) or ``text``."""
    if parsed.kind == "text":
        return "text"
    return parsed.kind + ("%" if any(n.is_percent for n in parsed.numbers) else "")


def figure_kind(figure) -> str:
    """:func:`printed_kind` of a trial figure (``text`` for a figure marked ``text: true``)."""
    return "text" if figure.text else printed_kind(figure.parsed)


def _names(kinds: list[str]) -> str:
    return ", ".join(KIND_NAMES.get(k, k) for k in kinds) or "no values"


def _check_reported(path: Path, expected: dict, needs: dict) -> list[DataError]:
    """Each claim the code needs still reports the values, in the forms, the code reads."""
    from analysis.inputs.files import error_at
    from analysis.stats.rounding import parse_printed

    doc = load_yaml(path)
    entries = doc.get("claims") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return []
    errors = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("id") not in expected:
            continue
        reported = entry.get("reported")
        try:
            found = [printed_kind(parse_printed(v)) for v in reported]
        except (TypeError, ValueError):
            continue  # reported by the claims file's own check
        kinds = list(expected[entry["id"]])
        if found != kinds:
            users = ", ".join(sorted(needs.get(entry["id"], ()))) or "the analysis"
            errors.append(error_at(path, doc, ("claims", index, "reported"),
                                   f"{_names(found)}; {users} read{'s' if ', ' not in users else ''} "
                                   f"{len(kinds)} value(s): {_names(kinds)}", item_prefix=False))
    return errors


def check_kinds(data_dir: Path | str = paths.DATA, bibliography: Path | str = paths.BIBLIOGRAPHY) -> list[DataError]:
    """Each figure the code needs is still printed in the form the code reads (``required_kinds.yaml``):
    a hazard ratio that loses its interval, a count turned into words or a percentage into a plain
    number fails here, with the figure's line, instead of inside an evaluator."""
    from analysis.inputs.trials import load_trial

    expected = load_yaml(REQUIRED_KINDS)
    needs = requirements()
    errors: list[DataError] = []
    for file, kinds in expected.items():
        path = Path(data_dir) / file
        if not path.is_file():
            continue  # reported by check_requirements
        if file == "claims.yaml":
            errors += _check_reported(path, kinds, needs.get(file, {}))
            continue
        try:
            trial = load_trial(path.stem, path.parent, bibliography)
        except DataError:
            continue  # the file's own check reports why
        except Exception:  # noqa: BLE001 - DataErrors and friends: reported by the file's own check
            continue
        for figure_id, kind in kinds.items():
            figure = trial.figures.get(figure_id)
            if figure is None:
                continue  # reported by check_requirements
            found = figure_kind(figure)
            if found != kind:
                users = ", ".join(sorted(needs.get(file, {}).get(figure_id, ()))) or "the analysis"
                errors.append(figure.error("printed", f"{figure.printed!r} is {KIND_NAMES.get(found, found)}; "
                                                      f"{users} read it as {KIND_NAMES.get(kind, kind)}"))
    return errors


def check_requirements(data_dir: Path | str = paths.DATA) -> list[DataError]:
    """One error per declared id that its data file does not define."""
    errors: list[DataError] = []
    for file, needs in sorted(requirements().items()):
        path = Path(data_dir) / file
        what, how = _kind(file)
        if not how:
            errors.append(DataError(REQUIRED_IDS, None, file, "ids of this file cannot be checked (unknown kind)"))
            continue
        if not path.is_file():
            users = ", ".join(sorted({u for us in needs.values() for u in us}))
            errors.append(DataError(path, None, "file", f"not found (needed by {users})"))
            continue
        try:
            present = ids_in(file, data_dir)
        except DataError:
            continue  # the file's own check reports why it cannot be read
        field = {"csv": _csv_key(file), "figures": "figures", "claims": "claims", "errata": "errata",
                 "works": "works"}[how]
        for item in sorted(set(needs) - present):
            users = ", ".join(sorted(needs[item]))
            errors.append(DataError(path, None, field, f"no {what} {item!r} (needed by {users})"))
    return errors


def _csv_key(file: str) -> str:
    from analysis.inputs.tables import TABLES

    spec = TABLES.get(file)
    return spec.key if spec and spec.key else "row"
