"""The registry of claim evaluators: ``evaluate(claim_id)`` and ``evaluate_all()``.

An evaluator covers one claim group (one book page). It is a function that takes the loaded
``ClaimsRegistry`` and returns ``ClaimResult``s for the claim ids it declares::

    @claim_group("e1910", ids=["e1910-randomisation", ...])
    def evaluate_e1910(claims): ...

Every module of this package other than the infrastructure (``base``, ``registry``,
``citing``) is an evaluator module; they are discovered and imported on first use. A claim no evaluator declares comes back
``pending`` on both axes — never a made-up verdict.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from analysis.inputs import paths
from analysis.inputs.files import ClaimsRegistry, load_claims
from analysis.claims.result import ClaimResult

INFRASTRUCTURE = {"result", "registry", "citing"}


def group_modules() -> list[str]:
    """The evaluator modules of this package, sorted by name (deterministic order)."""
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])]
    return [f"{__package__}.{n}" for n in sorted(names) if n not in INFRASTRUCTURE and not n.startswith("_")]


@dataclass(frozen=True)
class Group:
    name: str
    ids: tuple[str, ...]
    function: Callable[[ClaimsRegistry], list[ClaimResult]]


_GROUPS: dict[str, Group] = {}


def claim_group(name: str, ids: list[str]):
    """Register an evaluator for the claims ``ids`` under the group ``name``."""

    def decorator(function):
        for other in _GROUPS.values():
            overlap = set(ids) & set(other.ids)
            if overlap and other.name != name:
                raise ValueError(f"claims {sorted(overlap)} are declared by groups {other.name!r} and {name!r}")
        _GROUPS[name] = Group(name, tuple(ids), function)
        return function

    return decorator


def groups() -> dict[str, Group]:
    """All registered groups (importing the evaluator modules on first call)."""
    for module in group_modules():
        importlib.import_module(module)
    return dict(_GROUPS)


def _group_for(claim_id: str) -> Group | None:
    for group in groups().values():
        if claim_id in group.ids:
            return group
    return None


_CACHE: dict[tuple, dict[str, ClaimResult]] = {}


def _inputs_signature(claims: ClaimsRegistry) -> tuple:
    """What a group's results depend on besides the code: every file under data/ and the
    bibliography (path, size, modification time), and the claims registry's content."""
    files = [p for p in sorted(paths.DATA.rglob("*")) if p.is_file()] + [paths.BIBLIOGRAPHY]
    return (tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files), claims.path, claims.claims)


def _run_group(group: Group, claims: ClaimsRegistry) -> dict[str, ClaimResult]:
    """Run one group's evaluator, memoised for the life of the process on the group and its
    inputs (so a page or a test suite evaluating several claims of a group pays once; an edited
    data file changes the signature and is re-evaluated)."""
    key = (group.name, _inputs_signature(claims))
    if key not in _CACHE:
        _CACHE[key] = _evaluate_group(group, claims)
    return _CACHE[key]


def _evaluate_group(group: Group, claims: ClaimsRegistry) -> dict[str, ClaimResult]:
    results = {r.id: r for r in group.function(claims)}
    missing = set(group.ids) - set(results)
    extra = set(results) - set(group.ids)
    if missing or extra:
        raise RuntimeError(f"evaluator group {group.name!r} declared {sorted(group.ids)} but returned "
                           f"{sorted(results)} (missing {sorted(missing)}, undeclared {sorted(extra)})")
    unknown = set(group.ids) - set(claims.ids())
    if unknown:
        raise RuntimeError(f"evaluator group {group.name!r} declares claims not in {claims.path}: {sorted(unknown)}")
    return results


def evaluate(claim_id: str, claims: ClaimsRegistry | None = None) -> ClaimResult:
    """Evaluate one claim (its whole group runs; the one result is returned)."""
    claims = claims or load_claims()
    claims.get(claim_id)  # KeyError naming the registry when the id is unknown
    group = _group_for(claim_id)
    if group is None:
        return ClaimResult.pending(claim_id)
    return _run_group(group, claims)[claim_id]


def evaluate_group(name: str, claims: ClaimsRegistry | None = None) -> list[ClaimResult]:
    """Evaluate one group's claims, in the registry's reading order."""
    claims = claims or load_claims()
    results = _run_group(groups()[name], claims)
    return [results[cid] for cid in claims.ids() if cid in results]


def evaluate_all(claims: ClaimsRegistry | None = None) -> list[ClaimResult]:
    """Evaluate every claim of the registry, in reading order; uncovered claims are pending."""
    claims = claims or load_claims()
    results: dict[str, ClaimResult] = {}
    for group in groups().values():
        results.update(_run_group(group, claims))
    return [results.get(cid) or ClaimResult.pending(cid) for cid in claims.ids()]
