"""The report's identity (version, date, base URL) and the changelog generated from git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from analysis import version
from analysis.inputs import paths


def test_version_is_calver_and_one_place():
    assert version._CALVER.match(version.REPORT_VERSION)
    cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == version.REPORT_VERSION


@pytest.mark.parametrize("value, expected", [
    ("", ""), ("  ", ""), ("https://example.org/report", "https://example.org/report/"),
    ("https://owner.github.io/repo/", "https://owner.github.io/repo/"), ("http://example.org", "http://example.org/"),
])
def test_base_url_normalised(value, expected):
    assert version.normalise_base_url(value) == expected


@pytest.mark.parametrize("value", ["file:///tmp/site", "http://localhost:8000/", "http://127.0.0.1/x",
                                   "javascript:alert(1)", "//example.org/", "example.org", "https://exa mple.org/",
                                   'https://example.org/"><script>'])
def test_base_url_rejects_local_and_unsafe_addresses(value):
    with pytest.raises(ValueError, match="REPORT_BASE_URL"):
        version.normalise_base_url(value)


def test_environment_overrides_config(monkeypatch):
    monkeypatch.setenv("REPORT_BASE_URL", "https://reviewer.example.org/recheck")
    assert version.base_url() == "https://reviewer.example.org/recheck/"
    assert version.site_url("book/claims/e1910.html#x") == "https://reviewer.example.org/recheck/book/claims/e1910.html#x"
    monkeypatch.setenv("REPORT_BASE_URL", "")
    assert version.base_url() == "" and version.site_url("book/intro.html") is None


def test_date_is_the_commit_date_not_the_clock():
    out = subprocess.run(["git", "log", "-1", "--format=%cs"], cwd=paths.ROOT, capture_output=True,
                         text=True).stdout.strip()
    assert version.commit_date() == out


def test_identity_names_a_group_not_a_person():
    me = version.identity()
    assert me.author == "The report's contributors"
    assert me.version == version.REPORT_VERSION and len(me.commit) == 12 and me.year == me.date[:4]
    assert me.commit in version.version_line() and me.version in version.version_line()


# --- changelog --------------------------------------------------------------------------

def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "2026-01-02T00:00:00Z",
                        "GIT_COMMITTER_DATE": "2026-01-02T00:00:00Z", "PATH": "/usr/bin:/bin"})


def _claims(**expected) -> str:
    entries = "".join(f"  - id: {cid}\n    expected: {{citation: {c}, verdict: {v}}}\n" for cid,
                      (c, v) in expected.items())
    return "claims:\n" + entries


@pytest.fixture
def history(tmp_path):
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "CITATION.cff").write_text("version: 0.1.0\n")
    (root / "data" / "claims.yaml").write_text(_claims(a=("pending", "pending")))
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "Register claim a")
    (root / "analysis").mkdir()
    (root / "analysis" / "version.py").write_text('REPORT_VERSION = "2026.1.0"\n')
    (root / "data" / "claims.yaml").write_text(_claims(a=("supported", "consistent"), b=("pending", "pending")))
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "Evaluator for a: the trial report prints it\n\nBody line.")
    return root


def test_changelog_lists_each_change_with_version_and_reason(history):
    changes = version.verdict_changes(root=history)
    rows = [(c.version, c.claim, c.axis, c.before, c.after) for c in changes]
    assert rows == [
        ("0.1.0", "a", "citation", None, "pending"), ("0.1.0", "a", "verdict", None, "pending"),
        ("2026.1.0", "a", "citation", "pending", "supported"), ("2026.1.0", "a", "verdict", "pending", "consistent"),
        ("2026.1.0", "b", "citation", None, "pending"), ("2026.1.0", "b", "verdict", None, "pending"),
    ]
    assert changes[2].reason == "Evaluator for a: the trial report prints it\n\nBody line."
    assert changes[2].date == "2026-01-02" and len(changes[2].commit) == 12


def test_changelog_sees_uncommitted_changes_and_removed_claims(history):
    (history / "data" / "claims.yaml").write_text(_claims(a=("supported", "discrepant")))
    changes = [c for c in version.verdict_changes(root=history) if c.commit == version.UNCOMMITTED]
    assert [(c.claim, c.axis, c.before, c.after) for c in changes] == [
        ("a", "verdict", "consistent", "discrepant"), ("b", "citation", "pending", None), ("b",
                                                                                           "verdict", "pending", None)]


def test_changelog_ends_at_the_current_expected_values():
    """Replaying the changelog gives exactly data/claims.yaml's expected values today."""
    state: dict = {}
    for change in version.verdict_changes():
        if change.after is None:
            state.setdefault(change.claim, {}).pop(change.axis, None)
        else:
            state.setdefault(change.claim, {})[change.axis] = change.after
    state = {k: v for k, v in state.items() if v}
    current = version.expected_values(paths.CLAIMS.read_text(encoding="utf-8"))
    assert state == current


def test_changelog_without_history_says_so(tmp_path):
    with pytest.raises(RuntimeError, match="no git history"):
        version.verdict_changes(root=tmp_path)


def test_ledger_json_names_the_version():
    from analysis.inputs.files import load_claims
    from analysis.report.ledger import build_ledger, ledger_json

    ledger = build_ledger([], load_claims())
    assert ledger["version"] == version.REPORT_VERSION
    assert f'"version": "{version.REPORT_VERSION}"' in ledger_json(ledger)
