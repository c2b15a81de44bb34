"""The registry of claim evaluators: ``evaluate(claim_id)`` and ``evaluate_all()``.

An evaluator covers one claim group (one book page). It is a function that takes the loaded
``ClaimsRegistry`` and returns ``ClaimResult``s for the claim ids it declares::

    @claim_group("e1910", ids=["e1910-randomisation", ...])
    def evaluate_e1910(claims): ...

Every module of this package other than the infrastructure (``result``, ``registry``,
``citing``) is an evaluator module; they are discovered and imported on first use. A claim no
evaluator declares comes back ``pending`` on both axes — never a made-up verdict.

Against this checkout's ``data/claims.yaml`` (the default), ``evaluate``, ``evaluate_group`` and
``evaluate_all`` read through the results store (``analysis.report.store``): a group is evaluated
once per set of inputs and every page, the ledger and ``verify`` get the same stored results.
Against any other registry (a test's edited copy) the evaluator simply runs; nothing is cached.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.claims.result import ClaimResult
from analysis.inputs import paths
from analysis.inputs.files import ClaimsRegistry
from analysis.report import store

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


def group_of(claim_id: str) -> str | None:
    """The name of the group whose evaluator declares ``claim_id`` (None: no evaluator yet)."""
    for group in groups().values():
        if claim_id in group.ids:
            return group.name
    return None


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


def _is_default(claims: ClaimsRegistry | None) -> bool:
    """Whether ``claims`` is this checkout's registry (the one the results store evaluates)."""
    if claims is None:
        return True
    path = Path(claims.path)  # a display path: relative to the repository when inside it
    return (path if path.is_absolute() else paths.ROOT / path).resolve() == Path(paths.CLAIMS).resolve()


def _direct(name: str, claims: ClaimsRegistry) -> dict[str, ClaimResult]:
    """Evaluate a group against another registry (a test's copy): never stored, never cached."""
    store.note_evaluation(f"direct-{name}")
    return _evaluate_group(groups()[name], claims)


def evaluate(claim_id: str, claims: ClaimsRegistry | None = None) -> ClaimResult:
    """Evaluate one claim (its whole group runs, or is read from the results store)."""
    if _is_default(claims):
        return store.results().claim(claim_id)
    claims.get(claim_id)  # KeyError naming the registry when the id is unknown
    name = group_of(claim_id)
    return ClaimResult.pending(claim_id) if name is None else _direct(name, claims)[claim_id]


def evaluate_group(name: str, claims: ClaimsRegistry | None = None) -> list[ClaimResult]:
    """Evaluate one group's claims, in the registry's reading order."""
    if _is_default(claims):
        return store.results().group(name)
    results = _direct(name, claims)
    return [results[cid] for cid in claims.ids() if cid in results]


def evaluate_all(claims: ClaimsRegistry | None = None) -> list[ClaimResult]:
    """Evaluate every claim of the registry, in reading order; uncovered claims are pending."""
    if _is_default(claims):
        return store.results().all()
    results: dict[str, ClaimResult] = {}
    for name in groups():
        results.update(_direct(name, claims))
    return [results.get(cid) or ClaimResult.pending(cid) for cid in claims.ids()]
