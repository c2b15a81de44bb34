"""Start one Jupyter kernel by asking the build's kernel server to fork it (stdlib only).

    python -I -S kernel_launcher.py SOCKET -f CONNECTION_FILE [ipykernel options ...]

Run by ``analysis.report.kernels.ForkedKernelManager`` in place of ``python -m ipykernel_launcher``
(isolated mode, no site: it starts in milliseconds and never imports the package). It sends the
kernel's arguments, environment, working directory and its own stdin/stdout/stderr to the server,
which forks a kernel from a process that has already imported the libraries every page uses. This
process then stands in for the kernel towards jupyter_client: it forwards interrupt and terminate
signals to the kernel, and exits when the kernel does (the server closes the connection). When it
is killed, the connection closes and the kernel ends too.

When the server cannot be reached, it starts an ordinary kernel in its place (the same
``ipykernel_launcher`` a kernelspec would run), so a page never depends on the server being up.
"""

import json
import os
import signal
import socket
import struct
import sys


def main(argv: list[str]) -> int:
    parent = os.getppid()
    path, kernel_args = argv[0], argv[1:]
    request = json.dumps({"argv": kernel_args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        socket.send_fds(conn, [struct.pack("!I", len(request))], [0, 1, 2])
        conn.sendall(request)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(64)
            if not chunk:
                raise ConnectionError("the kernel server closed the connection before starting a kernel")
            reply += chunk
        if reply == b"fresh\n":  # the server's module path is not this kernel's
            conn.close()
            os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])
        pid = int(reply)
    except (OSError, ValueError) as exc:
        conn.close()
        print(f"kernel launcher: no kernel server at {path} ({exc}); starting a fresh kernel", file=sys.stderr)
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    conn.settimeout(1.0)
    while True:  # the kernel's end closes the connection
        try:
            if not conn.recv(64):
                return 0
        except TimeoutError:  # the process that started this kernel died: end it (as ipykernel's
            if os.getppid() != parent:  # parent poller would end a fresh kernel)
                return 1
        except InterruptedError:
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
