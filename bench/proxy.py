"""Start and stop the shipped nginx configuration (deploy/nginx.conf) on 127.0.0.1.

``with Proxy(server.url) as proxy:`` renders the template with a free port and the given
upstream into a temporary prefix directory and runs Debian's nginx there in the foreground
(``nginx -p DIR -g 'daemon off;'``), so several proxies (tests, the soak) never meet. The master
may run as root (CI does): its workers then run as ``nobody``, so the prefix is made readable for
them. Stopped with SIGQUIT (graceful), then SIGKILL if it lingers.

``Proxy(server.url, tls=(cert, key))`` also fills in the TLS listener (deploy/nginx-tls.conf) on
a second free port, ``proxy.https_url``, with that certificate and key (PEM files).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.server import HOST, ROOT, free_port

TEMPLATE = ROOT / "deploy" / "nginx.conf"
TLS_TEMPLATE = ROOT / "deploy" / "nginx-tls.conf"
#: The placeholders of the template and the values the image uses (deploy/nginx.Dockerfile).
DEFAULTS = {
    "SVCALC_PROXY_LISTEN": "8080",
    "SVCALC_UPSTREAM": "svcalc:8000",
    "SVCALC_PROXY_MAX_BODY": str(8 * 1024 * 1024),
    "SVCALC_PROXY_CONN_PER_IP": "32",
}


def nginx() -> str | None:
    """The nginx binary (Debian's: make system-deps installs it), or None."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def render(values: dict[str, str], template: Path = TEMPLATE) -> str:
    """The template with every ``${NAME}`` replaced, as envsubst does in the image."""
    text = template.read_text()
    missing = set(re.findall(r"\$\{(\w+)\}", text)) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], text)


class Proxy:
    """The shipped nginx in front of ``upstream`` (``http://127.0.0.1:PORT``) on a free port."""

    def __init__(self, upstream: str, tls: tuple[Path, Path] | None = None,
                 **settings: str) -> None:
        binary = nginx()
        if binary is None:
            raise FileNotFoundError("nginx is not installed (make system-deps installs it)")
        self.binary = binary
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.values = {**DEFAULTS, **settings,
                       "SVCALC_PROXY_LISTEN": f"{HOST}:{self.port}",
                       "SVCALC_UPSTREAM": upstream.removeprefix("http://")}
        self.tls = tls
        self.https_port = free_port() if tls else None
        self.https_url = f"https://{HOST}:{self.https_port}" if tls else None
        self.prefix = Path(tempfile.mkdtemp(prefix="svcalc-nginx-"))
        self.prefix.chmod(0o755)  # workers run as nobody when the master is root
        self.log = self.prefix / "error.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Proxy:
        (self.prefix / "temp").mkdir(mode=0o755)
        (self.prefix / "tls.d").mkdir(mode=0o755)
        if self.tls:
            cert, key = self.tls
            (self.prefix / "tls.d" / "svcalc.conf").write_text(render(
                {"SVCALC_PROXY_TLS_LISTEN": f"{HOST}:{self.https_port}",
                 "SVCALC_PROXY_TLS_CERT": str(Path(cert).resolve()),
                 "SVCALC_PROXY_TLS_KEY": str(Path(key).resolve())}, TLS_TEMPLATE))
        conf = self.prefix / "nginx.conf"
        conf.write_text(render(self.values))
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [self.binary, "-p", f"{self.prefix}/", "-c", str(conf), "-g", "daemon off;"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # nginx answers (the upstream may be down on purpose)
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"nginx did not answer within 15 s: {self.log_text()[-2000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish open requests
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: master + workers
                self.proc.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)
