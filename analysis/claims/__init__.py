"""Claims: the result type, the verdict rulebook, the evaluator registry and one evaluator module per
claim group."""

from analysis.claims.registry import claim_group, evaluate, evaluate_all, evaluate_group, groups
from analysis.claims.result import Check, ClaimResult, Reproduced
from analysis.claims.rules import RULES, verdict_from_checks

__all__ = ["Check", "ClaimResult", "Reproduced", "RULES", "verdict_from_checks", "claim_group",
           "evaluate", "evaluate_all", "evaluate_group", "groups"]
