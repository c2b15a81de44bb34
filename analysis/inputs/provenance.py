"""Build provenance: the commit, the package versions and the fingerprint of every data file."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from analysis.inputs import paths
from analysis.version import report_title

REPORT_TITLE = report_title()  # one place: `title` in _config.yml (analysis/version.py)
KEY_PACKAGES = ("jupyter-book", "myst-nb", "sphinx", "sphinxcontrib-bibtex", "numpy", "scipy", "pandas",
                "statsmodels", "matplotlib", "lifelines", "pandera", "PyYAML")


@lru_cache(maxsize=4)
def git_commit(short: bool = False, dirty: bool = True) -> str:
    """The commit the site is built from ('unknown' outside a git checkout); with ``dirty``,
    '-dirty' is appended when the working tree differs from it in tracked files."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                             check=True, timeout=10).stdout.strip()
        # the working tree is looked at only when asked: a page that only names the commit must not
        # depend on (and be re-executed for) every edit elsewhere in the tree
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                                 capture_output=True, text=True, timeout=10).stdout.strip() if dirty else ""
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    sha = sha[:12] if short else sha
    return f"{sha}-dirty" if dirty and changed else sha


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def data_fingerprints(data_dir: Path | str = paths.DATA) -> list[tuple[str, int, str]]:
    """(path relative to the repository, size in bytes, sha256) of every file under data/, sorted."""
    root = Path(data_dir)
    rows = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            name = str(path.relative_to(paths.ROOT))
        except ValueError:
            name = str(path)
        rows.append((name, path.stat().st_size, sha256(path)))
    return rows
