"""Shared fixtures: a writable copy of data/ for tests that break inputs on purpose."""

from __future__ import annotations

import contextlib
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


def _build_command(source: Path, output: Path, jobs: int, warm: bool) -> tuple[list[str], dict]:
    """The command and environment of a strict build of the book at ``source``, exactly as
    `make book` runs it (pages executed ``jobs`` at a time, then `jupyter-book build -n -W
    --keep-going`); ``warm=False``: every page in a fresh kernel instead of one forked from the
    kernel server."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(ROOT)])}
    env.pop("REPORT_STORE", None)
    env["REPORT_WARM_KERNELS"] = "1" if warm else "0"
    return [sys.executable, "-m", "analysis.report.store", "build", str(source), "--path-output", str(output),
            "--jobs", str(jobs)], env


def build_book(source: Path, output: Path, jobs: int = 2, warm: bool = True) -> subprocess.CompletedProcess:
    """A strict build of the book at ``source`` into ``output``/_build/html (``_build_command``)."""
    args, env = _build_command(source, output, jobs, warm)
    return subprocess.run(args, capture_output=True, text=True, timeout=1200, env=env, cwd=source)


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


# --------------------------------------------------------------------------------------------
# The two whole-book builds, started in the background when the first test runs, so that they
# use the core the other tests leave idle (most tests run on one core; the serial build uses
# one). The tests that need them run last (pytest_collection_modifyitems), by which time the
# builds have usually finished.
BUILD_FIXTURES = ("site", "serial_build")
_NEEDED = pytest.StashKey[set]()  # which of them this session's tests need


def _needed_builds(item) -> set[str]:
    needs = set(item.fixturenames) & set(BUILD_FIXTURES)
    if "built_site" in item.fixturenames and not os.environ.get("REPORT_SITE"):
        needs.add("site")  # the browser test's site, unless it is given an existing build
    return needs


def pytest_collection_modifyitems(session, config, items):
    """Every module with a test that needs a whole-book build runs after the other modules (in
    its own order), so the builds can run beside the other tests; note which builds are needed."""
    def module(item):
        return getattr(getattr(item, "module", None), "__name__", item.nodeid.split("::")[0])

    late = {module(item) for item in items if _needed_builds(item) or "built_site" in item.fixturenames}
    items.sort(key=lambda item: module(item) in late)  # stable: the order within each part is kept
    config.stash[_NEEDED] = set().union(*(_needed_builds(item) for item in items)) if items else set()


class _Background:
    """A build running beside the tests: ``result()`` waits for it and gives its CompletedProcess
    (its output and errors kept in two files of ``logs`` meanwhile)."""

    def __init__(self, args: list[str], logs: Path, **kwargs) -> None:
        self.args, self.logs = args, logs
        with open(logs / "stdout", "w", encoding="utf-8") as out, open(logs / "stderr", "w", encoding="utf-8") as err:
            self.process = subprocess.Popen(args, stdout=out, stderr=err, text=True, start_new_session=True,
                                            **kwargs)

    def result(self, timeout: float = 1200) -> subprocess.CompletedProcess:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        out, err = (self.logs / name for name in ("stdout", "stderr"))
        return subprocess.CompletedProcess(self.args, code, out.read_text(encoding="utf-8", errors="replace"),
                                           err.read_text(encoding="utf-8", errors="replace"))

    def stop(self) -> None:
        if self.process.poll() is None:
            import signal

            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_build(source: Path, output: Path, logs: Path, jobs: int = 2, warm: bool = True) -> _Background:
    """``build_book`` started in the background (its output and errors in ``logs``)."""
    args, env = _build_command(source, output, jobs, warm)
    return _Background(args, logs, env=env, cwd=source)


def _start_site(tmp_path_factory) -> tuple[Path, _Background]:
    output = tmp_path_factory.mktemp("site")
    return output, start_build(ROOT, output, tmp_path_factory.mktemp("site-log"))


def _start_serial(tmp_path_factory) -> tuple[Path, _Background]:
    repo = copy_repository(tmp_path_factory.mktemp("serial") / "repo")
    return repo, start_build(repo, repo, tmp_path_factory.mktemp("serial-log"), jobs=1, warm=False)


_STARTERS = {"site": _start_site, "serial_build": _start_serial}


@pytest.fixture(scope="session", autouse=True)
def _background_builds(request, tmp_path_factory):
    """The whole-book builds of this session, by fixture name: those its tests need are started
    as soon as the first test runs; a build asked for that was not foreseen starts when asked
    (``_build_of``). Every build still running at the end is stopped."""
    needed = request.config.stash.get(_NEEDED, set())
    started = {name: _STARTERS[name](tmp_path_factory) for name in BUILD_FIXTURES if name in needed}
    yield started
    for _, build in started.values():
        build.stop()


def _build_of(name: str, builds: dict, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Where the build ``name`` built and how it ended (waiting for it)."""
    if name not in builds:
        builds[name] = _STARTERS[name](tmp_path_factory)
    where, build = builds[name]
    return where, build.result()


@pytest.fixture(scope="session")
def site(_background_builds, tmp_path_factory) -> Path:
    """The whole book, built once per test session as CI would (strict, from scratch, both cores)."""
    output, done = _build_of("site", _background_builds, tmp_path_factory)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return output / "_build" / "html"


@pytest.fixture(scope="session")
def serial_build(_background_builds, tmp_path_factory) -> dict:
    """A second clean build, of a copy of the repository, executing one page at a time, each in a
    fresh kernel: the determinism test compares it with ``site`` (two at a time, in kernels forked
    from the kernel server); the rebuild tests then edit the copy's data. Returns the copy, the
    build log and the digests of its site as first built."""
    repo, done = _build_of("serial_build", _background_builds, tmp_path_factory)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    evaluations = repo / "_build" / ".report" / "results" / "evaluations.log"
    return {"repo": repo, "log": done.stdout, "digests": tree_digests(repo / "_build" / "html"),
            "evaluations": evaluations.read_text(encoding="utf-8") if evaluations.exists() else ""}
