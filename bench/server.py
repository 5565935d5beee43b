"""Start and stop svcalc under gunicorn on 127.0.0.1 for the benchmark and the soak test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time consumed so far by ``pids`` (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Server:
    """``with Server(workers=2) as s:`` gunicorn with svcalc's config on a free loopback port.

    ``root`` is the checkout to serve (default: this one), e.g. a ``git worktree`` of an older
    commit: gunicorn runs with ``--chdir root`` and ``PYTHONPATH=root``, so that checkout's own
    ``svcalc``, ``wsgi.py`` and ``gunicorn.conf.py`` are used, whatever the venv has installed.
    """

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None,
                 extra_args: tuple[str, ...] = (), root: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.root = Path(root).resolve()
        self.env = {**os.environ, **(env or {}), "PYTHONPATH": str(self.root)}
        # A database of its own unless one is given: never the checkout's instance folder.
        self.folder = tempfile.TemporaryDirectory(prefix="svcalc-server-")
        self.env.setdefault("SVCALC_DATABASE_URL", f"sqlite:///{self.folder.name}/svcalc.db")
        self.args = extra_args
        self.log = tempfile.NamedTemporaryFile(prefix="svcalc-gunicorn-", suffix=".log")
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        # The interpreter gunicorn runs must import svcalc from root, not from the editable
        # install of another checkout.
        found = subprocess.run([sys.executable, "-c", "import svcalc; print(svcalc.__file__)"],
                               env=self.env, cwd=self.root, capture_output=True, text=True,
                               check=True).stdout.strip()
        if not Path(found).resolve().is_relative_to(self.root):
            raise RuntimeError(f"svcalc would be imported from {found}, not from {self.root}")
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "--config", str(self.root / "gunicorn.conf.py"), "--chdir", str(self.root),
             "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), *self.args,
             "wsgi:app"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("gunicorn did not become healthy within 30 s")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        return children(self.proc.pid)

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: workers finish, then exit
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.folder.cleanup()
