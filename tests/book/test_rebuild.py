"""Builds are deterministic, parallel equals serial, warm kernels equal fresh ones, rebuilds are
targeted and never stale.

Two clean builds per session: ``site`` (pages executed two at a time in kernels forked from the
kernel server, the repository itself) and ``serial_build`` (a copy of the repository, one page at
a time, each in a fresh kernel). The rebuild tests then edit the
copy's data and rebuild it; each restores the data it changed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, build_book, replace_in, tree_digests

from analysis.claims import evaluate_group
from analysis.inputs import paths
from analysis.inputs.files import load_claims
from analysis.report import store

# Files two clean builds may differ in: the provenance page (execution times and dates) and the
# search index (Sphinx's term order).
MAY_DIFFER = {"book/provenance.html", "searchindex.js"}
E1910 = Path("data") / "trials" / "e1910.yaml"
ERRATA = Path("data") / "errata.yaml"


def html_of(repo: Path, page: str) -> str:
    return (repo / "_build" / "html" / "book" / f"{page}.html").read_text(encoding="utf-8")


def ledger_texts(repo: Path, claim_id: str) -> list[str]:
    ledger = json.loads((repo / "_build" / "html" / "_static" / "ledger.json").read_text(encoding="utf-8"))
    return [r["text"] for r in next(c for c in ledger["claims"] if c["id"] == claim_id)["reproduced"]]


def executed_pages(log: str) -> set[str]:
    return set(re.findall(r"^book: executed (\S+) in ", log, flags=re.M))


def cached_inputs(repo: Path) -> dict[str, dict[str, str]]:
    """docname -> the inputs its cached execution read (from the build's jupyter-cache)."""
    from jupyter_cache import get_cache

    out = {}
    for record in get_cache(str(repo / "_build" / ".jupyter_cache")).list_cache_records():
        docname = Path(record.uri).relative_to(repo).with_suffix("").as_posix()
        out[docname] = record.data["report"]["inputs"]
    return out


def reads_working_tree(key: str) -> bool:
    """Whether a recorded input is a git command whose output an edit to a tracked file changes
    (``git status``, ``git diff``); ``git rev-parse HEAD`` or ``git log`` do not change."""
    if not key.startswith("cmd:"):
        return False
    argv, _cwd = json.loads(key[4:])
    return len(argv) > 1 and argv[1] in ("status", "diff")


def rebuilt_shows_restored_data(repo: Path, stale: str) -> None:
    """Rebuild after the data were restored: the build succeeds and the E1910 page and the
    ledger show 395/488 = 80.9% again, never the ``stale`` figure of the failed or killed build."""
    done = build_book(repo, repo)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    html = html_of(repo, "claims/e1910")
    assert "80.9%" in html and stale not in html
    assert "395/488 = 80.9%" in ledger_texts(repo, "e1910-randomisation")


def differing_files(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(name for name in set(a) | set(b) if a.get(name) != b.get(name) and name not in MAY_DIFFER)


def test_differing_files_notices_a_changed_page():
    """The comparison below can fail: one changed byte in a page is reported by name."""
    a = {"book/intro.html": "1", "book/provenance.html": "x", "searchindex.js": "y"}
    assert differing_files(a, dict(a)) == []
    assert differing_files(a, {**a, "book/intro.html": "2"}) == ["book/intro.html"]
    assert differing_files(a, {k: v for k, v in a.items() if k != "book/intro.html"}) == ["book/intro.html"]


def test_reads_working_tree_tells_status_from_the_commit_name():
    """Only commands whose output a file edit changes count (the expected set below can fail)."""
    cmd = lambda *argv: "cmd:" + json.dumps([["git", *argv], "/repo"])  # noqa: E731
    assert reads_working_tree(cmd("status", "--porcelain"))
    assert reads_working_tree(cmd("diff", "--stat"))
    assert not reads_working_tree(cmd("rev-parse", "HEAD"))
    assert not reads_working_tree(cmd("log", "-1", "--format=%cs"))
    assert not reads_working_tree("/repo/data/trials/e1910.yaml")


@pytest.mark.book
def test_two_clean_builds_are_identical_and_parallel_equals_serial(site, serial_build):
    """Every file of the site is byte-identical between a parallel build of the repository in warm
    kernels and a serial build of a copy of it in fresh kernels, except provenance and the search
    index."""
    parallel = tree_digests(site)
    assert "book/claims/e1910.html" in parallel and "_static/ledger.json" in parallel
    assert len(executed_pages(serial_build["log"])) >= 14, "the serial build executed every page"
    different = differing_files(parallel, serial_build["digests"])
    assert not different, f"{len(different)} files differ: {', '.join(different)}"


@pytest.mark.book
def test_results_are_evaluated_once_per_build(serial_build):
    """Each claim group was evaluated once (by the build, before the pages); no page re-ran one,
    through the store or around it."""
    names = [line.split()[0] for line in serial_build["evaluations"].splitlines()]
    assert names and len(names) == len(set(names)), names
    assert not [n for n in names if n.startswith("direct-")], names
    assert "group-e1910" in names and "group-meta-analysis" in names


@pytest.mark.book
def test_the_build_stores_the_validation_verify_starts_with(serial_build):
    """The input validation is stored by the build beside the claim results (so the first
    `verify` after a build reads it), and it found no problem in the repository's data."""
    repo = serial_build["repo"]
    stored = sorted((repo / "_build" / ".report" / "results").rglob(f"{store.VALIDATION}.json"))
    assert stored, "no stored validation in the build's store"
    entries = json.loads(stored[-1].read_text(encoding="utf-8"))
    assert entries and all(e["inputs"] for e in entries), "validation records what it read"
    import pickle

    assert pickle.loads((stored[-1].parent / entries[-1]["value"]).read_bytes()) == []


@pytest.mark.book
def test_no_change_rebuild_reuses_everything(serial_build):
    repo = serial_build["repo"]
    page = repo / "_build" / "html" / "book" / "claims" / "e1910.html"
    before = page.stat().st_mtime_ns
    done = build_book(repo, repo)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "every page re-used" in done.stdout and "claim results: all stored" in done.stdout
    assert page.stat().st_mtime_ns == before, "an unchanged page must not be rebuilt"


@pytest.fixture
def restore(serial_build):
    """Put the copy's data files back as they were after the test (what `git checkout data` does)."""
    repo = serial_build["repo"]
    saved = {name: (repo / name).read_bytes() for name in (E1910, ERRATA)}
    yield repo
    for name, data in saved.items():
        (repo / name).write_bytes(data)


@pytest.mark.book
def test_a_data_row_change_re_executes_only_the_pages_that_read_it(restore):
    """Edit one figure (488 enrolled -> 489): exactly the pages whose last execution read
    e1910.yaml (or ran a git command that looks at the working tree, whose output the edit
    changes) are executed again, the others (naming only the commit, say) are re-used; the E1910
    page and the published ledger show the new number."""
    repo = restore
    assert "80.9%" in html_of(repo, "claims/e1910")
    before = cached_inputs(repo)
    target = str(repo / E1910)
    expected = {page for page, inputs in before.items()
                if target in inputs or any(reads_working_tree(k) for k in inputs)}
    assert {"book/claims/e1910", "book/ledger"} <= expected
    assert "book/claims/relapse-burden" not in expected and "book/methods/meta-analysis" not in expected
    replace_in(repo / E1910, 'printed: "488"', 'printed: "489"')
    done = build_book(repo, repo)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert executed_pages(done.stdout) == expected
    evaluated = next(line for line in done.stdout.splitlines() if line.startswith("book: claim results:"))
    assert "e1910" in evaluated and "meta-analysis" not in evaluated, evaluated
    html = html_of(repo, "claims/e1910")
    assert "80.8%" in html and "80.9%" not in html
    assert "395/489 = 80.8%" in ledger_texts(repo, "e1910-randomisation")
    assert "80.8%" in html_of(repo, "ledger")


@pytest.mark.book
def test_a_failed_build_leaves_no_stale_page(restore):
    """The issue's sequence: a build that fails (a broken errata entry) after an edit to E1910,
    then the data restored (`git checkout data`): the next build shows 395/488, not the failed
    build's 395/490."""
    repo = restore
    original = {name: (repo / name).read_bytes() for name in (E1910, ERRATA)}
    replace_in(repo / E1910, 'printed: "488"', 'printed: "490"')
    replace_in(repo / ERRATA, ', says: "The trial tested blinatumomab added to consolidation chemotherapy."', "")
    failed = build_book(repo, repo)
    assert failed.returncode != 0, "a broken errata entry must fail the build"
    assert "book/claims/e1910" in executed_pages(failed.stdout), "the failed build did execute the E1910 page"
    for name, data in original.items():
        (repo / name).write_bytes(data)
    rebuilt_shows_restored_data(repo, stale="80.6%")


@pytest.mark.book
def test_an_interrupted_build_leaves_no_stale_page(restore):
    """Kill a build mid-way (after it executed a page against edited data), restore the data:
    the next build shows the restored number."""
    repo = restore
    original = (repo / E1910).read_bytes()
    replace_in(repo / E1910, 'printed: "488"', 'printed: "491"')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), str(ROOT)])}
    env.pop("REPORT_STORE", None)
    build = subprocess.Popen([sys.executable, "-m", "analysis.report.store", "build", str(repo), "--jobs", "1"],
                             cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             start_new_session=True)
    try:
        for line in build.stdout:
            if line.startswith("book: executed "):
                break
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    (repo / E1910).write_bytes(original)
    rebuilt_shows_restored_data(repo, stale="80.4%")


# ---- the store and the fingerprint, without a build


def test_pages_evaluate_group_reads_through_the_store(monkeypatch):
    """A page's `evaluate_group(name, load_claims())`, run where pages run (book/claims/), returns
    the stored results themselves: the registry's display path 'data/claims.yaml' names this
    checkout's registry wherever the caller stands."""
    monkeypatch.chdir(ROOT / "book" / "claims")
    assert evaluate_group("e1910", load_claims())[0] is store.results().group("e1910")[0]


def test_a_stored_value_is_never_reused_against_other_inputs(tmp_path):
    source = tmp_path / "input.txt"
    source.write_text("one")
    calls = []

    def compute():
        calls.append(1)
        store.record_read(str(source))
        return source.read_text()

    cache = store.Store(tmp_path / "store", fingerprint="f" * 64)
    assert cache.computed("x", compute) == "one" and len(calls) == 1
    assert store.Store(tmp_path / "store", fingerprint="f" * 64).computed("x", compute) == "one"
    assert len(calls) == 1, "unchanged input: the stored value is re-used (by another process too)"
    source.write_text("two")
    assert cache.computed("x", compute) == "two" and len(calls) == 2, "a changed input is never served stale"
    other = store.Store(tmp_path / "store", fingerprint="0" * 64)
    assert other.computed("x", compute) == "two" and len(calls) == 3, "another fingerprint shares nothing"


def test_the_fingerprint_covers_names_symlinks_settings_and_the_data_dir(tmp_path, monkeypatch):
    data = tmp_path / "data copy"
    data.mkdir()
    (data / "a b.csv").write_text("x\n")
    (tmp_path / "elsewhere.csv").write_text("y\n")
    seen = {store.build_fingerprint(ROOT, data)}

    def changed() -> bool:
        fp = store.build_fingerprint(ROOT, data)
        new = fp not in seen
        seen.add(fp)
        return new

    (data / "a b.csv").rename(data / "a  b.csv")
    assert changed(), "a renamed file (name with spaces)"
    (data / "link.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert changed(), "an added symlink"
    (data / "link.csv").unlink()
    (data / "link.csv").symlink_to(data / "a  b.csv")
    assert changed(), "a symlink pointing elsewhere"
    monkeypatch.setenv("REPORT_BASE_URL", "https://example.org/")
    assert changed(), "a REPORT_* setting"
    assert store.build_fingerprint(ROOT, tmp_path) != store.build_fingerprint(ROOT, data), "the data directory"
    assert not changed(), "nothing changed: the same fingerprint"
    before = store.data_snapshot(data)
    (tmp_path / "elsewhere.csv").write_text("z\n")  # content behind a symlink
    (data / "link.csv").unlink()
    (data / "link.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert store.data_snapshot(data) != before


def test_the_audit_hook_records_reads_listings_commands_and_writes():
    tracker = store._TRACKER
    tracker.install()
    with store.recording() as reads:
        paths.CLAIMS.read_text(encoding="utf-8")
        os.listdir(paths.DATA)
        subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True)
        tracker._audit("open", (str(ROOT / "book" / "x.json"), "w", os.O_WRONLY | os.O_CREAT))
        tracker._audit("open", (str(ROOT / "_build" / "x.json"), "w", os.O_WRONLY | os.O_CREAT))
        tracker._audit("subprocess.Popen", ("rm", ["rm", "-rf", "x"], None, None))
    assert str(paths.CLAIMS) in reads.inputs
    assert f"dir:{paths.DATA}" in reads.inputs
    assert any(k.startswith("cmd:") and "rev-parse" in k for k in reads.inputs)
    assert any(k.startswith("volatile:ran rm") for k in reads.inputs), "an unknown command: never re-used"
    assert reads.writes == {str(ROOT / "book" / "x.json")}, "writes into the source tree, not into _build"
    assert store.input_digest(next(k for k in reads.inputs if k.startswith("volatile:"))) != \
        store.input_digest(next(k for k in reads.inputs if k.startswith("volatile:")))


def test_untracked_cached_executions_are_dropped(tmp_path):
    """A cached execution without the build's record of its inputs (Sphinx's own, or an older
    build's) is removed before pages are matched; tracked ones stay."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(tmp_path / "cache"))
    for i, data in enumerate(({"execution_seconds": 1.0}, {"report": {"fingerprint": "f", "inputs": {}}})):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = {i}")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(tmp_path / f"p{i}.md"), data=data), check_validity=False)
    assert store.drop_untracked(cache) == 1
    assert [r.uri for r in cache.list_cache_records()] == [str(tmp_path / "p1.md")]
    assert store.drop_untracked(cache) == 0
