"""Shared fixtures: a writable copy of data/ for tests that break inputs on purpose."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A fresh copy of the repository's data/ directory to modify."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


def run_cli(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m analysis ...`` as a user would (optionally on another data directory)."""
    env = dict(os.environ)
    if data_dir is not None:
        env["REPORT_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def replace_in_claim(path: Path, claim_id: str, old: str, new: str) -> None:
    """Edit one claim's entry in a claims.yaml (the first occurrence after its `- id:` line)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {claim_id}\n")
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Edit a file in place, failing loudly when the text to replace is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
STRICT = ["--all", "-n", "-W", "--keep-going"]
_COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", "__pycache__", ".pytest_cache", ".hypothesis",
                                      "ledger.json", "ledger.csv", ".jupyter_cache")


def build_book(source: Path, output: Path) -> subprocess.CompletedProcess:
    """A strict, from-scratch build of the book at ``source`` into ``output``/_build/html."""
    env = {**os.environ, "PYTHONPATH": str(source)}  # the pages import this checkout's package
    return subprocess.run([str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output), *STRICT],
                          capture_output=True, text=True, timeout=900, env=env)


def copy_repository(target: Path) -> Path:
    """A copy of the working tree (with its git metadata, without the venv and build outputs)."""
    shutil.copytree(ROOT, target, ignore=_COPY_IGNORE)
    return target


def make(target: str, repo: Path) -> subprocess.CompletedProcess:
    """``make <target>`` in a copy of the repository, re-using this venv (VENV=...)."""
    venv = Path(sys.executable).parent.parent
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(["make", "-s", target, f"VENV={venv}"], cwd=repo, capture_output=True, text=True,
                          timeout=900, env=env)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The whole book, built once per test session exactly as CI would (strict, from scratch)."""
    output = tmp_path_factory.mktemp("site")
    done = build_book(ROOT, output)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return output / "_build" / "html"


@pytest.fixture(scope="session")
def made_copy(tmp_path_factory) -> Path:
    """A copy of the repository on which `make book` has run once (a clean first build)."""
    repo = copy_repository(tmp_path_factory.mktemp("made") / "repo")
    done = make("book", repo)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return repo
