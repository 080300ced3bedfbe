"""A throwaway PostgreSQL server for the store's tests, started from the machine's own
``initdb``/``pg_ctl`` on a free loopback port and removed afterwards.

PostgreSQL refuses to run as root, so under root the cluster belongs to the
``postgres`` account. Callers skip when the server binaries or the driver are absent.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """This machine cannot run a throwaway PostgreSQL server; the reason says why."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresServer:
    """One cluster with trust authentication for user ``castline`` on 127.0.0.1."""

    def __init__(self) -> None:
        initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
        if not initdb or not pg_ctl:
            raise PostgresUnavailable(
                "PostgreSQL server programs (initdb, pg_ctl) are not installed"
            )
        self._pg_ctl = pg_ctl
        self._prefix: list[str] = []
        self.base = Path(tempfile.mkdtemp(prefix="castline-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' account"
                ) from exc
            if not shutil.which("runuser"):
                raise PostgresUnavailable("running as root and runuser is not installed")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self.data = self.base / "data"
        self.port = _free_port()
        self._run(
            [
                initdb,
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "castline",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            [
                pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.base / "log"),
                "-w",
                "start",
            ]
        )

    def _run(self, args: list[str]) -> None:
        done = subprocess.run([*self._prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            self.stop()
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://castline@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=castline dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._prefix,
                    self._pg_ctl,
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.base, ignore_errors=True)
