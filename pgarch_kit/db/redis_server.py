"""The kit's own Redis, for the caching demonstrations: Debian's ``redis-server`` started on a
private unix socket beside the PostgreSQL data directory, no TCP port, no persistence — or
any Redis that ``$PGARCH_REDIS_URL`` names.

Like the embedded PostgreSQL it outlives the notebook kernel that started it (the next one
adopts it) and ``pgarch server stop`` stops both.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pgarch_kit.errors import PgArchError

from .server import default_home

if TYPE_CHECKING:
    import redis

__all__ = ["RedisError", "redis_client", "redis_url", "stop_redis"]

_SOCKET_ROOM = 100   # AF_UNIX paths hold 107 bytes


class RedisError(PgArchError):
    """No Redis to talk to; the message says how to get one."""


def _folder(home: Path | None = None) -> Path:
    return (home or default_home()) / "redis"


def _socket(folder: Path) -> Path:
    near = folder / "redis.sock"
    if len(os.fsencode(near)) <= _SOCKET_ROOM:
        return near
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"pgarch-redis-{digest}.sock"


def _pid(folder: Path) -> int | None:
    try:
        pid = int((folder / "redis.pid").read_text().strip())
        os.kill(pid, 0)
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and b"redis-server" not in cmdline.read_bytes():
            return None      # the pid was reused by another program
        return pid
    except (OSError, ValueError):
        return None


def redis_url(home: Path | None = None) -> str:
    """``$PGARCH_REDIS_URL``, else the kit's own Redis (started if it is not running)."""
    if env := os.environ.get("PGARCH_REDIS_URL"):
        return env
    folder = _folder(home)
    sock = _socket(folder)
    if _pid(folder) is None or not sock.exists():
        exe = shutil.which("redis-server")
        if exe is None:
            raise RedisError("redis-server is not installed: run `make setup` (it installs "
                             "Debian's redis-server), `apt-get install redis-server`, or set "
                             "PGARCH_REDIS_URL=redis://host:6379/0 to use another Redis")
        folder.mkdir(parents=True, exist_ok=True)
        sock.unlink(missing_ok=True)
        proc = subprocess.run(
            [exe, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--daemonize", "yes",
             "--pidfile", str(folder / "redis.pid"), "--logfile", str(folder / "redis.log"),
             "--dir", str(folder), "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"],
            capture_output=True, text=True, check=False)
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not sock.exists():
            log = (folder / "redis.log").read_text()[-1500:] if (folder / "redis.log").exists() \
                else proc.stderr
            raise RedisError(f"redis-server did not start: {log.strip()}")
    return f"unix://{sock}"


def redis_client(url: str | None = None) -> redis.Redis:
    """A client of ``url`` (default :func:`redis_url`), checked with a PING."""
    import redis as redis_py
    url = url or redis_url()
    client = redis_py.Redis.from_url(url, socket_timeout=10)
    try:
        client.ping()
    except redis_py.RedisError as exc:
        from pgarch_kit._redact import redact
        raise RedisError(f"cannot reach Redis at {redact(url, url)}: {redact(exc, url)} — check "
                         f"PGARCH_REDIS_URL, or unset it to use the kit's own") from None
    return client


def stop_redis(home: Path | None = None) -> bool:
    """Stop the kit's own Redis if it runs (never one that ``$PGARCH_REDIS_URL`` names)."""
    folder = _folder(home)
    pid = _pid(folder)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.05)
    _socket(folder).unlink(missing_ok=True)
    return True
