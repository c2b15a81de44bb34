"""Which cited work each data row was read in: ``data/source_keys.yaml`` checked against the data.

``data/source_keys.yaml`` lists every work that supplies a figure to the data files, one entry per
work, with its BibTeX key and the identifiers by which the data files name it::

    - bibkey: Topp2015LancetOncol
      nct: [NCT01466179]
      names: [topp2015-mt103-211]
      used_in: [meta_analysis/studies.csv, meta_analysis/outcome_variants.csv]

Fields: ``bibkey`` (required, a key of ``book/references.bib``); ``doi``, ``pmid``, ``pmcid``,
``nct`` (identifiers of the work itself, a string or a list); ``also`` (identifiers written in
the data next to this work that are NOT verified as the work's own, e.g. a probable DOI quoted in
a note: they map to the work, but the bibliography does not carry them); ``names`` (strings that
name the work in rows without an identifier: a ``study_id``, or text of a ``study``, ``label`` or
``*location`` cell); ``used_in`` (the data files, relative to ``data/``, that use the work).

``load_source_keys`` checks that every key exists in the bibliography and is listed once; that
every DOI, PMID, PMCID and NCT number written anywhere in the data files maps to an entry; that
every CSV row names at least one entry (by an identifier or a name); and that ``used_in`` equals
the files in which the entry is actually found. Each problem is one ``DataError`` line naming the
file, the row or line, and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, display_path, error_at, load_yaml, locate, raise_if_any, read_text

SOURCE_KEYS = "source_keys.yaml"
ID_FIELDS = ("doi", "pmid", "pmcid", "nct")

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s,;\"'()\[\]<>]+")
_PMID_TEXT = re.compile(r"\bPMID:?\s*(\d{5,9})\b")
_PMCID = re.compile(r"\bPMC\d{5,9}\b")
_NCT = re.compile(r"\bNCT\d{8}\b")
# CSV columns that name where a row was read (names are matched in these only; identifiers anywhere)
_NAME_COLUMNS = ("study_id", "study", "label")


def data_files(data_dir: Path | str = paths.DATA) -> list[Path]:
    """The data files whose sources must be mapped: the CSV tables and the figure/works YAML files."""
    from analysis.inputs.tables import TABLES

    root = Path(data_dir)
    files = sorted(root / name for name in TABLES if (root / name).is_file())  # a stray CSV is reported as such
    files += sorted((root / "trials").glob("*.yaml"))
    files += [p for p in (root / "meta_analysis" / "published.yaml", root / "background" / "cited_works.yaml")
              if p.exists()]
    return files


def normalise(kind: str, value: str) -> str:
    value = str(value).strip()
    if kind == "doi":
        return value.rstrip(".").lower()
    return value.upper() if kind in ("pmcid", "nct") else value


@dataclass(frozen=True)
class Mention:
    """An identifier (or, for CSV rows, the row itself) found in a data file."""

    file: Path
    where: int
    field: str
    kind: str          # doi | pmid | pmcid | nct
    value: str


def _identifiers(text: str, column: str) -> list[tuple[str, str]]:
    found = [("doi", m.group(0)) for m in _DOI.finditer(text)]
    found += [("pmid", m.group(1)) for m in _PMID_TEXT.finditer(text)]
    found += [("pmcid", m.group(0)) for m in _PMCID.finditer(text)]
    found += [("nct", m.group(0)) for m in _NCT.finditer(text)]
    if column == "pmid" and text.strip().isdigit():
        found.append(("pmid", text.strip()))
    return [(k, normalise(k, v)) for k, v in found]


@dataclass
class _Row:
    file: Path
    where: int
    cells: dict


def _csv_rows(path: Path) -> tuple[list[_Row], bool]:
    """The well-formed records of a CSV file (malformed ones are reported by the table's own check),
    and whether they are all of its records."""
    from analysis.inputs.tables import read_csv

    table = read_csv(path)
    return [_Row(path, line, cells) for line, cells in table.records()], bool(table.rows) and not table.errors


def _yaml_lines(path: Path) -> list[tuple[int, str, str]]:
    """(line number, key on that line or 'text', line text) for every line of a YAML file."""
    out = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        key = re.match(r"\s*(?:-\s+)?([A-Za-z_][\w-]*):", line)
        out.append((number, "comment" if line.lstrip().startswith("#") else (key.group(1) if key else "text"), line))
    return out


@dataclass
class SourceWork:
    bibkey: str
    ids: dict = field(default_factory=dict)       # kind -> set of normalised identifiers
    also: set = field(default_factory=set)         # (kind, value) pairs mapped but not verified
    names: list = field(default_factory=list)
    used_in: list = field(default_factory=list)
    line: int = 0

    def identifiers(self) -> set[tuple[str, str]]:
        return {(k, v) for k, values in self.ids.items() for v in values} | set(self.also)


def _kind_of(value: str) -> str | None:
    for kind, pattern in (("doi", _DOI), ("pmcid", _PMCID), ("nct", _NCT)):
        if pattern.fullmatch(value.strip()):
            return kind
    return "pmid" if value.strip().isdigit() else None


def load_source_keys(path: Path | str | None = None, data_dir: Path | str = paths.DATA,
                     bibliography: Path | str = paths.BIBLIOGRAPHY) -> list[SourceWork]:
    """Read and check ``data/source_keys.yaml`` (:class:`analysis.inputs.models.SourceKeysFile`)
    against the bibliography and the data files."""
    from analysis.inputs.models import Context, SourceKeysFile, check_source_keys, validate_document

    data_dir = Path(data_dir)
    path = Path(path) if path is not None else data_dir / SOURCE_KEYS
    if not path.exists():
        raise DataError(path, None, "file", "missing: every work that supplies data needs a BibTeX key here")
    context = Context.build(bibliography=bibliography)
    doc = load_yaml(path)
    model, errors = validate_document(SourceKeysFile, doc, path, context)
    if model is None:
        raise_if_any(context.errors + errors)
    errors += check_source_keys(model, doc, path)
    works: list[SourceWork] = []
    for i, entry in enumerate(model.works):
        def err(name: str, problem: str, _i=i) -> None:
            errors.append(error_at(path, doc, ("works", _i, name), problem))

        work = SourceWork(bibkey=entry.bibkey, line=locate(doc, ("works", i, "bibkey")) or 0)
        for kind in ID_FIELDS:
            values = getattr(entry, kind)
            for value in values:
                if _kind_of(value) != kind:
                    err(kind, f"{value!r} is not a {kind.upper()}")
            work.ids[kind] = {normalise(kind, v) for v in values}
        for value in entry.also:
            kind = _kind_of(value)
            if kind is None:
                err("also", f"{value!r} is not a DOI, PMID, PMCID or NCT number")
            else:
                work.also.add((kind, normalise(kind, value)))
        work.names = list(entry.names)
        work.used_in = list(entry.used_in)
        for used in work.used_in:
            if not (data_dir / used).exists():
                err("used_in", f"no data file {used!r}")
        works.append(work)
    errors += _check_data(path, works, data_dir)
    raise_if_any(context.errors + errors)
    return works


def _check_data(path: Path, works: list[SourceWork], data_dir: Path) -> list[DataError]:
    by_id: dict[tuple[str, str], set[str]] = {}
    for work in works:
        for pair in work.identifiers():
            by_id.setdefault(pair, set()).add(work.bibkey)
    errors: list[DataError] = []
    found: dict[str, set[str]] = {w.bibkey: set() for w in works}

    def mention(file: Path, where: str, column: str, kind: str, value: str) -> set[str]:
        owners = by_id.get((kind, value), set())
        if not owners:
            errors.append(DataError(file, where, column,
                                    f"{kind.upper()} {value} maps to no BibTeX key (add it to {display_path(path)})"))
        return owners

    unreadable: set[str] = set()
    for file in data_files(data_dir):
        rel = str(file.relative_to(data_dir))
        try:
            rows, complete = _csv_rows(file) if file.suffix == ".csv" else (None, True)
            lines = _yaml_lines(file) if rows is None else []
        except DataError:  # reported by the file's own check; its uses cannot be compared
            unreadable.add(rel)
            continue
        if not complete:
            unreadable.add(rel)
        if rows is not None:
            for row in rows:
                owners: set[str] = set()
                for column, text in row.cells.items():
                    for kind, value in _identifiers(text, column):
                        owners |= mention(file, row.where, column, kind, value)
                named = [row.cells.get(c, "") for c in _NAME_COLUMNS]
                named += [v for c, v in row.cells.items() if c.endswith("location")]
                for work in works:
                    if any(n and (n == row.cells.get("study_id") or any(n in cell for cell in named if cell))
                           for n in work.names):
                        owners.add(work.bibkey)
                if not owners:
                    column = "study" if "study" in row.cells else "study_id"
                    errors.append(DataError(file, row.where, column,
                                            f"{row.cells.get(column, '')!r}: names no work of {display_path(path)} "
                                            "(no mapped identifier, no matching name)"))
                for key in owners:
                    found[key].add(rel)
        else:
            for number, key, text in lines:
                if key == "comment":
                    continue
                for kind, value in _identifiers(text, key):
                    for owner in mention(file, number, key, kind, value):
                        found[owner].add(rel)
                cited = re.match(r"\s*(?:-\s+)?bibkey:\s*([\w-]+)", text)
                if cited:
                    if cited.group(1) in found:
                        found[cited.group(1)].add(rel)
                    else:
                        errors.append(DataError(file, number, "bibkey",
                                                f"{cited.group(1)!r} is not listed in {display_path(path)}"))
    for work in works:
        listed = {u for u in work.used_in if u not in unreadable and (data_dir / u).is_file()}  # else reported above
        actual = found[work.bibkey] - unreadable
        if listed != actual:
            problems = []
            if actual - listed:
                problems.append("found but not listed: " + ", ".join(sorted(actual - listed)))
            if listed - actual:
                problems.append("listed but not found: " + ", ".join(sorted(listed - actual)))
            errors.append(DataError(path, work.line, f"works[{work.bibkey}].used_in", "; ".join(problems)))
    return errors


def keys_by_file(works: list[SourceWork]) -> dict[str, list[str]]:
    """data file (relative to data/) -> the BibTeX keys of the works it uses, in file order."""
    out: dict[str, list[str]] = {}
    for work in works:
        for used in work.used_in:
            out.setdefault(used, []).append(work.bibkey)
    return out
