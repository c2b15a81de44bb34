"""Measure the book's build times against an empty Jupyter Book with the same number of pages.

    .venv/bin/python benchmarks/build.py [--repeat N] [--jobs J]

In throw-away copies (re-using this venv; each copy its own git repository, so git status is
clean and nothing touches this checkout), median of N runs (default 3) of:
  1. a clean `make book` (every claim group evaluated, every page executed),
  2. a no-change `make book`,
  3. `make book` after changing one data row (data/trials/e1910.yaml: enrolled 488 -> 489),
  4. `python -m analysis verify` (the store warm from the builds),
and the same build steps for a generated book of as many pages, each a MyST notebook with one
trivial code cell (the first one reads data/row.txt), built by the same machinery
(`python -m analysis.report.store build`, same _config.yml). For the empty book step 3 changes
data/row.txt, so it is "a no-change rebuild plus one page".

Targets (issue 14; ratios on the 2-core development machine): clean build <= 1.5x the empty
book; one-data-row rebuild <= 1.3x the empty book's (no-change rebuild plus one page); verify
<= 1 s. Benchmarks, not tests: the machine's load changes every number.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent
IGNORE = shutil.ignore_patterns(".venv", "_build", "__pycache__", ".pytest_cache", ".hypothesis", "ledger.json",
                                "ledger.csv", ".git", "node_modules")
TARGETS = {"clean build": 1.5, "no-change rebuild": None, "one-data-row rebuild": 1.3}


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "REPORT_STORE", "REPORT_DATA_DIR")}


def git_repository(path: Path) -> None:
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "bench"]):
        subprocess.run(cmd, cwd=path, check=True, capture_output=True)


def make_book(repo: Path, jobs: int) -> float:
    return timed(["make", "-s", "book", f"VENV={VENV}", f"JOBS={jobs}"], repo, clean_env())


def build_empty(book: Path, jobs: int) -> float:
    env = {**clean_env(), "PYTHONPATH": f"{book}{os.pathsep}{ROOT}"}
    return timed([sys.executable, "-m", "analysis.report.store", "build", str(book), "--jobs", str(jobs)], book, env)


def empty_book(target: Path, pages: int) -> Path:
    """A book with the project's _config.yml, its extensions and `pages` one-cell notebooks."""
    (target / "book" / "_static").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", target / "_config.yml")
    shutil.copytree(ROOT / "book" / "_ext", target / "book" / "_ext")
    for static in ("favicon.png", "custom.css", "report.js"):
        if (ROOT / "book" / "_static" / static).exists():
            shutil.copy(ROOT / "book" / "_static" / static, target / "book" / "_static" / static)
    if (ROOT / "book" / "_static" / "mathjax").exists():
        shutil.copytree(ROOT / "book" / "_static" / "mathjax", target / "book" / "_static" / "mathjax")
    (target / "book" / "references.bib").write_text("@misc{X, title={x}, year={2000}}\n")
    (target / "data").mkdir()
    (target / "data" / "row.txt").write_text("1\n")
    head = ("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
            "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n")
    files = []
    for i in range(pages):
        cell = "x = open('../data/row.txt').read()" if i == 0 else f"x = {i}"
        (target / "book" / f"p{i}.md").write_text(head + f"# Page {i}\n\n```{{code-cell}} ipython3\n{cell}\n```\n")
        files.append(f"book/p{i}")
    (target / "_toc.yml").write_text("format: jb-book\nroot: " + files[0] + "\nchapters:\n"
                                     + "".join(f"  - file: {f}\n" for f in files[1:]))
    git_repository(target)
    return target


def page_count() -> int:
    return len(re.findall(r"file:\s*\S+", (ROOT / "_toc.yml").read_text())) + 1


def run(repeat: int, jobs: int) -> None:
    results: dict[str, dict[str, list[float]]] = {"report": {}, "empty": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for r in range(repeat):
            repo = tmp / f"repo{r}"
            shutil.copytree(ROOT, repo, ignore=IGNORE)
            git_repository(repo)
            mine = results["report"]
            mine.setdefault("clean build", []).append(make_book(repo, jobs))
            mine.setdefault("no-change rebuild", []).append(make_book(repo, jobs))
            data = repo / "data" / "trials" / "e1910.yaml"
            data.write_text(data.read_text().replace('printed: "488"', 'printed: "489"', 1))
            mine.setdefault("one-data-row rebuild", []).append(make_book(repo, jobs))
            mine.setdefault("verify", []).append(
                timed([str(VENV / "bin" / "python"), "-m", "analysis", "verify"], repo, clean_env()))
            empty = empty_book(tmp / f"empty{r}", page_count())
            base = results["empty"]
            base.setdefault("clean build", []).append(build_empty(empty, jobs))
            base.setdefault("no-change rebuild", []).append(build_empty(empty, jobs))
            (empty / "data" / "row.txt").write_text("2\n")
            base.setdefault("one-data-row rebuild", []).append(build_empty(empty, jobs))
            print(f"run {r + 1}/{repeat}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in mine.items()), flush=True)
    print(f"\npages: {page_count()}   jobs: {jobs}   runs: {repeat} (median seconds)   "
          f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'step':<22}{'report':>9}{'empty book':>12}{'ratio':>8}{'target':>9}  ok")
    for step in ("clean build", "no-change rebuild", "one-data-row rebuild", "verify"):
        mine = statistics.median(results["report"][step])
        base = statistics.median(results["empty"][step]) if step in results["empty"] else None
        ratio = mine / base if base else None
        target = TARGETS.get(step)
        if step == "verify":
            ok, shown = ("yes" if mine <= 1.0 else "NO"), "<= 1 s"
        else:
            ok = "" if target is None else ("yes" if ratio <= target else "NO")
            shown = f"<= {target}x" if target else "-"
        print(f"{step:<22}{mine:9.2f}{(f'{base:.2f}' if base else '-'):>12}{(f'{ratio:.2f}' if ratio else '-'):>8}"
              f"{shown:>9}  {ok}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    run(args.repeat, args.jobs)
