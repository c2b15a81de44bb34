"""Claims: the result type, the evaluator registry and one evaluator module per claim group."""

from analysis.claims.result import Check, ClaimResult, Reproduced, verdict_from_checks
from analysis.claims.registry import claim_group, evaluate, evaluate_all, evaluate_group, groups

__all__ = ["Check", "ClaimResult", "Reproduced", "verdict_from_checks", "claim_group",
           "evaluate", "evaluate_all", "evaluate_group", "groups"]
