"""The report's identity, stated once: version, title, author, date, commit and canonical URL.

Everything that cites the report -- CITATION.cff, the ledger JSON, every claim's cite box and
downloadable citation files, the Highwire ``citation_*`` tags, the intro, the provenance page,
the PDFs -- reads it from here, so a citation can always be traced to one version and commit.

- **Version**: calendar versioning (CalVer ``YYYY.MM.MICRO``, https://calver.org): the year
  and month of the release and a counter within the month. Raise it when the published
  verdicts, data or method change; the changelog page lists every verdict change by version.
- **Date**: the commit date of the checkout (``git log -1 --format=%cs``), never the wall
  clock, so two builds of one commit are identical (issue: deterministic builds).
- **Base URL**: ``html.baseurl`` in ``_config.yml``, overridden by the environment variable
  ``REPORT_BASE_URL`` (the CI workflow sets it to the repository's Pages address). Only
  http(s) addresses are accepted; when it is empty the site has no canonical address, and
  citations give the version and the page's path inside the site instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis.inputs import paths

REPORT_VERSION = "2026.12.0"
RELEASE_DATE = "2026-12-01"  # date-released of REPORT_VERSION in CITATION.cff (same year and month)
BASE_URL_VARIABLE = "REPORT_BASE_URL"
CONFIG = paths.ROOT / "_config.yml"

_CALVER = re.compile(r"^20\d\d\.(?:[1-9]|1[0-2])\.\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=4)
def _config(path: str = str(CONFIG)) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def report_title() -> str:
    """The report's title: ``title`` in ``_config.yml`` (what the site's header shows)."""
    return str(_config()["title"])


def report_author() -> str:
    """The report's author entity: ``author`` in ``_config.yml`` -- a named group (the
    project's contributors), never a person the project does not have."""
    return str(_config()["author"])


def normalise_base_url(value: str | None, origin: str = BASE_URL_VARIABLE) -> str:
    """'' for no canonical address, else the URL with one trailing slash. Raises ValueError for
    anything that is not an absolute http(s) address (file://, localhost, relative paths)."""
    value = (value or "").strip()
    if not value:
        return ""
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?", value):
        raise ValueError(f"{origin}: {value!r} is not an absolute http(s) URL")
    host = value.split("/")[2].split(":")[0].lower()
    if host in {"localhost", "127.0.0.1", "0.0.0.0"} or host.endswith(".localhost"):
        raise ValueError(f"{origin}: {value!r} points at this machine, not at a public address")
    return value.rstrip("/") + "/"


def resolve_base_url(configured: str) -> str:
    """The base URL a build uses: ``REPORT_BASE_URL`` when it is set (even to '', which means
    none), else the configured ``html.baseurl``."""
    if BASE_URL_VARIABLE in os.environ:
        return normalise_base_url(os.environ[BASE_URL_VARIABLE], BASE_URL_VARIABLE)
    return normalise_base_url(str(configured or ""), "_config.yml: html.baseurl")


def base_url() -> str:
    """The canonical base URL of the site ('' when none is configured)."""
    return resolve_base_url((_config().get("html") or {}).get("baseurl") or "")


def site_url(site_path: str) -> str | None:
    """The absolute address of a path inside the site ('book/claims/e1910.html#x'), or None
    when no base URL is configured."""
    base = base_url()
    return base + site_path.lstrip("/") if base else None


def _git(*args: str, root: Path = paths.ROOT) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


@lru_cache(maxsize=1)
def commit_date() -> str:
    """The commit date of HEAD as YYYY-MM-DD (the report's publication date); 'undated'
    outside a git checkout."""
    out = (_git("log", "-1", "--format=%cs") or "").strip()
    return out if _DATE.match(out) else "undated"


@dataclass(frozen=True)
class ReportIdentity:
    title: str
    author: str
    version: str
    commit: str   # 12 hex digits (or 'unknown')
    date: str     # YYYY-MM-DD of the commit
    base_url: str  # '' when none

    @property
    def year(self) -> str:
        return self.date[:4] if _DATE.match(self.date) else "n.d."


def identity() -> ReportIdentity:
    """Everything a citation of this build needs (the commit is the clean HEAD commit: a
    citation names a published commit, never '-dirty')."""
    from analysis.inputs.provenance import git_commit

    return ReportIdentity(title=report_title(), author=report_author(), version=REPORT_VERSION,
                          commit=git_commit(short=True, dirty=False), date=commit_date(), base_url=base_url())


def version_line() -> str:
    """One line for the intro and the provenance page: 'Version 2026.12.0 · commit
    0123456789ab · 2026-12-01'."""
    me = identity()
    return f"Version {me.version} · commit {me.commit} · {me.date}"



# --- The changelog: every change of an expected verdict, from the git history ----------------

CLAIMS_PATH = "data/claims.yaml"
UNCOMMITTED = "uncommitted"


@dataclass(frozen=True)
class VerdictChange:
    """One claim's expected value changing on one axis in one commit of data/claims.yaml.

    ``before`` is None when the claim first appears, ``after`` None when it is removed. The
    reason is the commit message: the README makes a changed expectation a reviewed decision
    whose reason is written there."""

    version: str
    commit: str
    date: str
    claim: str
    axis: str
    before: str | None
    after: str | None
    reason: str


def expected_values(text: str) -> dict[str, dict[str, str]]:
    """{claim id: {"citation": ..., "verdict": ...}} from the text of a claims.yaml (of any
    commit: entries without an id or an ``expected`` mapping are skipped, not guessed)."""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    out: dict[str, dict[str, str]] = {}
    for entry in (document.get("claims") or []) if isinstance(document, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("expected"), dict):
            out[entry["id"]] = {axis: str(entry["expected"][axis]) for axis in ("citation", "verdict")
                                if axis in entry["expected"]}
    return out


def version_at(commit: str, root: Path = paths.ROOT) -> str:
    """The report version in force at a commit: REPORT_VERSION in analysis/version.py there,
    else the ``version`` of its CITATION.cff (before this module existed), else 'unversioned'."""
    source = _git("show", f"{commit}:analysis/version.py", root=root)
    found = re.search(r'^REPORT_VERSION = "([^"]+)"', source or "", re.MULTILINE)
    if found:
        return found.group(1)
    cff = _git("show", f"{commit}:CITATION.cff", root=root)
    found = re.search(r"^version:\s*['\"]?([^'\"\s]+)", cff or "", re.MULTILINE)
    return found.group(1) if found else "unversioned"


def _message_of(commit: str, path: str, root: Path) -> str:
    """The reason of a first-parent commit: its message, or for a merge the messages of the
    merged commits that changed the file (the merge's own message says only 'Merge branch')."""
    parents = (_git("rev-list", "--parents", "-n", "1", commit, root=root) or "").split()[1:]
    if len(parents) > 1:
        merged = _git("log", "--format=%B%x1e", f"{parents[0]}..{commit}", "--no-merges", "--", path, root=root) or ""
        messages = [m.strip() for m in merged.split("\x1e") if m.strip()]
        if messages:
            return "\n\n".join(reversed(messages))
    return (_git("log", "-1", "--format=%B", commit, root=root) or "").strip()


def _diff(old: dict, new: dict, **where) -> list[VerdictChange]:
    changes = []
    for claim in list(new) + [c for c in old if c not in new]:
        for axis in ("citation", "verdict"):
            before, after = old.get(claim, {}).get(axis), new.get(claim, {}).get(axis)
            if before != after:
                changes.append(VerdictChange(claim=claim, axis=axis, before=before, after=after, **where))
    return changes


def verdict_changes(path: str = CLAIMS_PATH, root: Path = paths.ROOT) -> list[VerdictChange]:
    """Every change of an ``expected`` value in ``path`` along the main line of history
    (first parents, oldest first), then any uncommitted change in the working tree."""
    log = _git("log", "--first-parent", "--reverse", "--format=%H%x1f%cs", "--", path, root=root)
    if log is None:
        raise RuntimeError(f"{path}: no git history (the changelog is generated from it; "
                           "a shallow clone needs fetch-depth: 0)")
    changes: list[VerdictChange] = []
    previous: dict = {}
    for line in log.splitlines():
        commit, date = line.split("\x1f")
        current = expected_values(_git("show", f"{commit}:{path}", root=root) or "")
        changes += _diff(previous, current, version=version_at(commit, root), commit=commit[:12], date=date,
                         reason=_message_of(commit, path, root))
        previous = current
    working = Path(root) / path
    if working.exists():
        current = expected_values(working.read_text(encoding="utf-8"))
        changes += _diff(previous, current, version=REPORT_VERSION, commit=UNCOMMITTED, date=UNCOMMITTED,
                         reason="Changed in the working tree, not yet committed.")
    return changes


assert _CALVER.match(REPORT_VERSION), REPORT_VERSION
assert _DATE.match(RELEASE_DATE) and ([int(x) for x in RELEASE_DATE.split("-")[:2]]
                                     == [int(x) for x in REPORT_VERSION.split(".")[:2]]), RELEASE_DATE
