"""A private PostgreSQL cluster on a free loopback port, kept under base_dir between runs.

PostgreSQL refuses to run as root, so when we are root every server-side binary runs as the Debian
`postgres` user via runuser, and the files it writes are owned by that user.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from sentinel_dev.services.ports import free_port, port_accepts
from sentinel_dev.services.process import LIVE, PrivateService, pid_alive, tail_file

log = logging.getLogger(__name__)

LOG_DATABASE_TAG = "db="  # in the log's line prefix, before the database's name

_INSTALL_HINT = "install Debian's postgresql package (./dev demo and ./dev test do it for you)"
_SUPERUSER = "sentinel"
_FALLBACK_ROOT = Path("/var/lib/sentinel")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def find_pg_bindir(prefer_version: str | None = None) -> Path:
    """Directory with initdb/pg_ctl/postgres: Debian's /usr/lib/postgresql/<v>/bin (newest first), else PATH.

    prefer_version picks the binaries matching an existing cluster's PG_VERSION when installed.
    """
    found = [
        Path(d)
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if os.access(Path(d, "pg_ctl"), os.X_OK) and os.access(Path(d, "initdb"), os.X_OK)
    ]
    found.sort(key=lambda d: _version_key(d.parent.name), reverse=True)
    for d in found:
        if prefer_version and d.parent.name == prefer_version:
            return d
    if found:
        return found[0]
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and os.access(Path(pg_ctl).parent / "initdb", os.X_OK):
        return Path(pg_ctl).parent
    raise FileNotFoundError(f"PostgreSQL server binaries (initdb, pg_ctl) not found; {_INSTALL_HINT}")


def _is_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip().startswith("postgres")
    except OSError:
        return False


class PrivatePostgres(PrivateService):
    """A PostgreSQL cluster owned by this project, listening on 127.0.0.1:port and a private unix socket dir.

    The port is fixed at construction so restart() keeps the same URL. Data survive stop/start and new
    instances on the same base_dir (the demo keeps its data); `fast_unsafe` trades crash safety for speed.
    """

    def __init__(
        self, base_dir: Path, port: int | None = None, database: str = "sentinel", fast_unsafe: bool = False
    ) -> None:
        if not _IDENT.match(database):
            raise ValueError(f"database name must be a plain identifier, got {database!r}")
        self.base_dir = Path(base_dir).resolve()
        self._port = port or free_port()
        self.database = database
        self.fast_unsafe = fast_unsafe
        self._as_postgres = os.geteuid() == 0
        self._cluster_dir: Path | None = None

    # ---- locations -------------------------------------------------------------------------------------

    @property
    def cluster_dir(self) -> Path:
        """Where data/, run/ and postgres.log live: base_dir, or a fallback if user postgres cannot reach it."""
        if self._cluster_dir is None:
            self._cluster_dir = self._choose_cluster_dir()
        return self._cluster_dir

    @property
    def data_dir(self) -> Path:
        return self.cluster_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.cluster_dir / "run"

    @property
    def log_path(self) -> Path:
        return self.cluster_dir / "postgres.log"

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return self.admin_url(self.database)

    def admin_url(self, db: str = "postgres") -> str:
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self._port}/{db}"

    @property
    def running(self) -> bool:
        """True if the cluster's server is up and listening on this instance's port (i.e. at self.url)."""
        return self._postmaster_pid() is not None and self._pidfile_port() == self._port

    # ---- lifecycle -------------------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> None:
        """initdb if needed, start the server (after crash recovery if any) and create the database."""
        running_pid = self._postmaster_pid()
        if running_pid is not None:
            if self._pidfile_port() == self._port:
                LIVE.add(self)  # adopted (e.g. left by a killed run): stop it at exit like our own
                self.create_database(self.database)
                return
            # A previous run (e.g. a killed demo) left the server up on another port: restart it on ours.
            log.warning("PostgreSQL in %s runs on another port; restarting it on %s", self.data_dir, self._port)
            self.stop()
        if port_accepts(self._port):
            raise RuntimeError(f"port 127.0.0.1:{self._port} is already in use; cannot start private PostgreSQL")
        self._clear_stale_socket_locks()
        self._initdb()
        self._ensure_owned_dir(self.socket_dir)
        if not self.log_path.exists():
            self.log_path.touch()
        self._chown(self.log_path)
        options = [
            f"-p {self._port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={shlex.quote(str(self.socket_dir))}",
            # Each line names its database: a test's failure can quote its own database's lines.
            f"-c {shlex.quote(f'log_line_prefix=%m [%p] {LOG_DATABASE_TAG}%d ')}",
        ]
        if self.fast_unsafe:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        proc = self._run(
            [
                self._bin("pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                str(int(timeout)),
                "-s",
                "-o",
                " ".join(options),
            ],
            check=False,
            timeout=timeout + 10,
        )
        if proc.returncode != 0:
            self.kill()  # do not leave a half-started server behind
            raise RuntimeError(
                f"private PostgreSQL failed to start on port {self._port} (data {self.data_dir}):\n"
                f"{proc.stdout}{proc.stderr}\n--- {self.log_path} ---\n{tail_file(self.log_path)}"
            )
        LIVE.add(self)
        self.create_database(self.database)

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (rolls back open transactions, checkpoints); SIGKILL if it does not finish in time."""
        if self._postmaster_pid() is None:
            LIVE.discard(self)
            return
        self._run(
            [
                self._bin("pg_ctl"),
                "stop",
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "-t",
                str(int(timeout)),
            ],
            check=False,
            timeout=timeout + 10,
        )
        if self._postmaster_pid() is not None:
            log.warning("PostgreSQL in %s did not stop within %ss; killing it", self.data_dir, timeout)
            self.kill()
        LIVE.discard(self)

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends, simulating a crash; the next start runs WAL recovery."""
        pid = self._postmaster_pid()
        if pid is not None:
            # pg_ctl starts the postmaster in its own session, so its process group holds exactly the
            # server's processes; killing the group avoids orphans holding shared memory past the restart.
            try:
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
        LIVE.discard(self)

    def restart(self, timeout: float = 60) -> None:
        self.stop()
        self.start(timeout=timeout)

    def create_database(self, name: str) -> None:
        """CREATE DATABASE name unless it exists (owner: the superuser)."""
        if not _IDENT.match(name):
            raise ValueError(f"database name must be a plain identifier, got {name!r}")
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()
        if not exists:
            self.psql(f'CREATE DATABASE "{name}"')

    def psql(self, sql: str, db: str = "postgres") -> str:
        """Run one SQL command with psql over TCP (as any OS user: auth is trust); returns unaligned output."""
        proc = subprocess.run(
            [self._bin("psql"), "-XqtA", "-v", "ON_ERROR_STOP=1", "-d", self.admin_url(db), "-c", sql],
            capture_output=True,
            text=True,
            env=self._env(),
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed ({sql!r}): {proc.stderr.strip()}")
        return proc.stdout

    # ---- internals -------------------------------------------------------------------------------------

    def _choose_cluster_dir(self) -> Path:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if not self._as_postgres or self._postgres_can_enter(self.base_dir):
            return self.base_dir
        # e.g. a checkout under /root (0700) or a pytest tmp dir: user postgres cannot reach it.
        digest = hashlib.sha1(str(self.base_dir).encode()).hexdigest()[:12]
        fallback = _FALLBACK_ROOT / digest
        fallback.mkdir(parents=True, exist_ok=True)
        _FALLBACK_ROOT.chmod(0o755)
        fallback.chmod(0o755)
        (fallback / "ORIGIN").write_text(f"{self.base_dir}\n")
        # Unconfigured logging still prints warnings to stderr, so the user learns where the data went.
        log.warning(
            "user postgres cannot enter %s; keeping the PostgreSQL cluster in %s instead", self.base_dir, fallback
        )
        return fallback

    def _postgres_can_enter(self, path: Path) -> bool:
        probe = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(path)],
            cwd="/",
            capture_output=True,
            check=False,
        )
        return probe.returncode == 0

    def _bin(self, name: str) -> str:
        version_file = self.data_dir / "PG_VERSION"
        version = version_file.read_text().strip() if version_file.exists() else None
        path = find_pg_bindir(version) / name
        if not os.access(path, os.X_OK):
            found = shutil.which(name)
            if not found:
                raise FileNotFoundError(f"{name} not found; {_INSTALL_HINT}")
            return found
        return str(path)

    def _env(self) -> dict[str, str]:
        # Drop the caller's PG* settings (PGHOST, PGOPTIONS, ...) so they cannot redirect our commands.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def _run(self, cmd: list[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a server-side binary, as user postgres when we are root."""
        if self._as_postgres:
            self._postgres_user()
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # cwd: the caller's directory may be unreadable for user postgres, which makes initdb/pg_ctl complain.
        proc = subprocess.run(
            cmd,
            cwd=self.cluster_dir,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"{shlex.join(cmd)} failed with status {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        return proc

    def _postgres_user(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                f"running as root, but there is no 'postgres' user to run PostgreSQL as; {_INSTALL_HINT}"
            ) from None

    def _chown(self, path: Path) -> None:
        if self._as_postgres:
            user = self._postgres_user()
            os.chown(path, user.pw_uid, user.pw_gid)

    def _ensure_owned_dir(self, path: Path, mode: int = 0o755) -> None:
        path.mkdir(mode=mode, parents=True, exist_ok=True)
        self._chown(path)

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return  # reuse the existing cluster and its data
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            # Left over from an interrupted initdb (it had not written PG_VERSION yet): nothing worth keeping.
            log.warning("removing incomplete PostgreSQL data directory %s", self.data_dir)
            shutil.rmtree(self.data_dir)
        self._ensure_owned_dir(self.data_dir, mode=0o700)
        cmd = [
            self._bin("initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            _SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ]
        if self.fast_unsafe:
            cmd.append("--no-sync")
        self._run(cmd, timeout=300)

    def _postmaster_pid(self) -> int | None:
        """PID of the live postmaster of our data dir, or None; clears a pid file left by a killed server."""
        pidfile = self.data_dir / "postmaster.pid"
        try:
            first_line = pidfile.read_text().split("\n", 1)[0]
            pid = int(first_line)
        except (OSError, ValueError):
            return None
        if pid_alive(pid) and _is_postgres(pid):
            return pid
        # Stale: the server was killed. PostgreSQL would itself ignore a dead PID, but not one that is now a
        # zombie (never reaped by our PID 1) or was reused by another process, so remove the file here.
        pidfile.unlink(missing_ok=True)
        return None

    def _clear_stale_socket_locks(self) -> None:
        """Remove socket lock files of a killed server: PostgreSQL refuses to start while the PID they name
        still exists, which is forever if it is a zombie that our PID 1 never reaps."""
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):
            try:
                pid = int(lock.read_text().split("\n", 1)[0])
            except (OSError, ValueError):
                continue
            if not (pid_alive(pid) and _is_postgres(pid)):
                lock.unlink(missing_ok=True)

    def _pidfile_port(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n")[3])
        except (OSError, ValueError, IndexError):
            return None

    def __repr__(self) -> str:
        return f"PrivatePostgres(url={self.url!r}, data_dir={str(self.data_dir)!r}, running={self.running})"
