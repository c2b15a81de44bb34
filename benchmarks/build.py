"""Measure the book's build times against an empty Jupyter Book with the same number of pages.

    .venv/bin/python benchmarks/build.py [--repeat N]

Measures, in a throw-away copy of the repository (re-using this venv):
  1. a clean `make book` (everything executed),
  2. a no-change `make book`,
  3. `make book` after changing one data row (data/trials/e1910.yaml: enrolled 488 -> 489),
  4. `python -m analysis verify`,
and the same build steps for a generated book of as many pages, each a MyST notebook with one
trivial code cell, built with the same configuration. Prints a table with the overhead ratio.
Targets on the 2-core development machine: clean build < 60 s, no-change rebuild < 10 s,
verify < 3 s.
"""

from __future__ import annotations

import argparse
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
                                "ledger.csv")


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def make_book(repo: Path) -> float:
    return timed(["make", "-s", "book", f"VENV={VENV}"], repo)


def empty_book(target: Path, pages: int) -> Path:
    """A book with the project's _config.yml, _toc.yml shape and `pages` trivial notebooks."""
    (target / "book" / "_static").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", target / "_config.yml")
    shutil.copy(ROOT / "Makefile", target / "Makefile")
    shutil.copytree(ROOT / "book" / "_ext", target / "book" / "_ext")
    shutil.copy(ROOT / "book" / "_static" / "favicon.png", target / "book" / "_static" / "favicon.png")
    (target / "book" / "references.bib").write_text("@misc{X, title={x}, year={2000}}\n")
    (target / "analysis").mkdir()
    (target / "data").mkdir()
    (target / "data" / "row.txt").write_text("1\n")
    for name in ("requirements.txt", "constraints.txt"):
        shutil.copy(ROOT / name, target / name)
    head = ("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
            "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n")
    files = []
    for i in range(pages):
        (target / "book" / f"p{i}.md").write_text(head + f"# Page {i}\n\n```{{code-cell}} ipython3\nx = {i}\n```\n")
        files.append(f"book/p{i}")
    (target / "_toc.yml").write_text("format: jb-book\nroot: " + files[0] + "\nchapters:\n"
                                     + "".join(f"  - file: {f}\n" for f in files[1:]))
    subprocess.run(["git", "init", "-q"], cwd=target)
    return target


def page_count() -> int:
    return len(re.findall(r"file:\s*\S+", (ROOT / "_toc.yml").read_text())) + 1


def run(repeat: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = {"report": {}, "empty": {}}
        for r in range(repeat):
            repo = tmp / f"repo{r}"
            shutil.copytree(ROOT, repo, ignore=IGNORE)
            results["report"].setdefault("clean build", []).append(make_book(repo))
            results["report"].setdefault("no-change rebuild", []).append(make_book(repo))
            data = repo / "data" / "trials" / "e1910.yaml"
            data.write_text(data.read_text().replace('printed: "488"', 'printed: "489"', 1))
            results["report"].setdefault("one-data-row rebuild", []).append(make_book(repo))
            results["report"].setdefault("verify", []).append(
                timed([sys.executable, "-m", "analysis", "verify"], ROOT))
            empty = empty_book(tmp / f"empty{r}", page_count())
            results["empty"].setdefault("clean build", []).append(make_book(empty))
            results["empty"].setdefault("no-change rebuild", []).append(make_book(empty))
            (empty / "data" / "row.txt").write_text("2\n")
            results["empty"].setdefault("one-data-row rebuild", []).append(make_book(empty))
        targets = {"clean build": 60, "no-change rebuild": 10, "one-data-row rebuild": None, "verify": 3}
        for step, target in targets.items():
            mine = statistics.median(results["report"][step])
            base = statistics.median(results["empty"][step]) if step in results["empty"] else None
            rows.append((step, mine, base, mine / base if base else None, target))
    print(f"pages: {page_count()}   repeats: {repeat}   (median seconds)")
    print(f"{'step':<22}{'report':>9}{'empty book':>12}{'ratio':>8}{'target':>9}  ok")
    for step, mine, base, ratio, target in rows:
        ok = "" if target is None else ("yes" if mine < target else "NO")
        print(f"{step:<22}{mine:9.2f}{(f'{base:.2f}' if base else '-'):>12}{(f'{ratio:.2f}' if ratio else '-'):>8}"
              f"{(f'< {target}' if target else '-'):>9}  {ok}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    run(parser.parse_args().repeat)
