"""A throwaway PostgreSQL server for the tests and the benchmark: Debian's ``postgresql``
(installed by ``make system-deps``), a new cluster in a temporary folder, on a free loopback
port, stopped and deleted on exit.

``initdb`` and ``postgres`` refuse to run as root, and CI runs as root: there the cluster belongs
to the ``postgres`` system user that Debian's package creates, and every server command runs as
that user (``subprocess``'s ``user=``). As any other user, it runs as that user. Durability
settings are off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the cluster is thrown
away, and a killed *client* still rolls back whatever it had not committed.

    with PostgresServer() as pg:
        url = pg.create_database("svcalc_test")   # postgresql+psycopg://...
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.server import HOST, free_port

#: The user the cluster runs as when the tests run as root (Debian's postgresql creates it).
SYSTEM_USER = "postgres"
SUPERUSER = "svcalc"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here (or no user to run them as): the reason is the
    message."""


def bindir() -> Path:
    """The folder of initdb, pg_ctl and postgres: on PATH, else Debian's newest
    /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parent.parent.name))
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: run make "
            "system-deps as root (Debian package postgresql)")
    return Path(versions[-1]).parent


class PostgresServer:
    """A PostgreSQL cluster of its own, started on ``__enter__`` and removed on ``__exit__``."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.as_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(SYSTEM_USER)
            except KeyError as error:
                raise PostgresUnavailable(
                    f"running as root, and there is no {SYSTEM_USER!r} user to run PostgreSQL "
                    f"as (initdb refuses root)") from error
            self.as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            self._owner = (entry.pw_uid, entry.pw_gid)
        else:
            self._owner = (os.getuid(), os.getgid())
        self.folder = Path(tempfile.mkdtemp(prefix="svcalc-pg-"))
        os.chown(self.folder, *self._owner)
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/postgres"
        self.databases: list[str] = []

    def _run(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True,
                                text=True, timeout=timeout, cwd=self.folder, **self.as_user)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}"
                               f"{self.log()[-2000:]}")
        return result.stdout

    def log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "-t", "60", "start", timeout=90)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", timeout=90)

    def __enter__(self) -> PostgresServer:
        try:
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                      "-E", "UTF8", "--locale=C", "--no-sync", timeout=120)
            self.start()
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str, template: str = "template0") -> str:
        """A new database ``name``, a copy of ``template`` (empty by default): its URL."""
        import psycopg

        with psycopg.connect(host=HOST, port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" '
                               f'STRATEGY FILE_COPY')
        self.databases.append(name)
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{name}"
