"""Fault injection: one bad input at a time, each must give its exact one-line error and exit code.

Every case breaks one input file of a copy of the report's inputs (``data/``, the bibliography,
the table of contents) the way a careless or hostile contributor would, and asserts the exact
line ``python -m analysis validate`` prints (``file:line: field: problem``; the line left out
only when there is none) and the exit code. The failure classes of issue 11 are all here:
tracebacks (a removed claim or figure, a string where a mapping belongs, a count of 10^23, an
extra CSV field, a missing file), messages naming no file (encoding, empty files), inputs
silently accepted (percentages above 100, ``"no"`` read as true, a page or a row id that does not
exist, an unbalanced brace, unknown keys) and wrong results (line numbers after a BOM, data row
1 called line 1, errors printed twice).

The table runs in-process (``validate_errors`` on the copy, the same function the command line
prints); ``test_command_line_exit_codes`` runs a sample through the real command line, both
``validate`` and ``verify``, on ``REPORT_DATA_DIR``.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from analysis.inputs.validate import validate_errors

# --------------------------------------------------------------------------- mutations
# Each mutation edits one file in place and returns the line the expected error names (or None).
Mutation = Callable[[Path], "int | None"]


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def replace(old: str, new: str, at: str | None = None, nth: int = 1) -> Mutation:
    """Replace the ``nth`` occurrence of ``old``; the expected line is where ``at`` (default:
    the replacement) starts in the edited file."""

    def apply(path: Path) -> int:
        text = path.read_text(encoding="utf-8")
        index = -1
        for _ in range(nth):
            index = text.index(old, index + 1)
        edited = text[:index] + new + text[index + len(old):]
        path.write_text(edited, encoding="utf-8")
        if at is None:
            return _line_at(edited, index + (len(new) - len(new.lstrip("\n"))))
        found = edited.find(at, index)
        return _line_at(edited, found if found >= 0 else edited.rindex(at, 0, index))

    return apply


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def cell(key: str, column: str, value: str) -> Mutation:
    """Set one cell of the row whose first cell is ``key``; the line is that row's."""

    def apply(path: Path) -> int:
        rows = _rows(path)
        index = next(i for i, r in enumerate(rows) if r[0] == key)
        rows[index][rows[0].index(column)] = value
        _write_rows(path, rows)
        return index + 1  # one record per line in these files; the header is line 1

    return apply


def fields(key: str, change: Callable[[list[str]], list[str]]) -> Mutation:
    """Change the list of fields of one row (add or drop fields)."""

    def apply(path: Path) -> int:
        rows = _rows(path)
        index = next(i for i, r in enumerate(rows) if r[0] == key)
        rows[index] = change(rows[index])
        _write_rows(path, rows)
        return index + 1

    return apply


def write(content: bytes | str) -> Mutation:
    def apply(path: Path) -> None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    return apply


def delete(path: Path) -> None:
    path.unlink()


def bad_byte(after: str) -> Mutation:
    """A Latin-1 'é' (0xe9, not UTF-8) right after the first ``after``."""

    def apply(path: Path) -> int:
        raw = path.read_bytes()
        index = raw.index(after.encode("utf-8")) + len(after.encode("utf-8"))
        path.write_bytes(raw[:index] + b"\xe9" + raw[index:])
        return raw[:index].count(b"\n") + 1

    return apply


def with_bom(then: Mutation) -> Mutation:
    """Apply ``then``, then prepend a UTF-8 byte-order mark (line numbers must not move)."""

    def apply(path: Path) -> int | None:
        line = then(path)
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        return line

    return apply


def add_file(name: str, content: str) -> Mutation:
    def apply(path: Path) -> None:
        (path.parent / name).write_text(content, encoding="utf-8")

    return apply


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Fault:
    id: str
    file: str          # relative to the inputs root: data/..., book/references.bib, _toc.yml
    mutate: Mutation
    expected: str      # the exact line ({data}, {book}, {toc}, {line} filled in); a final "…": its beginning
    code: int = 2
    alone: bool = True  # the expected line is the only one


C, E19, GAB, PUB = "data/claims.yaml", "data/trials/e1910.yaml", "data/trials/gaballa2022.yaml", "data/meta_analysis/published.yaml"
ERR, CW, SK = "data/errata.yaml", "data/background/cited_works.yaml", "data/source_keys.yaml"
SEL, STG = "data/background/selection.yaml", "data/synthesis/stages.yaml"
SPEC = "data/meta_analysis/specifications.yaml"
ST, OV = "data/meta_analysis/studies.csv", "data/meta_analysis/outcome_variants.csv"
AR, PR = "data/background/adult_relapse.csv", "data/background/paediatric_relapse.csv"
SC, FE = "data/background/salvage_cr.csv", "data/background/blinatumomab_fatal_events.csv"
BIB, TOC, COM = "book/references.bib", "_toc.yml", "data/source/commentary.txt"

FOLLOW_UP = ('  - id: posthct-follow-up\n    quote: "With a median follow-up of 14.3 months"\n    section: About the study\n'
             '    references: [Gaballa2022]\n    reported: ["14.3 months"]\n    page: claims/post-transplant-maintenance\n'
             '    expected: {citation: supported, verdict: consistent}\n\n')
WHOLE_NUMBER = "must be a whole number (or empty when not known)"

FAULTS = [
    # ---------------------------------------------------------------- data/claims.yaml
    Fault("claim-removed", C, replace(FOLLOW_UP, ""),
          "{data}/claims.yaml: claims: no claim 'posthct-follow-up' (needed by …"),
    Fault("claims-unknown-top-level-key", C, replace("claims:\n", "colour: red\nclaims:\n", at="colour"),
          "{data}/claims.yaml:{line}: colour: unknown field (allowed: source, claims)"),
    Fault("claim-unknown-field", C, replace("    page: claims/relapse-burden\n", "    page: claims/relapse-burden\n    pages: 2\n", at="pages"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].pages: unknown field (allowed: id, quote, section, references, "
          "reported, page, expected)"),
    Fault("claims-source-as-string", C, replace('source:\n  citation: "Liu H', 'source: "Liu H, Wu T"\nunused:\n  citation: "Liu H', at="source:"),
          "{data}/claims.yaml:{line}: source: must be a mapping (key: value lines), got the text 'Liu H, Wu T'", alone=False),
    Fault("claims-source-unknown-key", C, replace("  licence: CC BY\n", "  licence: CC BY\n  licence_url: x\n", at="licence_url"),
          "{data}/claims.yaml:{line}: source.licence_url: unknown field (allowed: citation, doi, bibkey, licence)"),
    Fault("claims-source-bibkey-unknown", C, replace("bibkey: LiuWu2023JLeuk", "bibkey: LiuWu2024JLeuk"),
          "{data}/claims.yaml:{line}: source.bibkey: unknown BibTeX key 'LiuWu2024JLeuk' (not in {book}/references.bib)"),
    Fault("claim-reference-unknown", C, replace("references: [Hoelzer2024]", "references: [Hoelzer2025]"),
          "{data}/claims.yaml:{line}: claims[trm-immunotherapy].references: unknown BibTeX key 'Hoelzer2025' (not in "
          "{book}/references.bib)"),
    Fault("claim-page-missing-from-toc", C, replace("page: claims/relapse-burden", "page: claims/relapse-burdens"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].page: no page 'claims/relapse-burdens' in _toc.yml (the claim "
          "would link to nothing)"),
    Fault("claim-page-not-a-path", C, replace("page: claims/relapse-burden", "page: ../../etc/passwd"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].page: '../../etc/passwd' is not a page path like "
          "'claims/meta-analysis'"),
    Fault("claim-unknown-verdict", C, replace("expected: {citation: unverifiable, verdict: consistent}",
                                              "expected: {citation: unverifiable, verdict: confirmed}"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].expected: unknown verdict value 'confirmed' (allowed: "
          "reproduced, consistent, imprecise, discrepant, not-reproducible, pending)"),
    Fault("claim-pending-on-one-axis", C, replace("expected: {citation: unverifiable, verdict: consistent}",
                                                  "expected: {citation: pending, verdict: consistent}"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].expected: 'pending' must be on both axes or on neither"),
    Fault("claim-expected-unknown-key", C, replace("expected: {citation: unverifiable, verdict: consistent}",
                                                   "expected: {citation: unverifiable, verdict: consistent, note: x}"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].expected: unknown field 'note' (allowed: citation, verdict)"),
    Fault("claim-reported-as-number", C, replace('reported: ["14.3 months"]', "reported: [14.3]"),
          "{data}/claims.yaml:{line}: claims[posthct-follow-up].reported: must be a list of strings (in quotes); item 1 is "
          "the number 14.3"),
    Fault("claim-reported-percentage-above-100", C, replace('reported: ["50%-65%"]', 'reported: ["50%-165%"]'),
          "{data}/claims.yaml:{line}: claims[relapse-adults].reported: '50%-165%': a percentage must lie between 0% and 100%"),
    Fault("claim-quote-not-verbatim", C, replace('quote: "many adults (about 50%-65%)"', 'quote: "many adults (about 55%-65%)"'),
          "{data}/claims.yaml:{line}: claims[relapse-adults].quote: does not occur in the commentary "
          "({data}/source/commentary.txt): 'many adults (about 55%-65%)'..."),
    Fault("claim-duplicate-id", C, replace("  - id: relapse-children", "  - id: relapse-adults"),
          "{data}/claims.yaml:{line}: claims[relapse-adults].id: duplicate claim id 'relapse-adults' (first at line {first})",
          alone=False),
    Fault("claim-id-not-a-slug", C, replace("  - id: relapse-children", "  - id: Relapse_Children"),
          "{data}/claims.yaml:{line}: claims[Relapse_Children].id: 'Relapse_Children' is not a lowercase slug like "
          "'meta-cr-rate'", alone=False),
    Fault("claim-missing-field", C, replace("    section: About the study\n    references: [Hoelzer2024]\n",
                                            "    references: [Hoelzer2024]\n", at="  - id: trm-immunotherapy"),
          "{data}/claims.yaml:{line}: claims[trm-immunotherapy].section: missing field"),
    Fault("claims-duplicate-yaml-key", C, replace("    section: About the study\n    references: [Hoelzer2024]\n",
                                                  "    section: About the study\n    section: Again\n    references: [Hoelzer2024]\n",
                                                  at="    section: Again"),
          "{data}/claims.yaml:{line}: section: duplicate key"),
    Fault("claims-yaml-syntax", C, replace("  - id: meta-scope", "  - id: [meta-scope", at="    quote: \"We have"),
          "{data}/claims.yaml:{line}: yaml: did not find expected ',' or ']'"),
    Fault("claims-yaml-alias-bomb", C, replace("claims:\n", "bomb: &a [x, x]\nboom: [*a, *a]\nclaims:\n", at="bomb"),
          "{data}/claims.yaml:{line}: yaml: anchors and aliases (&a, *a) are not allowed in data files"),
    Fault("claims-empty-file", C, write(""), "{data}/claims.yaml: file: empty", alone=False),
    Fault("claims-only-comments", C, write("# nothing here\n"), "{data}/claims.yaml: file: empty (only comments)",
          alone=False),
    Fault("claims-not-utf8", C, bad_byte("many adults"),
          "{data}/claims.yaml:{line}: encoding: byte 0xe9 at column 24 is not UTF-8 (save the file as UTF-8)", alone=False),
    Fault("claims-bom-then-error", C, with_bom(replace("references: [Hoelzer2024]", "references: [Hoelzer2025]")),
          "{data}/claims.yaml:{line}: claims[trm-immunotherapy].references: unknown BibTeX key 'Hoelzer2025' (not in "
          "{book}/references.bib)"),
    Fault("claims-bom-alone-is-fine", C, with_bom(lambda path: None), "", code=0),
    Fault("claims-empty-list", C, replace("claims:\n", "claims: []\nold_claims:\n", at="claims: []"),
          "{data}/claims.yaml:{line}: claims: must not be empty", alone=False),
    Fault("claims-missing", C, delete, "{data}/claims.yaml: file: not found (needed by …"),
    # ---------------------------------------------------------------- data/trials/e1910.yaml
    Fault("e1910-figure-removed", E19, replace("  - id: eligible-age\n", "  - id: eligible-age-removed\n"),
          "{data}/trials/e1910.yaml: figures: no figure 'eligible-age' (needed by …"),
    Fault("e1910-printed-as-number", E19, replace('printed: "224"', "printed: 224"),
          "{data}/trials/e1910.yaml:{line}: figures[randomised].printed: must be text (in quotes when it looks like a number "
          "or true/false), got the number 224"),
    Fault("e1910-count-above-total", E19, replace('printed: "395"', 'printed: "500"'),
          "{data}/trials/e1910.yaml:{line}: figures[cr-after-induction].printed: count 500 exceeds its total 488 "
          "(figure 'enrolled')"),
    Fault("e1910-count-10e23", E19, replace('printed: "488"', 'printed: "100000000000000000000000"'),
          "{data}/trials/e1910.yaml:{line}: figures[enrolled].printed: '100000000000000000000000': "
          "100,000,000,000,000,000,000,000 is implausibly large (above 10,000,000)"),
    Fault("e1910-percentage-above-100", E19, replace('printed: "81%"', 'printed: "181%"'),
          "{data}/trials/e1910.yaml:{line}: figures[cr-after-induction-percent].printed: '181%': a percentage must lie "
          "between 0% and 100%"),
    Fault("e1910-derived-no-string", E19, replace('    printed: "224"\n', '    printed: "224"\n    derived: "no"\n', at="derived"),
          "{data}/trials/e1910.yaml:{line}: figures[randomised].derived: must be true or false (unquoted), got the text 'no'"),
    Fault("e1910-secondary-no-string", E19, replace("    read: true\n    secondary: true\n", "    read: true\n    secondary: \"no\"\n",
                                                    at="secondary"),
          "{data}/trials/e1910.yaml:{line}: reports.ash2022-news.secondary: must be true or false (unquoted), got the text 'no'"),
    Fault("e1910-read-yes-string", E19, replace("    read: false\n", "    read: \"yes\"\n", at="    read:"),
          "{data}/trials/e1910.yaml:{line}: reports.ash2022.read: must be true or false (unquoted), got the text 'yes'"),
    Fault("e1910-unknown-top-level-key", E19, replace("trial: E1910\n", "trial: E1910\nphase: 3\n", at="phase"),
          "{data}/trials/e1910.yaml:{line}: phase: unknown field (allowed: trial, nct, cuts, reports, figures, comparisons)"),
    Fault("e1910-comparison-unknown-figure", E19, replace("  same_cut_control: [ash-os-chemotherapy,", "  same_cut_control: [ash-os-chemo,", at="ash-os-chemo,"),
          "{data}/trials/e1910.yaml:{line}: comparisons.same_cut_control: item 1: unknown figure 'ash-os-chemo'"),
    Fault("e1910-comparison-wrong-form", E19, replace("    - {hr: nejm-rfs-hr}\n", "    - {hr: nejm-os-p}\n", at="{hr: nejm-os-p}"),
          "{data}/trials/e1910.yaml:{line}: comparisons.hazard_ratios[3].hr: figure 'nejm-os-p' is printed as '0.002'; "
          "the check needs estimate-ci"),
    Fault("e1910-unknown-figure-field", E19, replace('    printed: "224"\n', '    printed: "224"\n    unit: patients\n', at="unit"),
          "{data}/trials/e1910.yaml:{line}: figures[randomised].unit: unknown field (allowed: text, id, quantity, printed, "
          "report, location, arm, of, derived, note, time, cut, denominator)"),
    Fault("e1910-unknown-report", E19, replace("    of: cr-after-induction\n    report: nejm2024\n",
                                               "    of: cr-after-induction\n    report: nejm2025\n", at="report: nejm2025"),
          "{data}/trials/e1910.yaml:{line}: figures[randomised].report: unknown report 'nejm2025' (known: ash2022, "
          "ash2022-news, nejm2024, fda2024)"),
    Fault("e1910-unknown-cut", E19, replace("    cut: later\n", "    cut: latest\n", at="cut: latest"),
          "{data}/trials/e1910.yaml:{line}: figures[{fig}].cut: unknown data cut 'latest' (known: interim3, later)"),
    Fault("e1910-duplicate-figure-id", E19, replace("  - id: randomised-chemotherapy\n", "  - id: randomised-blinatumomab\n",
                                                    at="  - id: randomised-blinatumomab\n    quantity: randomised to chemo"),
          "{data}/trials/e1910.yaml:{line}: figures[randomised-blinatumomab].id: duplicate figure id "
          "'randomised-blinatumomab' (first at line {first})", alone=False),
    Fault("e1910-time-weeks", E19, replace('time: "5 years"', 'time: "5 weeks"'),
          "{data}/trials/e1910.yaml:{line}: figures[fda-os5-blinatumomab].time: time '5 weeks' has unit 'weeks'; expected "
          "months or years"),
    Fault("e1910-text-flag-string", E19, replace("    text: true\n", "    text: \"true\"\n", at="    text:"),
          "{data}/trials/e1910.yaml:{line}: figures[{fig}].text: must be true or false (unquoted), got the text 'true'",
          alone=False),
    Fault("e1910-figures-as-mapping", E19, replace("figures:\n", "figures: {}\nold_figures:\n", at="figures: {}"),
          "{data}/trials/e1910.yaml:{line}: figures: must be a list, got a mapping", alone=False),
    Fault("e1910-bom-then-error", E19, with_bom(replace('printed: "395"', 'printed: "500"')),
          "{data}/trials/e1910.yaml:{line}: figures[cr-after-induction].printed: count 500 exceeds its total 488 "
          "(figure 'enrolled')"),
    Fault("e1910-missing", E19, delete,
          "{data}/trials/e1910.yaml: file: not found (needed by …", alone=False),
    # ---------------------------------------------------------------- data/trials/gaballa2022.yaml
    Fault("gaballa-figure-removed", GAB, replace("  - id: planned-cycles\n", "  - id: planned-cycles-x\n"),
          "{data}/trials/gaballa2022.yaml: figures: no figure 'planned-cycles' (needed by …"),
    Fault("gaballa-location-empty", GAB, replace('    location: "PMID 34914826, abstract"\n', '    location: ""\n', at='    location: ""'),
          "{data}/trials/gaballa2022.yaml:{line}: figures[{fig}].location: must not be empty"),
    Fault("gaballa-bibkey-unknown", GAB, replace("bibkey: Gaballa2022", "bibkey: Gaballa2021"),
          "{data}/trials/gaballa2022.yaml:{line}: reports.blood2022.bibkey: unknown BibTeX key 'Gaballa2021' (not in "
          "{book}/references.bib)", alone=False),
    Fault("gaballa-report-as-string", GAB, replace("  blood2022:\n    label: Blood 2022\n", "  blood2022: Blood 2022\n  unused:\n    label: Blood 2022\n",
                                                   at="  blood2022:"),
          "{data}/trials/gaballa2022.yaml:{line}: reports.blood2022: must be a mapping (key: value lines), got the text "
          "'Blood 2022'", alone=False),
    Fault("gaballa-no-reports", GAB, replace("reports:\n", "reports: {}\nold_reports:\n", at="reports: {}"),
          "{data}/trials/gaballa2022.yaml:{line}: reports: must not be empty", alone=False),
    # ---------------------------------------------------------------- data/meta_analysis/published.yaml
    Fault("published-figure-removed", PUB, replace("  - id: liu-studies\n", "  - id: liu-study-count\n"),
          "{data}/meta_analysis/published.yaml: figures: no figure 'liu-studies' (needed by …"),
    Fault("published-count-unquoted", PUB, replace('printed: "18"', "printed: 18"),
          "{data}/meta_analysis/published.yaml:{line}: figures[liu-studies].printed: must be text (in quotes when it looks "
          "like a number or true/false), got the number 18"),
    Fault("published-unknown-field", PUB, replace('    printed: "18"\n', '    printed: "18"\n    studies: 18\n', at="studies:"),
          "{data}/meta_analysis/published.yaml:{line}: figures[liu-studies].studies: unknown field (allowed: text, id, "
          "quantity, printed, report, location, arm, of, derived, note, time, cut, denominator)"),
    # ---------------------------------------------------------------- data/errata.yaml
    Fault("errata-sources-5", ERR, replace("    sources:\n      - {bibkey: Litzow2024, location: \"PMID 39047240, abstract\"",
                                           "    sources: 5\n    old_sources:\n      - {bibkey: Litzow2024, location: \"PMID 39047240, abstract\"",
                                           at="    sources: 5"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].sources: must be a list, got the number 5", alone=False),
    Fault("errata-source-without-says", ERR, replace(', says: "The trial tested blinatumomab added to consolidation chemotherapy."}', "}"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].sources[Litzow2024].says: missing field"),
    Fault("errata-source-as-string", ERR, replace('      - {bibkey: Litzow2024, location: "PMID 39047240, abstract", says: "The trial tested',
                                                  '      - Litzow2024\n      - {bibkey: Litzow2024, location: "PMID 39047240, abstract", says: "The trial tested',
                                                  at="      - Litzow2024"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].sources: item 1: must be a mapping (key: value lines), got "
          "the text 'Litzow2024'"),
    Fault("errata-unknown-kind", ERR, replace("kind: typo", "kind: spelling"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].kind: unknown kind 'spelling' (allowed: typo, garbled-text, "
          "reference-details, attribution, wording, scope)"),
    Fault("errata-commentary-not-verbatim", ERR, replace('commentary: "The addition of belintuzumab', 'commentary: "The addition of blinatumomab'),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].commentary: does not occur in the commentary "
          "({data}/source/commentary.txt): 'The addition of blinatumomab to consolidation chemotherapy'..."),
    Fault("errata-unknown-claim", ERR, replace("claims: [e1910-standard-of-care]\n", "claims: [e1910-nope]\n"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].claims: unknown claim id 'e1910-nope' (not in data/claims.yaml)"),
    Fault("errata-claims-as-string", ERR, replace("claims: [e1910-standard-of-care]\n", "claims: e1910-standard-of-care\n"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].claims: must be a list, got the text 'e1910-standard-of-care'"),
    Fault("errata-unknown-field", ERR, replace("    kind: typo\n", "    kind: typo\n    severity: high\n", at="severity"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].severity: unknown field (allowed: id, title, kind, commentary, "
          "problem, sources, claims)"),
    Fault("errata-duplicate-id", ERR, replace("  - id: ph-sign-lost\n", "  - id: drug-name-typo\n"),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].id: duplicate id 'drug-name-typo' (first at line {first})",
          alone=False),
    Fault("errata-source-bibkey-unknown", ERR, replace("{bibkey: Litzow2024, location: \"PMID 39047240, abstract\"",
                                                       "{bibkey: Litzow2042, location: \"PMID 39047240, abstract\""),
          "{data}/errata.yaml:{line}: errata[drug-name-typo].sources[Litzow2042].bibkey: unknown BibTeX key 'Litzow2042' (not in "
          "{book}/references.bib)", alone=False),
    Fault("errata-id-removed", ERR, replace("  - id: ph-sign-lost\n", "  - id: ph-sign-missing\n"),
          "{data}/errata.yaml: errata: no erratum 'ph-sign-lost' (needed by …"),
    Fault("errata-missing", ERR, delete, "{data}/errata.yaml: file: not found (needed by …"),
    # ---------------------------------------------------------------- data/background/cited_works.yaml
    Fault("cited-number-as-string", CW, replace("    number: 1\n", "    number: \"1\"\n", at="    number:"),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].number: must be a whole number, got the text '1'"),
    Fault("cited-number-zero", CW, replace("    number: 1\n", "    number: 0\n", at="    number:"),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].number: must be at least 1, got 0"),
    Fault("cited-found-no-string", CW, replace("    found: false\n", "    found: \"no\"\n", at="    found:"),
          "{data}/background/cited_works.yaml:{line}: works[Qian2014].found: must be true or false (unquoted), got the text "
          "'no'"),
    Fault("cited-read-unknown", CW, replace("    read: abstract\n    reports: \"Front-line", "    read: skimmed\n    reports: \"Front-line",
                                            at="    read: skimmed"),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].read: unknown value 'skimmed' (allowed: full-text, "
          "abstract, record-only, nothing)"),
    Fault("cited-not-found-but-read", CW, replace("    found: false\n    read: nothing", "    found: false\n    read: abstract",
                                                  at="    read: abstract"),
          "{data}/background/cited_works.yaml:{line}: works[Qian2014].read: a work that was not found cannot have been read"),
    Fault("cited-carries-unknown-claim", CW, replace("      relapse-adults: {prints: false, why: \"A study of patients aged 0-22",
                                                     "      e1910-arms: {prints: false, why: \"A study of patients aged 0-22"),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].carries.e1910-arms: 'e1910-arms' is not a claim of "
          "the background group (allowed: relapse-adults, relapse-children, reinduction-cr, trm-immunotherapy)"),
    Fault("cited-as-cited-not-verbatim", CW, replace("*J Clin Oncol*. 2012;30(14):1663.\"", "*J Clin Oncol*. 2012;30(14):1663-1669.\""),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].as_cited: does not occur in the commentary "
          "({data}/source/commentary.txt): 'lymphoblastic leukemia between 1990 and 2005: A report from '..."),
    Fault("cited-prints-as-string", CW, replace("relapse-adults: {prints: false,", "relapse-adults: {prints: \"false\","),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].carries.relapse-adults.prints: must be true or false "
          "(unquoted), got the text 'false'"),
    Fault("cited-duplicate-number", CW, replace("    number: 2\n", "    number: 1\n", at="    number: 1\n    as_cited:\n      - \"Qian"),
          "{data}/background/cited_works.yaml:{line}: works[Qian2014].number: duplicate reference number 1 (first at line "
          "{first})"),
    # ---------------------------------------------------------------- data/source_keys.yaml
    Fault("source-keys-bibkey-unknown", SK, replace("{bibkey: Qian2014, used_in:", "{bibkey: Qian2015, used_in:"),
          "{data}/source_keys.yaml:{line}: works[Qian2015].bibkey: unknown BibTeX key 'Qian2015' (not in "
          "{book}/references.bib)", alone=False),
    Fault("source-keys-pmid-not-pmid", SK, replace('pmid: "36593170"', 'pmid: "PMC36593170"'),
          "{data}/source_keys.yaml:{line}: works[Liu2023meta].pmid: 'PMC36593170' is not a PMID", alone=False),
    Fault("source-keys-used-in-nowhere", SK, replace("{bibkey: Qian2014, used_in: [background/cited_works.yaml]}",
                                                     "{bibkey: Qian2014, used_in: [background/cited_works.yaml, nowhere.csv]}"),
          "{data}/source_keys.yaml:{line}: works[Qian2014].used_in: no data file 'nowhere.csv'", alone=False),
    Fault("source-keys-unknown-field", SK, replace("{bibkey: Qian2014, used_in:", "{bibkey: Qian2014, url: x, used_in:"),
          "{data}/source_keys.yaml:{line}: works[Qian2014].url: unknown field (allowed: bibkey, doi, pmid, pmcid, nct, also, "
          "names, used_in, note)"),
    Fault("source-keys-works-not-list", SK, replace("works:\n", "works: {}\nold_works:\n", at="works: {}"),
          "{data}/source_keys.yaml:{line}: works: must be a list, got a mapping", alone=False),
    # ---------------------------------------------------------------- data/meta_analysis/studies.csv
    Fault("studies-empty-file", ST, write(""), "{data}/meta_analysis/studies.csv: file: empty", alone=False),
    Fault("studies-header-only", ST, lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"),
          "{data}/meta_analysis/studies.csv: file: no data rows (only a header)", alone=False),
    Fault("studies-extra-field", ST, fields("topp2015-mt103-211", lambda r: r + ["surplus"]),
          "{data}/meta_analysis/studies.csv:{line}: fields: 26 values where the header has 25 columns (extra: 'surplus')",
          alone=False),
    Fault("studies-missing-fields", ST, fields("topp2015-mt103-211", lambda r: r[:-2]),
          "{data}/meta_analysis/studies.csv:{line}: fields: 23 values where the header has 25 columns (missing: "
          "mrd_location, notes)", alone=False),
    Fault("studies-first-row-is-line-2", ST, cell("topp2014-mt103-206", "cr_events", "37"),
          "{data}/meta_analysis/studies.csv:2: cr_events: 37 events exceed cr_total 36"),
    Fault("studies-events-above-total", ST, cell("topp2015-mt103-211", "cr_events", "200"),
          "{data}/meta_analysis/studies.csv:{line}: cr_events: 200 events exceed cr_total 189"),
    Fault("studies-count-10e23", ST, cell("topp2015-mt103-211", "n_patients", "100000000000000000000000"),
          "{data}/meta_analysis/studies.csv:{line}: n_patients: '100000000000000000000000' is implausibly large "
          "(above 10,000,000)"),
    Fault("studies-derived-no", ST, cell("topp2015-mt103-211", "cr_derived", "no"),
          "{data}/meta_analysis/studies.csv:{line}: cr_derived: 'no' must be true or false (the words, lowercase)"),
    Fault("studies-prospective-yes", ST, cell("topp2015-mt103-211", "prospective", "yes"),
          "{data}/meta_analysis/studies.csv:{line}: prospective: 'yes' must be true or false (the words, lowercase)"),
    Fault("studies-year-short", ST, cell("topp2015-mt103-211", "year", "15"),
          "{data}/meta_analysis/studies.csv:{line}: year: '15' must be a 4-digit year from 1950"),
    Fault("studies-duplicate-id", ST, cell("topp2015-mt103-211", "study_id", "topp2014-mt103-206"),
          "{data}/meta_analysis/studies.csv:{line}: study_id: duplicate id 'topp2014-mt103-206' (first at line 2)",
          alone=False),
    Fault("studies-unknown-column", ST, replace("study_id,label,", "study_id,labels,", at="study_id"),
          "{data}/meta_analysis/studies.csv:1: header: missing label; unknown labels"),
    Fault("studies-not-utf8", ST, bad_byte("Topp 2015 (MT103-211),Topp MS"),
          "{data}/meta_analysis/studies.csv:{line}: encoding: byte 0xe9 at column 49 is not UTF-8 (save the file as UTF-8)",
          alone=False),
    Fault("studies-bom-then-error", ST, with_bom(cell("topp2015-mt103-211", "cr_events", "200")),
          "{data}/meta_analysis/studies.csv:{line}: cr_events: 200 events exceed cr_total 189"),
    Fault("studies-unterminated-quote", ST, lambda p: p.write_text(p.read_text() + 'extra,"unterminated\n'),
          "{data}/meta_analysis/studies.csv:22: csv: unexpected end of data", alone=False),
    # ---------------------------------------------------------------- data/meta_analysis/outcome_variants.csv
    Fault("variants-unknown-study", OV, cell("topp2014-mt103-206", "study_id", "topp2099"),
          "{data}/meta_analysis/outcome_variants.csv:{line}: study_id: unknown study 'topp2099' (not in "
          "meta_analysis/studies.csv)", alone=False),
    Fault("variants-derived-no", OV, cell("topp2014-mt103-206", "derived", "no"),
          "{data}/meta_analysis/outcome_variants.csv:{line}: derived: 'no' must be true or false (the words, lowercase)"),
    Fault("variants-events-not-whole", OV, cell("topp2014-mt103-206", "events", "25.5"),
          f"{{data}}/meta_analysis/outcome_variants.csv:{{line}}: events: '25.5' {WHOLE_NUMBER}"),
    Fault("variants-total-zero", OV, cell("topp2014-mt103-206", "total", "0"),
          "{data}/meta_analysis/outcome_variants.csv:{line}: events: 25 events exceed total 0", alone=False),
    Fault("variants-outcome-unknown", OV, cell("topp2014-mt103-206", "outcome", "os"),
          "{data}/meta_analysis/outcome_variants.csv:{line}: outcome: 'os' must be one of: cr, mrd"),
    # ---------------------------------------------------------------- data/background/*.csv
    Fault("adult-row-renamed", AR, cell("gimema-0288-relapse", "row_id", "gimema-0288-relapses"),
          "{data}/background/adult_relapse.csv: row_id: no row 'gimema-0288-relapse' (needed by …", alone=False),
    Fault("adult-percentage-above-100", AR, cell("gimema-0288-relapse", "reported", "160%"),
          "{data}/background/adult_relapse.csv:{line}: reported: '160%' a percentage must lie between 0% and 100%"),
    Fault("adult-derived-no", AR, cell("review-relapse-despite-consolidation", "derived", "no"),
          "{data}/background/adult_relapse.csv:{line}: derived: 'no' must be true or false (the words, lowercase)"),
    Fault("adult-location-empty", AR, cell("gimema-0288-relapse", "location", ""),
          "{data}/background/adult_relapse.csv:{line}: location: must not be empty"),
    Fault("paediatric-row-renamed", PR, cell("cog-1996-2014-relapse", "row_id", "cog-1996-2014"),
          "{data}/background/paediatric_relapse.csv: row_id: no row 'cog-1996-2014-relapse' (needed by …", alone=False),
    Fault("paediatric-events-above-total", PR, cell("cog-1996-2014-relapse", "events", "20000"),
          "{data}/background/paediatric_relapse.csv:{line}: events: 20000 events exceed total 16115"),
    Fault("paediatric-population-unknown", PR, cell("cog-1996-2014-relapse", "population", "children"),
          "{data}/background/paediatric_relapse.csv:{line}: population: 'children' must be one of: adult, paediatric, mixed"),
    Fault("salvage-row-renamed", SC, cell("graall-cr2", "row_id", "graall-cr-2"),
          "{data}/background/selection.yaml:{sel_line}: salvage_cr.csv.graall-cr2: no row 'graall-cr2' in "
          "background/salvage_cr.csv", alone=False),
    Fault("salvage-line-unknown", SC, cell("graall-cr2", "salvage_line", "third"),
          "{data}/background/salvage_cr.csv:{line}: salvage_line: 'third' must be one of: first, second-or-later, mixed"),
    Fault("salvage-total-10e23", SC, cell("tower-soc-cr", "total", "1" + "0" * 23),
          "{data}/background/salvage_cr.csv:{line}: total: '100000000000000000000000' is implausibly large "
          "(above 10,000,000)"),
    Fault("salvage-derived-missing", SC, cell("graall-cr2", "derived", ""),
          "{data}/background/salvage_cr.csv:{line}: derived: must say true or false: was events computed from a percentage?"),
    Fault("fatal-attribution-unknown", FE, cell("tower-blin-tr-fatal", "attribution", "possibly-related"),
          "{data}/background/blinatumomab_fatal_events.csv:{line}: attribution: 'possibly-related' must be one of: "
          "treatment-related, any-cause"),
    Fault("fatal-row-renamed", FE, cell("mt103-205-tr-fatal-all", "row_id", "mt103-205-tr-fatal"),
          "{data}/background/blinatumomab_fatal_events.csv: row_id: no row 'mt103-205-tr-fatal-all' (needed by …", alone=False),
    Fault("fatal-extra-field", FE, fields("tower-blin-tr-fatal", lambda r: r + ["x"]),
          "{data}/background/blinatumomab_fatal_events.csv:{line}: fields: 17 values where the header has 16 columns "
          "(extra: 'x')", alone=False),
    Fault("fatal-events-above-total", FE, cell("tower-blin-tr-fatal", "events", "268"),
          "{data}/background/blinatumomab_fatal_events.csv:{line}: events: 268 events exceed total 267"),
    # ---------------------------------------------------------------- data/background/selection.yaml
    Fault("selection-use-unknown", SEL, replace("  gimema-0288-relapse: {use: check,", "  gimema-0288-relapse: {use: maybe,"),
          "{data}/background/selection.yaml:{line}: adult_relapse.csv.gimema-0288-relapse.use: 'maybe' is not allowed here "
          "(allowed: check, context, words)"),
    Fault("selection-complement-no-string", SEL, replace("  gimema-0288-relapse: {use: check,",
                                                         "  gimema-0288-relapse: {use: check, complement: \"no\","),
          "{data}/background/selection.yaml:{line}: adult_relapse.csv.gimema-0288-relapse.complement: must be true or false "
          "(unquoted), got the text 'no'"),
    Fault("selection-row-without-entry", SEL,
          replace("  stjude-relapse-us: {use: check, why: \"relapse, US children (institutional patient page)\"}\n", "",
                  at="paediatric_relapse.csv:\n  "),
          "{data}/background/selection.yaml:{next}: paediatric_relapse.csv: row 'stjude-relapse-us' of "
          "background/paediatric_relapse.csv has no entry (say how it is used)"),
    Fault("selection-entry-for-no-row", SEL, replace("  gimema-0288-relapse: {use: check,", "  gimema-0288-relapsed: {use: check,"),
          "{data}/background/selection.yaml:{line}: adult_relapse.csv.gimema-0288-relapsed: no row 'gimema-0288-relapsed' in "
          "background/adult_relapse.csv", alone=False),
    Fault("selection-table-as-list", SEL, replace("adult_relapse.csv:\n", "adult_relapse.csv: [check]\nold:\n", at="adult_relapse.csv:"),
          "{data}/background/selection.yaml:{line}: adult_relapse.csv: missing or not a mapping of row ids", alone=False),
    # ---------------------------------------------------------------- data/synthesis/stages.yaml
    Fault("stages-design-unknown", STG, replace("    design: randomised\n", "    design: phase-3\n", at="    design: phase-3"),
          "{data}/synthesis/stages.yaml:{line}: evidence[0].design: Input should be 'randomised', 'single-arm' or "
          "'retrospective'"),
    Fault("stages-stage-unknown", STG, replace("    stage: relapsed-refractory\n", "    stage: relapsed\n", at="    stage: relapsed\n"),
          "{data}/synthesis/stages.yaml:{line}: evidence[0].stage: unknown stage 'relapsed'; known: "
          "['consolidation-mrd-negative', 'frontline', 'mrd-positive', 'post-transplant', 'relapsed-refractory']"),
    Fault("stages-impossible-date", STG, replace('  published: "2024-01-11"\n', '  published: "2024-13-11"\n', at='  published: "2024-13'),
          "{data}/synthesis/stages.yaml:{line}: cut_off.published: Input should be a valid date or datetime, month value is "
          "outside expected range of 1-12"),
    Fault("stages-unknown-top-level-key", STG, replace("cut_off:\n", "colour: red\ncut_off:\n", at="colour"),
          "{data}/synthesis/stages.yaml:{line}: colour: unknown field"),
    # ---------------------------------------------------------------- data/meta_analysis/specifications.yaml
    # (loaded by analysis.stats.specifications; its wording is pydantic's own)
    Fault("specifications-method-unknown", SPEC, replace("  method: REML\n", "  method: REMLX\n", at="  method: REMLX"),
          "{data}/meta_analysis/specifications.yaml:{line}: primary.method: Input should be 'EE', 'DL', 'PM', 'REML', "
          "'ML' or 'GLMM'"),
    Fault("specifications-year-as-string", SPEC, replace("cutoff_year: 2022 ", "cutoff_year: \"2022\" ", at="cutoff_year"),
          "{data}/meta_analysis/specifications.yaml:{line}: cutoff_year: Input should be a valid integer"),
    Fault("specifications-no-as-a-flag", SPEC,
          replace("      where: {prospective: [true], setting: [rr-active], year: {max: 2017}}\n",
                  "      where: {prospective: [\"no\"], setting: [rr-active], year: {max: 2017}}\n", at="      where: {prospective"),
          "{data}/meta_analysis/specifications.yaml:{line}: study_sets.cr[0].where.prospective: 'no' is not a value of "
          "studies.csv prospective (True, False)"),
    Fault("specifications-unknown-set", SPEC, replace("  set: identified\n", "  set: identifed\n", at="  set: identifed"),
          "{data}/meta_analysis/specifications.yaml:{line}: primary.set: unknown cr study set 'identifed'", alone=False),
    # ---------------------------------------------------------------- markup in data
    Fault("markup-in-trial-quantity", E19, replace("quantity: patients enrolled", "quantity: <img src=x onerror=alert(1)>"),
          "{data}/trials/e1910.yaml:{line}: figures[enrolled].quantity: markup is not data: '<img src=x onerror=alert(1)>' "
          "(write it as plain text)"),
    Fault("markup-in-csv-study", AR, cell("gimema-0288-relapse", "study", "GIMEMA <script>alert(1)</script>"),
          "{data}/background/adult_relapse.csv:{line}: study: markup is not data: '<script>alert(1)</script>' (write it as "
          "plain text)", alone=False),
    Fault("script-url-in-cited-works", CW, replace('    location: "abstract; doi:10.1200/JCO.2011.37.8018',
                                                   '    location: "javascript:alert(1); doi:10.1200/JCO.2011.37.8018'),
          "{data}/background/cited_works.yaml:{line}: works[Hunger2012].location: markup is not data: "
          "'javascript:alert(1); doi:10.1200/JCO.201' (write it as plain text)"),
    Fault("stray-csv", ST, add_file("extra.csv", "a,b\n1,2\n"),
          "{data}/meta_analysis/extra.csv: file: no schema covers this table (add it to analysis/inputs/tables.py)",
          alone=False),
    # ---------------------------------------------------------------- shared inputs
    Fault("commentary-missing", COM, delete,
          "{data}/source/commentary.txt: file: not found (the commentary's text)"),
    Fault("commentary-not-utf8", COM, bad_byte("many adults"),
          "{data}/source/commentary.txt:{line}: encoding: byte 0xe9 at column {col} is not UTF-8 (save the file as UTF-8)",
          alone=False),
    Fault("bibliography-missing", BIB, delete, "{book}/references.bib: file: not found (the bibliography)"),
    Fault("bibliography-unbalanced-brace", BIB, replace("title   = {Blinatumomab may be Feasible at All Stages of {B}-Cell",
                                                        "title   = {Blinatumomab may be Feasible at All Stages of {{B}-Cell",
                                                        at="@article{LiuWu2023JLeuk"),
          "{book}/references.bib:{line}: bibtex: syntax error in the entry starting here ('}}' expected at line {detect}; an "
          "unbalanced brace or quote?)", alone=False),
    Fault("bibliography-key-removed", BIB, replace("@article{Hoelzer2024,", "@article{Hoelzer2024x,"),
          "{data}/claims.yaml:{claims_line}: claims[trm-immunotherapy].references: unknown BibTeX key 'Hoelzer2024' "
          "(not in {book}/references.bib)", alone=False),
    Fault("toc-page-removed", TOC, replace("      - file: book/claims/e1910\n", ""),
          "{data}/claims.yaml:{claims_line}: claims[e1910-population].page: no page 'claims/e1910' in _toc.yml (the claim "
          "would link to nothing)", alone=False),
    Fault("toc-lists-missing-page", TOC, replace("      - file: book/errata\n", "      - file: book/errata\n      - file: book/nowhere\n"),
          "{toc}: file: page 'nowhere' is listed but book/nowhere.md does not exist"),
]


# --------------------------------------------------------------------------- running a case
def inputs_copy(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of data/, the bibliography and the table of contents (book pages linked, not copied)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    bib_dir = tmp_path / "bib"
    bib_dir.mkdir()
    shutil.copy(ROOT / "book" / "references.bib", bib_dir / "references.bib")
    toc = tmp_path / "_toc.yml"
    shutil.copy(ROOT / "_toc.yml", toc)
    (tmp_path / "book").symlink_to(ROOT / "book")
    return data, bib_dir, toc


def _target(fault: Fault, data: Path, bib_dir: Path, toc: Path) -> Path:
    if fault.file == BIB:
        return bib_dir / "references.bib"
    if fault.file == TOC:
        return toc
    return data / fault.file.removeprefix("data/")


def _placeholders(fault: Fault, path: Path, line: int | None, data: Path, bib_dir: Path, toc: Path) -> dict:
    values = {"data": data, "book": bib_dir, "toc": toc, "line": line, "next": (line or 0) + 1}
    if line and path.exists() and path.suffix == ".yaml":
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        # the figure whose field is on `line`: the nearest "- id:" above it
        ids = [row.split("id:", 1)[1].strip() for row in lines[:line] if row.lstrip().startswith("- id:")]
        values["fig"] = ids[-1] if ids else ""
        values["first"] = ""
        if "first at line {first}" in fault.expected:
            name = lines[line - 1].split(":", 1)[1].strip().split(",")[0].strip("{} ")
            key = lines[line - 1].split(":", 1)[0].strip()
            values["first"] = next(i for i, row in enumerate(lines, start=1) if row.split(":", 1)[0].strip() == key
                                   and row.split(":", 1)[1].strip().split(",")[0].strip("{} ") == name)
    if fault.file == BIB and line:  # pybtex notices the missing brace on the line before the next entry
        rows = path.read_text(encoding="utf-8").splitlines()
        values["detect"] = next(i for i, row in enumerate(rows, start=1) if i > line and row.startswith("@")) - 1
    if fault.file == COM and line:
        raw = path.read_bytes()
        start = raw.rfind(b"\n", 0, raw.index(b"\xe9")) + 1
        values["col"] = raw.index(b"\xe9") - start + 1
    if "{sel_line}" in fault.expected:  # the selection entry of the row the expected line names
        key = fault.expected.split(".csv.", 1)[1].split(":", 1)[0]
        rows = (data / "background" / "selection.yaml").read_text(encoding="utf-8").splitlines()
        values["sel_line"] = next(i for i, row in enumerate(rows, start=1) if row.startswith(f"  {key}:"))
    if "{claims_line}" in fault.expected:
        text = (data / "claims.yaml").read_text(encoding="utf-8")
        claim = fault.expected.split("claims[", 1)[1].split("]", 1)[0]
        start = text.index(f"  - id: {claim}\n")
        field = fault.expected.split("].", 1)[1].split(":", 1)[0]
        values["claims_line"] = _line_at(text, text.index(f"    {field}:", start))
    return values


def run_fault(fault: Fault, tmp_path: Path) -> tuple[list[str], str]:
    data, bib_dir, toc = inputs_copy(tmp_path)
    path = _target(fault, data, bib_dir, toc)
    line = fault.mutate(path)
    expected = fault.expected.format(**_placeholders(fault, path, line, data, bib_dir, toc)) if fault.expected else ""
    lines = [str(e) for e in validate_errors(data, bib_dir / "references.bib", toc)]
    return lines, expected


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_fault_gives_its_one_line_error(fault, tmp_path):
    lines, expected = run_fault(fault, tmp_path)
    code = 2 if lines else 0
    assert code == fault.code, lines
    assert len(lines) == len(set(lines)), "an error printed twice"
    assert lines == sorted(lines, key=_order), "errors not in file/line order"
    if fault.code == 0:
        assert lines == []
    elif expected.endswith("…"):
        assert [line for line in lines if line.startswith(expected[:-1])], "\n".join(lines)
        assert not fault.alone or len(lines) == 1, "\n".join(lines)
    elif fault.alone:
        assert lines == [expected]
    else:
        assert expected in lines, "\n".join(lines)
    assert all("Traceback" not in line and "\n" not in line for line in lines)


def _order(line: str) -> tuple:
    file, _, rest = line.partition(":")
    number = rest.split(":", 1)[0]
    return (file, int(number) if number.isdigit() else -1)


def test_the_suite_covers_every_data_file_and_enough_faults():
    files = {f.file for f in FAULTS}
    data_files = {f"data/{p.relative_to(ROOT / 'data')}" for p in (ROOT / "data").rglob("*")
                  if p.suffix in (".yaml", ".csv", ".txt")}
    assert data_files <= files, sorted(data_files - files)
    assert len(FAULTS) >= 80


def test_the_unbroken_inputs_are_valid(tmp_path):
    data, bib_dir, toc = inputs_copy(tmp_path)
    assert validate_errors(data, bib_dir / "references.bib", toc) == []


# --------------------------------------------------------------------------- the real command line
CLI_SAMPLE = ["claim-removed", "e1910-figure-removed", "errata-source-without-says", "errata-sources-5",
              "e1910-count-10e23", "studies-extra-field", "e1910-derived-no-string", "salvage-row-renamed",
              "studies-not-utf8", "claims-source-as-string"]


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_command_line_exit_codes(name, tmp_path):
    """validate and verify both exit 2 with the expected line first among their errors, no traceback."""
    fault = next(f for f in FAULTS if f.id == name)
    data, bib_dir, toc = inputs_copy(tmp_path)
    path = _target(fault, data, bib_dir, toc)
    line = fault.mutate(path)
    expected = fault.expected.format(**_placeholders(fault, path, line, data, bib_dir, toc))
    for command in ("validate", "verify"):
        done = run_cli(command, data_dir=data)
        assert done.returncode == 2, (command, done.stderr[-2000:])
        assert "Traceback" not in done.stderr
        lines = done.stderr.splitlines()
        found = [x for x in lines if x.startswith(expected[:-1])] if expected.endswith("…") else [expected] * (expected in lines)
        assert found, (command, done.stderr[-2000:])
