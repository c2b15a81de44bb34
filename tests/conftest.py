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


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Edit a file in place, failing loudly when the text to replace is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
