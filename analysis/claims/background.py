"""Claim group ``background``: the commentary's opening figures and its citations [1]-[3].

Four claims: how many adults (``relapse-adults``) and children (``relapse-children``) are
refractory or relapse, the remission rate of re-induction chemotherapy (``reinduction-cr``), and
the treatment-related mortality (TRM) of immunotherapy (``trm-immunotherapy``). Each is compared
with independent published figures in ``data/background/*.csv`` (every row says where it was
read); the pooled figures are recomputed here, at call time, with ``analysis.meta``.

The citation axis reads ``data/background/cited_works.yaml``: what of each cited work was read
and whether that part prints the figure. Rule for a claim citing several works:

- ``supported``: every cited work prints the figure;
- ``partly-supported``: at least one cited work prints it and another does not (or was not found);
- ``not-supported``: no cited work prints it and at least one of them was read — a source that
  does not contain the figure never makes a citation ``supported``;
- ``unverifiable``: none of the cited works could be read.

The module also builds the citation audit (one row per reference of the commentary) from the
ledger: see :func:`citation_audit`.

Pooling model (stated and justified on the pages): logit transform, REML estimate of tau²,
Hartung-Knapp CI (t with k-1 df), prediction interval on the same t quantile (Higgins,
Thompson & Spiegelhalter 2009); sensitivity analyses with the Wald CI and with the random-
intercept logistic model (GLMM; Stijnen, Hamza & Özdemir 2010).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import paths
from ..datafiles import ClaimsRegistry, DataError, bib_keys, load_yaml, normalise_text, raise_if_any
from ..meta import PooledProportion, pool_proportions
from ..rounding import format_percent, parse_printed, rounding_interval, within_rounding
from ..schemas import load_table
from .base import Check, ClaimResult, Reproduced, verdict_from_checks
from .registry import claim_group

CLAIM_IDS = ["relapse-adults", "relapse-children", "reinduction-cr", "trm-immunotherapy"]
READ_VALUES = ("full-text", "abstract", "record-only", "nothing")

#: The pooling model used for every pooled figure of this group.
MODEL = {"transform": "logit", "method": "REML", "ci": "hk"}
#: Sensitivity analyses: (label, model).
SENSITIVITY = (
    ("REML, Wald (z) CI", {"transform": "logit", "method": "REML", "ci": "wald"}),
    ("GLMM (random-intercept logistic), t CI", {"transform": "logit", "method": "GLMM", "ci": "hk"}),
)


def _data(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else paths.DATA


def _pct(value: float, decimals: int = 1) -> str:
    return format_percent(value, decimals)


# =====================================================================================
# Cited works (data/background/cited_works.yaml)
# =====================================================================================
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
            if cid not in CLAIM_IDS:
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


def citation_axis(claim_id: str, references: tuple[str, ...], works: dict[str, CitedWork]) -> tuple[str, str]:
    """The citation verdict of a background claim and its reason (rule in the module docstring)."""
    prints, lacks, unread = [], [], []
    for key in references:
        work = works.get(key)
        if work is None:
            raise ValueError(f"claim {claim_id}: cited work {key!r} is not listed in background/cited_works.yaml")
        label = f"[{work.number}] {key}"
        if not work.text_read:
            unread.append(f"{label} ({'not found' if not work.found else 'text not read'})")
            continue
        verdict = work.carries.get(claim_id)
        if verdict is None:
            raise ValueError(f"claim {claim_id}: cited_works.yaml does not say whether {key} prints its figure")
        (prints if verdict["prints"] else lacks).append(f"{label}: {verdict['why']}")
    parts = []
    if prints:
        parts.append("Prints it: " + " ".join(prints))
    if lacks:
        parts.append("Read, does not print it: " + " ".join(lacks))
    if unread:
        parts.append("Could not be checked: " + "; ".join(unread) + ".")
    reason = " ".join(parts)
    if prints and not lacks and not unread:
        return "supported", reason
    if prints:
        return "partly-supported", reason
    if lacks:
        return "not-supported", reason
    return "unverifiable", reason


# =====================================================================================
# Printed values of the background tables
# =====================================================================================
@dataclass(frozen=True)
class Span:
    """A printed figure on the proportion scale: a point (low == high) or a range."""

    low: float
    high: float
    text: str

    @property
    def is_point(self) -> bool:
        return self.low == self.high


def parse_span(text: str) -> Span | None:
    """A table's ``reported`` string as a proportion or a range, or None for words ("Most").

    Handles the forms of the background tables: "12.7%", "30% to 60%", "10–15%",
    "15-20 percent (about 600 children)" (words in brackets dropped), "43% ± 7%" (kept as the
    estimate; the ± part is the source's interval, not a range of the figure), "∼1%",
    "overall cure rate of 50%" (words before one percentage), bounds "≥90%" -> [0.9, 1].
    Whole counts without a percentage (e.g. "609") are not proportions: None.
    """
    raw = re.sub(r"\([^)]*\)", "", str(text)).replace("percent", "%").replace("∼", "").replace("~", "").strip()
    raw = re.sub(r"\s*±.*$", "", raw)
    if "%" not in raw:
        return None
    words_then_number = re.fullmatch(r"[A-Za-z ,]+?\s(\d+(?:\.\d+)?%)", raw)  # "overall cure rate of 50%"
    if words_then_number:
        raw = words_then_number.group(1)
    try:
        printed = parse_printed(raw)
    except ValueError:
        return None
    if printed.kind == "bound" and printed.estimate.is_percent:  # "≥90%", "≤10%"
        v = printed.estimate.fraction
        return Span(v, 1.0, text) if printed.estimate.comparator in (">", ">=", "≥") else Span(0.0, v, text)
    if printed.kind == "number":
        v = printed.estimate.fraction
        return Span(v, v, text)
    if printed.kind == "range" and printed.numbers[0].is_percent:
        lo, hi = printed.interval
        return Span(lo.fraction, hi.fraction, text)
    return None


def claimed_interval(printed_range: str) -> tuple[float, float]:
    """The values a printed range like "50%-65%" stands for: [low end's lower rounding edge,
    high end's upper rounding edge] ("50%-65%" -> [0.495, 0.655])."""
    parsed = parse_printed(printed_range)
    if parsed.kind != "range":
        raise ValueError(f"{printed_range!r} is not a printed range")
    lo, hi = parsed.interval
    return rounding_interval(lo)[0], rounding_interval(hi)[1]


def span_agrees(span: Span, interval: tuple[float, float]) -> bool:
    """A point agrees when it lies in the interval; a range when the two overlap."""
    low, high = interval
    eps = 1e-12
    return span.high >= low - eps and span.low <= high + eps


def candidate_counts(printed: str, total: int) -> list[int]:
    """Every whole count k in 0..total with k/total equal to the printed percentage within its
    rounding (GRIM-style; Brown & Heathers 2017). "16%" of 134 -> [21, 22]."""
    num = parse_printed(printed).estimate
    if num is None or not num.is_percent:
        raise ValueError(f"{printed!r} is not a single printed percentage")
    if int(total) <= 0:
        raise ValueError(f"total {total!r} must be a positive count")
    return [k for k in range(int(total) + 1) if within_rounding(k / int(total), num)]


# =====================================================================================
# Relapse burden (adults, children)
# =====================================================================================
#: How each relapse row is used. "check": a statement about the whole age group, compared with
#: the claimed range. "context": shown, not compared (a selected subgroup, one component of
#: "resistance or relapse", survival or cure rather than relapse, or words without a number).
#: ``complement``: the figure is a cure or survival rate; 1 - value is compared/shown.
RELAPSE_USE = {
    "adult_relapse.csv": {
        "gimema-0288-relapse": ("check", "relapse among adults in remission, cooperative-group trial"),
        "bloodadv-adult-rr": ("check", "relapsed or refractory adults (opinion piece)"),
        "review-relapse-despite-consolidation": ("check", "relapse after consolidation (review range)"),
        "esmo-adult-cure": ("check-complement", "not cured = 1 - cure rate (includes toxic deaths)"),
        "haplo-vs-chemo-hr-relapse": ("context", "high-risk subgroup only; 3-year cumulative incidence"),
        "pethema-all-hr-11-cir": ("context", "high-risk subgroup with MRD-guided transplant; relapse only"),
        "gimema-0288-resistant": ("context", "primary resistance only, one component of the claim"),
    },
    "paediatric_relapse.csv": {
        "cog-1996-2014-relapse": ("check", "relapse, 12 COG front-line trials 1996-2014"),
        "cog-1996-2014-relapse-b-all": ("check", "relapse, B-ALL on the same trials"),
        "cog-1988-2002-relapse": ("check", "relapse, 10 COG front-line trials 1988-2002"),
        "ash-edu-2012-fail-frontline": ("check", "predicted relapse (educational review)"),
        "bloodadv-paed-rr": ("check", "relapsed or refractory children (opinion piece)"),
        "csizmar-2025-paed-rr": ("check", "relapsed or refractory children (review)"),
        "stjude-relapse-us": ("check", "relapse, US children (institutional patient page)"),
        "induction-failure-14-groups": ("context", "primary resistance only, one component of the claim"),
        "hunger2012-5y-os-1990-94": ("context-complement", "ref [1]: deaths by 5 years (1 - survival), not relapse"),
        "hunger2012-5y-os-2000-05": ("context-complement", "ref [1]: deaths by 5 years (1 - survival), not relapse"),
        "esmo-paed-cure": ("context-complement", "not cured = 1 - cure rate (cure at least 90%)"),
    },
}


@dataclass(frozen=True)
class RelapseFigure:
    """One published figure of a relapse table, as used on the page and in the checks."""

    row_id: str
    study: str
    reported: str
    use: str            # check | context | words
    why: str
    span: Span | None   # on the proportion scale, after the complement if any
    recomputed: float | None  # events/total where both are printed
    location: str
    source: str


def _source_text(row) -> str:
    ids = "; ".join(x for x in (f"doi:{row['doi']}" if row["doi"] else "", f"PMID {row['pmid']}" if row["pmid"] else "") if x)
    return f"{row['study']}, {row['location']}" + (f" ({ids})" if ids else "")


def relapse_figures(table: str, data_dir: Path | str | None = None) -> list[RelapseFigure]:
    """The rows of ``adult_relapse.csv`` or ``paediatric_relapse.csv`` with their use."""
    frame = load_table(f"background/{table}", _data(data_dir))
    uses = RELAPSE_USE[table]
    out = []
    for _, row in frame.iterrows():
        use, why = uses.get(row["row_id"], ("words", "no proportion printed, or words only"))
        span = parse_span(row["reported"])
        recomputed = None
        if pd.notna(row["events"]) and pd.notna(row["total"]):
            recomputed = int(row["events"]) / int(row["total"])
        if span is not None and use.endswith("complement"):
            span = Span(1 - span.high, 1 - span.low, f"1 - {row['reported']}")
            use = use.removesuffix("-complement")
        if span is None and use != "words":
            raise ValueError(f"background/{table}: row {row['row_id']}: its use is {use!r} but "
                             f"{row['reported']!r} is not a printed proportion")
        if span is None:
            use = "words"
        out.append(RelapseFigure(row_id=row["row_id"], study=row["study"], reported=row["reported"], use=use,
                                 why=why, span=span, recomputed=recomputed, location=row["location"],
                                 source=_source_text(row)))
    return out


def _span_text(span: Span) -> str:
    return _pct(span.low, 1) if span.is_point else f"{_pct(span.low, 1)}–{_pct(span.high, 1)}"


def _relapse_result(claim, figures: list[RelapseFigure], works, population: str) -> ClaimResult:
    printed = claim.reported[0]
    interval = claimed_interval(printed)
    checks = []
    for f in figures:
        if f.use != "check":
            continue
        found = _span_text(f.span)
        if f.recomputed is not None:
            found = f"{f.reported} printed; recomputed {_pct(f.recomputed, 2)}"
            span = Span(f.recomputed, f.recomputed, found)
        else:
            span = f.span
        checks.append(Check(label=f"{f.why}", reported=printed, found=found, agrees=span_agrees(span, interval),
                            source=f.source))
    for f in figures:
        if f.recomputed is not None and f.span is not None and f.span.is_point:
            checks.append(Check(label=f"{f.row_id}: printed percentage vs its own counts", reported=f.reported,
                                found=_pct(f.recomputed, 2), agrees=within_rounding(f.recomputed, f.reported),
                                source=f.source))
    compared = [f for f in figures if f.use == "check"]
    lows = [c.span.low if c.recomputed is None else c.recomputed for c in compared]
    highs = [c.span.high if c.recomputed is None else c.recomputed for c in compared]
    envelope = (min(lows), max(highs)) if compared else (float("nan"), float("nan"))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    n_ok = sum(1 for c in checks if c.agrees)
    context = [f for f in figures if f.use == "context" and f.span is not None]
    outside = [f for f in context if not span_agrees(f.span, interval)]
    with_counts = [f for f in compared if f.recomputed is not None]
    if verdict == "consistent":
        reason = (f"All {n_ok} comparisons agree: the {len(compared)} published statements about {population} "
                  f"as a whole span {_pct(envelope[0], 1)} to {_pct(envelope[1], 1)}, and each meets the claimed "
                  f"{printed} (read as {_pct(interval[0], 1)} to {_pct(interval[1], 1)}). ")
        if with_counts:
            reason += ("The proportions with printed counts were recomputed ("
                       + ", ".join(f"{_pct(f.recomputed, 1)}" for f in with_counts)
                       + "), but the claim is a summary range, not a statistic of one dataset, so 'consistent' is "
                       "the strongest verdict. ")
        else:
            reason += ("No source gives counts from which an adult relapse proportion could be recomputed, so "
                       "'consistent' is the strongest verdict. ")
    else:
        failed = "; ".join(f"{c.label} ({c.found})" for c in checks if c.agrees is False)
        reason = f"Published figures disagree with the claimed {printed}: {failed}. "
    if outside:
        reason += ("Figures for selected groups or single components, shown but not compared, fall outside it: "
                   + "; ".join(f"{f.why} {_span_text(f.span)}" for f in outside) + ". ")
    reason += f"Citation: {citation_reason}"
    reproduced = (Reproduced(f"published range, {population}", None,
                             f"{_pct(envelope[0], 1)}–{_pct(envelope[1], 1)} across {len(compared)} sources",
                             ci=envelope),)
    reproduced += tuple(Reproduced(f"{f.row_id} recomputed", float(f.recomputed), _pct(f.recomputed, 2))
                        for f in with_counts)
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason.strip(),
                       reproduced=reproduced, checks=tuple(checks), citation_reason=citation_reason,
                       extra={"envelope": envelope, "interval": interval})


def relapse_adults(claims: ClaimsRegistry, data_dir=None, works=None) -> ClaimResult:
    works = works or load_cited_works(data_dir)
    return _relapse_result(claims.get("relapse-adults"), relapse_figures("adult_relapse.csv", data_dir), works,
                           "adults")


def relapse_children(claims: ClaimsRegistry, data_dir=None, works=None) -> ClaimResult:
    works = works or load_cited_works(data_dir)
    return _relapse_result(claims.get("relapse-children"), relapse_figures("paediatric_relapse.csv", data_dir),
                           works, "children")


# =====================================================================================
# Pooled proportions with counts that a printed percentage leaves open
# =====================================================================================
@dataclass(frozen=True)
class Series:
    """One study arm or cohort entering a pool: its count, or the counts its printed
    percentage allows (``bracketed``), never a guessed single value."""

    row_id: str
    label: str
    candidates: tuple[int, ...]
    total: int
    reported: str
    derived: bool
    source: str
    quantity: str = ""

    @property
    def bracketed(self) -> bool:
        return len(self.candidates) > 1

    @property
    def shown(self) -> int:
        """The count drawn in figures: the candidate nearest printed% x total (lower on a tie)."""
        target = parse_printed(self.reported).estimate.fraction * self.total
        return min(self.candidates, key=lambda k: (abs(k - target), k))

    @property
    def count_text(self) -> str:
        if self.bracketed:
            return f"{self.candidates[0]}–{self.candidates[-1]}/{self.total} (bracketed)"
        return f"{self.candidates[0]}/{self.total}" + (" (derived)" if self.derived else "")


@dataclass(frozen=True)
class Pool:
    """A pooled proportion over all count combinations the printed percentages allow."""

    name: str
    series: tuple[Series, ...]
    shown: PooledProportion
    fits: tuple[PooledProportion, ...]
    model: dict

    @property
    def k(self) -> int:
        return len(self.series)

    @property
    def estimate_range(self) -> tuple[float, float]:
        values = [f.estimate for f in self.fits]
        return min(values), max(values)

    def agrees(self, test) -> bool | None:
        """True/False when ``test(fit)`` is the same for every combination, else None."""
        outcomes = {bool(test(f)) for f in self.fits}
        return outcomes.pop() if len(outcomes) == 1 else None

    def text(self) -> str:
        s = self.shown
        lo, hi = self.estimate_range
        spread = "" if _pct(lo) == _pct(hi) else f" (estimate {_pct(lo)}–{_pct(hi)} over the bracketed counts)"
        return f"{_pct(s.estimate)} (95% CI {_pct(s.ci_low)}–{_pct(s.ci_high)}; PI {_pct(s.pi_low)}–{_pct(s.pi_high)}){spread}"


def pool(name: str, series: list[Series], model: dict | None = None) -> Pool:
    """Pool ``series`` with ``model`` (default :data:`MODEL`) at every allowed count combination."""
    model = dict(model or MODEL)
    if not series:
        raise ValueError(f"pool {name!r}: no series to pool")
    labels = [s.label + (" *" if s.bracketed else " \u2020" if s.derived else "") for s in series]
    totals = [s.total for s in series]
    fits = tuple(pool_proportions(list(combo), totals, labels=labels, **model)
                 for combo in itertools.product(*(s.candidates for s in series)))
    shown = pool_proportions([s.shown for s in series], totals, labels=labels, **model)
    return Pool(name=name, series=tuple(series), shown=shown, fits=fits, model=model)


def _series_from_row(row) -> Series | None:
    total = row["total"]
    if pd.isna(total):
        return None
    if pd.notna(row["events"]):
        candidates = (int(row["events"]),)
    else:
        candidates = tuple(candidate_counts(row["reported"], int(total)))
        if not candidates:
            raise ValueError(f"row {row['row_id']}: no count of {int(total)} rounds to {row['reported']!r}")
    return Series(row_id=row["row_id"], label=_short_label(row),
                  candidates=candidates, total=int(total), reported=row["reported"],
                  derived=bool(row["derived"]) if pd.notna(row["derived"]) else False,
                  source=_source_text(row), quantity=row["quantity"])


# Short labels for forest plots (row_id -> label); rows not listed use their row_id.
SHORT_LABELS = {
    "tower-soc-cr": "TOWER chemotherapy arm (CR)",
    "tower-soc-cr-crh-cri": "TOWER chemotherapy arm (CR/CRh/CRi)",
    "inovate-soc-cr-cri-final": "INO-VATE standard arm (CR/CRi)",
    "inovate-soc-cr-cri-primary": "INO-VATE standard arm, first 218 (CR/CRi)",
    "gmall-first-salvage-after-chemo": "GMALL, 1st salvage after chemotherapy",
    "gmall-first-salvage-after-sct": "GMALL, 1st salvage after SCT",
    "gmall-second-salvage": "GMALL, 2nd salvage",
    "mdacc-second-salvage": "MD Anderson, 2nd salvage",
    "graall-cr2": "GRAALL-2003/-2005, first relapse",
    "pooled-206-211-tr-fatal": "MT103-206/-211 pooled (phase 2)",
    "tower-blin-tr-fatal": "TOWER blinatumomab arm",
    "alcantara-tr-fatal": "ALCANTARA (Ph+)",
    "mt103-205-tr-fatal-all": "MT103-205 (children, all doses)",
    "pooled-206-211-any-fatal": "MT103-206/-211 pooled (phase 2)",
    "tower-soc-tr-fatal": "TOWER chemotherapy arm (comparator)",
    "tower-soc-any-fatal": "TOWER chemotherapy arm (comparator)",
    "mt103-205-tr-fatal-rp2d": "MT103-205, recommended dose (subset)",
    "mt103-205-any-fatal-rp2d": "MT103-205, recommended dose (subset)",
    "tower-blin-any-fatal": "TOWER blinatumomab arm",
    "alcantara-any-fatal": "ALCANTARA (Ph+)",
    "mt103-205-any-fatal-all": "MT103-205 (children, all doses)",
}


def _short_label(row) -> str:
    return SHORT_LABELS.get(row["row_id"], row["row_id"])


# =====================================================================================
# Re-induction CR
# =====================================================================================
#: Rows kept out of every pool, with the reason (shown on the page).
SALVAGE_EXCLUDED_PREFIXES = {
    "review-": "a review's range, not a study result",
    "hist-": "historical pool that may overlap with the cohort series",
}
#: row -> the row that supersedes it (subset or smaller analysis of the same arm).
SALVAGE_SUPERSEDED = {"inovate-soc-cr-cri-primary": "inovate-soc-cr-cri-final"}
#: Alternative end point of the same arm: main row -> sensitivity row.
SALVAGE_ALTERNATIVE = {"tower-soc-cr": "tower-soc-cr-crh-cri"}

ENDPOINT_NAMES = {"cr-after-salvage": "CR", "cr-cri-after-salvage": "CR/CRi",
                  "cr-crh-cri-after-salvage": "CR/CRh/CRi"}
DESIGN_NAMES = {"randomised-control-arm": "randomised arm", "cohort-series": "cohort"}

#: The subgroups of the re-induction analysis: name -> (title, column, value or None for all).
SALVAGE_SUBGROUPS = {
    "first": ("First salvage", "salvage_line", "first"),
    "second-or-later": ("Second or later salvage", "salvage_line", "second-or-later"),
    "randomised": ("Randomised control arms", "design", "randomised-control-arm"),
    "cohort": ("Cohort series", "design", "cohort-series"),
    "all": ("All series", None, None),
}


@dataclass(frozen=True)
class SalvageEvidence:
    table: pd.DataFrame
    pools: dict[str, Pool]
    sensitivity: dict[str, dict[str, Pool]]
    alternative: dict[str, Pool]
    excluded: list[tuple[str, str]]
    cross_checks: pd.DataFrame


def salvage_evidence(data_dir: Path | str | None = None) -> SalvageEvidence:
    """Everything the re-induction page shows: the eligible series, the pools by line and by
    setting (main model, sensitivity models, and with TOWER's alternative end point), the rows
    left out and why, and the figures kept as cross-checks only."""
    frame = load_table("background/salvage_cr.csv", _data(data_dir))
    excluded: list[tuple[str, str]] = []
    eligible = []
    alternatives = set(SALVAGE_ALTERNATIVE.values())
    cross = []
    for _, row in frame.iterrows():
        rid = row["row_id"]
        prefix = next((p for p in SALVAGE_EXCLUDED_PREFIXES if rid.startswith(p)), None)
        if prefix:
            excluded.append((rid, SALVAGE_EXCLUDED_PREFIXES[prefix]))
            cross.append(row)
        elif rid in SALVAGE_SUPERSEDED:
            excluded.append((rid, f"superseded by {SALVAGE_SUPERSEDED[rid]} (same arm, larger analysis)"))
        elif rid in alternatives:
            excluded.append((rid, "alternative end point of the same arm (used in a sensitivity analysis)"))
        elif pd.isna(row["total"]):
            excluded.append((rid, "denominator not printed where it was read: cannot be pooled"))
            cross.append(row)
        else:
            eligible.append(row)
    by_id = {r["row_id"]: r for _, r in frame.iterrows()}

    def subgroup(rows, column, value):
        return [r for r in rows if column is None or r[column] == value]

    pools, sensitivity, alternative = {}, {}, {}
    for name, (title, column, value) in SALVAGE_SUBGROUPS.items():
        rows = subgroup(eligible, column, value)
        series = [_series_from_row(r) for r in rows]
        pools[name] = pool(title, series)
        sensitivity[name] = {label: pool(title, series, model) for label, model in SENSITIVITY}
        swapped = [_series_from_row(by_id[SALVAGE_ALTERNATIVE[r["row_id"]]]) if r["row_id"] in SALVAGE_ALTERNATIVE
                   else _series_from_row(r) for r in rows]
        if any(r["row_id"] in SALVAGE_ALTERNATIVE for r in rows):
            alternative[name] = pool(title, swapped)
    table = pd.DataFrame([{
        "series": _short_label(r), "line": r["salvage_line"], "design": DESIGN_NAMES[r["design"]],
        "end point": ENDPOINT_NAMES[r["quantity"]], "printed": r["reported"],
        "count used": _series_from_row(r).count_text, "where read": _source_text(r),
    } for r in eligible])
    cross_checks = pd.DataFrame([{
        "figure": r["row_id"], "line": r["salvage_line"], "end point": ENDPOINT_NAMES[r["quantity"]],
        "printed": r["reported"],
        "denominator": "" if pd.isna(r["total"]) else str(int(r["total"])),
        "why not pooled": next((SALVAGE_EXCLUDED_PREFIXES[p] for p in SALVAGE_EXCLUDED_PREFIXES if r["row_id"].startswith(p)),
                               "denominator not printed"),
        "where read": _source_text(r),
    } for r in cross])
    return SalvageEvidence(table=table, pools=pools, sensitivity=sensitivity, alternative=alternative,
                           excluded=excluded, cross_checks=cross_checks)


def reinduction_cr(claims: ClaimsRegistry, data_dir=None, works=None, evidence: SalvageEvidence | None = None) -> ClaimResult:
    """Pooled CR after salvage chemotherapy, by line and by setting, against "20%-30%"."""
    claim = claims.get("reinduction-cr")
    works = works or load_cited_works(data_dir)
    ev = evidence or salvage_evidence(data_dir)
    printed = claim.reported[0]
    low, high = claimed_interval(printed)
    inside = lambda fit: low - 1e-12 <= fit.estimate <= high + 1e-12  # noqa: E731
    checks, reproduced = [], []
    for name, p in ev.pools.items():
        agrees = p.agrees(inside)
        checks.append(Check(label=f"pooled CR, {p.name.lower()} (k = {p.k})", reported=printed, found=p.text(),
                            agrees=agrees, source="; ".join(s.label for s in p.series)))
        reproduced.append(Reproduced(f"pooled CR, {p.name.lower()}", float(p.shown.estimate), p.text(),
                                     ci=(float(p.shown.ci_low), float(p.shown.ci_high))))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    holds = [p.name.lower() for p in ev.pools.values() if p.agrees(inside) is True]
    above = [p for p in ev.pools.values() if p.agrees(lambda f: f.estimate > high) is True]
    below = [p for p in ev.pools.values() if p.agrees(lambda f: f.estimate < low) is True]
    parts = []
    if holds:
        parts.append(f"The claimed {printed} holds for: {', '.join(holds)}.")
    if above:
        parts.append("It understates the pooled CR for: "
                     + "; ".join(f"{p.name.lower()} {_pct(p.shown.estimate)} (95% CI {_pct(p.shown.ci_low)}–"
                                 f"{_pct(p.shown.ci_high)})" for p in above) + ".")
    if below:
        parts.append("It overstates it for: " + "; ".join(f"{p.name.lower()} {_pct(p.shown.estimate)}" for p in below) + ".")
    unsettled = [p.name.lower() for p in ev.pools.values() if p.agrees(inside) is None]
    if unsettled:
        parts.append(f"Undecided over the bracketed counts: {', '.join(unsettled)}.")
    lead = {"discrepant": "The claim, stated for conventional re-induction in general, does not hold across salvage lines.",
            "consistent": "Every pooled estimate lies in the claimed range.",
            "not-reproducible": "No pooled estimate could be compared."}[verdict]
    reason = " ".join([lead, *parts, "Pooled with a logit random-effects model (REML, Hartung-Knapp CI) from counts "
                       "printed or exactly derivable from the printed percentage.", f"Citation: {citation_reason}"])
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason)


# =====================================================================================
# Treatment-related mortality
# =====================================================================================
#: Subsets kept out of the pools (row -> the row that contains it).
FATAL_SUBSETS = {"mt103-205-tr-fatal-rp2d": "mt103-205-tr-fatal-all",
                 "mt103-205-any-fatal-rp2d": "mt103-205-any-fatal-all"}


@dataclass(frozen=True)
class FatalEvidence:
    table: pd.DataFrame
    treatment_related: Pool
    any_cause: Pool
    sensitivity: dict[str, Pool]
    chemotherapy: pd.DataFrame
    guideline: pd.DataFrame


def fatal_evidence(data_dir: Path | str | None = None) -> FatalEvidence:
    """Blinatumomab arms' treatment-related and all-cause fatal adverse events, pooled."""
    frame = load_table("background/blinatumomab_fatal_events.csv", _data(data_dir))
    counted = frame[frame["events"].notna() & frame["total"].notna()]
    blin = counted[(counted["group"] == "blinatumomab") & ~counted["row_id"].isin(list(FATAL_SUBSETS))]
    tr = blin[blin["quantity"] == "treatment-related-fatal-ae"]
    anyc = blin[blin["quantity"] == "fatal-ae-any-cause"]
    if tr.empty:
        raise ValueError("background/blinatumomab_fatal_events.csv: no treatment-related fatal-event counts on blinatumomab")
    tr_series = [_series_from_row(r) for _, r in tr.iterrows()]
    any_series = [_series_from_row(r) for _, r in anyc.iterrows()]
    table = pd.DataFrame([{
        "arm": _short_label(r), "attribution": r["attribution"], "fatal events": f"{int(r['events'])}/{int(r['total'])}",
        "printed": r["reported"], "recomputed": _pct(int(r["events"]) / int(r["total"]), 1),
        "printed agrees": "yes" if _printed_matches(r) else "NO",
        "where read": _source_text(r),
    } for _, r in counted.iterrows()])
    chemo = counted[counted["group"] != "blinatumomab"]
    chemotherapy = pd.DataFrame([{"arm": r["row_id"], "attribution": r["attribution"],
                                  "fatal events": f"{int(r['events'])}/{int(r['total'])}",
                                  "rate": _pct(int(r["events"]) / int(r["total"]), 1)} for _, r in chemo.iterrows()])
    guideline = frame[frame["events"].isna()][["row_id", "group", "reported", "quote", "study", "location"]]
    return FatalEvidence(table=table, treatment_related=pool("Treatment-related fatal adverse events", tr_series),
                         any_cause=pool("Fatal adverse events, any cause", any_series) if any_series else None,
                         sensitivity={label: pool("Treatment-related fatal adverse events", tr_series, model)
                                      for label, model in SENSITIVITY},
                         chemotherapy=chemotherapy, guideline=guideline.reset_index(drop=True))


def printed_percent(reported: str) -> str:
    """The percentage in a printed cell: "3%" -> "3%"; Table 4's "n (%)" form "0 (0.0)" -> "0.0%"."""
    inner = re.fullmatch(r"\s*\d+\s*\((\d+(?:\.\d+)?)\)\s*", reported)
    return f"{inner.group(1)}%" if inner else reported.strip()


def _printed_matches(row) -> bool:
    return within_rounding(int(row["events"]) / int(row["total"]), printed_percent(row["reported"]))


def trm_immunotherapy(claims: ClaimsRegistry, data_dir=None, works=None, evidence: FatalEvidence | None = None) -> ClaimResult:
    """The guideline's ~1% TRM against the pooled treatment-related fatal events on blinatumomab."""
    claim = claims.get("trm-immunotherapy")
    works = works or load_cited_works(data_dir)
    ev = evidence or fatal_evidence(data_dir)
    printed = claim.reported[0]
    value = parse_printed(printed).estimate
    claimed = value.fraction
    p = ev.treatment_related
    fit = p.shown
    checks = [
        Check("pooled treatment-related fatal events, blinatumomab (k = %d)" % p.k, printed, p.text(),
              p.agrees(lambda f: within_rounding(f.estimate, value)), "; ".join(s.label for s in p.series)),
        Check(f"the printed {printed} inside the pooled 95% CI", printed,
              f"{_pct(fit.ci_low)}–{_pct(fit.ci_high)}", p.agrees(lambda f: f.ci_low <= claimed <= f.ci_high),
              "main model: logit, REML, Hartung-Knapp"),
        Check(f"the printed {printed} inside the 95% prediction interval", printed,
              f"{_pct(fit.pi_low)}–{_pct(fit.pi_high)}", p.agrees(lambda f: f.pi_low <= claimed <= f.pi_high),
              "main model: logit, REML, Hartung-Knapp"),
    ]
    for s in p.series:
        rate = s.candidates[0] / s.total
        checks.append(Check(f"{s.label}: treatment-related fatal events", printed,
                            f"{s.candidates[0]}/{s.total} = {_pct(rate)}", within_rounding(rate, value), s.source))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    touching = rounding_interval(value)
    overlap = fit.ci_low < touching[1]
    if verdict == "discrepant":
        reason = (f"The cited guideline does print about 1%, but the trial data do not bear it out for blinatumomab: "
                  f"treatment-related fatal adverse events pool to {p.text()} across {p.k} trial populations "
                  f"({sum(s.candidates[0] for s in p.series)}/{sum(s.total for s in p.series)} patients), about "
                  f"{fit.estimate / claimed:.1f} times the stated rate; {printed} lies below the 95% CI and the "
                  f"prediction interval"
                  + (f" (only the upper rounding edge of '{printed}', {_pct(touching[1])}, reaches the CI)" if overlap else "")
                  + ". ")
    else:
        reason = f"The pooled treatment-related fatal-event rate, {p.text()}, agrees with the stated {printed}. "
    if ev.any_cause is not None:
        reason += (f"Counting fatal adverse events of any cause instead (most are deaths from leukaemia or infection "
                   f"that investigators did not attribute to the drug) gives {_pct(ev.any_cause.shown.estimate)}: "
                   f"'TRM' must not be read as all deaths on treatment. ")
    reason += f"Citation: {citation_reason}"
    reproduced = [Reproduced("pooled treatment-related fatal AEs (blinatumomab)", float(fit.estimate), p.text(),
                             ci=(float(fit.ci_low), float(fit.ci_high)))]
    if ev.any_cause is not None:
        a = ev.any_cause.shown
        reproduced.append(Reproduced("pooled fatal AEs of any cause (blinatumomab)", float(a.estimate),
                                     ev.any_cause.text(), ci=(float(a.ci_low), float(a.ci_high))))
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason)


# =====================================================================================
# The group
# =====================================================================================
@claim_group("background", ids=CLAIM_IDS)
def evaluate_background(claims: ClaimsRegistry) -> list[ClaimResult]:
    works = load_cited_works()
    return [relapse_adults(claims, works=works), relapse_children(claims, works=works),
            reinduction_cr(claims, works=works), trm_immunotherapy(claims, works=works)]


# =====================================================================================
# Citation audit (one row per reference of the commentary), computed from the ledger
# =====================================================================================
AUDIT_RULE = (
    "A reference that was not found, or whose text was not read, is 'unverifiable'. Otherwise its "
    "verdict comes from the citation verdicts of the claims that cite it, pending ones left aside: "
    "all supported -> supported; none supported or partly supported -> not-supported (unverifiable "
    "if all of them are unverifiable); any other mixture -> partly-supported; no claim evaluated "
    "yet -> pending."
)


def audit_verdict(work: CitedWork, citations: list[str]) -> str:
    """The verdict of one reference from the citation verdicts of the claims citing it."""
    if not work.text_read:
        return "unverifiable"
    judged = [c for c in citations if c != "pending"]
    if not judged:
        return "pending"
    if all(c == "supported" for c in judged):
        return "supported"
    if all(c == "unverifiable" for c in judged):
        return "unverifiable"
    if not any(c in ("supported", "partly-supported") for c in judged):
        return "not-supported"
    return "partly-supported"


@dataclass(frozen=True)
class AuditRow:
    number: int
    bibkey: str
    as_cited: str
    read: str
    reports: str
    location: str
    claims: tuple[dict, ...]
    verdict: str
    errata: tuple[dict, ...]
    notes: tuple[dict, ...]


def citation_audit(ledger: dict, works: dict[str, CitedWork], errata) -> list[AuditRow]:
    """One row per reference: what the claims citing it say, what it reports, its verdict, and
    its bibliographic errors (``reference-details`` errata whose quoted text lies in the
    reference as printed) and attribution notes (other errata naming the work as a source).

    ``ledger`` is :func:`analysis.ledger.build_ledger`'s document; ``errata`` the list from
    :func:`analysis.errata.load_errata`.
    """
    rows = []
    for work in sorted(works.values(), key=lambda w: w.number):
        citing = tuple({"id": c["id"], "quote": c["quote"], "citation": c["citation"], "verdict": c["verdict"],
                        "reason": c["citation_reason"] or c["reason"], "page": c["page"]}
                       for c in ledger["claims"] if work.bibkey in c["references"])
        reference = normalise_text(work.as_cited_text)
        bib_errors, notes = [], []
        for e in errata:
            if e.kind == "reference-details" and normalise_text(e.commentary) in reference:
                bib_errors.append({"id": e.id, "problem": e.problem})
            elif e.kind != "reference-details" and any(s.get("bibkey") == work.bibkey for s in e.sources):
                notes.append({"id": e.id, "kind": e.kind, "problem": e.problem})
        rows.append(AuditRow(number=work.number, bibkey=work.bibkey, as_cited=work.as_cited_text, read=work.read,
                             reports=work.reports, location=work.location, claims=citing,
                             verdict=audit_verdict(work, [c["citation"] for c in citing]),
                             errata=tuple(bib_errors), notes=tuple(notes)))
    return rows


__all__ = ["CLAIM_IDS", "MODEL", "SENSITIVITY", "CitedWork", "load_cited_works", "citation_axis", "Span",
           "parse_span", "claimed_interval", "span_agrees", "candidate_counts", "RelapseFigure", "relapse_figures",
           "Series", "Pool", "pool", "salvage_evidence", "SalvageEvidence", "fatal_evidence", "FatalEvidence",
           "relapse_adults", "relapse_children", "reinduction_cr", "trm_immunotherapy", "evaluate_background",
           "AUDIT_RULE", "audit_verdict", "AuditRow", "citation_audit"]
