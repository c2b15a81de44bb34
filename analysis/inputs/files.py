"""Reading the report's input files, with one-line errors.

Every input is validated before any analysis uses it. A problem is reported as one line that
names the file, the line, the field and the problem (the line is left out only when there is
none, e.g. a missing file)::

    data/claims.yaml:87: claims[e1910-arms].references: unknown BibTeX key 'Litzow2021' (not in book/references.bib)
    data/meta_analysis/studies.csv:5: cr_events: 200 events exceed cr_total 189

``DataError`` carries one such problem; ``DataErrors`` carries several (``validate`` collects
all of them so a user fixes everything in one pass). Both are ``ValueError`` subclasses, so a
caller that only wants "bad input" can catch ``ValueError``.

This module reads text (UTF-8, a byte-order mark stripped, a non-UTF-8 byte reported with its
line), YAML (every mapping and list remembers the line of each key and item, so a typed model's
error can name the line), the bibliography (parsed by pybtex) and the table of contents. The typed
models of the YAML files are in :mod:`analysis.inputs.models`; the claims registry is loaded here
because every evaluator imports it from here.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis.inputs import paths

CITATION_VALUES = ("supported", "partly-supported", "not-supported", "unverifiable", "pending")
VERDICT_VALUES = ("reproduced", "consistent", "imprecise", "discrepant", "not-reproducible", "pending")


def display_path(path: Path | str) -> str:
    """A path as the user should see it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


class DataError(ValueError):
    """One invalid input: file, line (``None`` when there is none), field, problem."""

    def __init__(self, file: Path | str, where: int | str | None, field: str, problem: str):
        self.file = display_path(file)
        self.where = where
        self.field = field
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = "" if self.where in (None, "") else f":{self.where}"
        return f"{self.file}{where}: {self.field}: {self.problem}"

    def sort_key(self) -> tuple:
        """File, then line (errors without a line first), then the text: the order they are printed in."""
        line = int(self.where) if str(self.where).isdigit() else -1
        return (self.file, line, str(self))


class DataErrors(ValueError):
    """Several ``DataError``s, sorted, each once, one per line when printed."""

    def __init__(self, errors: Iterable[DataError]):
        self.errors = unique_sorted(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def unique_sorted(errors: Iterable[DataError]) -> list[DataError]:
    """Each distinct message once, in file / line order."""
    seen: dict[str, DataError] = {}
    for error in errors:
        seen.setdefault(str(error), error)
    return sorted(seen.values(), key=DataError.sort_key)


def raise_if_any(errors: list[DataError]) -> None:
    errors = unique_sorted(errors)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DataErrors(errors)


def errors_of(exc: DataError | DataErrors) -> list[DataError]:
    """The one or several errors an exception carries."""
    return list(exc.errors) if isinstance(exc, DataErrors) else [exc]


# --------------------------------------------------------------------------- text
def read_text(path: Path | str, what: str = "") -> str:
    """A file's text: UTF-8, with a leading byte-order mark removed (so line numbers stay right).

    A missing or unreadable file, an empty file and a byte that is not UTF-8 each raise one
    ``DataError`` (the last with its line: ``file:12: encoding: byte 0xe9 ...``).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(path, None, "file", "not found" + (f" ({what})" if what else "")) from None
    except OSError as exc:
        raise DataError(path, None, "file", f"cannot be read ({exc.strerror or exc})") from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(path, line, "encoding", f"byte 0x{raw[exc.start]:02x} at column {column} is not UTF-8 "
                                                "(save the file as UTF-8)") from None
    if not text.strip():
        raise DataError(path, None, "file", "empty")
    return text


# --------------------------------------------------------------------------- YAML with lines
class LineDict(dict):
    """A mapping read from YAML that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list read from YAML that remembers the line of itself and of each item (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available: same result, faster
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise DataError(loader.name, key_node.start_mark.line + 1, "yaml",
                            "a key must be a plain name, not a list or mapping") from None
        if key in out:
            raise DataError(loader.name, key_node.start_mark.line + 1, str(key), "duplicate key")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path | str) -> Any:
    """Read a YAML file into ``LineDict``/``LineList``; every problem is a one-line ``DataError``.

    The result is cached on the file's path, size and modification time (validation reads some
    files more than once); callers must not modify it.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None:
        read_text(path)  # raises the one-line "not found" / "cannot be read"
    return _load_yaml(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _load_yaml(name: str, size: int, mtime: int) -> Any:
    path = Path(name)
    text = read_text(path)
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        _refuse_aliases(path, text)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataError(path, mark.line + 1 if mark else None, "yaml", exc.problem or str(exc)) from None
    except yaml.YAMLError as exc:
        raise DataError(path, None, "yaml", str(exc).splitlines()[0]) from None
    except RecursionError:
        raise DataError(path, None, "yaml", "nested too deeply") from None
    finally:
        loader.dispose()
    if data is None:
        raise DataError(path, None, "file", "empty (only comments)")
    return data


def _refuse_aliases(path: Path, text: str) -> None:
    """Data files use no YAML anchors or aliases (``&name``, ``*name``): they are never needed
    here, and nested aliases can make a small file expand without bound (a "billion laughs")."""
    if "&" not in text and "*" not in text:
        return
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor:
            raise DataError(path, event.start_mark.line + 1, "yaml",
                            f"anchors and aliases (&{anchor}, *{anchor}) are not allowed in data files")


def locate(doc: Any, loc: tuple) -> int | None:
    """The line of the deepest part of ``doc`` that ``loc`` (keys and list indexes) reaches."""
    node, line = doc, getattr(doc, "line", None)
    for step in loc:
        if isinstance(node, LineDict) and not isinstance(step, int) and step in node:
            line, node = node.line_of(step), node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line, node = node.line_of(step), node[step]
        else:
            break
    return line or None


_ID_KEYS = ("id", "bibkey")


def field_name(doc: Any, loc: tuple) -> tuple[str, str]:
    """``("claims[meta-cr-rate].quote", "")`` for a location; an index into a list of scalars is
    not part of the field, it comes back as a prefix for the problem (``"item 2: "``)."""
    parts: list[str] = []
    prefix = ""
    node = doc
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            if isinstance(item, dict):
                name = next((item[k] for k in _ID_KEYS if isinstance(item.get(k), str) and item[k]), step)
                parts.append(f"[{name}]")
            else:
                prefix = f"item {step + 1}: "
            node = item
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "file", prefix


def error_at(path: Path | str, doc: Any, loc: tuple, problem: str, item_prefix: bool = True) -> DataError:
    """A ``DataError`` for the part of a YAML document at ``loc``, with its line and field name
    (``item_prefix``: say which item of a list of values, unless the problem names the value)."""
    name, prefix = field_name(doc, loc)
    return DataError(path, locate(doc, loc), name, (prefix if item_prefix else "") + problem)


# --------------------------------------------------------------------------- bibliography, table of contents
@lru_cache(maxsize=8)
def _bibliography(path: str, size: int, mtime: int):
    from pybtex.database.input import bibtex
    from pybtex.errors import set_strict_mode
    from pybtex.exceptions import PybtexError
    from pybtex.scanner import PybtexSyntaxError

    set_strict_mode(True)
    text = read_text(path, "the bibliography")
    try:
        data = bibtex.Parser().parse_string(text)
    except PybtexSyntaxError as exc:
        lines = text.splitlines()[:exc.lineno or 0]
        starts = [i for i, row in enumerate(lines, start=1) if row.lstrip().startswith("@")]
        entry = starts[-1] if starts else exc.lineno
        raise DataError(path, entry, "bibtex", f"syntax error in the entry starting here ({PybtexError.__str__(exc)} "
                                               f"at line {exc.lineno}; an unbalanced brace or quote?)") from None
    except PybtexError as exc:
        message = str(exc)
        key = re.search(r"entry:?\s*(\S+)", message)
        line = _line_of_key(text, key.group(1)) if key else None
        raise DataError(path, line, "bibtex", message) from None
    return data


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(r"^\s*@\w+\s*\{\s*" + re.escape(key) + r"\s*,", re.MULTILINE)
    found = list(pattern.finditer(text))
    return text.count("\n", 0, found[-1].start()) + 1 if found else None


def parsed_bibliography(path: Path | str = paths.BIBLIOGRAPHY):
    """A BibTeX file parsed by pybtex in strict mode (its ``BibliographyData``; a syntax error
    names its line), parsed once while the file keeps its size and modification time: the
    registry's citation keys and the pages' reference labels read the same parse."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        read_text(path, "the bibliography")  # raises the one-line "not found"
        raise
    return _bibliography(str(path), stat.st_size, stat.st_mtime_ns)


def bib_keys(path: Path | str = paths.BIBLIOGRAPHY) -> set[str]:
    """The citation keys of a BibTeX file, parsed by pybtex (a syntax error names its line)."""
    return set(parsed_bibliography(path).entries.keys())


def toc_pages(path: Path | str = paths.TOC) -> set[str]:
    """The pages listed in the book's ``_toc.yml`` (``root`` and every ``file:``), without ``book/``."""
    doc = load_yaml(path)
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    found.add(value.removeprefix("book/").removesuffix(".md").removesuffix(".ipynb"))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return found


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


class MissingInput(KeyError):
    """Code asked for an entry an input file does not have (a claim, a figure, a row): a
    ``KeyError`` for the callers that look things up, carrying the one-line ``DataError`` the
    command line prints (exit 2, invalid input; ``validate`` reports the same beforehand)."""

    def __init__(self, error: DataError):
        self.error = error
        super().__init__(str(error))

    def __str__(self) -> str:
        return str(self.error)


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
        raise MissingInput(DataError(self.path, None, "claims", f"no claim with id {claim_id!r} "
                                                                "(an evaluator declares it)"))


def load_claims(path: Path | str = paths.CLAIMS, commentary: Path | str = paths.COMMENTARY,
                bibliography: Path | str = paths.BIBLIOGRAPHY, toc: Path | str | None = None) -> ClaimsRegistry:
    """Load and validate the claims registry (:class:`analysis.inputs.models.ClaimsFile`).

    Raises ``DataError(s)`` naming entry and field: required and unknown fields, ids (lowercase
    slugs, unique), quotes verbatim in the commentary, reference keys in the bibliography, printed
    values this report can parse (percentages 0-100), pages listed in ``_toc.yml`` (when ``toc``
    is given; ``validate`` gives it), expected verdicts known and ``pending`` on both axes or none.
    """
    from analysis.inputs.models import ClaimsFile, Context, check_claims, validate_document

    path = Path(path)
    context = Context.build(commentary=commentary, bibliography=bibliography, toc=toc)
    doc = load_yaml(path)
    model, errors = validate_document(ClaimsFile, doc, path, context)
    if model is not None:
        errors += check_claims(model, doc, path)
    raise_if_any(context.errors + errors)
    claims = tuple(Claim(id=c.id, quote=c.quote, section=c.section, references=tuple(c.references),
                         reported=tuple(c.reported), page=c.page, expected_citation=c.expected.citation,
                         expected_verdict=c.expected.verdict, line=locate(doc, ("claims", i)) or 0)
                   for i, c in enumerate(model.claims))
    return ClaimsRegistry(source=model.source.model_dump(), claims=claims, path=display_path(path))


def claim_ids(path: Path | str = paths.CLAIMS) -> set[str] | None:
    """The ids in a claims file without validating it (None when it cannot be read): other files'
    references to claims are checked against these, so one broken claim is reported once."""
    try:
        doc = load_yaml(path)
    except DataError:
        return None
    entries = doc.get("claims") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return None
    return {e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)}
