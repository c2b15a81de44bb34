"""Warm kernels: each page's kernel is forked from a process that has already imported the
libraries the pages use, instead of starting Python and importing them again for every page.

A fresh ipykernel plus numpy, pandas, scipy.stats, matplotlib, pandera, pydantic and statsmodels
costs about 3 s of CPU per page before the page's first line runs, and the pages' own work is
often less than that. The build (``analysis.report.store.build``) starts one server per build::

    with kernel_server(directory) as socket_path:   # None: the server did not start
        ... (REPORT_KERNEL_SERVER=socket_path in the executing process)
        ... NotebookClient(nb, kernel_manager_class=ForkedKernelManager, ...)

The server binds a Unix socket, imports the libraries (third-party only: never this package,
whose modules are read, and recorded as inputs, by each page itself) and forks one kernel per
request. ``ForkedKernelManager`` is jupyter_client's kernel manager with one change: instead of
``python -m ipykernel_launcher -f CONNECTION ...`` it runs ``kernel_launcher.py SOCKET -f
CONNECTION ...``, which hands the same arguments, environment, working directory and standard
streams to the server. The forked kernel takes on exactly that environment and directory, then
runs ipykernel's own ``IPKernelApp`` with those arguments, so a page sees what a fresh kernel
would show it (the build test compares the two builds byte for byte). Without the server
(``REPORT_KERNEL_SERVER`` unset) the manager starts ordinary kernels.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

ENV = "REPORT_KERNEL_SERVER"
LAUNCHER = Path(__file__).with_name("kernel_launcher.py")
SERVER = Path(__file__).with_name("kernel_server.py")


class ThroughServer:
    """Mixin for a jupyter_client kernel manager: launch through the kernel server when there is one."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        server = os.environ.get(ENV)
        if server and cmd[1:3] == ["-m", "ipykernel_launcher"]:
            return [cmd[0], "-I", "-S", str(LAUNCHER), server, *cmd[3:]]
        return cmd


class ForkedKernelManager(ThroughServer, AsyncKernelManager):
    """jupyter_client's (asynchronous) kernel manager, launching through the build's kernel server."""


@contextlib.contextmanager
def kernel_server(directory: Path, log=print):
    """Run a kernel server for the duration of the block; yields its socket's path, for
    ``REPORT_KERNEL_SERVER`` (None when the server did not come up: ordinary kernels)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "kernels.sock"
    path.unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, str(SERVER), str(path)], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not path.exists() and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        if path.exists() and server.poll() is None:
            yield str(path)
        else:
            log("book: warning: the kernel server did not start; every page starts its own kernel")
            yield None
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        path.unlink(missing_ok=True)
