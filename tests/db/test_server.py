"""The embedded server's lifecycle against real processes: start, adopt, recover, stop.

Every test here uses one throwaway data directory (never the shared project server), because
they stop, kill and fake-crash servers on purpose.
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from pgarch_kit.db import Server, default_home
from pgarch_kit.db.server import SERVER_OS_USER, postmasters_for
from pgarch_kit.errors import ServerError

# A separate process that starts (or adopts) the server and prints the postmaster's pid;
# with "hold" it then sleeps until killed, like a notebook kernel.
CHILD = """
import sys, time
from pathlib import Path
from pgarch_kit.db.server import Server
server = Server(data_dir=Path(sys.argv[1]), fast_unsafe=True)
print(server.ensure_started().pid, flush=True)
if sys.argv[2:] == ["hold"]:
    time.sleep(600)
"""


def _child(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _child_pid(proc: subprocess.Popen[str]) -> int:
    line = proc.stdout.readline() if proc.stdout else ""
    assert line.strip().isdigit(), f"child failed: {line!r} {proc.stderr.read() if proc.stderr else ''}"
    return int(line)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server.temporary()
    try:
        yield srv
    finally:
        srv.destroy()


def test_start_reports_running_server_with_private_socket(server: Server) -> None:
    status = server.ensure_started()
    assert status.running and status.pid == server.running_pid()
    assert postmasters_for(server.data_dir) == [status.pid]
    assert status.version.startswith("18") and status.data_dir == server.data_dir

    mode = server.socket_dir.stat().st_mode
    assert not mode & (stat.S_IWGRP | stat.S_IWOTH), oct(mode)
    assert stat.S_IMODE(mode) == 0o700
    if os.geteuid() == 0:  # never run as root; socket dir belongs to the server user
        import pwd
        uid = pwd.getpwnam(SERVER_OS_USER).pw_uid
        assert psutil.Process(status.pid).uids().real == uid
        assert server.socket_dir.stat().st_uid == uid

    with psycopg.connect(status.dsn) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SELECT current_setting('server_encoding')").fetchone() == ("UTF8",)


def test_second_process_adopts_running_server(server: Server) -> None:
    pid = server.ensure_started().pid
    proc = _child(server.data_dir)
    assert _child_pid(proc) == pid
    proc.wait(30)
    assert postmasters_for(server.data_dir) == [pid]


def test_server_of_killed_process_is_adopted(server: Server) -> None:
    server.stop()
    kernel = _child(server.data_dir, "hold")
    pid = _child_pid(kernel)
    kernel.send_signal(signal.SIGKILL)  # like a Jupyter kernel killed hard
    kernel.wait(10)
    assert server.ensure_started().pid == pid
    assert postmasters_for(server.data_dir) == [pid]


def test_concurrent_starts_make_one_postmaster(server: Server) -> None:
    server.stop()
    children = [_child(server.data_dir) for _ in range(3)]
    pids = {_child_pid(c) for c in children}
    for c in children:
        c.wait(30)
    assert len(pids) == 1
    assert postmasters_for(server.data_dir) == list(pids)


@pytest.mark.parametrize("kind", ["dead-pid", "pid-reused"])
def test_stale_postmaster_pid_is_recovered(server: Server, kind: str) -> None:
    server.stop()
    if kind == "dead-pid":
        gone = subprocess.Popen(["true"])
        gone.wait()
        fake = gone.pid
    else:
        fake = os.getpid()  # alive, but a python process, not a postgres
    (server.data_dir / "postmaster.pid").write_text(
        f"{fake}\n{server.data_dir}\n{int(time.time())}\n5432\n{server.socket_dir}\n\n"
        f"  0 0\nready\n")
    status = server.ensure_started()
    assert status.running and status.pid != fake
    assert postmasters_for(server.data_dir) == [status.pid]


def test_stop_leaves_no_postgres_process(server: Server) -> None:
    pid = server.ensure_started().pid
    assert pid is not None
    server.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).name() != "postgres"
    assert postmasters_for(server.data_dir) == []
    for proc in psutil.process_iter(["name"]):  # no backend either
        if proc.info["name"] == "postgres":
            try:
                assert Path(proc.cwd()) != server.data_dir
            except psutil.Error:
                pass
    assert not server.status().running
    server.stop()  # stopping a stopped server is a no-op


def test_start_failure_names_the_log(server: Server) -> None:
    server.stop()
    conf = server.data_dir / "postgresql.auto.conf"
    original = conf.read_bytes()
    conf.write_text(original.decode() + "\nshared_buffers = 'lots'\n")
    try:
        with pytest.raises(ServerError) as err:
            server.ensure_started()
        assert str(server.log_file) in str(err.value)
        assert "shared_buffers" in str(err.value)
    finally:
        conf.write_bytes(original)
    assert server.ensure_started().running


def test_pg15_throwaway_server(pg15_dsn: str) -> None:
    with psycopg.connect(pg15_dsn) as conn:
        assert conn.info.server_version // 10000 == 15


def test_long_data_dir_gets_short_socket_dir() -> None:
    srv = Server(data_dir=Path("/tmp") / ("deep" * 40) / "pg18")
    assert str(srv.socket_dir).startswith("/tmp/pgarch-")
    assert len(str(srv.socket_dir / ".s.PGSQL.5432")) < 100


def test_default_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGARCH_HOME", str(tmp_path / "elsewhere"))
    assert default_home() == tmp_path / "elsewhere"
    monkeypatch.delenv("PGARCH_HOME")
    (tmp_path / "proj" / "notebooks").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path / "proj" / "notebooks")
    from pgarch_kit.db import server
    # as if the server ran as ourselves: pytest's private base folder is not the point here
    monkeypatch.setattr(server, "_server_account", lambda: None)
    assert default_home() == tmp_path / "proj" / ".pgarch"
    assert Server().data_dir == tmp_path / "proj" / ".pgarch" / "pg18"


def test_a_project_the_server_user_cannot_reach_gets_a_kit_owned_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, a project under a private folder (``/root``, say) is not opened up with chmod:
    its server lives in a folder of the kit's own instead, and no mode changes."""
    from pgarch_kit.db import server
    if os.geteuid() != 0:
        pytest.skip("only root runs the server as another user")
    private = tmp_path / "private"
    (private / "proj").mkdir(parents=True)
    private.chmod(0o700)
    (private / "proj" / "pyproject.toml").write_text("")
    monkeypatch.delenv("PGARCH_HOME", raising=False)
    monkeypatch.chdir(private / "proj")
    monkeypatch.setattr(server, "_KIT_OWNED_HOMES", tmp_path / "kit_homes")
    home = default_home()
    assert home.parent == tmp_path / "kit_homes" and home.name.startswith("proj-")
    assert default_home() == home  # stable: the same project finds the same server
    assert private.stat().st_mode & 0o777 == 0o700


def test_server_of_a_deleted_data_dir_does_not_block_a_fresh_start() -> None:
    """Someone removes .pgarch while the server runs, then starts again on the same path:
    the leftover server (serving a deleted directory) is stopped, a new one starts."""
    srv = Server.temporary()
    try:
        old = srv.ensure_started().pid
        subprocess.run(["rm", "-rf", str(srv.data_dir)], check=True)
        srv.data_dir.mkdir()
        new = Server(data_dir=srv.data_dir, fast_unsafe=True).ensure_started().pid
        assert new != old and not psutil.pid_exists(old)
        assert postmasters_for(srv.data_dir) == [new]
    finally:
        srv.destroy()


def test_binaries_the_server_user_cannot_reach_are_copied_not_opened_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, a virtual environment under a private folder holds binaries the server user
    cannot execute: they are copied once into a kit-owned folder; no mode changes."""
    from pgarch_kit.db import server
    if os.geteuid() != 0:
        pytest.skip("only root runs the server as another user")
    private = tmp_path / "private"
    bin_dir = private / "venv" / "pginstall" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "postgres").write_text("#!/bin/sh\n")
    (bin_dir / "postgres").chmod(0o755)
    (private / "venv" / "pginstall" / "lib").mkdir()
    (private / "venv.libs").mkdir()
    (private / "venv.libs" / "libpq.so.5").write_text("")
    private.chmod(0o700)
    monkeypatch.setattr(server, "_KIT_OWNED_HOMES", tmp_path / "kit")
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit").chmod(0o755)
    tmp_path.chmod(0o755)
    copied = server.reachable_bin_dir(bin_dir)
    assert copied.parents[2].parent == tmp_path / "kit" and copied.name == "bin"
    assert (copied / "postgres").read_text() == "#!/bin/sh\n"
    assert (copied.parent / "lib").is_dir() and (copied.parents[2] / ".complete").is_file()
    # the wheel's bundled libraries, where the binaries' RPATH looks for them
    assert (copied.parents[2] / "venv.libs" / "libpq.so.5").is_file()
    assert server.reachable_bin_dir(bin_dir) == copied  # made once, reused
    assert private.stat().st_mode & 0o777 == 0o700
