"""The notebook story for real: a Jupyter kernel starts the server, is killed with SIGKILL,
and the next start (another kernel, the CLI) adopts the same postmaster; ``pgarch server
stop`` then leaves no postgres process behind. Uses its own PGARCH_HOME, never the shared one.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pgarch_kit.db.server import Server, postmasters_for


@pytest.fixture
def home() -> Path:
    base = Path(tempfile.mkdtemp(prefix="pgarch-kk-"))
    base.chmod(0o711)
    yield base
    Server(data_dir=base / "pg18").stop()
    subprocess.run(["rm", "-rf", str(base)], check=False)


def _kernel_starts_server(home: Path):
    from jupyter_client.manager import KernelManager
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, "PGARCH_HOME": str(home)}, cwd=str(home))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    out: list[str] = []
    kc.execute("import pgarch_kit as pk\n"
               "with pk.connect() as c: print(c.execute('select pg_backend_pid()').fetchone())\n"
               "print(pk.Server().status().pid)")
    deadline = time.time() + 120
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "error":
            pytest.fail("kernel failed: " + "\n".join(msg["content"]["traceback"]))
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle" and out:
            break
    kc.stop_channels()
    return km, int("".join(out).split()[-1])


def test_killed_kernel_leaves_a_server_the_next_start_adopts(home: Path) -> None:
    km, pid = _kernel_starts_server(home)
    kernel_pid = km.provisioner.process.pid
    os.kill(kernel_pid, signal.SIGKILL)
    km.provisioner.process.wait(10)
    data_dir = home / "pg18"
    assert postmasters_for(data_dir) == [pid], "the server should outlive its kernel"

    km2, pid2 = _kernel_starts_server(home)          # a new kernel adopts, never doubles
    km2.shutdown_kernel(now=True)
    assert pid2 == pid and postmasters_for(data_dir) == [pid]

    env = {**os.environ, "PGARCH_HOME": str(home)}
    cli = [sys.executable, "-m", "pgarch_kit.cli", "server"]
    status = subprocess.run([*cli, "status"], env=env, capture_output=True, text=True,
                            check=True)
    assert f"pid {pid}" in status.stdout
    subprocess.run([*cli, "stop"], env=env, capture_output=True, text=True, check=True)
    assert postmasters_for(data_dir) == []
    assert not (data_dir / "postmaster.pid").exists()
