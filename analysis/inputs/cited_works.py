"""The commentary's references and what of each was read (``data/background/cited_works.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


from analysis.inputs import paths
from analysis.inputs.files import DataError, bib_keys, load_yaml, normalise_text, raise_if_any
from analysis.stats.rounding import format_percent

#: The claims whose figures the cited works are checked for (the ``carries`` keys).
BACKGROUND_CLAIMS = ("relapse-adults", "relapse-children", "reinduction-cr", "trm-immunotherapy")
READ_VALUES = ("full-text", "abstract", "record-only", "nothing")


def _data(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else paths.DATA


def _pct(value: float, decimals: int = 1) -> str:
    return format_percent(value, decimals)


@dataclass(frozen=True)
class CitedWork:
    """One reference of the commentary and what of it was read."""

    bibkey: str
    number: int
    as_cited: tuple[str, ...]
    found: bool
    read: str
    reports: str
    location: str
    carries: dict = field(default_factory=dict)

    @property
    def text_read(self) -> bool:
        """True when some of the work's text (abstract or full text) was read."""
        return self.found and self.read in ("full-text", "abstract")

    @property
    def as_cited_text(self) -> str:
        return " ".join(self.as_cited)


def load_cited_works(data_dir: Path | str | None = None, commentary: Path | str | None = None,
                     bibliography: Path | str = paths.BIBLIOGRAPHY) -> dict[str, CitedWork]:
    """Load and validate ``background/cited_works.yaml``; keyed by BibTeX key.

    Raises ``DataError``(s) naming the line and field: unknown BibTeX key, a reference text
    not in the commentary, an unknown ``read`` value, a work that prints a figure without
    having been read, duplicate keys or numbers.
    """
    root = _data(data_dir)
    path = root / "background" / "cited_works.yaml"
    commentary = Path(commentary) if commentary else root / "source" / "commentary.txt"
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("works"), list):
        raise DataError(path, None, "works", "expected a top-level 'works:' list")
    text = normalise_text(commentary.read_text(encoding="utf-8"))
    keys = bib_keys(bibliography)
    errors: list[DataError] = []
    out: dict[str, CitedWork] = {}
    numbers: set[int] = set()
    for index, entry in enumerate(data["works"]):
        if not isinstance(entry, dict):
            errors.append(DataError(path, None, f"works[{index}]", "expected a mapping"))
            continue
        key = entry.get("bibkey")
        name = f"works[{key or index}]"

        def err(f: str, problem: str, _e=entry, _n=name) -> None:
            errors.append(DataError(path, _e.line_of(f), f"{_n}.{f}", problem))

        missing = [f for f in ("bibkey", "number", "as_cited", "found", "read", "reports", "location", "carries")
                   if f not in entry]
        for f in missing:
            err(f, "missing field")
        if missing:
            continue
        if key not in keys:
            err("bibkey", f"unknown BibTeX key {key!r} (not in {Path(bibliography).name})")
        if key in out:
            err("bibkey", f"duplicate work {key!r}")
        number = entry["number"]
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            err("number", f"{number!r} is not a reference number")
        elif number in numbers:
            err("number", f"reference number {number} listed twice")
        else:
            numbers.add(number)
        fragments = entry["as_cited"]
        if not isinstance(fragments, list) or not fragments or not all(isinstance(f, str) for f in fragments):
            err("as_cited", "must be a non-empty list of verbatim fragments")
            fragments = []
        for fragment in fragments:
            if normalise_text(fragment) not in text:
                err("as_cited", f"does not occur in the commentary: {fragment[:50]!r}...")
        if not isinstance(entry["found"], bool):
            err("found", "must be true or false")
        if entry["read"] not in READ_VALUES:
            err("read", f"unknown value {entry['read']!r} (allowed: {', '.join(READ_VALUES)})")
        if entry["found"] is False and entry["read"] != "nothing":
            err("read", "a work that was not found cannot have been read")
        carries = entry["carries"] if isinstance(entry["carries"], dict) else None
        if carries is None:
            err("carries", "must be a mapping {claim-id: {prints: true|false, why: ...}}")
            carries = {}
        for cid, verdict in carries.items():
            if cid not in BACKGROUND_CLAIMS:
                err("carries", f"{cid!r} is not a claim of the background group")
            elif not isinstance(verdict, dict) or not isinstance(verdict.get("prints"), bool) \
                    or not str(verdict.get("why", "")).strip():
                err("carries", f"{cid}: needs prints (true/false) and why")
            elif verdict["prints"] and entry["read"] not in ("full-text", "abstract"):
                err("carries", f"{cid}: a work whose text was not read cannot be said to print the figure")
        out[str(key)] = CitedWork(bibkey=str(key), number=int(number) if isinstance(number, int) else 0,
                                  as_cited=tuple(fragments), found=bool(entry["found"]), read=str(entry["read"]),
                                  reports=str(entry["reports"]), location=str(entry["location"]),
                                  carries={k: dict(v) for k, v in carries.items() if isinstance(v, dict)})
    raise_if_any(errors)
    return out


