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
- ``not-supported``: every cited work was read and none prints it — a source that does not
  contain the figure never makes a citation ``supported``;
- ``unverifiable``: no cited work that was read prints it and at least one cited work could not
  be read or found (it might print the figure, so "not supported" would claim more than the
  evidence shows). The reason names both, e.g. "[1] read, does not print it; [2] not found".

Verdict rules (the numeric axis), stated once here and on the pages:

- **Summary range against pooled estimates** (``reinduction-cr``, ``trm-immunotherapy``): the
  printed figure stands for its rounding interval ("1%" = [0.5%, 1.5%), "20%-30%" = [19.5%,
  30.5%)). A pooled estimate is ``discrepant`` with it only when its whole 95% confidence
  interval lies outside that interval; when the two overlap it is consistent, and the reason
  says where the point estimate falls (inside, above, below). Across bracketed counts a check
  agrees or disagrees only when every allowed count gives the same answer.
- **Single studies** are judged the same way with their exact (Clopper–Pearson) 95% CI.
- **Prediction intervals are never evidence in a verdict**: with fewer than three series a
  prediction interval is not estimable (Higgins, Thompson & Spiegelhalter 2009 use t with
  k − 2 degrees of freedom), and when tau² is estimated as 0 it only repeats the confidence
  interval. They are shown (k ≥ 3, t with k − 2 df) as description only.
- **Relapse ranges** (``relapse-adults``, ``relapse-children``): a published point agrees when
  it lies in the claimed interval; a published range agrees when the two share at least
  :data:`MIN_SHARED` (half) of the narrower of the two, not merely any overlap. The reason
  reports how much of the claimed range the compared figures cover. Cure, survival and
  "not cured" statements are context (never compared): they include deaths from toxicity and
  refractory disease, and survival is not relapse.

The module also builds the citation audit (one row per reference of the commentary) from the
ledger: see :func:`citation_audit`.

Pooling model (stated and justified on the pages): logit transform, REML estimate of tau²,
Hartung-Knapp CI (t with k-1 df); prediction interval of Higgins, Thompson & Spiegelhalter
(2009) for k >= 3 (t with k-2 df), description only; sensitivity analyses with the Wald CI and with the random-
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
    """The citation verdict of a background claim and its reason (rule in the module docstring).

    The reason opens with one clause per cited work ("[1] read, does not print it; [2] not
    found"), then what each work that was read says.
    """
    prints, lacks, unread, summary = [], [], [], []
    for key in references:
        work = works.get(key)
        if work is None:
            raise ValueError(f"claim {claim_id}: cited work {key!r} is not listed in background/cited_works.yaml")
        label = f"[{work.number}] {key}"
        if not work.text_read:
            state = "not found" if not work.found else "found, text not read"
            unread.append(label)
            summary.append(f"[{work.number}] {state}")
            continue
        verdict = work.carries.get(claim_id)
        if verdict is None:
            raise ValueError(f"claim {claim_id}: cited_works.yaml does not say whether {key} prints its figure")
        (prints if verdict["prints"] else lacks).append(f"{label}: {verdict['why']}")
        summary.append(f"[{work.number}] read, {'prints it' if verdict['prints'] else 'does not print it'}")
    parts = ["; ".join(summary) + "."]
    if prints:
        parts.append("Prints it: " + " ".join(prints))
    if lacks:
        parts.append("Read, does not print it: " + " ".join(lacks))
    if unread:
        parts.append("Could not be checked: " + "; ".join(unread) + " (it might print the figure).")
    reason = " ".join(parts)
    if prints and not lacks and not unread:
        return "supported", reason
    if prints:
        return "partly-supported", reason
    if unread:
        return "unverifiable", reason
    return "not-supported", reason


def work_finding(work: CitedWork, claim_id: str, claim_citation: str) -> str:
    """What one cited work contributes to one claim's citation verdict, on the citation scale:
    ``unverifiable`` when its text was not read, ``supported``/``not-supported`` from its
    ``carries`` entry for a background claim, otherwise the claim's own citation verdict."""
    if not work.text_read:
        return "unverifiable"
    if claim_citation == "pending":
        return "pending"
    verdict = work.carries.get(claim_id)
    if verdict is not None:
        return "supported" if verdict["prints"] else "not-supported"
    return claim_citation


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


#: A published range agrees with a claimed range when they share at least this fraction of the
#: narrower of the two (any overlap is not enough: "30% to 60%" touching "50%-65%" at one end
#: would otherwise count as agreement).
MIN_SHARED = 0.5


def shared_length(span: Span, interval: tuple[float, float]) -> float:
    """Length of the part of ``span`` that lies in ``interval`` (0 when they do not meet)."""
    return max(0.0, min(span.high, interval[1]) - max(span.low, interval[0]))


def coverage(spans: list[Span], interval: tuple[float, float]) -> float:
    """The fraction of the claimed ``interval`` covered by the union of the published ``spans``
    (points cover nothing; only ranges have length)."""
    low, high = interval
    pieces = sorted((max(s.low, low), min(s.high, high)) for s in spans if min(s.high, high) > max(s.low, low))
    covered, end = 0.0, low
    for a, b in pieces:
        a = max(a, end)
        if b > a:
            covered += b - a
            end = b
    return covered / (high - low)


def span_agrees(span: Span, interval: tuple[float, float]) -> bool:
    """A point agrees when it lies in the interval [low, high]; a range when the two share at
    least :data:`MIN_SHARED` of the narrower one ("30% to 60%" vs [49.5%, 65.5%): 10.5 of 16
    points shared, agrees; "30% to 55%": 5.5 of 16, does not)."""
    low, high = interval
    eps = 1e-12
    if span.is_point:
        return low - eps <= span.low <= high + eps
    narrower = min(span.high - span.low, high - low)
    return shared_length(span, interval) >= MIN_SHARED * narrower - eps


def clopper_pearson(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval of ``events/total``: 1/45 -> (0.0006, 0.118)."""
    from scipy import stats
    if total <= 0 or not 0 <= events <= total:
        raise ValueError(f"{events}/{total} is not a proportion")
    alpha = 1 - level
    lo = 0.0 if events == 0 else float(stats.beta.ppf(alpha / 2, events, total - events + 1))
    hi = 1.0 if events == total else float(stats.beta.ppf(1 - alpha / 2, events + 1, total - events))
    return lo, hi


def ci_meets(ci: tuple[float, float], interval: tuple[float, float]) -> bool:
    """The summary-range rule: True unless the whole CI lies outside the claim's rounding
    interval [low, high) (so ``discrepant`` needs ci_high < low or ci_low >= high)."""
    eps = 1e-12
    return not (ci[1] < interval[0] - eps or ci[0] >= interval[1] - eps)


def where_estimate_falls(estimate: float, interval: tuple[float, float]) -> str:
    """"inside", "above" or "below" the claim's rounding interval [low, high)."""
    if estimate < interval[0]:
        return "below"
    if estimate >= interval[1]:
        return "above"
    return "inside"


def prediction_interval(fit: PooledProportion) -> tuple[float, float] | None:
    """Higgins, Thompson & Spiegelhalter (2009) prediction interval on the logit scale, t with
    k − 2 df: mu ± t * sqrt(tau² + se²), back-transformed; None when k < 3 (not estimable)."""
    from scipy import special, stats
    if fit.k < 3 or fit.transform != "logit":
        return None
    crit = float(stats.t.ppf(0.5 + fit.level / 2, fit.k - 2))
    half = crit * (fit.tau2 + fit.se ** 2) ** 0.5
    return float(special.expit(fit.mu - half)), float(special.expit(fit.mu + half))


def pi_text(fit: PooledProportion) -> str:
    """The prediction interval as shown, with why it is never used in a verdict."""
    pi = prediction_interval(fit)
    if pi is None:
        return "not estimable (k < 3)"
    text = f"{_pct(pi[0])}–{_pct(pi[1])}"
    return text + (" (tau² = 0: no heterogeneity estimated)" if fit.tau2 == 0 else "")


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
#: "resistance or relapse", or a cure, survival or not-cured statement: those include toxic
#: deaths and refractory disease, so every one of them is context, printed in figures or in
#: words). ``-complement``: a cure or survival rate, drawn as 1 - value. Rows not listed are
#: words without a proportion ("most", a count of relapsed patients without the number at risk).
RELAPSE_USE = {
    "adult_relapse.csv": {
        "gimema-0288-relapse": ("check", "relapse among adults in remission, cooperative-group trial"),
        "bloodadv-adult-rr": ("check", "relapsed or refractory adults (opinion piece)"),
        "review-relapse-despite-consolidation": ("check", "relapse after consolidation (review range)"),
        "esmo-adult-cure": ("context-complement", "cure rate; drawn as 1 − cure, which also counts toxic deaths and "
                            "refractory disease"),
        "pethema-not-cured": ("context", "not cured (in words), which also counts toxic deaths"),
        "haplo-vs-chemo-hr-relapse": ("context", "high-risk subgroup only, 3-year cumulative incidence"),
        "pethema-all-hr-11-cir": ("context", "high-risk subgroup, transplant guided by residual disease; relapse "
                                  "only, 5-year cumulative incidence"),
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
        "hunger2012-5y-os-1990-94": ("context-complement", "5-year survival (ref [1]); drawn as 1 − survival = "
                                     "deaths from any cause by 5 years, not relapse"),
        "hunger2012-5y-os-2000-05": ("context-complement", "5-year survival (ref [1]); drawn as 1 − survival = "
                                     "deaths from any cause by 5 years, not relapse"),
        "esmo-paed-cure": ("context-complement", "cure rate; drawn as 1 − cure, which also counts toxic deaths"),
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

    @property
    def drawn(self) -> str:
        """The value as drawn: "60.0%", "30.0%–60.0%", "16.3% (= 1 − 83.7%)", or "—" (words)."""
        if self.span is None:
            return "—"
        if self.recomputed is not None:
            return _pct(self.recomputed, 2) + " (recomputed)"
        text = _span_text(self.span)
        return f"{text} (= 1 − {self.reported})" if self.span.text.startswith("1 - ") else text

    @property
    def compared_span(self) -> Span | None:
        if self.recomputed is not None:
            return Span(self.recomputed, self.recomputed, _pct(self.recomputed, 2))
        return self.span


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
        if span is None and use == "check":
            raise ValueError(f"background/{table}: row {row['row_id']}: it is compared with the claim but "
                             f"{row['reported']!r} is not a printed proportion")
        out.append(RelapseFigure(row_id=row["row_id"], study=row["study"], reported=row["reported"], use=use,
                                 why=why, span=span, recomputed=recomputed, location=row["location"],
                                 source=_source_text(row)))
    return out


def _span_text(span: Span) -> str:
    return _pct(span.low, 1) if span.is_point else f"{_pct(span.low, 1)}–{_pct(span.high, 1)}"


def _short_name(study: str) -> str:
    """"Hunger 2012 (COG 1990-2005) = commentary ref [1]" -> "Hunger 2012 (COG 1990-2005)"."""
    return study.split(" = ")[0].removesuffix(" - as quoted")


def _relapse_result(claim, figures: list[RelapseFigure], works, population: str) -> ClaimResult:
    printed = claim.reported[0]
    interval = claimed_interval(printed)
    width = interval[1] - interval[0]
    checks = []
    compared = [f for f in figures if f.use == "check"]
    for f in compared:
        span = f.compared_span
        found = f"{f.reported} printed; recomputed {_pct(f.recomputed, 2)}" if f.recomputed is not None else _span_text(span)
        if not span.is_point:
            found += (f"; shares {_pct(shared_length(span, interval) / width, 0)} of the claimed range")
        checks.append(Check(label=f"{_short_name(f.study)}: {f.why}", reported=printed, found=found,
                            agrees=span_agrees(span, interval), source=f.source))
    for f in figures:
        if f.recomputed is not None and f.span is not None and f.span.is_point:
            checks.append(Check(label=f"{_short_name(f.study)}: printed percentage vs its own counts",
                                reported=f.reported, found=_pct(f.recomputed, 2),
                                agrees=within_rounding(f.recomputed, f.reported), source=f.source))
    spans = [f.compared_span for f in compared]
    envelope = (min(s.low for s in spans), max(s.high for s in spans)) if spans else (float("nan"), float("nan"))
    covered = coverage(spans, interval) if spans else 0.0
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    n_ok = sum(1 for c in checks if c.agrees)
    context = [f for f in figures if f.use == "context" and f.span is not None]
    outside = [f for f in context if not span_agrees(f.span, interval)]
    with_counts = [f for f in compared if f.recomputed is not None]
    uncovered = []
    if spans and interval[1] - envelope[1] > 0.005:   # more than half a percentage point left uncovered
        uncovered.append(f"above {_pct(envelope[1], 1)}")
    if spans and envelope[0] - interval[0] > 0.005:
        uncovered.append(f"below {_pct(envelope[0], 1)}")
    if verdict == "consistent":
        reason = (f"All {n_ok} comparisons agree: the {len(compared)} published statements about {population} "
                  f"as a whole span {_pct(envelope[0], 1)} to {_pct(envelope[1], 1)}, and each meets the claimed "
                  f"{printed} (read as {_pct(interval[0], 1)} to {_pct(interval[1], 1)}; a published range must "
                  f"share at least half of the narrower range, not merely touch it). ")
    else:
        failed = "; ".join(f"{c.label} ({c.found})" for c in checks if c.agrees is False)
        reason = f"Published figures disagree with the claimed {printed}: {failed}. "
    reason += (f"Together they cover {_pct(covered, 0)} of the claimed range"
               + (f"; no compared figure lies {' or '.join(uncovered)}" if uncovered else "") + ". ")
    if verdict == "consistent":
        if with_counts:
            reason += ("The proportions with printed counts were recomputed ("
                       + ", ".join(f"{_pct(f.recomputed, 1)}" for f in with_counts)
                       + "), but the claim is a summary range, not a statistic of one dataset, so 'consistent' is "
                       "the strongest verdict. ")
        else:
            reason += (f"No source gives counts from which a relapse proportion for {population} could be "
                       "recomputed, so 'consistent' is the strongest verdict. ")
    reason += ("Cure, survival and not-cured statements are context only, not compared: they also count "
               "refractory disease and deaths from toxicity. ")
    if outside:
        reason += ("Context figures (not compared) that fall outside the claimed range: "
                   + "; ".join(f"{_short_name(f.study)}, {f.drawn} ({f.why})" for f in outside) + ". ")
    reason += f"Citation: {citation_reason}"
    reproduced = (Reproduced(f"published range, {population}", None,
                             f"{_pct(envelope[0], 1)}–{_pct(envelope[1], 1)} across {len(compared)} sources, "
                             f"covering {_pct(covered, 0)} of the claimed range", ci=envelope),)
    reproduced += tuple(Reproduced(f"{f.row_id} recomputed", float(f.recomputed), _pct(f.recomputed, 2))
                        for f in with_counts)
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason.strip(),
                       reproduced=reproduced, checks=tuple(checks), citation_reason=citation_reason,
                       extra={"envelope": envelope, "interval": interval, "coverage": covered})


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
        return f"{_pct(s.estimate)} (95% CI {_pct(s.ci_low)}–{_pct(s.ci_high)}){spread}"

    @property
    def for_plot(self) -> PooledProportion:
        """The shown fit with the Higgins (t, k − 2 df) prediction interval for plotting; with
        k < 3, where none is estimable, the forest plot draws none and says so."""
        import dataclasses
        pi = prediction_interval(self.shown) or (self.shown.ci_low, self.shown.ci_high)
        return dataclasses.replace(self.shown, pi_low=pi[0], pi_high=pi[1])


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
#: Rows made of the same patients as another pooled row: they enter only the pool of their own
#: line, never a pool that mixes lines (row -> the only pool it may enter, and why).
SALVAGE_LINE_ONLY = {
    "gmall-second-salvage": ("second-or-later", "its patients are the first-salvage failures of the GMALL "
                             "first-salvage cohort, so it enters only the second-or-later pool"),
}
#: Sensitivity analyses on the data set: label -> (rows dropped, why).
SALVAGE_DATA_SENSITIVITY = {
    "without GRAALL": ("graall-cr2", "its denominator includes best-supportive-care, low-intensity and transplanted "
                       "patients (salvage_cr.csv, group column)"),
    "CR only": (None, "end points other than CR alone (INO-VATE's CR/CRi) dropped"),
}

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
    #: subgroup -> {"without GRAALL": Pool | None, "CR only": Pool | None}; None when fewer than
    #: two series remain, absent when the analysis leaves the subgroup unchanged.
    data_sensitivity: dict[str, dict[str, Pool | None]] = field(default_factory=dict)
    populations: tuple[str, ...] = ()


def _study_name(row) -> str:
    """The study as named on the page, without location words the study cell repeats."""
    name = str(row["study"]).removesuffix(" - as quoted")
    return re.sub(r"\), (?:Introduction|Background|abstract)$", ")", name)


def salvage_evidence(data_dir: Path | str | None = None) -> SalvageEvidence:
    """Everything the re-induction page shows: the eligible series, the pools by line and by
    setting (main model, sensitivity models, with TOWER's alternative end point, without GRAALL
    and with CR-only end points), the rows left out and why, and the figures kept as
    cross-checks, each compared with the claim and with the pool of its line."""
    frame = load_table("background/salvage_cr.csv", _data(data_dir))
    excluded: list[tuple[str, str]] = []
    eligible = []
    alternatives = set(SALVAGE_ALTERNATIVE.values())
    out_rows = []
    for _, row in frame.iterrows():
        rid = row["row_id"]
        prefix = next((p for p in SALVAGE_EXCLUDED_PREFIXES if rid.startswith(p)), None)
        why = None
        if prefix:
            why = SALVAGE_EXCLUDED_PREFIXES[prefix]
        elif rid in SALVAGE_SUPERSEDED:
            why = f"superseded by {_short_label({'row_id': SALVAGE_SUPERSEDED[rid]})} (same arm, larger analysis)"
        elif rid in alternatives:
            why = "alternative end point of the same arm (used in a sensitivity analysis)"
        elif pd.isna(row["total"]):
            why = "denominator not printed where it was read: cannot be pooled"
        else:
            eligible.append(row)
        if why:
            excluded.append((rid, why))
            out_rows.append((row, why))
    by_id = {r["row_id"]: r for _, r in frame.iterrows()}

    def subgroup(rows, name, column, value):
        return [r for r in rows if (column is None or r[column] == value)
                and SALVAGE_LINE_ONLY.get(r["row_id"], (name,))[0] == name]

    def maybe_pool(title, rows):
        return pool(title, [_series_from_row(r) for r in rows]) if len(rows) >= 2 else None

    pools, sensitivity, alternative, data_sens = {}, {}, {}, {}
    for name, (title, column, value) in SALVAGE_SUBGROUPS.items():
        rows = subgroup(eligible, name, column, value)
        series = [_series_from_row(r) for r in rows]
        pools[name] = pool(title, series)
        sensitivity[name] = {label: pool(title, series, model) for label, model in SENSITIVITY}
        swapped = [_series_from_row(by_id[SALVAGE_ALTERNATIVE[r["row_id"]]]) if r["row_id"] in SALVAGE_ALTERNATIVE
                   else _series_from_row(r) for r in rows]
        if any(r["row_id"] in SALVAGE_ALTERNATIVE for r in rows):
            alternative[name] = pool(title, swapped)
        data_sens[name] = {}
        no_graall = [r for r in rows if r["row_id"] != SALVAGE_DATA_SENSITIVITY["without GRAALL"][0]]
        if len(no_graall) < len(rows):
            data_sens[name]["without GRAALL"] = maybe_pool(title, no_graall)
        cr_only = [r for r in rows if r["quantity"] == "cr-after-salvage"]
        if len(cr_only) < len(rows):
            data_sens[name]["CR only"] = maybe_pool(title, cr_only)
    table = pd.DataFrame([{
        "series": _short_label(r), "line": r["salvage_line"], "design": DESIGN_NAMES[r["design"]],
        "end point": ENDPOINT_NAMES[r["quantity"]], "printed": r["reported"],
        "count used": _series_from_row(r).count_text
        + (" (second-or-later pool only)" if r["row_id"] in SALVAGE_LINE_ONLY else ""),
        "where read": _source_text(r),
    } for r in eligible])
    line_pool = {"first": "first", "second-or-later": "second-or-later", "mixed": "all"}
    def cross_result(row) -> str:
        span = parse_span(row["reported"])
        p = pools[line_pool[row["salvage_line"]]].shown
        if span is None:
            return "—"
        inside = p.ci_low <= span.low and span.high <= p.ci_high
        return (f"{'inside' if inside else 'outside'} the {pools[line_pool[row['salvage_line']]].name.lower()} "
                f"pooled CI ({_pct(p.ci_low)}–{_pct(p.ci_high)})")

    cross_checks = pd.DataFrame([{
        "study": _study_name(r), "line": r["salvage_line"], "end point": ENDPOINT_NAMES[r["quantity"]],
        "printed": r["reported"], "denominator": "" if pd.isna(r["total"]) else str(int(r["total"])),
        "why not pooled": why, "cross-check": cross_result(r),
        "where read": str(r["location"]) + "".join(f"; {x}" for x in (f"doi:{r['doi']}" if r["doi"] else "",
                                                                     f"PMID {r['pmid']}" if r["pmid"] else "") if x),
    } for r, why in out_rows])
    populations = tuple(sorted({str(r["population"]) for _, r in frame.iterrows()}))
    return SalvageEvidence(table=table, pools=pools, sensitivity=sensitivity, alternative=alternative,
                           excluded=excluded, cross_checks=cross_checks, data_sensitivity=data_sens,
                           populations=populations)


def _position(p: Pool, interval) -> str:
    """Where the pooled point estimate falls against the claimed interval, over every bracketed count."""
    places = {where_estimate_falls(f.estimate, interval) for f in p.fits}
    return places.pop() if len(places) == 1 else "/".join(sorted(places))


def reinduction_cr(claims: ClaimsRegistry, data_dir=None, works=None, evidence: SalvageEvidence | None = None) -> ClaimResult:
    """Pooled CR after salvage chemotherapy, by line and by setting, against "20%-30%".

    Rule (module docstring): a pool is discrepant with the claim only when its whole 95% CI
    (Hartung-Knapp) lies outside the claim's rounding interval [19.5%, 30.5%); overlapping
    intervals are consistent, and the reason says where each point estimate falls. The five
    main pools decide; the sensitivity analyses (Wald, GLMM, TOWER composite, without GRAALL,
    CR only) are reported, and the reason says whether any of them would change a check.
    Prediction intervals are never used (two of the pools have k = 2).
    """
    claim = claims.get("reinduction-cr")
    works = works or load_cited_works(data_dir)
    ev = evidence or salvage_evidence(data_dir)
    printed = claim.reported[0]
    interval = claimed_interval(printed)
    meets = lambda fit: ci_meets((fit.ci_low, fit.ci_high), interval)  # noqa: E731
    checks, reproduced = [], []
    for name, p in ev.pools.items():
        checks.append(Check(label=f"pooled CR, {p.name.lower()} (k = {p.k}): 95% CI meets the claimed range",
                            reported=printed, found=f"{p.text()}; point estimate {_position(p, interval)} the range",
                            agrees=p.agrees(meets), source="; ".join(s.label for s in p.series)))
        reproduced.append(Reproduced(f"pooled CR, {p.name.lower()}", float(p.shown.estimate), p.text(),
                                     ci=(float(p.shown.ci_low), float(p.shown.ci_high))))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    by_place = {}
    for p in ev.pools.values():
        by_place.setdefault(_position(p, interval), []).append(p)
    parts = []
    if "inside" in by_place:
        parts.append("Point estimates inside it: " + "; ".join(f"{p.name.lower()} {_pct(p.shown.estimate)}"
                                                                for p in by_place["inside"]) + ".")
    for place, word in (("above", "higher"), ("below", "lower")):
        if place in by_place:
            parts.append(f"Pooled CR {word} than the claim: " + "; ".join(
                f"{p.name.lower()} {_pct(p.shown.estimate)} (95% CI {_pct(p.shown.ci_low)}–{_pct(p.shown.ci_high)})"
                for p in by_place[place]) + ".")
    apart = [p.name.lower() for p in ev.pools.values() if p.agrees(meets) is False]
    if apart:
        parts.append("Whole 95% CI outside the claimed range: " + ", ".join(apart) + ".")
    unsettled = [p.name.lower() for p in ev.pools.values() if p.agrees(meets) is None]
    if unsettled:
        parts.append(f"Undecided over the bracketed counts: {', '.join(unsettled)}.")
    flips = []
    for name, p in ev.pools.items():
        main = p.agrees(meets)
        others = [(lab, q) for lab, q in ev.sensitivity[name].items()]
        others += [(lab, q) for lab, q in ev.data_sensitivity.get(name, {}).items() if q is not None]
        if name in ev.alternative:
            others.append(("TOWER composite end point", ev.alternative[name]))
        for lab, q in others:
            if q.agrees(meets) != main:
                flips.append(f"{p.name.lower()} ({lab})")
    parts.append("Sensitivity analyses that would change a check: " + ("; ".join(flips) if flips else "none") + ".")
    lead = {"discrepant": f"At least one pooled 95% CI lies wholly outside the claimed {printed}.",
            "consistent": (f"Every pooled 95% CI overlaps the claimed {printed} (read as {_pct(interval[0])} to "
                           f"{_pct(interval[1])}), so the claim is consistent with adult salvage series; the point "
                           "estimates do not all fall inside it."),
            "not-reproducible": "No pooled estimate could be compared."}[verdict]
    scope = ("Only adult series were examined: the sentence names no age group for this figure, the cited "
             "work [2] is titled as a review of agents for relapsed or refractory ALL in adults, and no paediatric "
             "salvage series was collected, so the verdict does not cover children.")
    reason = " ".join([lead, *parts, scope, "Pooled with a logit random-effects model (REML, Hartung-Knapp CI) from "
                       "counts printed or exactly derivable from the printed percentage; prediction intervals are "
                       "not used (not estimable for k < 3).", f"Citation: {citation_reason}"])
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
    """The guideline's ~1% TRM against treatment-related fatal events on blinatumomab.

    Rule (module docstring): the printed figure stands for its rounding interval ("1%" =
    [0.5%, 1.5%)); the pooled estimate (logit, REML, Hartung-Knapp) and each trial population
    (exact Clopper-Pearson 95% CI) are discrepant only when the whole CI lies outside it. The
    prediction interval is not used: tau² is estimated as 0 here, so it would only repeat the CI.
    """
    claim = claims.get("trm-immunotherapy")
    works = works or load_cited_works(data_dir)
    ev = evidence or fatal_evidence(data_dir)
    printed = claim.reported[0]
    value = parse_printed(printed).estimate
    interval = rounding_interval(value)
    p = ev.treatment_related
    fit = p.shown
    meets = lambda f: ci_meets((f.ci_low, f.ci_high), interval)  # noqa: E731
    checks = [
        Check(f"pooled treatment-related fatal events, blinatumomab (k = {p.k}): 95% CI meets {_pct(interval[0])}–"
              f"{_pct(interval[1])}", printed,
              f"{p.text()}; point estimate {_position(p, interval)} the range", p.agrees(meets),
              "main model: logit, REML, Hartung-Knapp; " + "; ".join(s.label for s in p.series)),
    ]
    for s in p.series:
        lo, hi = clopper_pearson(s.candidates[0], s.total)
        rate = s.candidates[0] / s.total
        checks.append(Check(f"{s.label}: exact 95% CI meets the claimed range", printed,
                            f"{s.candidates[0]}/{s.total} = {_pct(rate)} (exact 95% CI {_pct(lo)}–{_pct(hi)})",
                            ci_meets((lo, hi), interval), s.source))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    events, patients = sum(s.candidates[0] for s in p.series), sum(s.total for s in p.series)
    crude = clopper_pearson(events, patients)
    place = _position(p, interval)
    if verdict == "consistent":
        edge = {"above": "at the upper edge of the stated figure: the point estimate is higher, but the CI reaches it",
                "below": "at the lower edge: the point estimate is lower, but the CI reaches it",
                "inside": "the point estimate lies inside it"}.get(place, "")
        reason = (f"Consistent, {edge}. The printed {printed} stands for {_pct(interval[0])}–{_pct(interval[1])}; "
                  f"treatment-related fatal adverse events on blinatumomab in relapsed or refractory ALL trials pool "
                  f"to {p.text()} across {p.k} trial populations ({events}/{patients} patients, crude "
                  f"{_pct(events / patients)}, exact 95% CI {_pct(crude[0])}–{_pct(crude[1])}), about "
                  f"{_pct(fit.estimate, 0)}; every trial's exact CI also reaches the stated range. ")
    else:
        apart = "; ".join(c.label.split(":")[0] + f" ({c.found})" for c in checks if c.agrees is False)
        reason = (f"Discrepant: the whole 95% CI lies outside {_pct(interval[0])}–{_pct(interval[1])} (the "
                  f"rounding interval of '{printed}') for: {apart}. ")
    reason += ("The prediction interval is not used as evidence: tau² is estimated as 0, so it would only repeat "
               "the CI. " if fit.tau2 == 0 else "The prediction interval is not used as evidence. ")
    reason += ("Scope: the pool holds only blinatumomab trials in relapsed or refractory disease, while the "
               "guideline's 'immunotherapy' also covers other agents and settings. ")
    if ev.any_cause is not None:
        reason += (f"Counting fatal adverse events of any cause instead (deaths the investigators did not attribute "
                   f"to the drug included) gives {_pct(ev.any_cause.shown.estimate)}: 'TRM' must not be read as all "
                   f"deaths on treatment. ")
    reason += f"Citation: {citation_reason}"
    reproduced = [Reproduced("pooled treatment-related fatal AEs (blinatumomab)", float(fit.estimate), p.text(),
                             ci=(float(fit.ci_low), float(fit.ci_high))),
                  Reproduced("treatment-related fatal AEs, all trials added up (exact CI)", events / patients,
                             f"{events}/{patients} = {_pct(events / patients)} (exact 95% CI {_pct(crude[0])}–"
                             f"{_pct(crude[1])})", ci=crude)]
    if ev.any_cause is not None:
        a = ev.any_cause.shown
        reproduced.append(Reproduced("pooled fatal AEs of any cause (blinatumomab)", float(a.estimate),
                                     ev.any_cause.text(), ci=(float(a.ci_low), float(a.ci_high))))
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason,
                       extra={"interval": interval, "crude": (events, patients, crude), "position": place})


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
    "verdict comes from what this work contributes to each claim citing it, pending ones left aside: "
    "for the background claims, whether the part read prints the claim's figure (supported or "
    "not-supported, even when the claim as a whole is unverifiable because another cited work could not "
    "be read); for other claims, the claim's citation verdict. All supported -> supported; none "
    "supported or partly supported -> not-supported (unverifiable if all of them are unverifiable); any "
    "other mixture -> partly-supported; no claim evaluated yet -> pending."
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
                        "this_work": work_finding(work, c["id"], c["citation"]),
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
                             verdict=audit_verdict(work, [c["this_work"] for c in citing]),
                             errata=tuple(bib_errors), notes=tuple(notes)))
    return rows


__all__ = ["CLAIM_IDS", "MODEL", "SENSITIVITY", "CitedWork", "load_cited_works", "citation_axis", "Span",
           "parse_span", "claimed_interval", "span_agrees", "candidate_counts", "RelapseFigure", "relapse_figures",
           "Series", "Pool", "pool", "salvage_evidence", "SalvageEvidence", "fatal_evidence", "FatalEvidence",
           "relapse_adults", "relapse_children", "reinduction_cr", "trm_immunotherapy", "evaluate_background",
           "MIN_SHARED", "shared_length", "coverage", "clopper_pearson", "ci_meets", "where_estimate_falls",
           "prediction_interval", "pi_text", "work_finding", "SALVAGE_LINE_ONLY", "SALVAGE_DATA_SENSITIVITY",
           "AUDIT_RULE", "audit_verdict", "AuditRow", "citation_audit"]
