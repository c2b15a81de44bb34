"""Results computed once per build, the inputs every page read, and the build that uses both.

Why: every claim page, the ledger, the introduction and ``python -m analysis verify`` show the
same numbers, so they must come from one evaluation per set of inputs, not one per page (issue
14); and a page may be re-used from an earlier build only when nothing it read has changed since,
so a page is never stale (issue 11, item 7).

Three parts, used in this order by ``python -m analysis.report.store build``:

1. **Fingerprints.** ``build_fingerprint()`` hashes what every page and every result depends on:
   the package (every file under ``analysis/``), the pins, ``_config.yml``, ``_toc.yml``, the
   bibliography, the Python and library versions, every ``REPORT_*`` setting in the environment
   (``REPORT_DATA_DIR``, ``REPORT_BASE_URL``, ...), the data directory's location and the *names* of
   its files (an added, removed or renamed file changes it; symlinks are followed and their targets
   named; names with spaces are ordinary names).
   Content is hashed (sha256), never size or modification time.
2. **Read tracking.** An audit hook (PEP 578: ``sys.addaudithook``) records every file opened,
   every directory listed and every command run while a page executes or a claim group is
   evaluated — one hook at one place, so the loaders need no change. A page's record is the set of
   inputs it read, each with its sha256; it may be re-used only while every one still matches.
   A write into the source tree is recorded too (executing a page must never write there).
3. **The results store.** ``results()`` returns the claim results for the current inputs: each
   claim group's results are loaded from ``<build>/.report/`` when the group's recorded inputs are
   unchanged, and otherwise evaluated (recording what the evaluator read) and stored. Entries are
   keyed on the build fingerprint *and* the digests of the group's inputs, so an entry written
   against other inputs — including by a build that failed or was killed — is never read back.
   The registry's ``evaluate_group`` / ``evaluate_all`` read through it, so every page and
   ``verify`` show identical numbers.

``build`` then executes the notebooks whose records are missing or out of date, two at a time
(``--jobs``; in kernels forked from ``analysis.report.kernels``' warm server when there are more
pages than jobs), fills jupyter-cache with the executed notebooks (each record carries the inputs
it read), makes Sphinx re-read exactly those pages (their doctrees are removed) and runs the
strict ``jupyter-book build`` with Sphinx using the same number of processes; Sphinx itself
executes nothing. After Sphinx succeeds it writes the
ledger JSON/CSV into the site's ``_static/`` (never into the source tree).

References: PEP 578 (audit hooks); jupyter-cache (https://jupyter-cache.readthedocs.io);
Sphinx's environment re-reads a document whose doctree is missing
(``BuildEnvironment.get_outdated_files``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from analysis.inputs import paths

ROOT = paths.ROOT
GLOBAL_FILES = ("requirements.txt", "constraints.txt", "_config.yml", "_toc.yml", "book/references.bib")
PACKAGE_DIRS = ("analysis",)
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}
# Outside the inputs: the venv, git's own files, build outputs, the package (in the build fingerprint).
NOT_INPUTS = (".venv", ".git", "_build", "analysis", "node_modules")
LEGACY_WRITES: tuple[str, ...] = ()   # no page writes into the source tree
READ_ONLY_GIT = {"rev-parse", "rev-list", "status", "describe", "log", "show", "ls-files", "ls-tree", "cat-file",
                 "diff", "merge-base", "for-each-ref"}  # re-run to compare: they read, never write
KEEP_NAMESPACES = 4
#: The stored entry holding the input validation's problem lines (``Store.validation``).
VALIDATION = "validation"
# The build's own variables (where it writes, how many jobs, which kernels): how it runs, not
# what it shows, so never part of the fingerprint.
BUILD_VARIABLES = {"REPORT_STORE", "REPORT_SOURCE", "REPORT_READS_LOG", "REPORT_JOBS", "REPORT_WARM_KERNELS",
                   "REPORT_KERNEL_SERVER"}
STORE_FORMAT = 1


# --------------------------------------------------------------------------------------------
# fingerprints


def _walk_files(top: Path) -> list[Path]:
    """Every file under ``top`` (symlinks followed, each real directory once), sorted by name."""
    found: list[Path] = []
    seen: set[str] = set()
    for here, dirs, files in os.walk(top, followlinks=True):
        real = os.path.realpath(here)
        if real in seen:  # a symlink loop
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(here) / f for f in files if not f.endswith(".pyc"))
    return sorted(found, key=lambda p: p.as_posix())


_DIGESTS: dict[tuple, str] = {}


def file_digest(path: Path | str) -> str:
    """sha256 of a file's content (symlinks followed, the link's target named); 'missing' if absent.

    Memoised in this process on (path, inode, size, mtime) only to avoid re-hashing an unchanged
    file; what is compared between builds is always the content hash."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    if not os.path.isfile(path):
        return "not-a-file"
    link = os.readlink(path) if os.path.islink(path) else ""
    key = (path, link, st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                h.update(block)
        _DIGESTS[key] = (f"link:{link}:" if link else "") + h.hexdigest()
    return _DIGESTS[key]


def _listing(top: Path) -> list[str]:
    rows = []
    for path in _walk_files(top):
        rel = path.relative_to(top).as_posix()
        rows.append(f"{rel} -> {os.readlink(path)}" if path.is_symlink() else rel)
    return rows


def _library_versions() -> list[str]:
    """The installed distributions (name-version, from the ``*.dist-info`` folder names of every
    site directory on ``sys.path``): a library upgraded in the venv changes the fingerprint even
    when the pins did not."""
    found = set()
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            found.update(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
    return sorted(found)


def build_fingerprint(root: Path = ROOT, data_dir: Path | None = None) -> str:
    """sha256 of everything every page depends on (see the module docstring)."""
    data_dir = Path(data_dir or paths.DATA)
    h = hashlib.sha256()

    def add(*parts: str) -> None:
        h.update(("\x1f".join(parts) + "\n").encode("utf-8", "surrogateescape"))

    add("format", str(STORE_FORMAT))
    add("python", sys.version)
    for line in _library_versions():
        add("library", line)
    for name in PACKAGE_DIRS:
        for path in _walk_files(root / name):
            add("package", path.relative_to(root).as_posix(), file_digest(path))
    for name in GLOBAL_FILES:
        add("file", name, file_digest(root / name))
    for name in sorted(os.environ):  # the report's settings (REPORT_DATA_DIR, REPORT_BASE_URL, ...)
        if (name.startswith("REPORT_") and name not in BUILD_VARIABLES) or name == "SOURCE_DATE_EPOCH":
            add("environment", name, os.environ[name])
    add("data-dir", str(data_dir))
    for row in _listing(data_dir) if data_dir.is_dir() else ["<no data directory>"]:
        add("data-name", row)
    return h.hexdigest()


def data_snapshot(data_dir: Path | None = None) -> dict[str, str]:
    """Digest of every file under the data directory (what a build starts from)."""
    data_dir = Path(data_dir or paths.DATA)
    return {os.path.abspath(p): file_digest(p) for p in _walk_files(data_dir)} if data_dir.is_dir() else {}


def input_digest(key: str) -> str:
    """The current digest of one recorded input: a file path, ``dir:<path>`` (its listing),
    ``cmd:<json argv and cwd>`` (a read-only git command's output) or ``volatile:<why>``
    (never equal: the page is re-executed every build)."""
    if key.startswith("dir:"):
        try:  # build outputs and caches beside the inputs are not part of a listing
            names = sorted(n for n in os.listdir(key[4:]) if n not in SKIP_DIRS and n not in NOT_INPUTS)
        except OSError:
            return "missing"
        return hashlib.sha256("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest()
    if key.startswith("cmd:"):
        argv, cwd = json.loads(key[4:])
        try:
            done = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"failed:{type(exc).__name__}"
        return hashlib.sha256(done.stdout + b"\0" + str(done.returncode).encode()).hexdigest()
    if key.startswith("volatile:"):
        return f"volatile:{time.time_ns()}"
    return file_digest(key)


def unchanged(recorded: dict[str, str]) -> bool:
    return all(input_digest(key) == digest for key, digest in recorded.items())


# --------------------------------------------------------------------------------------------
# read tracking


class Reads:
    """What one page or one evaluation read (input keys) and wrote (paths)."""

    def __init__(self) -> None:
        self.inputs: set[str] = set()
        self.writes: set[str] = set()

    def digests(self) -> dict[str, str]:
        return {key: input_digest(key) for key in sorted(self.inputs)}


class _Tracker:
    """The process-wide audit hook and the collectors it feeds (installed once, never removed)."""

    def __init__(self) -> None:
        self.collectors: list[Reads] = []
        self.log = None
        self.installed = False
        self.roots: list[str] = []
        self.excluded: list[str] = []

    def configure(self) -> None:
        sources = {os.path.abspath(ROOT), os.path.realpath(ROOT)}
        extra = os.environ.get("REPORT_SOURCE")
        if extra:
            sources |= {os.path.abspath(extra), os.path.realpath(extra)}
        data = {os.path.abspath(paths.DATA), os.path.realpath(paths.DATA)}
        self.roots = sorted(sources | data)
        self.excluded = sorted({os.path.join(s, name) for s in sources for name in NOT_INPUTS} - data)
        store = os.environ.get("REPORT_STORE")
        if store:
            self.excluded.append(os.path.abspath(store))

    def install(self) -> None:
        if not self.installed:
            self.configure()
            sys.addaudithook(self._audit)
            self.installed = True

    @staticmethod
    def _under(path: str, tops: Iterable[str]) -> bool:
        return any(path == top or path.startswith(top + os.sep) for top in tops)

    def _relevant(self, path: str) -> bool:
        if "__pycache__" in path or path.endswith(".pyc"):
            return False
        return self._under(path, self.roots) and not self._under(path, self.excluded)

    def record(self, kind: str, key: str) -> None:
        for collector in self.collectors:
            (collector.writes if kind == "write" else collector.inputs).add(key)
        if self.log is not None:
            self.log.write(json.dumps({kind: key}) + "\n")

    def _audit(self, event: str, args: tuple) -> None:
        if not self.collectors and self.log is None:
            return
        try:
            if event == "open":
                target, mode, flags = args
                if isinstance(target, int) or target is None:
                    return
                path = os.path.abspath(os.fsdecode(target))
                if not self._relevant(path):
                    return
                writing = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND)) if flags else \
                    any(c in str(mode or "") for c in "wax+")
                if writing:
                    self.record("write", path)
                elif not os.path.isdir(path):
                    self.record("read", path)
            elif event in ("os.listdir", "os.scandir"):
                target = args[0] if args and args[0] is not None else "."
                if isinstance(target, int) or _from_import_system():
                    return
                path = os.path.abspath(os.fsdecode(target))
                if self._relevant(path):
                    self.record("read", f"dir:{path}")
            elif event == "subprocess.Popen":
                executable, argv, cwd, _env = args
                argv = [os.fsdecode(a) for a in (argv if isinstance(argv, (list, tuple)) else [argv])]
                if Path(argv[0]).name == "git" and len(argv) > 1 and argv[1] in READ_ONLY_GIT:
                    self.record("read", "cmd:" + json.dumps([argv, os.fsdecode(cwd or os.getcwd())]))
                else:
                    self.record("read", "volatile:ran " + " ".join(argv)[:200])
        except Exception as exc:  # never break the program being observed; never trust its record
            self.record("read", f"volatile:tracking failed: {type(exc).__name__}")


_TRACKER = _Tracker()


def _from_import_system() -> bool:
    """Whether the running listdir/scandir is the import system caching a sys.path folder
    (not a page reading a directory)."""
    frame = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


class recording:
    """``with recording() as reads:`` collects what the block reads (nested blocks all see it)."""

    def __enter__(self) -> Reads:
        _TRACKER.install()
        self.reads = Reads()
        _TRACKER.collectors.append(self.reads)
        return self.reads

    def __exit__(self, *exc) -> None:
        _TRACKER.collectors.remove(self.reads)


def record_read(key: str) -> None:
    """Record that the running page or evaluation depends on ``key`` (a path or an input key);
    for readers the audit hook cannot see."""
    if _TRACKER.installed:
        _TRACKER.record("read", key if ":" in key[:9] else os.path.abspath(key))


def track_reads(log_path: str | None = None) -> None:
    """Start logging this process's reads to ``log_path`` (default ``$REPORT_READS_LOG``) — run in
    each page's kernel at start-up by the build. The first line says tracking started, so a page
    whose log lacks it is never re-used."""
    log_path = log_path or os.environ.get("REPORT_READS_LOG")
    if not log_path:
        return
    _TRACKER.install()
    _TRACKER.log = open(log_path, "a", buffering=1, encoding="utf-8")
    _TRACKER.log.write(json.dumps({"started": os.getpid()}) + "\n")


def read_log(log_path: Path) -> Reads | None:
    """The reads a page's kernel logged, or None when tracking never started."""
    reads = Reads()
    started = False
    try:
        lines = log_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        entry = json.loads(line)
        started = started or "started" in entry
        if "read" in entry:
            reads.inputs.add(entry["read"])
        if "write" in entry:
            reads.writes.add(entry["write"])
    return reads if started else None


def _clear_package_caches() -> None:
    """Empty every functools cache of the package, so an evaluation reads (and records) its files
    instead of re-using what an earlier evaluation in this process loaded."""
    for name, module in list(sys.modules.items()):
        if name == "analysis" or name.startswith("analysis."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()


# --------------------------------------------------------------------------------------------
# the results store


def store_dir() -> Path:
    """Where results are stored: ``$REPORT_STORE`` (set by the build) or ``_build/.report/results``."""
    return Path(os.environ.get("REPORT_STORE") or ROOT / "_build" / ".report" / "results")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


class Store:
    """Values computed from the inputs, for one build fingerprint: each claim group's results,
    the catalogue of groups, the published ledger, the validation report.

    ``<dir>/<fingerprint[:16]>/<name>.json`` lists the stored computations of ``name``, newest
    first, each with the digest of every input it read and the pickle holding its value (named by
    the hash of both). A lookup returns a value only when every recorded input still has its
    digest, so a value computed against other inputs — by a build that failed, was killed, or ran
    on another data directory — is never returned."""

    def __init__(self, directory: Path | None = None, fingerprint: str | None = None) -> None:
        self.directory = Path(directory or store_dir())
        self.fingerprint = fingerprint or build_fingerprint()
        self.namespace = self.directory / self.fingerprint[:16]
        self._memo: dict[str, object] = {}

    def _index(self, name: str) -> list[dict]:
        try:
            index = json.loads((self.namespace / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return index if isinstance(index, list) else []

    def entry(self, name: str) -> dict | None:
        """The stored computation of ``name`` valid for the current inputs (not loaded), or None."""
        for entry in self._index(name):
            if (entry.get("fingerprint") == self.fingerprint and (self.namespace / entry.get("value", "-")).is_file()
                    and unchanged(entry.get("inputs", {}))):
                return entry
        return None

    def _load(self, entry: dict):
        if entry["value"] not in self._memo:
            self._memo[entry["value"]] = pickle.loads((self.namespace / entry["value"]).read_bytes())
        return self._memo[entry["value"]]

    def save(self, name: str, value, inputs: dict[str, str], seconds: float) -> dict:
        key = hashlib.sha256(json.dumps([self.fingerprint, name, inputs], sort_keys=True).encode()).hexdigest()
        entry = {"fingerprint": self.fingerprint, "inputs": inputs, "value": f"{name}-{key[:24]}.pickle",
                 "seconds": round(seconds, 3)}
        _atomic_write(self.namespace / entry["value"], pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        entries = [entry] + [e for e in self._index(name) if e.get("value") != entry["value"]][:3]
        _atomic_write(self.namespace / f"{name}.json", json.dumps(entries, indent=1, sort_keys=True).encode())
        self._memo[entry["value"]] = value
        if name.startswith("group-"):
            note_evaluation(name, entry["seconds"], self.directory)
        self._prune()
        return entry

    def _prune(self) -> None:
        """Keep the most recently used namespaces (other data directories, other package states)."""
        try:
            spaces = sorted((p for p in self.directory.iterdir() if p.is_dir() and len(p.name) == 16),
                            key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for old in spaces[KEEP_NAMESPACES:]:
            if old != self.namespace:
                shutil.rmtree(old, ignore_errors=True)

    def computed(self, name: str, compute):
        """``compute()``'s value for the current inputs: stored, or computed now (recording what
        it reads, with the package's caches emptied first) and stored. What it read is recorded
        as read by the caller too, so a page depends on the inputs of every value it shows."""
        entry = self.entry(name)
        if entry is not None:
            try:
                value = self._load(entry)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                entry = None
        if entry is None:
            _clear_package_caches()
            start = time.perf_counter()
            with recording() as reads:
                value = compute()
            entry = self.save(name, value, reads.digests(), time.perf_counter() - start)
        for key in entry["inputs"]:
            record_read(key)
        return value

    # -- what the pages and verify ask for
    def group_names(self) -> list[str]:
        """The claim groups the package declares (a function of the package alone)."""
        def catalogue():
            from analysis.claims.registry import groups

            return sorted(groups())
        return self.computed("catalogue", catalogue)

    def group(self, name: str) -> dict:
        """``{"order": [claim ids in reading order], "results": {id: ClaimResult}}`` of one group."""
        return self.computed(f"group-{name}", lambda: _evaluate_group_payload(name))

    def value(self, name: str):
        """One of the ``DERIVED`` values (computed once per build like the groups, read by pages)."""
        return self.computed(name, _derived(name))

    def precompute(self, jobs: int = 2) -> dict[str, float]:
        """Evaluate every group and ``DERIVED`` value not stored for these inputs, ``jobs`` at a
        time in forked processes (each starts with the package's caches empty), then the ledger;
        returns seconds per evaluated group."""
        missing = [n for n in self.group_names() if self.entry(f"group-{n}") is None]
        derived = [n for n in DERIVED if self.entry(n) is None]
        # the input validation `verify` starts with is stored here too, beside the groups, so the
        # first `verify` after a build reads it instead of re-validating every file
        validate = self.entry(VALIDATION) is None
        tasks = [f"group-{n}" for n in missing] + derived + ([VALIDATION] if validate else [])  # entry names
        if len(tasks) > 1 and jobs > 1 and hasattr(os, "fork"):
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from analysis.claims.registry import groups

            groups()  # the evaluator modules are imported once, before forking

            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                for name, value, inputs, secs in pool.map(_evaluate_in_child, tasks):
                    self.save(name, value, inputs, secs)
        else:
            for name in missing:
                self.group(name)
            for name in derived:
                self.value(name)
            if validate:
                self.validation(_validation_lines)
        # the published ledger too, here where the results are in memory: Sphinx's metadata (the
        # ClaimReview of each claim page) and the site's ledger.json read it as JSON
        self.ledger_files()
        return {n: self.entry(f"group-{n}")["seconds"] for n in missing}

    def ledger_files(self) -> dict[str, str]:
        """The published ledger, ``{"ledger.json": ..., "ledger.csv": ...}``, from the stored results."""
        def publish():
            from analysis.inputs.files import load_claims
            from analysis.report.ledger import build_ledger, ledger_checks_csv, ledger_csv, ledger_json

            ledger = build_ledger(Results(self).all(), load_claims())
            return {"ledger.json": ledger_json(ledger), "ledger.csv": ledger_csv(ledger),
                    "ledger-checks.csv": ledger_checks_csv(ledger)}
        return self.computed("ledger", publish)

    def ledger(self) -> dict:
        """The ledger document (what ``verify --json`` prints), from the stored results."""
        return json.loads(self.ledger_files()["ledger.json"])

    def validation(self, validate) -> list[str]:
        """``validate()``'s problem lines (e.g. ``analysis.inputs.validate.validate_all``) for the
        current inputs, stored like any other value (validation reads only inputs)."""
        return self.computed(VALIDATION, lambda: [str(p) for p in validate()])


def note_evaluation(name: str, seconds: float = 0.0, directory: Path | None = None) -> None:
    """One line per claim-group evaluation in ``<store>/evaluations.log`` (the build's tests count
    them: each group once per build, none evaluated outside the store)."""
    directory = Path(directory or store_dir())
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "evaluations.log", "a", encoding="utf-8") as log:
        log.write(f"{name} {seconds:.3f} {os.getpid()}\n")


def _evaluate_group_payload(name: str) -> dict:
    """Evaluate one claim group from the files."""
    from analysis.claims.registry import _evaluate_group, groups
    from analysis.inputs.files import load_claims

    claims = load_claims()
    results = _evaluate_group(groups()[name], claims)
    return {"order": [cid for cid in claims.ids() if cid in results], "results": results}


def _validation_lines() -> list[str]:
    from analysis.inputs.validate import validate_errors

    return [str(p) for p in validate_errors()]


#: Values a page shows that take more than a moment to compute, computed once per build beside
#: the claim groups (``precompute``) and read by the page (``Store.value``): name -> the function,
#: as "module:function" (imported only when it is computed).
DERIVED = {"metafor-agreement": "analysis.report.pages.methods_meta_analysis:agreement"}


def _derived(name: str):
    import importlib

    module, function = DERIVED[name].split(":")
    return getattr(importlib.import_module(module), function)


def _evaluate_in_child(name: str):
    """The value of one store entry (``group-<name>``, a ``DERIVED`` name or ``VALIDATION``), what
    computing it read, and how long it took (in a forked worker of ``Store.precompute``)."""
    _clear_package_caches()
    start = time.perf_counter()
    with recording() as reads:
        if name == VALIDATION:
            value = _validation_lines()
        elif name in DERIVED:
            value = _derived(name)()
        else:
            value = _evaluate_group_payload(name.removeprefix("group-"))
    return name, value, reads.digests(), time.perf_counter() - start


_STORES: dict[tuple[str, str], Store] = {}


def default_store() -> Store:
    """The store of the current inputs (one object per store directory and fingerprint)."""
    fingerprint = build_fingerprint()
    key = (str(store_dir()), fingerprint)
    if key not in _STORES:
        _STORES.clear()
        _STORES[key] = Store(store_dir(), fingerprint)
    return _STORES[key]


class Results:
    """The claim results of the current inputs, read from the store (see ``results()``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def group(self, name: str) -> list:
        """One group's ClaimResults in the registry's reading order (what ``evaluate_group`` gives)."""
        payload = self.store.group(name)
        return [payload["results"][cid] for cid in payload["order"]]

    def claim(self, claim_id: str):
        """One claim's ClaimResult (``pending`` when no evaluator covers it)."""
        from analysis.claims.registry import group_of
        from analysis.claims.result import ClaimResult
        from analysis.inputs.files import load_claims

        load_claims().get(claim_id)  # KeyError naming the registry when the id is unknown
        name = group_of(claim_id)
        return ClaimResult.pending(claim_id) if name is None else self.store.group(name)["results"][claim_id]

    def __iter__(self):
        """Iterating gives ``all()``: ``build_ledger(results(), claims)`` works as with a list."""
        return iter(self.all())

    def all(self) -> list:
        """Every claim's ClaimResult in reading order; claims no evaluator covers are ``pending``."""
        from analysis.claims.result import ClaimResult
        from analysis.inputs.files import load_claims

        found = {}
        for name in self.store.group_names():
            found.update(self.store.group(name)["results"])
        return [found.get(cid) or ClaimResult.pending(cid) for cid in load_claims().ids()]


def results() -> Results:
    """The claim and search results of this build's inputs: stored ones when the inputs they were
    computed from are unchanged, otherwise computed now and stored (pages, the ledger and
    ``verify`` all read these)."""
    return Results(default_store())


def ledger() -> dict:
    """The ledger document of the current inputs (stored with the results; for ``verify``)."""
    return default_store().ledger()


# --------------------------------------------------------------------------------------------
# the build: execute what is out of date (in parallel), then the strict Sphinx build

KERNEL_START = "exec('import analysis.report.store as s; s.track_reads()', {})"
STRICT = ["-n", "-W", "--keep-going"]


def notebook_pages(source: Path) -> list[tuple[str, Path]]:
    """(docname, file) of every notebook in the table of contents, in its order."""
    from myst_nb.core.read import is_myst_markdown_notebook
    from sphinx_external_toc.parsing import parse_toc_yaml

    site = parse_toc_yaml(str(source / "_toc.yml"))
    pages = []
    for docname in site:
        for suffix in (".md", ".ipynb"):
            path = source / f"{docname}{suffix}"
            if path.is_file() and (suffix == ".ipynb" or is_myst_markdown_notebook(path.read_text(encoding="utf-8"))):
                pages.append((docname, path))
    return pages


def read_notebook(path: Path):
    """The notebook exactly as myst-nb reads it (so its jupyter-cache hash is the one Sphinx looks up)."""
    import nbformat
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    return read_myst_markdown_notebook(text, config=MdParserConfig(), add_source_map=True, path=str(path))


def _execute_page(task: dict) -> dict:
    """Run one notebook in a fresh kernel that records its reads (in a worker process)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    from analysis.report import kernels

    nb = nbformat.reads(task["notebook"], as_version=4)
    env = {**{k: v for k, v in os.environ.items() if k != kernels.ENV}, "REPORT_READS_LOG": task["log"]}
    if task.get("kernel_server"):  # read by ForkedKernelManager in this worker, not by the kernel
        os.environ[kernels.ENV] = task["kernel_server"]
    # shutdown "immediate": every output has arrived when the last cell replied, and a graceful
    # shutdown sometimes stalls for 3.5 s in ipykernel's exit (fresh and warm kernels alike)
    client = NotebookClient(nb, timeout=task["timeout"], allow_errors=False, record_timing=False,
                            kernel_manager_class=kernels.ForkedKernelManager, shutdown_kernel="immediate",
                            kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                            extra_arguments=[f"--IPKernelApp.exec_lines={[KERNEL_START]!r}"])
    start = time.perf_counter()
    try:
        client.execute(cwd=task["cwd"], env=env)
    except (CellExecutionError, CellTimeoutError) as exc:
        return {"docname": task["docname"], "error": str(exc), "seconds": time.perf_counter() - start}
    except Exception as exc:  # a kernel that died or never started
        return {"docname": task["docname"], "error": f"{type(exc).__name__}: {exc}",
                "seconds": time.perf_counter() - start}
    return {"docname": task["docname"], "notebook": nbformat.writes(nb), "seconds": time.perf_counter() - start}


def _inside(path: str, top: Path) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(top) + os.sep)



def _untracked(record) -> bool:
    """A cached execution without the build's record of what it read."""
    return "report" not in (record.data or {})


def drop_untracked(cache) -> int:
    """Remove every cached execution the build did not record (no ``report`` data: executed by
    Sphinx or an older build, inputs unknown). Such a record can never be trusted, and left in
    place it would be taken for one Sphinx executed during this build. Returns how many."""
    untracked = [r.pk for r in cache.list_cache_records() if _untracked(r)]
    for pk in untracked:
        cache.remove_cache(pk)
    return len(untracked)

def build(source: Path, output: Path, jobs: int = 2, timeout: int = 300, log=print) -> int:
    """Build the book at ``source`` into ``output``/_build (see the module docstring); 0 on success."""
    from jupyter_cache import get_cache

    source, build_dir = source.resolve(), output.resolve() / "_build"
    report_dir = build_dir / ".report"
    report_dir.mkdir(parents=True, exist_ok=True)
    os.environ["REPORT_STORE"] = str(report_dir / "results")
    os.environ["REPORT_SOURCE"] = str(source)
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(source), str(ROOT)]))
    _TRACKER.configure()
    started = time.perf_counter()

    # 1. A Sphinx run that did not finish leaves no environment a later run trusts (a page's
    #    warnings are only emitted when it is read, so re-using its doctree would hide them).
    sphinx_ok = report_dir / "sphinx-ok"
    if not sphinx_ok.exists():
        shutil.rmtree(build_dir / ".doctrees", ignore_errors=True)
    sphinx_ok.unlink(missing_ok=True)

    fingerprint = build_fingerprint()
    snapshot = data_snapshot()
    own_book = source == ROOT.resolve()

    with contextlib.ExitStack() as running:  # the kernel server, when one is started, ends with the block
        status = _evaluate_and_execute(source, build_dir, report_dir, fingerprint, snapshot, own_book, jobs,
                                       timeout, log, running)
    if status:
        return status
    if build_fingerprint() != fingerprint:
        log("book: error: the package, pins, config or data file names changed during the build")
        return 1

    # 5. The strict Sphinx build; it finds every page in the cache and executes none. Jupyter
    #    Book's command line, with Sphinx reading and writing `jobs` pages at a time.
    done = subprocess.run([sys.executable, "-m", "analysis.report.store", "sphinx", "--jobs", str(jobs), "--",
                           "build", str(source), "--path-output", str(output.resolve()), *STRICT])
    if done.returncode != 0:
        return done.returncode
    cache = get_cache(str(build_dir / ".jupyter_cache"))
    executed_by_sphinx = [r.uri for r in cache.list_cache_records() if _untracked(r)]
    if executed_by_sphinx:
        log(f"book: error: Sphinx executed pages itself (untracked): {', '.join(executed_by_sphinx)}")
        return 1

    # 6. Publish the ledger from the same stored results (into the site, not the source tree).
    if own_book:
        static = build_dir / "html" / "_static"
        static.mkdir(parents=True, exist_ok=True)
        for name, text in Store(store_dir(), fingerprint).ledger_files().items():
            (static / name).write_text(text, encoding="utf-8")
    sphinx_ok.write_text(fingerprint + "\n", encoding="utf-8")
    log(f"book: built in {time.perf_counter() - started:.1f} s")
    return 0


def _evaluate_and_execute(source: Path, build_dir: Path, report_dir: Path, fingerprint: str, snapshot: dict,
                          own_book: bool, jobs: int, timeout: int, log, running: contextlib.ExitStack) -> int:
    """Steps 2-4 of ``build``: find the out-of-date pages, evaluate the claims and execute the
    pages (in warm kernels when there are more pages than jobs; the kernel server is entered into
    ``running``). 0 when every page is ready for Sphinx."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    # 2. Which pages' cached executions are still valid for these inputs (a page records the
    #    inputs of the results it showed, never the stored results themselves).
    cache = get_cache(str(build_dir / ".jupyter_cache"))
    drop_untracked(cache)
    pages = notebook_pages(source)
    stale, seconds = [], {}
    for docname, path in pages:
        nb = read_notebook(path)
        try:
            record = cache.match_cache_notebook(nb)
        except KeyError:
            record = None
        report = (record.data or {}).get("report") if record else None
        seconds[docname] = (record.data or {}).get("execution_seconds", 0) if record else 0
        valid = (report is not None and report.get("fingerprint") == fingerprint
                 and cache._get_notebook_path_cache(record.hashkey).exists() and unchanged(report.get("inputs", {})))
        if not valid:
            stale.append((docname, path, nb))
            if record is not None:  # never leave an out-of-date execution where Sphinx could find it
                cache.remove_cache(record.pk)
            (build_dir / ".doctrees" / f"{docname}.doctree").unlink(missing_ok=True)
    log(f"book: {len(stale)} of {len(pages)} pages to execute"
        + (f" ({', '.join(d for d, _, _ in stale)})" if stale else "; every page re-used"))

    # The kernel server imports the pages' libraries while the claims are evaluated: worth its
    # start (about 3 s of imports) only when some worker executes more than one page.
    server = None
    if len(stale) > max(1, jobs) and os.environ.get("REPORT_WARM_KERNELS", "1") != "0":
        from analysis.report.kernels import kernel_server

        server = running.enter_context(kernel_server(report_dir, log=log))

    # 3. Claim results, once per build, before any page asks for them.
    store = Store(store_dir(), fingerprint)
    if own_book:
        evaluated = store.precompute(jobs=jobs)
        log(f"book: claim results: {', '.join(f'{k} {v:.1f} s' for k, v in evaluated.items()) or 'all stored'}")

    # 4. Execute them, `jobs` at a time, longest first.
    failures, violations = [], []
    if stale:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        logs = report_dir / "reads"
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir(parents=True)
        tasks = [{"docname": d, "notebook": nbformat.writes(nb), "cwd": str(p.parent), "timeout": timeout,
                  "log": str(logs / (d.replace("/", "__") + ".jsonl"))} for d, p, nb in stale]
        tasks.sort(key=lambda t: -seconds.get(t["docname"], 0))
        by_name = {d: (p, nb) for d, p, nb in stale}
        for task in tasks:
            task["kernel_server"] = server
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
            for task, done in zip(tasks, pool.map(_execute_page, tasks), strict=True):
                docname = done["docname"]
                if "error" in done:
                    failures.append(f"{by_name[docname][0]}: executing the notebook failed\n{done['error']}")
                    continue
                reads = read_log(Path(task["log"]))
                if reads is None:
                    failures.append(f"{by_name[docname][0]}: the kernel did not start read tracking")
                    continue
                for written in sorted(reads.writes):
                    if _inside(written, source) and not _inside(written, build_dir):
                        rel = os.path.relpath(written, source)
                        if rel in LEGACY_WRITES:
                            log(f"book: warning: {docname} writes {rel} into the source tree (to be removed)")
                        else:
                            violations.append(f"{by_name[docname][0]}: executing the page wrote {rel} "
                                              "into the source tree")
                inputs = reads.digests()
                moved = [k for k, v in inputs.items() if k in snapshot and snapshot[k] != v]
                if moved:
                    failures.append(f"{by_name[docname][0]}: inputs changed during the build: {', '.join(moved)}")
                    continue
                executed = nbformat.reads(done["notebook"], as_version=4)
                cache.cache_notebook_bundle(
                    CacheBundleIn(executed, str(by_name[docname][0]),
                                  data={"execution_seconds": round(done["seconds"], 3),
                                        "report": {"fingerprint": fingerprint, "inputs": inputs}}),
                    check_validity=False, overwrite=True)
                log(f"book: executed {docname} in {done['seconds']:.1f} s ({len(inputs)} inputs)")
    for line in failures + violations:
        log(f"book: error: {line}")
    if failures or violations:
        return 1
    return 0


def jupyter_book_main(jobs: int, args: list[str]) -> None:
    """``jupyter-book ARGS`` with Sphinx running ``jobs`` processes (its ``-j``; Jupyter Book 1's
    command line has no such option and always passes 1 to ``build_sphinx``)."""
    import jupyter_book.sphinx as jb_sphinx
    from jupyter_book.cli.main import main as command_line

    serial = jb_sphinx.build_sphinx

    def build_sphinx(*a, **k):
        return serial(*a, **{**k, "jobs": max(1, jobs)})

    jb_sphinx.build_sphinx = build_sphinx
    command_line(args=args, prog_name="jupyter-book")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m analysis.report.store", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    book = sub.add_parser("build", help="execute out-of-date pages in parallel, then the strict Sphinx build")
    book.add_argument("source", nargs="?", default=str(ROOT), help="the book's folder (default: this checkout)")
    book.add_argument("--path-output", default=None, help="build into PATH/_build (default: the source)")
    book.add_argument("--jobs", type=int, default=int(os.environ.get("REPORT_JOBS", os.cpu_count() or 1)))
    book.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: execute.timeout "
                      "of the book's _config.yml)")
    sphinx = sub.add_parser("sphinx", help="jupyter-book ARGS with Sphinx running --jobs processes")
    sphinx.add_argument("--jobs", type=int, default=1)
    sphinx.add_argument("args", nargs=argparse.REMAINDER, help="the jupyter-book arguments, after --")
    args = parser.parse_args(argv)
    if args.command == "sphinx":
        try:
            jupyter_book_main(args.jobs, args.args[1:] if args.args[:1] == ["--"] else args.args)
        except SystemExit as exc:  # Jupyter Book's command line always ends this way
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0
            print(exc.code, file=sys.stderr)  # as the interpreter does for sys.exit("message")
            return 1
        return 0
    source = Path(args.source)
    timeout = args.timeout or configured_timeout(source)
    return build(source, Path(args.path_output or source), jobs=args.jobs, timeout=timeout,
                 log=lambda line: print(line, flush=True))


def configured_timeout(source: Path, default: int = 300) -> int:
    """``execute.timeout`` of the book's ``_config.yml`` (the one Sphinx would use)."""
    import yaml

    try:
        config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8")) or {}
        return int((config.get("execute") or {}).get("timeout") or default)
    except (OSError, ValueError, TypeError, yaml.YAMLError):
        return default


def exit_now(code: int) -> None:
    """End this process with ``code`` once its output is out, skipping the interpreter's teardown
    of every loaded module and of Sphinx's environment (about 0.5 s after the Sphinx run, on the
    build's critical path). Only for the ``sphinx`` subprocess, whose files are all written and
    closed when Jupyter Book returns; exit handlers still run."""
    import atexit
    import logging

    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    status = main()
    if sys.argv[1:2] == ["sphinx"]:
        exit_now(status)
    sys.exit(status)
