"""The kernel server: imports the libraries the pages use once, then forks one Jupyter kernel per
request from ``kernel_launcher.py`` (see ``analysis.report.kernels``).

    python kernel_server.py SOCKET

Run as a script that first takes its own folder off ``sys.path``, so it never imports this package
(and the package's ``report/html.py`` never shadows the standard library's ``html``): every page
imports (and the build records as inputs) the package's modules itself, in its own kernel. A
request whose ``PYTHONPATH`` is not the server's is answered ``fresh``: the launcher then starts
an ordinary kernel, since the forked one could not have the module search path a fresh one would.
"""

import os
import sys

if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]  # as ipykernel_launcher does for the working directory

import contextlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402

#: What every page imports before its first line (measured: the union of the pages' third-party
#: imports). Importing one that a page does not use changes nothing it shows.
PRELOAD = (
    "numpy", "pandas", "scipy.special", "scipy.stats", "scipy.optimize", "statsmodels.api",
    "statsmodels.stats.proportion", "matplotlib", "matplotlib.pyplot", "matplotlib.patches",
    "matplotlib.transforms", "PIL.Image", "PIL.PngImagePlugin", "PIL.BmpImagePlugin", "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin", "PIL.PpmImagePlugin", "pandas.io.formats.style", "pandera.pandas",
    "pandera.backends.pandas.register", "pydantic", "pybtex.database", "pybtex.database.input.bibtex",
    "latexcodec", "jinja2", "markupsafe", "yaml", "nbformat", "docutils.core", "myst_nb.ext.glue", "IPython",
    "ipykernel.kernelapp", "ipykernel.ipkernel", "zmq", "tornado.ioloop",
)
# Not matplotlib_inline.backend_inline: importing it inside the kernel is what hooks the inline
# backend into the shell, so it must be imported there, for the first time.


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
    if len(head) != 4 or len(fds) != 3:
        raise ConnectionError("incomplete request")
    size, = struct.unpack("!I", head)
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ConnectionError("incomplete request")
        body += chunk
    return json.loads(body), fds


def _same_interpreter_setup(env: dict) -> bool:
    """Whether a fresh kernel with this environment would start as the server did: the same
    ``PYTHON*`` settings (module path, hash seed, warnings, bytecode, ...) and the same choice of
    matplotlib backend (all fixed when the server started)."""
    return (_python_settings(env) == _STARTED_WITH
            and env.get("MPLBACKEND", "module://matplotlib_inline.backend_inline") == os.environ["MPLBACKEND"])


def _python_settings(env) -> dict:
    return {k: v for k, v in env.items() if k.startswith("PYTHON")}


_STARTED_WITH = _python_settings(os.environ)


def _become_kernel(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: take on the launcher's streams, environment and directory, then run
    ipykernel exactly as ``python -m ipykernel_launcher ARGS`` would. Never returns."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # sys.path stays the server's: without its own folder (dropped at the top of this file)
        # it is what ipykernel_launcher leaves of a fresh interpreter's (it drops the working
        # directory; IPython adds '' back itself).

        def watch() -> None:  # the launcher died (killed by jupyter_client): so does the kernel
            with contextlib.suppress(OSError):
                while conn.recv(64):
                    pass
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
        from importlib.util import find_spec

        from ipykernel import kernelapp

        argv = list(request["argv"])
        if os.environ.get("JPY_PARENT_PID"):  # read by ipykernel when it was imported (here: 0)
            argv.append(f"--IPKernelApp.parent_handle={int(os.environ['JPY_PARENT_PID'])}")
        sys.argv = [find_spec("ipykernel_launcher").origin, *request["argv"]]
        kernelapp.IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 (report it on the kernel's stderr, then exit)
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            import atexit

            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str) -> None:
    parent = os.getppid()  # the build; read first, before the imports (it may be killed during them)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(64)
    os.replace(path + ".tmp", path)  # launchers may connect now; they wait until the imports are done

    # What ipykernel would set before matplotlib is first imported (rcParams read it at import).
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # Stopped by the build once every page has run: exit at once. There is nothing to flush or
    # close (the kernels are separate processes), and tearing down the preloaded libraries
    # took about 0.5 s, on the build's critical path, before Sphinx could start.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    listener.settimeout(1.0)
    children: set[int] = set()
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:  # the build that started this server was killed: nothing to serve
            if os.getppid() != parent:
                sys.exit(0)
            continue
        try:
            request, fds = _receive(conn)
        except (OSError, ValueError, ConnectionError):
            conn.close()
            continue
        reply = b"fresh\n"  # the launcher then starts an ordinary kernel
        if _same_interpreter_setup(request["env"]):
            pid = os.fork()
            if pid == 0:
                listener.close()
                _become_kernel(conn, request, fds)
            children.add(pid)
            reply = f"{pid}\n".encode()
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):
            conn.sendall(reply)
        conn.close()
        for child in list(children):  # reap the kernels that have exited
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(child, os.WNOHANG)[0]:
                    children.discard(child)


if __name__ == "__main__":
    serve(sys.argv[1])
