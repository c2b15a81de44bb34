"""The ids the code looks up exist in the data, and the list of them is complete.

``analysis/inputs/required_ids.yaml`` lists, per data file and per module or page, the ids the
code looks up. These tests (1) scan the code for string literals that are ids of the data files
it reads and fail when one is not in the list (so a new lookup cannot go undeclared), and
(2) show that a renamed or removed id fails validation instead of silently dropping a check.

Run this file as a script to print the list the scan finds (to update ``required_ids.yaml``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analysis.inputs.files import load_yaml  # noqa: E402
from analysis.inputs.requirements import (  # noqa: E402
    REQUIRED_KINDS,
    check_kinds,
    check_requirements,
    figure_kind,
    ids_in,
    requirements,
)

#: Which data files each module or page reads ids of.
USERS = {
    "analysis/claims/e1910.py": ["trials/e1910.yaml", "errata.yaml", "claims.yaml"],
    "analysis/report/e1910.py": ["trials/e1910.yaml", "claims.yaml"],
    "analysis/plots/e1910.py": ["trials/e1910.yaml"],
    "book/claims/e1910.md": ["trials/e1910.yaml", "claims.yaml"],
    "analysis/claims/post_transplant_maintenance.py": ["trials/gaballa2022.yaml", "claims.yaml"],
    "book/claims/post-transplant-maintenance.md": ["trials/gaballa2022.yaml", "claims.yaml"],
    "analysis/claims/meta_analysis.py": ["meta_analysis/published.yaml", "claims.yaml"],
    "analysis/claims/certainty.py": ["meta_analysis/published.yaml", "trials/e1910.yaml", "claims.yaml"],
    "analysis/claims/rules.py": ["trials/e1910.yaml", "trials/gaballa2022.yaml"],
    "analysis/claims/synthesis.py": ["claims.yaml"],
    "book/claims/all-stages.md": ["claims.yaml"],
    "book/methods/verdict-rules.md": ["claims.yaml"],
    "analysis/stats/reproduction.py": ["meta_analysis/studies.csv"],
    "book/claims/meta-analysis.md": ["meta_analysis/published.yaml", "meta_analysis/studies.csv", "claims.yaml"],
    "analysis/claims/relapse_burden.py": ["background/adult_relapse.csv", "background/paediatric_relapse.csv",
                                          "background/cited_works.yaml", "claims.yaml"],
    "book/claims/relapse-burden.md": ["background/adult_relapse.csv", "background/paediatric_relapse.csv",
                                      "claims.yaml"],
    "analysis/claims/pooling.py": ["background/salvage_cr.csv", "background/blinatumomab_fatal_events.csv"],
    "analysis/claims/reinduction_cr.py": ["background/salvage_cr.csv", "background/cited_works.yaml", "claims.yaml"],
    "book/claims/reinduction-cr.md": ["background/salvage_cr.csv", "claims.yaml"],
    "analysis/claims/treatment_related_mortality.py": ["background/blinatumomab_fatal_events.csv",
                                                       "background/cited_works.yaml", "claims.yaml"],
    "book/claims/treatment-related-mortality.md": ["background/blinatumomab_fatal_events.csv", "claims.yaml"],
    "analysis/report/citation_audit.py": ["errata.yaml"],
    "book/citation-audit.md": ["errata.yaml", "claims.yaml"],
    "book/errata.md": ["errata.yaml"],
    # the page-data modules (what each page shows, computed in the package)
    "analysis/report/pages/e1910.py": ["trials/e1910.yaml", "errata.yaml", "claims.yaml"],
    "analysis/report/pages/errata.py": ["errata.yaml", "claims.yaml"],
    "analysis/report/pages/intro.py": ["claims.yaml"],
    "analysis/report/pages/ledger.py": ["claims.yaml"],
    "analysis/report/pages/meta_analysis.py": ["meta_analysis/published.yaml", "meta_analysis/studies.csv",
                                              "claims.yaml"],
    "analysis/report/pages/methods_meta_analysis.py": ["meta_analysis/studies.csv"],
    "analysis/report/pages/post_transplant_maintenance.py": ["trials/gaballa2022.yaml", "claims.yaml"],
    "analysis/report/pages/reinduction_cr.py": ["background/salvage_cr.csv", "claims.yaml"],
    "analysis/report/pages/relapse_burden.py": ["background/adult_relapse.csv", "background/paediatric_relapse.csv",
                                               "claims.yaml"],
    "analysis/report/pages/treatment_related_mortality.py": ["background/blinatumomab_fatal_events.csv",
                                                            "claims.yaml"],
}


def literals(path: Path) -> set[str]:
    """Every string literal of a Python module, or every quoted string of a MyST page."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return {n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return set(re.findall(r"[\"']([A-Za-z0-9][A-Za-z0-9_.-]*)[\"']", text))


def scanned(data_dir: Path = ROOT / "data") -> dict[str, dict[str, list[str]]]:
    """{data file: {user: [ids]}}: the literals of each user that are ids of a file it reads."""
    out: dict[str, dict[str, list[str]]] = {}
    for user, files in USERS.items():
        path = ROOT / user
        if not path.exists():
            continue
        found = literals(path)
        for file in files:
            hits = sorted(found & ids_in(file, data_dir))
            if hits:
                out.setdefault(file, {})[user] = hits
    return out


def _listed() -> set[tuple[str, str, str]]:
    from analysis.inputs.requirements import _listed as listed

    return {(file, user, item) for file, ids in listed().items() for item, users in ids.items() for user in users}


def test_the_list_is_exactly_the_ids_the_code_uses():
    """Every id a module uses is listed (a new lookup cannot go unchecked), and every listed id is
    still used (a stale entry would fail validation for a row nobody needs)."""
    used = {(file, user, item) for file, users in scanned().items() for user, ids in users.items() for item in ids}
    listed = _listed()
    assert not used - listed, "add to analysis/inputs/required_ids.yaml:\n" + "\n".join(map(str, sorted(used - listed)))
    assert not listed - used, "no longer used:\n" + "\n".join(map(str, sorted(listed - used)))


def test_the_repository_has_every_required_id():
    assert check_requirements() == []
    assert check_kinds() == []


def kinds(data_dir: Path = ROOT / "data") -> dict[str, dict[str, str]]:
    """{trial file: {figure id: kind}} for every required figure, as the data print it now."""
    from analysis.inputs.files import load_claims
    from analysis.inputs.requirements import printed_kind
    from analysis.inputs.trials import load_trial
    from analysis.stats.rounding import parse_printed

    claims = load_claims(data_dir / "claims.yaml", data_dir / "source" / "commentary.txt")
    needed = requirements().get("claims.yaml", {})
    out: dict[str, dict] = {"claims.yaml": {c.id: [printed_kind(parse_printed(v)) for v in c.reported]
                                            for c in claims if c.id in needed}}
    for file, ids in sorted(requirements().items()):
        if not (file.startswith("trials/") or file == "meta_analysis/published.yaml"):
            continue
        trial = load_trial(Path(file).stem, data_dir / Path(file).parent)
        out[file] = {i: figure_kind(trial.figures[i]) for i in sorted(ids) if i in trial.figures}
    return out


def test_every_required_figure_has_its_kind_recorded():
    assert {f: set(k) for f, k in load_yaml(REQUIRED_KINDS).items()} == {f: set(k) for f, k in kinds().items()}


@pytest.mark.parametrize("old, new, expected", [
    # a hazard ratio the consistency checks compare (comparisons: of the trial file) keeps its interval
    ('printed: "0.41 (0.23-0.73)"', 'printed: "0.41"',
     "comparisons.hazard_ratios[1].hr: figure 'nejm-os-hr' is printed as '0.41'; the check needs estimate-ci"),
    ('printed: "488"', 'printed: "four hundred"',
     "figures[enrolled].printed: 'four hundred' is wording (text: true); "),
])
def test_a_figure_printed_in_another_form_fails_validation(data_copy, old, new, expected):
    from analysis.inputs.validate import validate_errors

    path = data_copy / "trials" / "e1910.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    lines = [str(e) for e in validate_errors(data_copy)]
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("new, expected", [
    ("reported: []", "claims[relapse-adults].reported: no values; analysis/claims/relapse_burden.py"),
    ('reported: ["55%"]', "claims[relapse-adults].reported: a percentage; "),
    ('reported: ["50%-65%", "70%"]', "claims[relapse-adults].reported: a range of percentages, a percentage; "),
])
def test_a_claim_reporting_other_values_fails_validation(data_copy, new, expected):
    path = data_copy / "claims.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('reported: ["50%-65%"]', new, 1), encoding="utf-8")
    lines = [str(e) for e in check_kinds(data_copy)]
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("file, old, new, expected", [
    ("trials/e1910.yaml", "  - id: eligible-age\n", "  - id: eligible-ages\n",
     "trials/e1910.yaml: figures: no figure 'eligible-age' (needed by analysis/claims/e1910.py"),
    ("background/adult_relapse.csv", "\ngimema-0288-relapse,", "\ngimema-0288-relapse-renamed,",
     "background/adult_relapse.csv: row_id: no row 'gimema-0288-relapse' (needed by "),
    ("errata.yaml", "  - id: ph-sign-lost\n", "  - id: ph-sign-gone\n",
     "errata.yaml: errata: no erratum 'ph-sign-lost' (needed by "),
])
def test_a_renamed_id_fails_validation(data_copy, file, old, new, expected):
    path = data_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    lines = [str(e) for e in check_requirements(data_copy)]
    assert any(expected in line for line in lines), lines


if __name__ == "__main__" and sys.argv[1:] == ["--kinds"]:  # print required_kinds.yaml
    for file, found in kinds().items():
        print(f"{file}:")
        print("\n".join(f"  {i}: [{', '.join(k)}]" if isinstance(k, list) else f"  {i}: {k}" for i, k in found.items()))
elif __name__ == "__main__":  # print the scanned list as YAML
    for file, users in sorted(scanned().items()):
        print(f"{file}:")
        for user, ids in sorted(users.items()):
            print(f"  {user}:")
            print("\n".join(f"    - {i}" for i in ids))
