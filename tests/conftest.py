"""Shared fixtures: a writable copy of data/ for tests that break inputs on purpose."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
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


_COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", "__pycache__", ".pytest_cache", ".hypothesis",
                                      "ledger.json", "ledger.csv", ".jupyter_cache", "node_modules")

# The tests' own results store (in-process evaluations and `python -m analysis` subprocesses share
# it; a book build uses its own, inside its output folder), so a test never reads or fills the
# developer's _build/.
os.environ.setdefault("REPORT_STORE", tempfile.mkdtemp(prefix="report-test-store-"))


def build_book(source: Path, output: Path, jobs: int = 2, warm: bool = True) -> subprocess.CompletedProcess:
    """A strict build of the book at ``source`` into ``output``/_build/html, exactly as `make book`
    runs it (pages executed ``jobs`` at a time, then `jupyter-book build -n -W --keep-going`);
    ``warm=False``: every page in a fresh kernel instead of one forked from the kernel server."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(ROOT)])}
    env.pop("REPORT_STORE", None)
    env["REPORT_WARM_KERNELS"] = "1" if warm else "0"
    return subprocess.run([sys.executable, "-m", "analysis.report.store", "build", str(source),
                           "--path-output", str(output), "--jobs", str(jobs)],
                          capture_output=True, text=True, timeout=1200, env=env, cwd=source)


def copy_repository(target: Path) -> Path:
    """A copy of the working tree (with its git metadata, without the venv and build outputs)."""
    shutil.copytree(ROOT, target, ignore=_COPY_IGNORE)
    return target


def make(target: str, repo: Path) -> subprocess.CompletedProcess:
    """``make <target>`` in a copy of the repository, re-using this venv (VENV=...)."""
    venv = Path(sys.executable).parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "REPORT_STORE")}
    return subprocess.run(["make", "-s", target, f"VENV={venv}"], cwd=repo, capture_output=True, text=True,
                          timeout=1200, env=env)


def tree_digests(top: Path) -> dict[str, str]:
    """sha256 of every file under ``top``, by relative path (to compare two builds)."""
    return {p.relative_to(top).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(top.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The whole book, built once per test session as CI would (strict, from scratch, both cores)."""
    output = tmp_path_factory.mktemp("site")
    done = build_book(ROOT, output)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return output / "_build" / "html"


@pytest.fixture(scope="session")
def serial_build(tmp_path_factory) -> dict:
    """A second clean build, of a copy of the repository, executing one page at a time, each in a
    fresh kernel: the determinism test compares it with ``site`` (two at a time, in kernels forked
    from the kernel server); the rebuild tests then edit the copy's data. Returns the copy, the
    build log and the digests of its site as first built."""
    repo = copy_repository(tmp_path_factory.mktemp("serial") / "repo")
    done = build_book(repo, repo, jobs=1, warm=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    evaluations = repo / "_build" / ".report" / "results" / "evaluations.log"
    return {"repo": repo, "log": done.stdout, "digests": tree_digests(repo / "_build" / "html"),
            "evaluations": evaluations.read_text(encoding="utf-8") if evaluations.exists() else ""}
