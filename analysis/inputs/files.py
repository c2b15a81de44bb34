"""Loading and validating the report's input files, with one-line errors.

Every input is validated before any analysis uses it. A problem is reported as one line that
names the file, the line or row, the field and the problem, e.g.::

    data/claims.yaml:87: claims[e1910-arms].references: unknown BibTeX key 'Litzow2021' (not in book/references.bib)
    data/meta_analysis/studies.csv:row 4 (line 5): cr_events: 200 events exceed cr_total 189

``DataError`` carries one such problem; ``DataErrors`` carries several (``validate`` collects
all of them so a user fixes everything in one pass). Both are ``ValueError`` subclasses, so a
caller that only wants "bad input" can catch ``ValueError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from analysis.inputs import paths

CITATION_VALUES = ("supported", "partly-supported", "not-supported", "unverifiable", "pending")
VERDICT_VALUES = ("reproduced", "consistent", "imprecise", "discrepant", "not-reproducible", "pending")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def display_path(path: Path | str) -> str:
    """A path as the user should see it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


class DataError(ValueError):
    """One invalid input: file, position (``"12"`` for a line, ``"row 4 (line 5)"``), field, problem."""

    def __init__(self, file: Path | str, where: int | str | None, field: str, problem: str):
        self.file = display_path(file)
        self.where = where
        self.field = field
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = "" if self.where in (None, "") else f":{self.where}"
        return f"{self.file}{where}: {self.field}: {self.problem}"


class DataErrors(ValueError):
    """Several ``DataError``s, one per line when printed."""

    def __init__(self, errors: Iterable[DataError]):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_if_any(errors: list[DataError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DataErrors(errors)


# --------------------------------------------------------------------------- YAML with lines
class LineDict(dict):
    """A mapping read from YAML that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise DataError(loader.name, key_node.start_mark.line + 1, str(key), "duplicate key")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path | str) -> Any:
    """Read a YAML file; syntax errors become a one-line ``DataError`` with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(path, None, "file", f"cannot read ({exc.strerror or exc})") from None
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise DataError(path, mark.line + 1 if mark else None, "yaml", exc.problem or str(exc)) from None
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- bibliography
def bib_keys(path: Path | str = paths.BIBLIOGRAPHY) -> set[str]:
    """The citation keys defined in a BibTeX file."""
    text = Path(path).read_text(encoding="utf-8")
    return set(re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.MULTILINE))


# --------------------------------------------------------------------------- claims
def normalise_text(text: str) -> str:
    """Whitespace folded, emphasis markers (*) removed: how quotes are matched to the source."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@dataclass(frozen=True)
class Claim:
    """One checkable statement of the commentary, as registered in ``data/claims.yaml``."""

    id: str
    quote: str
    section: str
    references: tuple[str, ...]
    reported: tuple[str, ...]
    page: str
    expected_citation: str
    expected_verdict: str
    line: int = 0


@dataclass(frozen=True)
class ClaimsRegistry:
    source: dict
    claims: tuple[Claim, ...]
    path: str = field(default="data/claims.yaml")

    def __iter__(self):
        return iter(self.claims)

    def __len__(self) -> int:
        return len(self.claims)

    def ids(self) -> list[str]:
        return [c.id for c in self.claims]

    def get(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(f"no claim with id {claim_id!r} in {self.path}")


_CLAIM_FIELDS = ("id", "quote", "section", "references", "reported", "page", "expected")


def load_claims(path: Path | str = paths.CLAIMS, commentary: Path | str = paths.COMMENTARY,
                bibliography: Path | str = paths.BIBLIOGRAPHY) -> ClaimsRegistry:
    """Load and validate the claims registry; raise ``DataError(s)`` naming entry and field.

    Checks: required fields; id a lowercase slug and unique; quote occurs verbatim in the
    commentary (whitespace/emphasis folded); every reference key exists in the bibliography;
    reported values are strings this report can parse; expected verdicts are known values and
    ``pending`` appears on both axes or neither.
    """
    from analysis.stats.rounding import parse_printed

    path = Path(path)
    data = load_yaml(path)
    errors: list[DataError] = []
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise DataError(path, getattr(data, "line", None), "claims", "expected a top-level 'claims:' list")
    text = normalise_text(Path(commentary).read_text(encoding="utf-8"))
    keys = bib_keys(bibliography)
    bib_name = display_path(bibliography)
    seen: dict[str, int] = {}
    claims: list[Claim] = []
    for index, entry in enumerate(data["claims"]):
        line = getattr(entry, "line", None)
        if not isinstance(entry, dict):
            errors.append(DataError(path, line, f"claims[{index}]", "expected a mapping"))
            continue
        cid = entry.get("id")
        name = f"claims[{cid}]" if isinstance(cid, str) else f"claims[{index}]"

        def err(fieldname: str, problem: str, _e=entry, _n=name) -> None:
            errors.append(DataError(path, _e.line_of(fieldname), f"{_n}.{fieldname}", problem))

        missing = [f for f in _CLAIM_FIELDS if f not in entry]
        for f in missing:
            errors.append(DataError(path, line, f"{name}.{f}", "missing field"))
        for f in sorted(set(entry) - set(_CLAIM_FIELDS)):
            err(f, f"unknown field (allowed: {', '.join(_CLAIM_FIELDS)})")
        if missing:
            continue
        if not isinstance(cid, str) or not _ID.match(cid):
            err("id", f"{cid!r} is not a lowercase slug like 'meta-cr-rate'")
        elif cid in seen:
            err("id", f"duplicate claim id {cid!r} (first at line {seen[cid]})")
        else:
            seen[cid] = entry.line_of("id")
        quote = entry["quote"]
        if not isinstance(quote, str) or not quote.strip():
            err("quote", "must be a non-empty string")
        elif normalise_text(quote) not in text:
            err("quote", f"does not occur in {display_path(commentary)}: {quote[:60]!r}...")
        refs = entry["references"]
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            err("references", "must be a list of BibTeX keys")
            refs = []
        for ref in refs:
            if ref not in keys:
                err("references", f"unknown BibTeX key {ref!r} (not in {bib_name})")
        reported = entry["reported"]
        if not isinstance(reported, list) or not all(isinstance(r, str) for r in reported):
            err("reported", "must be a list of strings as printed, e.g. [\"54%\", \"44%-64%\"]")
            reported = []
        for value in reported:
            try:
                parse_printed(value)
            except ValueError as exc:
                err("reported", str(exc))
        if not isinstance(entry["section"], str) or not entry["section"].strip():
            err("section", "must be a non-empty string")
        page = entry["page"]
        if not isinstance(page, str) or not re.fullmatch(r"[a-z0-9/-]+", page):
            err("page", f"{page!r} is not a page path like 'claims/meta-analysis'")
        expected = entry["expected"]
        citation = verdict = None
        if not isinstance(expected, dict):
            err("expected", "must be a mapping {citation: ..., verdict: ...}")
        else:
            citation, verdict = expected.get("citation"), expected.get("verdict")
            if citation not in CITATION_VALUES:
                err("expected", f"unknown citation value {citation!r} (allowed: {', '.join(CITATION_VALUES)})")
            if verdict not in VERDICT_VALUES:
                err("expected", f"unknown verdict value {verdict!r} (allowed: {', '.join(VERDICT_VALUES)})")
            if (citation == "pending") != (verdict == "pending"):
                err("expected", "'pending' must be on both axes or on neither")
        claims.append(Claim(id=str(cid), quote=str(quote), section=str(entry["section"]),
                            references=tuple(refs), reported=tuple(reported), page=str(page),
                            expected_citation=str(citation), expected_verdict=str(verdict),
                            line=line or 0))
    raise_if_any(errors)
    source = data.get("source") or {}
    if source.get("bibkey") and source["bibkey"] not in keys:
        raise DataError(path, source.line_of("bibkey"), "source.bibkey",
                        f"unknown BibTeX key {source['bibkey']!r} (not in {bib_name})")
    return ClaimsRegistry(source=dict(source), claims=tuple(claims), path=display_path(path))
