"""Safe file writes (L0): every file the kit writes goes through here.

A write is *atomic*: the bytes go to a temporary file in the same directory, are fsynced, then
renamed over the target, so a crash, a full disk or an exception never leaves a half-written
design or report. It is also *careful about what it replaces*:

- the target must be a regular file (or not exist yet); a directory, FIFO, socket or device
  node is refused with :class:`FileWriteError` instead of being replaced by a regular file
  (as root, ``-o /dev/null`` used to replace the system's ``/dev/null``);
- a symbolic link is written *through*: the file it points to gets the new bytes and the link
  stays a link;
- an existing file keeps its permission bits (and, when we may, its owner); a new file gets
  ``0666 & ~umask`` like any file the user's shell would create;
- writers of one directory are serialised by an advisory ``flock`` on the directory itself
  (no lock file is left beside the target), and under that lock a caller may pass the
  :class:`Fingerprint` it expects the file to have: if the file changed since, nothing is
  written and :class:`ConcurrentEditError` says so (a lost update becomes a refusal);
- temporary files are named ``.<target>.pgarch-<pid>-<hex>.tmp``; one left behind by a killed
  write (kill -9 between write and rename) is removed by the next write of the same target —
  only names of exactly that form, regular files of ours, whose process is gone.

``hooks`` lets tests inject faults at the two points that matter (between writing the temp file
and renaming it; when a writer has to wait for the lock) without sleeps.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from .errors import ConcurrentEditError, FileWriteError

__all__ = [
    "ANY",
    "ConcurrentEditError",
    "FileWriteError",
    "Fingerprint",
    "atomic_write_bytes",
    "atomic_write_text",
    "directory_lock",
    "fingerprint",
    "hooks",
    "output_folder",
    "write_target",
]

#: Fault-injection points for tests: ``before_rename(tmp, target)`` runs after the temporary
#: file is written and fsynced, before it replaces the target (the lock is held);
#: ``lock_wait(directory)`` runs when a writer finds the directory locked, before it blocks.
hooks = SimpleNamespace(before_rename=None, lock_wait=None)

ANY: object = object()  # ``expected=ANY``: replace whatever is there


@dataclass(frozen=True)
class Fingerprint:
    """What a file held when it was read: size, mtime and SHA-256 of its bytes. Two
    fingerprints describe the same content when size and hash agree (the mtime is kept for
    messages; an editor that rewrites identical bytes is not a conflict)."""

    size: int
    sha256: str
    mtime_ns: int = 0

    @classmethod
    def of(cls, data: bytes, mtime_ns: int = 0) -> Fingerprint:
        return cls(len(data), hashlib.sha256(data).hexdigest(), mtime_ns)

    def same_content(self, other: Fingerprint | None) -> bool:
        return other is not None and (self.size, self.sha256) == (other.size, other.sha256)


def fingerprint(path: str | os.PathLike[str]) -> Fingerprint | None:
    """The fingerprint of the file at ``path`` now (through symlinks), ``None`` if absent."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None
            return Fingerprint.of(fh.read(), st.st_mtime_ns)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def write_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` lands on: symlinks followed (the link stays a link and its
    target gets the bytes). Refuses, with :class:`FileWriteError`, anything that exists but is
    not a regular file — the kit never replaces a directory, FIFO, socket or device node."""
    given = Path(path)
    real = Path(os.path.realpath(given))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real
    except OSError as exc:  # a symlink loop, a path through a regular file …
        raise FileWriteError(given, f"cannot be resolved ({exc.strerror})",
                             "give a path to a regular file in an existing folder") from None
    if not stat.S_ISREG(st.st_mode):
        via = f" (through the link to {real})" if real != given.absolute() else ""
        raise FileWriteError(
            given, f"is {_kind(st.st_mode)}{via}, not a regular file; the kit writes only "
            "regular files and never replaces other nodes",
            "give a path to a regular file (for the CLI, leave out -o to print to stdout)")
    return real


def output_folder(path: str | os.PathLike[str]) -> Path:
    """Make sure ``path`` is a directory to write files into (created with its parents);
    anything else already there — a file, FIFO, device — is refused, not written around."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        pass
    except (NotADirectoryError, OSError) as exc:
        raise FileWriteError(folder, f"cannot be created as a folder ({exc.strerror})",
                             "give the path of a folder (it is created if missing)") from None
    st = os.stat(folder)
    if not stat.S_ISDIR(st.st_mode):
        raise FileWriteError(folder, f"is {_kind(st.st_mode)}, not a folder",
                             "give the path of a folder (it is created if missing)")
    return folder


@contextlib.contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``directory`` (``flock`` on the folder itself, so no
    lock file is left behind). Every kit writer of a file in that folder takes it, so a
    check-then-replace (see ``expected``) is not interleaved with another kit process's."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if hooks.lock_wait is not None:
                hooks.lock_wait(directory)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8", *,
                      expected: Fingerprint | object | None = ANY,
                      conflict_fix: str = "") -> Path:
    """Replace ``path`` with ``text`` safely (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode(encoding), expected=expected,
                              conflict_fix=conflict_fix)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *,
                       expected: Fingerprint | object | None = ANY,
                       conflict_fix: str = "") -> Path:
    """Replace ``path`` with ``data`` atomically; returns the path written (a symlink's target).

    ``expected`` is what the caller last saw in the file: a :class:`Fingerprint`, ``None``
    for "it did not exist", or :data:`ANY` (the default) to replace whatever is there. It is
    compared under the directory lock; on a mismatch nothing is written and
    :class:`ConcurrentEditError` (with ``conflict_fix`` as its fix) is raised."""
    given = Path(path)
    write_target(given)  # refuse early, before creating any folder
    output_folder(Path(os.path.realpath(given)).parent)
    target = write_target(given)
    with directory_lock(target.parent):
        target = write_target(given)  # the link may have been retargeted while we waited
        _remove_stale_temps(target)
        if expected is not ANY:
            found = fingerprint(target)
            same = found is None if expected is None else \
                isinstance(expected, Fingerprint) and expected.same_content(found)
            if not same:
                raise ConcurrentEditError(given, conflict_fix or "read the file again and "
                                          "redo the change, or overwrite it deliberately")
        _replace(target, data)
    _fsync_dir(target.parent)
    return target


def _replace(target: Path, data: bytes) -> None:
    tmp = target.parent / f".{target.name}.pgarch-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            _copy_mode(fh.fileno(), target)
        if hooks.before_rename is not None:
            hooks.before_rename(tmp, target)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _copy_mode(fd: int, target: Path) -> None:
    """An existing file keeps its mode and owner; a new one follows the umask."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o777)
    if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.fchown(fd, st.st_uid, st.st_gid)


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for a moment, for every
    thread); falls back to the set-and-restore dance where /proc is missing."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_stale_temps(target: Path) -> None:
    """Remove temporary copies of ``target`` left by a killed write. Called under the
    directory lock, so no live kit writer of this directory is between write and rename;
    still, only exact ``.<name>.pgarch-<pid>-<8 hex>.tmp`` names are touched, only regular
    files (never a link) owned by us, and only when process ``pid`` no longer exists."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.pgarch-(\d+)-[0-9a-f]{{8}}\.tmp")
    prefix = f".{target.name}.pgarch-"
    try:
        names = [n for n in os.listdir(target.parent) if n.startswith(prefix)]
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if not m or _alive(int(m.group(1))):
            continue
        path = target.parent / name
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                os.unlink(path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of ours; never touch it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:  # EPERM: it exists, just not ours
        return exc.errno != errno.ESRCH
    return True


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where unsupported."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
