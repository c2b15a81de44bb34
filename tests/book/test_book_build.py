"""The whole book builds, strictly, and a broken notebook fails the build.

``test_book_builds`` is the one test that proves in CI that the site builds: it runs the same
command as ``make book`` into a temporary directory and checks the result.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from conftest import build_book as build

from analysis.inputs.files import load_claims

EXCEPTION = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b: |Traceback \(most recent call last\)")


def execution_problems(html: str) -> list[str]:
    """What a page shows of a failed or noisy execution: traceback or stderr output blocks
    (myst-nb's ``output traceback`` / ``output stderr`` classes), or an exception's text."""
    problems = [f"an '{cls}' block" for cls in ("output traceback", "output stderr", "output error") if cls in html]
    text = re.sub(r"<[^>]+>", " ", html)
    problems += [f"exception text {m.group(0)!r}" for m in EXCEPTION.finditer(text)]
    return problems


def test_execution_problems_are_found_in_a_broken_page():
    """The check below can fail: a traceback block, stderr output and exception text are caught."""
    assert execution_problems('<p>Errata and standard errors are fine.</p>') == []
    assert execution_problems('<div class="output traceback"><pre>x</pre></div>')
    assert execution_problems('<div class="cell_output"><pre class="output stderr">noise</pre></div>')
    assert execution_problems("<pre>KeyError: 'says'</pre>")
    assert execution_problems("<pre>Traceback (most recent call last):</pre>")


@pytest.mark.book
def test_book_builds(site: Path):
    toc = (ROOT / "_toc.yml").read_text()
    pages = re.findall(r"file:\s*(\S+)", toc) + ["book/intro"]
    for page in pages:
        html = site / f"{page}.html"
        assert html.exists(), page
        assert execution_problems(html.read_text(encoding="utf-8")) == [], page
    assert (site / "index.html").exists()


@pytest.mark.book
def test_published_ledger_lists_every_claim(site: Path):
    ledger = json.loads((site / "_static" / "ledger.json").read_text())
    assert [c["id"] for c in ledger["claims"]] == load_claims().ids()
    done = subprocess.run([sys.executable, "-m", "analysis", "verify", "--json", "-"], cwd=ROOT,
                          capture_output=True, text=True)
    assert json.loads(done.stdout) == ledger, "site and command line must publish the same ledger"


def ledger_rows(html: str) -> dict[str, tuple[str, str]]:
    """claim id -> (verdict, citation) as the ledger page's table rows show them."""
    rows = re.findall(r'<tr data-verdict="([\w-]+)" data-citation="([\w-]+)">.*?href="[^"#]*#([\w-]+)"', html)
    return {cid: (verdict, citation) for verdict, citation, cid in rows}


@pytest.mark.book
def test_ledger_page_and_verify_give_the_same_verdicts(site: Path):
    """The ledger page (executed in the build) and `python -m analysis verify` (another process,
    another results store) show the same two verdicts for every claim."""
    done = subprocess.run([sys.executable, "-m", "analysis", "verify", "--json", "-"], cwd=ROOT,
                          capture_output=True, text=True)
    cli = {c["id"]: (c["verdict"], c["citation"]) for c in json.loads(done.stdout)["claims"]}
    page = ledger_rows((site / "book" / "ledger.html").read_text(encoding="utf-8"))
    assert page == cli
    some = next(iter(cli))
    assert ledger_rows(f'<tr data-verdict="x" data-citation="y"><td><a href="c.html#{some}">') != {some: cli[some]}


@pytest.mark.book
def test_ledger_page_shows_every_claim_with_both_verdicts(site: Path):
    html = (site / "book" / "ledger.html").read_text()
    for claim in load_claims():
        assert 'data-verdict=' in html and claim.id in html
    assert html.count('class="badge citation-') == len(load_claims())
    assert html.count('class="badge verdict-') == len(load_claims())
    assert 'href="claims/e1910.html#e1910-randomisation"' in html


@pytest.mark.book
def test_claim_page_has_anchor_badges_figure_and_computed_numbers(site: Path):
    html = (site / "book" / "claims" / "e1910.html").read_text()
    assert 'id="e1910-randomisation"' in html
    assert "verdict: consistent" in html and "citation: unverifiable" in html
    assert "<img" in html
    assert "80.9%" in html and "56.7%" in html  # glued, computed at build time
    # citations rendered, not raw keys
    assert "Litzow2024" not in re.sub(r"<[^>]+>", "", html).split("Randomisation")[0]


def mini_book(tmp_path: Path, cell: str) -> Path:
    """A one-page book with the repository's own _config.yml and one code cell."""
    book = tmp_path / "mini"
    (book / "book" / "_static").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    shutil.copy(ROOT / "book" / "_static" / "favicon.png", book / "book" / "_static" / "favicon.png")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (book / "book" / "intro.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n# Mini\n\n"
        f"```{{code-cell}} ipython3\n{cell}\n```\n\nText {{cite:p}}`LiuWu2023JLeuk`.\n\n```{{bibliography}}\n```\n")
    return book


@pytest.mark.book
def test_the_config_builds_a_good_page(tmp_path: Path):
    book = mini_book(tmp_path, "from myst_nb import glue\nglue('mini-x', 1, display=False)")
    done = build(book, tmp_path / "out")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.book
@pytest.mark.parametrize("cell, reason", [
    ("raise RuntimeError('a cell that fails')", "a failing cell"),
    ("import sys; print('noise', file=sys.stderr)", "output on stderr"),
])
def test_a_broken_notebook_fails_the_build(tmp_path: Path, cell: str, reason: str):
    done = build(mini_book(tmp_path, cell), tmp_path / "out")
    assert done.returncode != 0, reason


@pytest.mark.book
def test_a_missing_glue_key_or_citation_fails_the_build(tmp_path: Path):
    book = mini_book(tmp_path, "x = 1")
    page = book / "book" / "intro.md"
    page.write_text(page.read_text() + "\nA number: {glue:text}`no-such-key`.\n")
    assert build(book, tmp_path / "out1").returncode != 0, "missing glue key"
    book = mini_book(tmp_path / "b", "x = 1")
    page = book / "book" / "intro.md"
    page.write_text(page.read_text().replace("LiuWu2023JLeuk", "NoSuchKey2099"))
    assert build(book, tmp_path / "out2").returncode != 0, "dangling citation"
