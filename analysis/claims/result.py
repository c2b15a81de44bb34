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


@dataclass(frozen=True)
class Check:
    """One row of a claim's reported-vs-reproduced table (statcheck style).

    ``agrees`` is True/False for a check that was made and None where it could not be made.
    ``source`` says where the compared figure was read (report and location).
    """

    label: str
    reported: str
    found: str
    agrees: bool | None
    source: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


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
    def pending(cls, claim_id: str) -> "ClaimResult":
        return cls(id=claim_id, citation="pending", verdict="pending",
                   reason="No evaluator covers this claim yet; its analysis page is not written.")


def verdict_from_checks(checks: list[Check] | tuple[Check, ...]) -> str:
    """``consistent`` when every check that could be made agrees, ``discrepant`` when any
    disagrees, ``not-reproducible`` when none could be made."""
    made = [c for c in checks if c.agrees is not None]
    if not made:
        return "not-reproducible"
    return "consistent" if all(c.agrees for c in made) else "discrepant"


def disagreement(checks) -> str:
    """The reason's fallback sentence naming every check that disagrees: 'Disagreement in: a; b. '."""
    return "Disagreement in: " + "; ".join(c.label for c in checks if c.agrees is False) + ". "
