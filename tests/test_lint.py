"""The repository is ruff-clean under the configuration in pyproject.toml (issue 11), and the
check can fail: a file with a lint error is reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUFF = Path(sys.executable).parent / "ruff"


def ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), "check", "--no-cache", *args], cwd=cwd, capture_output=True, text=True)


def test_the_repository_is_ruff_clean():
    done = ruff(".")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_ruff_reports_a_broken_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bad.py").write_text("import os\n" + "x = '" + "y" * 130 + "'\n", encoding="utf-8")
    done = ruff(".", cwd=tmp_path)
    assert done.returncode == 1 and "F401" in done.stdout and "E501" in done.stdout
