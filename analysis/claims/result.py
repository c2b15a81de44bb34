"""What an evaluator returns: ``ClaimResult`` with its checks and reproduced values.

Two independent axes (design README):

- ``citation``: does the cited source say this?  supported | partly-supported | not-supported |
  unverifiable (the cited source's text could not be read) | pending (no evaluator yet)
- ``verdict``: do the numbers re-derive?  reproduced (recomputed from primary data, equal within
  the rounding of the printed value) | consistent (agrees with the sources and with itself, but
  nothing primary to recompute from) | discrepant | not-reproducible (always says which data are
  missing) | pending (no evaluator yet)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from analysis.inputs.files import CITATION_VALUES, VERDICT_VALUES


@dataclass(frozen=True)
class Reproduced:
    """A value the report computed for a claim: label, value, optional interval, display text."""

    label: str
    value: float | None
    text: str
    ci: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        out = {"label": self.label, "value": None if self.value is None else float(self.value),
               "text": self.text}
        if self.ci is not None:
            out["ci"] = [float(self.ci[0]), float(self.ci[1])]
        return out


#: What a check found: the claim holds ("agrees"), holds in substance but a detail departs
#: ("departs": wording, population, timing or precision), or the number or fact disagrees in
#: substance ("disagrees"). ``None``: no comparison could be made.
OUTCOMES = ("agrees", "departs", "disagrees")
#: "decides": counted by the claim's verdict rule; "context": shown, never counted (the reason says why).
ROLES = ("decides", "context")


@dataclass(frozen=True)
class Check:
    """One row of a claim's reported-vs-reproduced table (statcheck style).

    ``outcome`` is one of :data:`OUTCOMES`, or None where no comparison could be made; ``agrees``
    is derived from it (True for "agrees", False for "departs"/"disagrees", None when not made)
    and kept for readers of the ledger JSON. ``informative`` is False when the check could not
    have failed (a 95% CI spanning 97 points, GRIM at n >= 100 for whole percentages, ...) and
    ``uninformative_reason`` then says why; such a check is shown and never counted. ``rule`` is
    the id of the rulebook rule that judged it (``analysis.claims.rules``); ``role`` says whether
    the claim's verdict rule counts it. ``source`` says where the compared figure was read.
    """

    label: str
    reported: str
    found: str
    agrees: bool | None
    source: str = ""
    note: str = ""
    informative: bool = True
    uninformative_reason: str | None = None
    outcome: str | None = None
    rule: str = ""
    role: str = "decides"
    #: the 95% CI the comparison rests on (proportion scale), when it rests on one
    ci: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        outcome = self.outcome
        if outcome is None and self.agrees is not None:
            outcome = "agrees" if self.agrees else "disagrees"
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"check {self.label!r}: unknown outcome {outcome!r}")
        if self.role not in ROLES:
            raise ValueError(f"check {self.label!r}: unknown role {self.role!r}")
        object.__setattr__(self, "outcome", outcome)
        object.__setattr__(self, "agrees", None if outcome is None else outcome == "agrees")
        if outcome is None and self.informative:   # a comparison that was not made cannot fail
            object.__setattr__(self, "informative", False)
            object.__setattr__(self, "uninformative_reason",
                               self.uninformative_reason or self.note or "no comparison could be made")
        if not self.informative and not (self.uninformative_reason or "").strip():
            raise ValueError(f"check {self.label!r}: an uninformative check needs its reason")

    @property
    def counted(self) -> bool:
        """Whether the claim's verdict rule counts this check (made, informative, deciding)."""
        return self.outcome is not None and self.informative and self.role == "decides"

    def to_dict(self) -> dict:
        out = asdict(self)
        out["ci"] = None if self.ci is None else [float(self.ci[0]), float(self.ci[1])]
        return out


@dataclass(frozen=True)
class ClaimResult:
    """The evaluation of one claim on both axes, with the reason written out."""

    id: str
    citation: str
    verdict: str
    reason: str
    reproduced: tuple[Reproduced, ...] = ()
    checks: tuple[Check, ...] = ()
    citation_reason: str = ""
    extra: dict = field(default_factory=dict)
    #: one line for a reader in a hurry, generated from the result (summary-of-findings table)
    takeaway: str = ""
    #: the recomputed number that decides the verdict (the bottom line of the claim's section)
    deciding: Reproduced | None = None
    #: ids of the rulebook rules that decided this claim (``analysis.claims.rules``)
    rules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.citation not in CITATION_VALUES:
            raise ValueError(f"claim {self.id}: unknown citation value {self.citation!r}")
        if self.verdict not in VERDICT_VALUES:
            raise ValueError(f"claim {self.id}: unknown verdict value {self.verdict!r}")
        if (self.citation == "pending") != (self.verdict == "pending"):
            raise ValueError(f"claim {self.id}: 'pending' must be on both axes or on neither")
        if not self.reason.strip():
            raise ValueError(f"claim {self.id}: a verdict needs its reason written out")

    @classmethod
    def pending(cls, claim_id: str) -> ClaimResult:
        return cls(id=claim_id, citation="pending", verdict="pending",
                   reason="No evaluator covers this claim yet; its analysis page is not written.")
