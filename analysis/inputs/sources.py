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

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis.inputs import paths
from analysis.inputs.files import DataError, bib_keys, display_path, load_yaml, raise_if_any

SOURCE_KEYS = "source_keys.yaml"
ID_FIELDS = ("doi", "pmid", "pmcid", "nct")
_FIELDS = {"bibkey", *ID_FIELDS, "also", "names", "used_in", "note"}

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s,;\"'()\[\]<>]+")
_PMID_TEXT = re.compile(r"\bPMID:?\s*(\d{5,9})\b")
_PMCID = re.compile(r"\bPMC\d{5,9}\b")
_NCT = re.compile(r"\bNCT\d{8}\b")
# CSV columns that name where a row was read (names are matched in these only; identifiers anywhere)
_NAME_COLUMNS = ("study_id", "study", "label")


def data_files(data_dir: Path | str = paths.DATA) -> list[Path]:
    """The data files whose sources must be mapped: the CSV tables and the figure/works YAML files."""
    root = Path(data_dir)
    files = sorted((root / "meta_analysis").glob("*.csv")) + sorted((root / "background").glob("*.csv"))
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
    where: str
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
    where: str
    cells: dict


def _csv_rows(path: Path) -> list[_Row]:
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        start = reader.line_num + 1
        for number, record in enumerate(reader, start=1):
            rows.append(_Row(path, f"row {number} (line {start})", {k: v or "" for k, v in record.items()}))
            start = reader.line_num + 1
    return rows


def _yaml_lines(path: Path) -> list[tuple[int, str, str]]:
    """(line number, key on that line or 'text', line text) for every line of a YAML file."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
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


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _kind_of(value: str) -> str | None:
    for kind, pattern in (("doi", _DOI), ("pmcid", _PMCID), ("nct", _NCT)):
        if pattern.fullmatch(value.strip()):
            return kind
    return "pmid" if value.strip().isdigit() else None


def load_source_keys(path: Path | str | None = None, data_dir: Path | str = paths.DATA,
                     bibliography: Path | str = paths.BIBLIOGRAPHY) -> list[SourceWork]:
    """Read and check ``data/source_keys.yaml`` against the bibliography and the data files."""
    data_dir = Path(data_dir)
    path = Path(path) if path is not None else data_dir / SOURCE_KEYS
    errors: list[DataError] = []
    if not path.exists():
        raise DataError(path, None, "file", "missing: every work that supplies data needs a BibTeX key here")
    document = load_yaml(path)
    entries = document.get("works") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DataError(path, None, "works", "expected a list of works under 'works:'")
    keys = bib_keys(bibliography)
    bib_name = display_path(bibliography)
    works: list[SourceWork] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        line = getattr(entry, "line", None)
        if not isinstance(entry, dict):
            errors.append(DataError(path, line, f"works[{index}]", "expected a mapping"))
            continue
        label = f"works[{entry.get('bibkey', index)}]"
        for unknown in sorted(set(entry) - _FIELDS):
            errors.append(DataError(path, entry.line_of(unknown), f"{label}.{unknown}", "unknown field"))
        bibkey = str(entry.get("bibkey") or "")
        if not bibkey:
            errors.append(DataError(path, line, f"{label}.bibkey", "missing"))
            continue
        if bibkey not in keys:
            errors.append(DataError(path, entry.line_of("bibkey"), f"{label}.bibkey",
                                    f"unknown BibTeX key {bibkey!r} (not in {bib_name})"))
        if bibkey in seen:
            errors.append(DataError(path, entry.line_of("bibkey"), f"{label}.bibkey",
                                    f"listed twice (first at line {seen[bibkey]})"))
        seen.setdefault(bibkey, entry.line_of("bibkey"))
        work = SourceWork(bibkey=bibkey, line=entry.line_of("bibkey"))
        for kind in ID_FIELDS:
            values = _as_list(entry.get(kind))
            for value in values:
                if _kind_of(value) != kind:
                    errors.append(DataError(path, entry.line_of(kind), f"{label}.{kind}",
                                            f"{value!r} is not a {kind.upper()}"))
            work.ids[kind] = {normalise(kind, v) for v in values}
        for value in _as_list(entry.get("also")):
            kind = _kind_of(value)
            if kind is None:
                errors.append(DataError(path, entry.line_of("also"), f"{label}.also",
                                        f"{value!r} is not a DOI, PMID, PMCID or NCT number"))
            else:
                work.also.add((kind, normalise(kind, value)))
        work.names = _as_list(entry.get("names"))
        work.used_in = _as_list(entry.get("used_in"))
        for used in work.used_in:
            if not (data_dir / used).exists():
                errors.append(DataError(path, entry.line_of("used_in"), f"{label}.used_in",
                                        f"no data file {used!r}"))
        works.append(work)
    errors += _check_data(path, works, data_dir)
    raise_if_any(errors)
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

    for file in data_files(data_dir):
        rel = str(file.relative_to(data_dir))
        if file.suffix == ".csv":
            for row in _csv_rows(file):
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
            for number, key, text in _yaml_lines(file):
                if key == "comment":
                    continue
                for kind, value in _identifiers(text, key):
                    for owner in mention(file, str(number), key, kind, value):
                        found[owner].add(rel)
                cited = re.match(r"\s*(?:-\s+)?bibkey:\s*([\w-]+)", text)
                if cited:
                    if cited.group(1) in found:
                        found[cited.group(1)].add(rel)
                    else:
                        errors.append(DataError(file, str(number), "bibkey",
                                                f"{cited.group(1)!r} is not listed in {display_path(path)}"))
    for work in works:
        listed, actual = set(work.used_in), found[work.bibkey]
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
