"""Warm kernels (analysis.report.kernels): a page executed in a kernel forked from the kernel
server shows exactly what a fresh kernel shows it, sees the environment and directory it was given,
and never outlives the process jupyter_client manages. The whole-book comparison (a build with
warm kernels against one with fresh kernels, byte for byte) is in tests/book/test_rebuild.py."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

from analysis.report import kernels

CELLS = [
    "import sys\n'pandas' in sys.modules",  # the one difference: the server preloaded pandas
    "import os, sys\nprint(os.environ['PAGE_VALUE'], os.path.basename(os.getcwd()))",
    "sys.path, 'analysis' in sys.modules, sys.argv[0]",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1))\nax.plot([0, 1], [1, 0])",
    "from IPython.display import Markdown\nMarkdown('**shown**')",
    "import warnings\nwarnings.warn('careful')",
]


def notebook():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    return nb


def run(tmp_path: Path, server: str | None, monkeypatch) -> list:
    if server is None:
        monkeypatch.delenv(kernels.ENV, raising=False)
    else:
        monkeypatch.setenv(kernels.ENV, server)
    page_dir = tmp_path / "page"
    page_dir.mkdir(exist_ok=True)
    nb = notebook()
    env = {**os.environ, "PAGE_VALUE": "from-the-build", "PYTHONPATH": str(ROOT)}
    env.pop(kernels.ENV, None)
    NotebookClient(nb, timeout=60, kernel_name="python3", kernel_manager_class=kernels.ForkedKernelManager,
                   record_timing=False).execute(cwd=str(page_dir), env=env)
    # What differs between any two kernels, fresh or not: object addresses and the process id in
    # the name of the file a cell is compiled from.
    text = json.dumps([cell.outputs for cell in nb.cells])
    return json.loads(re.sub(r"ipykernel_\d+", "ipykernel_PID", re.sub(r"0x[0-9a-f]+", "0xADDRESS", text)))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", str(ROOT))  # as the build runs it: the kernels' module path
        with kernels.kernel_server(tmp_path_factory.mktemp("server"), log=lambda line: None) as path:
            assert path, "the kernel server did not start"
            yield path


def test_a_forked_kernel_shows_what_a_fresh_kernel_shows(tmp_path, server, monkeypatch):
    fresh = run(tmp_path, None, monkeypatch)
    forked = run(tmp_path, server, monkeypatch)
    # the forked kernel really came from the server (a fallback to a fresh kernel would not have it)
    assert [r[0]["data"]["text/plain"] for r in (fresh[0], forked[0])] == ["False", "True"]
    fresh, forked = fresh[1:], forked[1:]
    assert forked == fresh
    assert fresh[0][0]["text"] == "from-the-build page\n"  # the environment and directory it was given
    assert "False" in fresh[1][0]["data"]["text/plain"]  # the package is never preloaded
    assert "image/png" in fresh[2][-1]["data"]  # the inline backend is hooked into the shell
    assert fresh[3][0]["data"]["text/markdown"] == "**shown**"
    assert "careful" in fresh[4][0]["text"]


def test_the_manager_launches_through_the_server_only_when_there_is_one(monkeypatch):
    manager = kernels.ForkedKernelManager(kernel_name="python3")
    monkeypatch.delenv(kernels.ENV, raising=False)
    assert manager.format_kernel_cmd()[1:3] == ["-m", "ipykernel_launcher"]
    monkeypatch.setenv(kernels.ENV, "/run/server.sock")
    cmd = manager.format_kernel_cmd()
    assert cmd[1:5] == ["-I", "-S", str(kernels.LAUNCHER), "/run/server.sock"]
    assert cmd[5:7] == ["-f", os.path.realpath(manager.connection_file)]


def test_without_a_server_the_launcher_starts_a_fresh_kernel(tmp_path, monkeypatch):
    outputs = run(tmp_path, str(tmp_path / "no-such-server.sock"), monkeypatch)
    assert outputs[0][0]["data"]["text/plain"] == "False"  # fresh: nothing preloaded
    assert outputs[1][0]["text"] == "from-the-build page\n"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting to be reaped has ended
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def appears_within(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.exists()


def ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_a_killed_launcher_takes_its_kernel_with_it(server, monkeypatch):
    from jupyter_client.manager import KernelManager

    monkeypatch.setenv(kernels.ENV, server)

    class Blocking(kernels.ThroughServer, KernelManager):
        pass

    found: list = []
    manager = Blocking(kernel_name="python3")
    manager.start_kernel(env={**os.environ, "PYTHONPATH": str(ROOT)})
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("import os; print(os.getpid())", timeout=30,
                                           output_hook=lambda msg: found.append(msg))
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
    pid = int(next(m["content"]["text"] for m in found if m["msg_type"] == "stream"))
    assert pid != manager.provisioner.process.pid and alive(pid)
    os.kill(manager.provisioner.process.pid, signal.SIGKILL)
    assert ends_within(pid, 20)
    manager.cleanup_resources()


def test_the_server_ends_when_the_build_that_started_it_is_killed(tmp_path):
    """A build killed with SIGKILL cannot stop its kernel server: the server notices that its
    parent is gone (within about a second) and exits instead of waiting for ever."""
    path = tmp_path / "kernels.sock"
    build = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                              f"server = subprocess.Popen([sys.executable, {str(kernels.SERVER)!r}, {str(path)!r}]); "
                              "print(server.pid, flush=True); time.sleep(120)"],
                             stdout=subprocess.PIPE, text=True)
    server = int(build.stdout.readline())
    assert appears_within(path, 30) and alive(server)
    build.kill()
    build.wait()
    assert ends_within(server, 20)


def test_the_server_exits_with_status_0_on_sigterm_once_it_serves(tmp_path):
    """The build stops its server with SIGTERM; the server then exits at once (os._exit, no
    teardown of the preloaded libraries) and reports success, as it did with sys.exit(0)."""
    path = tmp_path / "kernels.sock"
    server = subprocess.Popen([sys.executable, str(kernels.SERVER), str(path)])
    try:
        request = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        assert appears_within(path, 60)
        request.connect(str(path))  # answered (closed) only once the preloads are done
        request.sendall(b"\0\0\0\0")
        request.settimeout(60)
        assert request.recv(16) == b""  # an incomplete request is dropped: the server is serving
        request.close()
        server.terminate()
        assert server.wait(timeout=20) == 0
    finally:
        server.kill()


@pytest.mark.parametrize(("args", "status"), [(["--version"], 0), (["build", "/nonexistent-book"], 2)])
def test_the_sphinx_subprocess_passes_on_jupyter_books_exit_status(args, status):
    """``python -m analysis.report.store sphinx`` ends without the interpreter's teardown
    (store.exit_now); Jupyter Book's exit status, and its output, still come out."""
    done = subprocess.run([sys.executable, "-m", "analysis.report.store", "sphinx", "--", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == status
    assert ("Jupyter Book" in done.stdout) if status == 0 else ("does not exist" in done.stderr)
