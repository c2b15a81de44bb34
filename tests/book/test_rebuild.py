"""`make book` rebuilds fast, never stale, and two clean builds are byte-identical."""

from __future__ import annotations

import json

import pytest

from conftest import make, replace_in

pytestmark = pytest.mark.book


def html_of(repo, page: str) -> str:
    return (repo / "_build" / "html" / "book" / f"{page}.html").read_text()


def test_two_clean_builds_give_identical_ledger_and_figures(site, made_copy):
    """`site` (jupyter-book --all into a temp dir) and `made_copy` (make book in a copy) are two
    independent clean builds of the same tree."""
    other = made_copy / "_build" / "html"
    assert (site / "_static" / "ledger.json").read_bytes() == (other / "_static" / "ledger.json").read_bytes()
    assert (site / "_static" / "ledger.csv").read_bytes() == (other / "_static" / "ledger.csv").read_bytes()
    images = sorted(p.name for p in (site / "_images").iterdir())
    assert images, "the site has figures"
    assert images == sorted(p.name for p in (other / "_images").iterdir())
    for name in images:
        assert (site / "_images" / name).read_bytes() == (other / "_images" / name).read_bytes(), name


def test_no_change_rebuild_reuses_everything(made_copy):
    page = made_copy / "_build" / "html" / "book" / "claims" / "e1910.html"
    before = page.stat().st_mtime_ns
    done = make("book", made_copy)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "dependencies unchanged" in done.stdout
    assert page.stat().st_mtime_ns == before, "an unchanged page must not be rebuilt"


def test_a_data_row_change_reaches_the_rebuilt_page_and_ledger(made_copy):
    """Edit one figure (488 enrolled -> 489): the E1910 page's computed remission rate moves from
    80.9% to 80.8% and the published ledger follows — nothing stale survives."""
    assert "80.9%" in html_of(made_copy, "claims/e1910")
    replace_in(made_copy / "data" / "trials" / "e1910.yaml", 'printed: "488"', 'printed: "489"')
    done = make("book", made_copy)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "re-executing every page" in done.stdout
    html = html_of(made_copy, "claims/e1910")
    assert "80.8%" in html and "80.9%" not in html
    ledger = json.loads((made_copy / "_build" / "html" / "_static" / "ledger.json").read_text())
    row = next(c for c in ledger["claims"] if c["id"] == "e1910-randomisation")
    assert "395/489 = 80.8%" in [r["text"] for r in row["reproduced"]]
