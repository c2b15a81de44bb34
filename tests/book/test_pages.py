"""Page sources: every number in the prose is computed (glued), none typed by hand.

Prose is what remains of a page after removing front matter, code cells, roles
({glue:...}, {cite:...}, {download}), inline code, math, link targets and labels. What may
still contain digits: years (1990-2039), identifiers that mix letters and digits (E1910,
MT103-206, UKALL12), PubMed-style ids (6+ digits), reference numbers like [1] or [1-2],
the confidence level "95%", list numbers ("1."), "phase 2", trial identifiers written with a
space (GIMEMA ALL 0288), and the constants 0 and 1 of formulas written in words ("[0, 1]",
"k − 1"). Anything else is a number typed into the prose, which this report does not allow.
"""

import re
from pathlib import Path

import pytest
from conftest import ROOT

PAGES = sorted(p for p in (ROOT / "book").rglob("*.md") if not {"_static", "_ext"} & set(p.parts))
ALLOWED = re.compile(
    r"(?:19[9]\d|20[0-3]\d)"            # a year
    r"|\d{6,}"                           # a PubMed-style id
    r"|\[\d(?:[-–]\d)?\]"                # the commentary's reference numbers
    r"|95%"                              # the usual confidence level
    r"|[01]"                             # constants of formulas in words: [0, 1], k − 1, 0 events
)


def _captions(text: str) -> str:
    """The captions of the figure directives (``{glue:figure}``, ``{figure}``): prose a reader sees."""
    out = []
    for body in re.findall(r"```\{(?:glue:figure|figure)\}[^\n]*\n(.*?)```", text, flags=re.S):
        out.append("\n".join(line for line in body.splitlines() if not line.startswith(":")))
    return "\n".join(out)


def prose(text: str) -> str:
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)
    captions = _captions(text)
    text = re.sub(r"```.*?```", "", text, flags=re.S) + "\n" + captions
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "", text)
    text = re.sub(r"\{(?:glue:[a-z]+|cite:?[a-z]*|download|ref|doc|numref)\}`[^`]*`", "", text)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"^\([^)]*\)=$", "", text, flags=re.M)
    text = re.sub(r"^\s*\d+\.\s", " ", text, flags=re.M)                  # numbered list items
    text = re.sub(r"\[\d(?:[-–]\d)?\]", " ", text)                         # the commentary's [1], [1-2]
    text = re.sub(r"\b[Pp]hase (?:[1-3]|I{1,3})\b", " ", text)               # trial phases
    text = re.sub(r"\b(?:Table|Figure|Fig\.|table|figure) \d+\b", " ", text)   # a source's table number
    text = re.sub(r"\b[A-Z][A-Z0-9/-]*[A-Z][A-Z0-9/-]* \d{3,4}\b", " ", text)  # GIMEMA ALL 0288, ECOG 2993
    return text


def typed_numbers(text: str) -> list[str]:
    found = []
    for token in re.findall(r"\S*\d\S*", prose(text)):
        core = token.strip("()[]{}.,;:!?\"'*“”‘’")
        if (re.search(r"[A-Za-z]", core.replace("k-1", "")) and re.search(r"\d", core)
                and not re.fullmatch(r"[\d.,%–-]+\w{0,2}", core)):
            continue  # an identifier mixing letters and digits (E1910, MT103-206) or a possessive year
        if ALLOWED.fullmatch(core) or ALLOWED.fullmatch(token.strip("()[],.;:")):
            continue
        if core in ("k-1",):
            continue
        found.append(token)
    return found


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_no_number_is_typed_into_the_prose(page: Path):
    assert typed_numbers(page.read_text(encoding="utf-8")) == []


def test_the_scanner_catches_a_typed_number():
    assert typed_numbers("The pooled rate was 54% (44%-64%) in 18 studies.") == ["54%", "(44%-64%)", "18"]
    assert typed_numbers("In {glue:text}`x-rate` of patients (E1910, MT103-206, 2019) [1-2].") == []


def test_the_scanner_reads_figure_captions():
    page = "```{glue:figure} x-fig\n:name: fig-x\n\nThe pooled rate is 54% in 12 studies.\n```\n"
    assert typed_numbers(page) == ["54%", "12"]


INTERNAL_NOTES = re.compile(r"shared notes|second verification pass|the pipeline|Show code cell|TODO|FIXME", re.I)
GARBLED = re.compile(r"\b(\w+ \w+) of \1\b")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_no_internal_notes_or_notebook_buttons(page: Path):
    text = page.read_text(encoding="utf-8")
    assert not INTERNAL_NOTES.search(prose(text)), INTERNAL_NOTES.search(prose(text)).group(0)
    assert not GARBLED.search(prose(text)), GARBLED.search(prose(text)).group(0)
    # input cells are removed, never folded behind a "Show code" button
    for tags in re.findall(r"```\{code-cell\}[^\n]*\n(?::tags: \[([^\]]*)\]|---\ntags: \[([^\]]*)\])", text):
        tags = "".join(tags)
        assert not re.search(r"hide-(input|output|cell)", tags), f"{page.name}: {tags}"


def test_the_note_scanner_can_fail():
    assert INTERNAL_NOTES.search("as the shared notes record it")
    assert GARBLED.search("the cure rate of cure rate of 50%")
    assert not GARBLED.search("the rate of cure")


def test_every_claim_section_is_headed_by_its_name():
    """The ledger, the summary of findings and the page call a claim the same thing."""
    from analysis.inputs.files import load_claims
    from analysis.report.labels import CLAIM_NAMES

    problems = []
    for claim in load_claims():
        page = (ROOT / "book" / f"{claim.page}.md").read_text(encoding="utf-8")
        found = re.search(rf"^\({re.escape(claim.id)}\)=\n#+ (.+)$", page, flags=re.M)
        if found is None:
            problems.append(f"{claim.id}: no '({claim.id})=' label before a heading")
        elif claim.id in CLAIM_NAMES and found.group(1).strip() != CLAIM_NAMES[claim.id]:
            problems.append(f"{claim.id}: heading {found.group(1)!r} is not its name {CLAIM_NAMES[claim.id]!r}")
    assert not problems, "\n".join(problems)


def test_no_number_is_typed_into_the_errata():
    from analysis.inputs.errata import load_errata

    typed = {e.id: typed_numbers(e.problem) for e in load_errata()}
    assert not {k: v for k, v in typed.items() if v}
