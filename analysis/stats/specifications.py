"""The specifications of the reproduction search, read from data: study sets and definition scenarios.

``data/meta_analysis/specifications.yaml`` says which candidate studies are pooled (a *study
set*: conditions on columns of ``studies.csv``) and which of each study's published counts is
pooled (a *definition scenario*: a rule on the validated columns ``primary``, ``response``,
``denominator``, ``scope``, ``cohort`` and ``hypothetical`` of ``outcome_variants.csv``). A
specification of the search is one study set x one scenario. This module parses the YAML into
strict pydantic models (unknown keys rejected, no string read as a boolean), checks every column
and value it names against the tables, cross-checks the two tables, and applies a specification
to them (:func:`selection`). Nothing is matched on free text; a set, scenario or row the search
needs and cannot find raises a one-line ``DataError`` (``file:line: field: problem``). Studies a
scenario leaves out are listed with the reason, never dropped in silence.

The rules on the counts (the same on every page of the report):

- *hypothetical counts are never pooled* (``hypothetical`` true: a denominator nobody printed);
- *ties are bracketed*: rows of one study and outcome with the same ``definition`` text and total
  are one count with several ``candidates`` (a printed percentage that several whole counts
  reproduce); the search pools every combination.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from analysis.inputs import paths
from analysis.inputs.files import DataError, display_path, load_yaml, raise_if_any

__all__ = ["Specifications", "StudySet", "Scenario", "Selection", "Omitted", "load_specifications",
           "load_candidates", "validate_candidates", "selection", "select_counts", "MAIN_SCOPE", "SPEC_FILE"]

SPEC_FILE = "meta_analysis/specifications.yaml"
#: The scope of a study's own counts, by its ``setting`` in studies.csv (other scopes are its sub-cohorts).
MAIN_SCOPE = {"rr-active": "rr", "mixed": "rr", "mrd-positive": "mrd-positive",
              "consolidation-in-remission": "consolidation", "post-blinatumomab-failure": None}
_SCOPE_NAME = {"mrd-positive": "MRD-positive cohort", "consolidation": "consolidation cohort",
               "rr": "relapsed/refractory cohort"}
Outcome = Literal["cr", "mrd"]
Scope = Literal["rr", "mrd-positive", "consolidation"]
Denominator = Literal["randomised", "treated", "evaluable", "responders-assessed", "mrd-evaluable"]
_VARIANT_COLUMNS = ("response", "denominator", "cohort")   # what `among` may name
_STUDY_COLUMNS = ("prospective", "setting", "population", "design", "ph_status")   # what `where` may name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class YearMax(_Strict):
    max: int | Literal["cutoff_year"]


class StudySet(_Strict):
    """A rule on the rows of ``studies.csv`` choosing the studies to pool."""

    key: str
    label: str
    description: str
    where: dict[str, YearMax | list[bool | str]]
    scopes: list[Scope] = ["rr"]


class Scenario(_Strict):
    """A rule choosing, for each study, which published count of the outcome to pool."""

    key: str
    label: str
    description: str
    pick: Literal["primary", "fewest", "most", "only", "preferred"]
    among: dict[str, list[str]] = {}
    prefer_denominator: list[Denominator] = []
    otherwise: Literal["primary", "omit"] | None = None


class PrimaryModel(_Strict):
    set: str
    scenario: str
    transform: Literal["logit", "ftda", "asin", "raw"]
    method: Literal["EE", "DL", "PM", "REML", "ML", "GLMM"]
    ci: Literal["wald", "hk"]


class Specifications(_Strict):
    """``specifications.yaml`` as typed objects (see the file's header for the rule language)."""

    cutoff_year: int
    primary: PrimaryModel
    glmm_sets: list[str]
    study_sets: dict[Outcome, list[StudySet]]
    scenarios: dict[Outcome, list[Scenario]]

    def study_set(self, outcome: str, key: str) -> StudySet:
        for s in self.study_sets.get(outcome, ()):
            if s.key == key:
                return s
        raise ValueError(f"unknown study set {key!r}; choose one of "
                         f"{', '.join(s.key for s in self.study_sets.get(outcome, ()))}")

    def scenario(self, outcome: str, key: str) -> Scenario:
        for s in self.scenarios.get(outcome, ()):
            if s.key == key:
                return s
        name = "CR" if outcome == "cr" else "MRD"
        raise ValueError(f"unknown {name} scenario {key!r}; choose one of "
                         f"{', '.join(s.key for s in self.scenarios.get(outcome, ()))}")


# --------------------------------------------------------------------------------------------
# loading and validation
# --------------------------------------------------------------------------------------------
def _line(data, loc) -> int | None:
    """The YAML line of a pydantic error location (the deepest mapping that has one)."""
    line, node = getattr(data, "line", None), data
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = node.line_of(part) if hasattr(node, "line_of") else line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = getattr(node, "line", line)
        else:
            break
    return line


def _field(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "specifications"


def _allowed(column: str) -> tuple:
    from analysis.inputs.tables import STUDIES

    if column == "prospective":
        return (True, False)
    for check in STUDIES.schema.columns[column].checks:
        values = (getattr(check, "statistics", None) or {}).get("allowed_values")
        if values is not None:
            return tuple(v for v in values if v != "")
    return ()


_VARIANT_VALUES = {"response": ("CR", "CR/CRh", "CR/CRh/CRi", "CR/CRi", "M1", "response-unspecified", "MRD"),
                   "denominator": Denominator.__args__, "cohort": ("whole", "subset", "interim")}


def load_specifications(data_dir: Path | str = paths.DATA) -> Specifications:
    """Read and validate ``specifications.yaml``: the models, then every key, column and value it
    names. Raises ``DataError``/``DataErrors`` (one line per problem)."""
    path = Path(data_dir) / SPEC_FILE
    if not path.exists():
        raise DataError(path, None, "file", "not found (the reproduction search needs its specifications)")
    raw = load_yaml(path)
    try:
        spec = Specifications.model_validate(raw)
    except ValidationError as exc:
        raise_if_any([DataError(path, _line(raw, e["loc"]), _field(e["loc"]), e["msg"]) for e in exc.errors()])
        raise AssertionError("unreachable") from None
    errors: list[DataError] = []

    def err(loc, problem):
        errors.append(DataError(path, _line(raw, loc), _field(loc), problem))

    for outcome in ("cr", "mrd"):
        sets, scens = spec.study_sets.get(outcome, ()), spec.scenarios.get(outcome, ())
        if not sets or not scens:
            err(("study_sets" if not sets else "scenarios",), f"no {outcome} entries (the search needs both outcomes)")
        for kind, items in (("study_sets", sets), ("scenarios", scens)):
            seen = set()
            for i, item in enumerate(items):
                if item.key in seen:
                    err((kind, outcome, i, "key"), f"duplicate key {item.key!r}")
                seen.add(item.key)
        for i, s in enumerate(sets):
            for column, cond in s.where.items():
                loc = ("study_sets", outcome, i, "where", column)
                if column == "year":
                    if not isinstance(cond, YearMax):
                        err(loc, "year takes {max: <year or cutoff_year>}")
                    continue
                if column not in _STUDY_COLUMNS or isinstance(cond, YearMax):
                    err(loc, f"unknown condition; use year or one of {', '.join(_STUDY_COLUMNS)} with a list of values")
                    continue
                allowed = _allowed(column)
                for value in cond:
                    if value not in allowed or (column == "prospective") != isinstance(value, bool):
                        err(loc, f"{value!r} is not a value of studies.csv {column} ({', '.join(map(str, allowed))})")
                if column == "setting":
                    for value in cond:
                        if MAIN_SCOPE.get(value, "x") not in s.scopes:
                            err(loc, f"setting {value!r} has scope {MAIN_SCOPE.get(value)!r}, which the set does not "
                                     f"pool (scopes: {', '.join(s.scopes)})")
        for i, sc in enumerate(scens):
            for column, values in sc.among.items():
                loc = ("scenarios", outcome, i, "among", column)
                if column == "same_as_primary":
                    for v in values:
                        if v not in _VARIANT_COLUMNS:
                            err(loc, f"{v!r} is not a column the rule may compare ({', '.join(_VARIANT_COLUMNS)})")
                elif column not in _VARIANT_COLUMNS:
                    err(loc, f"unknown column; use one of {', '.join(_VARIANT_COLUMNS)} or same_as_primary")
                else:
                    for v in values:
                        if v not in _VARIANT_VALUES[column]:
                            err(loc, f"{v!r} is not a value of outcome_variants.csv {column}")
            if sc.pick == "primary" and (sc.among or sc.otherwise):
                err(("scenarios", outcome, i, "pick"), "pick: primary takes no among/otherwise")
            if sc.pick != "primary" and sc.otherwise is None:
                err(("scenarios", outcome, i, "otherwise"), "say what happens when no count matches: primary or omit")
            if sc.pick == "preferred" and not sc.prefer_denominator:
                err(("scenarios", outcome, i, "prefer_denominator"), "pick: preferred needs prefer_denominator")
    for key in spec.glmm_sets:
        if all(key != s.key for sets in spec.study_sets.values() for s in sets):
            err(("glmm_sets",), f"unknown study set {key!r}")
    for outcome in ("cr", "mrd"):
        if all(spec.primary.set != s.key for s in spec.study_sets.get(outcome, ())):
            err(("primary", "set"), f"unknown {outcome} study set {spec.primary.set!r}")
        if all(spec.primary.scenario != s.key for s in spec.scenarios.get(outcome, ())):
            err(("primary", "scenario"), f"unknown {outcome} scenario {spec.primary.scenario!r}")
    raise_if_any(errors)
    return spec


def _where(i: int) -> str:
    return f"row {i + 1} (line {i + 2})"


def validate_candidates(studies: pd.DataFrame, variants: pd.DataFrame, data_dir: Path | str = paths.DATA) -> None:
    """Cross-checks of studies.csv and outcome_variants.csv that no column schema can express:
    every variant's study exists; outcome cr never has response MRD and mrd always has; at most one
    primary row per study, outcome and scope; a hypothetical row is never primary; the primary row
    of a study's own scope is studies.csv's primary count, and exists when studies.csv has one."""
    vpath = Path(data_dir) / "meta_analysis" / "outcome_variants.csv"
    spath = Path(data_dir) / "meta_analysis" / "studies.csv"
    errors: list[DataError] = []
    known = set(studies["study_id"])
    primaries: dict = {}
    for i, v in enumerate(variants.itertuples(index=False)):
        if v.study_id not in known:
            errors.append(DataError(vpath, _where(i), "study_id", f"{v.study_id!r} is not in studies.csv"))
            continue
        if (v.outcome == "mrd") != (v.response == "MRD"):
            errors.append(DataError(vpath, _where(i), "response",
                                    f"{v.response!r} with outcome {v.outcome!r} "
                                    "(MRD rows have response MRD, CR rows never)"))
        if bool(v.primary):
            if bool(v.hypothetical):
                errors.append(DataError(vpath, _where(i), "primary", "a hypothetical count cannot be primary"))
            key = (v.study_id, v.outcome, v.scope)
            if key in primaries:
                errors.append(DataError(vpath, _where(i), "primary",
                                        f"second primary row for {v.study_id} {v.outcome} {v.scope} "
                                        f"(the first is {_where(primaries[key][0])})"))
            else:
                primaries[key] = (i, v)
    for j, s in enumerate(studies.itertuples(index=False)):
        scope = MAIN_SCOPE.get(s.setting)
        for outcome, (ev, tot) in (("cr", ("cr_events", "cr_total")), ("mrd", ("mrd_responders", "mrd_evaluable"))):
            e, t = getattr(s, ev), getattr(s, tot)
            row = primaries.get((s.study_id, outcome, scope))
            if pd.isna(e) and row is None:
                continue
            if row is None:
                errors.append(DataError(spath, _where(j), ev, f"{s.study_id} has a primary {outcome} count {e}/{t} but "
                                        f"outcome_variants.csv has no primary {outcome} row of scope {scope}"))
            elif pd.isna(e):
                errors.append(DataError(vpath, _where(row[0]), "primary",
                                        f"primary {outcome} row of {s.study_id}, but studies.csv has no {ev}"))
            elif (int(e), int(t)) != (int(row[1].events), int(row[1].total)):
                errors.append(DataError(vpath, _where(row[0]), "events",
                                        f"primary row {row[1].events}/{row[1].total} differs from studies.csv "
                                        f"{ev}/{tot} {e}/{t}"))
    raise_if_any(errors)


def load_candidates(data_dir: Path | str = paths.DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``studies.csv`` and ``outcome_variants.csv``, validated (``analysis.inputs.tables``) and
    cross-checked (:func:`validate_candidates`). The variants frame remembers ``data_dir`` (in
    ``attrs``) so that :func:`select_counts` reads the specifications of the same copy of data/."""
    from analysis.inputs.tables import load_table

    studies = load_table("meta_analysis/studies.csv", data_dir)
    variants = load_table("meta_analysis/outcome_variants.csv", data_dir)
    validate_candidates(studies, variants, data_dir)
    studies.attrs["data_dir"] = variants.attrs["data_dir"] = str(Path(data_dir))
    return studies, variants


# --------------------------------------------------------------------------------------------
# applying a specification
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Omitted:
    """A study of the set with no count under the scenario, and why."""

    study_id: str
    label: str
    reason: str


@dataclass(frozen=True)
class Selection:
    """The counts one specification pools (``counts``) and the studies of its set it cannot pool."""

    outcome: str
    study_set: StudySet
    scenario: Scenario
    counts: pd.DataFrame
    omitted: tuple[Omitted, ...]


COUNT_COLUMNS = ["study_id", "label", "events", "total", "definition", "derived", "location", "candidates",
                 "response", "denominator", "scope", "rule"]


def _in_set(row, study_set: StudySet, cutoff: int) -> bool:
    for column, cond in study_set.where.items():
        if isinstance(cond, YearMax):
            limit = cutoff if cond.max == "cutoff_year" else cond.max
            if int(row["year"]) > limit:
                return False
        elif row[column] not in cond:
            return False
    return True


def _groups(rows: list[dict]) -> list[dict]:
    """Rows of one study, outcome and scope merged into counts: the same definition and total are
    one count whose ``candidates`` are the tied events (the primary row's events shown)."""
    out: dict = {}
    for v in rows:
        key = (v["definition"], v["total"])
        g = out.get(key)
        if g is None:
            out[key] = {**v, "candidates": (v["events"],)}
        else:
            g["candidates"] = tuple(sorted(set(g["candidates"]) | {v["events"]}))
            if v["primary"]:
                g.update({k: v[k] for k in ("events", "derived", "location", "primary")})
    return list(out.values())


def _choose(groups: list[dict], sc: Scenario, study: str) -> tuple[dict | None, str]:
    primary = next((g for g in groups if g["primary"]), None)
    if sc.pick == "primary":
        return primary, "primary" if primary else "no primary count"
    same = sc.among.get("same_as_primary", [])
    if same and primary is None:
        return None, "no primary count"
    pool = [g for g in groups
            if all(g[c] in vals for c, vals in sc.among.items() if c != "same_as_primary")
            and all(g[c] == primary[c] for c in same)]
    rank = {d: i for i, d in enumerate(sc.prefer_denominator)}
    if sc.pick == "preferred":
        pool = [g for g in pool if g["denominator"] in rank]
        best = min((rank[g["denominator"]] for g in pool), default=None)
        pool = [g for g in pool if rank[g["denominator"]] == best]
    elif sc.pick in ("fewest", "most"):
        ends = [min(g["candidates"]) if sc.pick == "fewest" else max(g["candidates"]) for g in pool]
        target = (min(ends) if sc.pick == "fewest" else max(ends)) if ends else None
        pool = [g for g, e in zip(pool, ends, strict=True) if e == target]
        if len(pool) > 1 and rank:
            best = min(rank.get(g["denominator"], len(rank)) for g in pool)
            pool = [g for g in pool if rank.get(g["denominator"], len(rank)) == best]
    if len(pool) > 1 and any(g["primary"] for g in pool):   # the primary count when it qualifies
        pool = [g for g in pool if g["primary"]]
    if len(pool) > 1:
        raise ValueError(f"scenario {sc.key!r}: {study} has {len(pool)} counts the rule cannot tell apart: "
                         + "; ".join(f"{g['definition']} {g['events']}/{g['total']}" for g in pool))
    if pool:
        return pool[0], sc.pick
    if sc.otherwise == "primary" and primary is not None:
        return primary, "primary (no count matches the scenario)"
    return None, "no count matches the scenario"


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (pandas NA as None), read once per search rather than once per specification."""
    cols = list(frame.columns)
    data = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in cols]
    return [dict(zip(cols, values, strict=True)) for values in zip(*data, strict=True)]


def selection(studies: pd.DataFrame, variants: pd.DataFrame, outcome: str, set_key: str, scenario: str,
              specs: Specifications | None = None, _rows: tuple[list, list] | None = None) -> Selection:
    """Apply one specification (study set x scenario of ``specifications.yaml``) to the tables.

    ``counts``: one row per study (and per sub-cohort scope the set pools) with ``events`` (the
    count shown in figures), ``candidates`` (every count a tie allows), ``rule`` (what chose it:
    primary / fewest / most / only / preferred / "primary (no count matches the scenario)").
    ``omitted``: the studies of the set without a count, each with the reason.
    """
    if outcome not in ("cr", "mrd"):
        raise ValueError(f"unknown outcome {outcome!r}; choose 'cr' or 'mrd'")
    specs = specs or load_specifications(variants.attrs.get("data_dir", paths.DATA))
    study_set = specs.study_set(outcome, set_key)
    sc = specs.scenario(outcome, scenario)
    study_rows, variant_rows = _rows or (_records(studies), _records(variants))
    by_study: dict = {}
    for v in variant_rows:
        if v["outcome"] != outcome or bool(v["hypothetical"]) or v["events"] is None or v["total"] is None:
            continue
        by_study.setdefault((v["study_id"], v["scope"]), []).append(
            {"definition": v["definition"], "events": int(v["events"]), "total": int(v["total"]),
             "derived": bool(v["derived"]), "location": v["location"], "primary": bool(v["primary"]),
             "response": v["response"], "denominator": v["denominator"], "cohort": v["cohort"], "scope": v["scope"]})
    rows, omitted = [], []
    for s in study_rows:
        if not _in_set(s, study_set, specs.cutoff_year):
            continue
        main = MAIN_SCOPE.get(s["setting"])
        if main not in study_set.scopes:
            raise DataError(display_path(Path(variants.attrs.get("data_dir", paths.DATA)) / SPEC_FILE), None,
                            f"study_sets.{outcome}.{set_key}",
                            f"{s['study_id']} (setting {s['setting']}) is in the set but its scope is not pooled")
        for scope in [main] + [x for x in study_set.scopes if x != main]:
            groups = _groups(by_study.get((s["study_id"], scope), []))
            if scope != main and not groups:
                continue
            chosen, rule = _choose(groups, sc, s["study_id"])
            if chosen is None:
                if scope == main:
                    omitted.append(Omitted(s["study_id"], s["label"], rule))
                continue
            label = s["label"] if scope == main else f"{s['label']}, {_SCOPE_NAME[scope]}"
            rows.append({"study_id": s["study_id"], "label": label, "rule": rule,
                         **{c: chosen[c] for c in COUNT_COLUMNS if c in chosen}})
    counts = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    counts.attrs["data_dir"] = variants.attrs.get("data_dir", str(paths.DATA))
    return Selection(outcome, study_set, sc, counts, tuple(omitted))


def select_counts(studies: pd.DataFrame, variants: pd.DataFrame, outcome: str, set_key: str, scenario: str,
                  specs: Specifications | None = None, _rows=None) -> tuple[pd.DataFrame, list[str]]:
    """(counts, labels of the studies of the set without a count): :func:`selection` as a pair."""
    sel = selection(studies, variants, outcome, set_key, scenario, specs, _rows)
    return sel.counts, [o.label for o in sel.omitted]
