"""Hostile file-system inputs: where the kit writes, what it parses, who else writes the file.

Issue 15, classes 5 (safe writes), 6 (bounded parsing) and the file half of 8 (concurrent
edits). Every attack asserts that nothing happened on the file system (the FIFO, device node,
socket, folder or other writer's change is still there, no stray file appeared) and that the
user got a clear message naming the path and the fix. Device nodes and FIFOs are our own, made
in ``tmp_path`` — never the system's. Kills and races use the hooks of
:mod:`pgarch_kit._fileio`, never sleeps.
"""
from __future__ import annotations

import os
import resource
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from pgarch_kit.model.design import Column, Design, PrimaryKey, Table

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- helpers

def _design(name: str = "shop", description: str | None = None) -> Design:
    return Design(name, description=description,
                  tables=(Table("t", (Column("id", "bigint", False),),
                                primary_key=PrimaryKey(("id",))),))


def _design_file(tmp_path: Path, name: str = "design.yaml") -> Path:
    from pgarch_kit.model.serde import dump_design
    path = tmp_path / name
    path.write_text(dump_design(_design()), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT),
            "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}


def _limit_memory() -> None:  # a guard for the subprocess, so a parsing bomb cannot eat the box
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def pgarch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=_env(), timeout=300,
                          preexec_fn=_limit_memory)


def python(code: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=ROOT, env=_env(), timeout=300, **kwargs)


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _clear_refusal(text: str, path: Path, *words: str) -> None:
    assert "Traceback" not in text, text
    assert str(path) in text or path.name in text, text
    assert "fix:" in text, text
    for word in words:
        assert word in text, text


# =========================================================================== class 5: writes

def test_cli_output_to_a_fifo_is_refused_and_the_fifo_stays(tmp_path: Path) -> None:
    """`pgarch ddl -o FIFO`: the FIFO must not be replaced by a regular file."""
    design = _design_file(tmp_path)
    fifo = tmp_path / "pipe.sql"
    os.mkfifo(fifo)
    r = pgarch("ddl", str(design), "-o", str(fifo))
    assert r.returncode == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _listing(tmp_path) == ["design.yaml", "pipe.sql"]  # no temp file left
    _clear_refusal(r.stderr, fifo, "FIFO", "regular file")


def test_cli_output_to_a_device_node_is_refused_and_the_node_stays(tmp_path: Path) -> None:
    """`pgarch dbml -o NODE` on our own char device (same major/minor as /dev/null)."""
    design = _design_file(tmp_path)
    node = tmp_path / "null"
    rdev = os.makedev(1, 3)
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, rdev)
    except PermissionError:
        pytest.skip("creating a device node needs root")
    r = pgarch("dbml", str(design), "-o", str(node))
    st = os.lstat(node)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev
    assert r.returncode == 1
    assert _listing(tmp_path) == ["design.yaml", "null"]
    _clear_refusal(r.stderr, node, "character device")


def test_output_to_a_directory_or_socket_is_refused(tmp_path: Path) -> None:
    """A diagram saved onto a socket, DDL written onto a folder: refused, nothing replaced."""
    from pgarch_kit.diagram import diagram
    from pgarch_kit.errors import PgArchError
    sock_path = tmp_path / "er.svg"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        with pytest.raises(PgArchError) as exc:
            diagram(_design()).save(sock_path)
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)
        assert type(exc.value).__name__ == "FileWriteError"
        _clear_refusal(str(exc.value), sock_path, "socket")
    finally:
        server.close()
    folder = tmp_path / "out.sql"
    folder.mkdir()
    design = _design_file(tmp_path)
    r = pgarch("ddl", str(design), "-o", str(folder))
    assert r.returncode == 1 and folder.is_dir() and _listing(folder) == []
    _clear_refusal(r.stderr, folder, "directory")


def test_cli_output_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    """`pgarch migrate --out FILE`: the file is neither replaced nor written around."""
    old = _design_file(tmp_path, "old.yaml")
    new = _design_file(tmp_path, "new.yaml")
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("keep me\n")
    r = pgarch("migrate", str(old), str(new), "--out", str(not_a_folder))
    assert r.returncode == 1
    assert not_a_folder.read_text() == "keep me\n"
    assert _listing(tmp_path) == ["new.yaml", "notes.txt", "old.yaml"]
    _clear_refusal(r.stderr, not_a_folder, "not a folder")


def test_a_symlinked_design_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    """A design file kept elsewhere and linked into the project (and a linked -o output)."""
    from pgarch_kit.model.serde import load_design, save_design
    real = tmp_path / "shared" / "design.yaml"
    real.parent.mkdir()
    real.write_text("name: shop\n")
    link = tmp_path / "design.yaml"
    link.symlink_to(real)
    changed = _design(description="edited through the link")
    save_design(changed, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load_design(real) == changed
    assert _listing(tmp_path) == ["design.yaml", "shared"]
    assert _listing(real.parent) == ["design.yaml"]
    out_real = tmp_path / "shared" / "schema.sql"
    out_real.write_text("-- old\n")
    out_link = tmp_path / "schema.sql"
    out_link.symlink_to(out_real)
    r = pgarch("ddl", str(real), "-o", str(out_link))
    assert r.returncode == 0, r.stderr
    assert out_link.is_symlink() and "CREATE TABLE" in out_real.read_text()


def test_new_files_follow_the_umask_and_existing_files_keep_their_mode(tmp_path: Path) -> None:
    """A private umask (077) must not be widened to 0644; a 0600 file must stay 0600."""
    from pgarch_kit.model.serde import save_design
    old = os.umask(0o077)
    try:
        fresh = save_design(_design(), tmp_path / "private.yaml")
        report = tmp_path / "ddl.sql"
        r = pgarch("ddl", str(fresh), "-o", str(report))
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600
    os.umask(0o022)
    try:
        kept = tmp_path / "kept.yaml"
        kept.write_text("name: shop\n")
        os.chmod(kept, 0o640)
        save_design(_design(), kept)
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640
    finally:
        os.umask(old)


def test_a_killed_save_leaves_temp_files_that_the_next_save_removes(tmp_path: Path) -> None:
    """kill -9 between writing the temporary copy and the rename (a hook, not a sleep): the
    next save of that file removes the copy — and nothing that merely looks like one."""
    from pgarch_kit.model.serde import load_design, save_design
    path = tmp_path / "design.yaml"
    save_design(_design(), path)
    r = python(f"""
        import os, signal
        from pgarch_kit import _fileio
        from pgarch_kit.model.serde import load_design, save_design
        from dataclasses import replace
        _fileio.hooks.before_rename = lambda tmp, target: os.kill(os.getpid(), signal.SIGKILL)
        d = load_design({str(path)!r})
        save_design(replace(d, description="half-saved"), {str(path)!r})
    """)
    assert r.returncode == -signal.SIGKILL, r.stderr
    stale = [n for n in _listing(tmp_path) if n.endswith(".tmp")]
    assert len(stale) == 1 and stale[0].startswith(".design.yaml.")
    assert load_design(path) == _design()  # the killed save changed nothing
    # look-alikes that are not the kit's temp files of this target
    decoys = {
        ".design.yaml.notes.tmp": "a user's file",
        ".other.yaml.pgarch-999999-0123abcd.tmp": "another target's temp",
        f".design.yaml.pgarch-{os.getpid()}-89abcdef.tmp": "a live writer's temp",
    }
    for name, text in decoys.items():
        (tmp_path / name).write_text(text)
    victim = tmp_path / "victim.txt"
    victim.write_text("not the kit's\n")
    (tmp_path / ".design.yaml.pgarch-999999-fedcba98.tmp").symlink_to(victim)
    save_design(_design(description="saved again"), path)
    assert load_design(path).description == "saved again"
    assert stale[0] not in _listing(tmp_path)
    for name, text in decoys.items():
        assert (tmp_path / name).read_text() == text
    assert (tmp_path / ".design.yaml.pgarch-999999-fedcba98.tmp").is_symlink()
    assert victim.read_text() == "not the kit's\n"


# =========================================================================== class 6: parsing

def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The classic 'billion laughs': each anchor is a list of ``width`` aliases of the last."""
    rows = ["    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    rows += [f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]"
             for i in range(1, levels + 1)]
    return ("name: shop\ntables:\n  - name: t\n    columns:\n      - {name: id, type: bigint}\n"
            "lint:\n  settings:\n" + "\n".join(rows) + "\n")


def test_a_billion_laughs_design_file_is_refused_by_the_cli(tmp_path: Path) -> None:
    """A ~600-byte file of nested aliases: refused with a message, not minutes and GBs."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb())
    assert bomb.stat().st_size < 1024
    r = pgarch("validate", str(bomb))
    assert r.returncode == 1
    _clear_refusal(r.stdout + r.stderr, bomb, "aliases", "refused")
    assert _listing(tmp_path) == ["bomb.yaml"]


def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path: Path) -> None:
    """[[[[…]]]] 5000 deep (10 KB) gave a raw RecursionError."""
    from pgarch_kit.errors import DesignFileError
    from pgarch_kit.model.serde import load_design
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: shop\nlint:\n  settings:\n    x: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(DesignFileError) as exc:
        load_design(deep)
    _clear_refusal(str(exc.value), deep, "nests deeper", "line 4")
    blocks = tmp_path / "blocks.yaml"  # the block-style spelling: `- - - - …`
    blocks.write_text("name: shop\nlint:\n  settings:\n    x:\n      " + "- " * 3000 + "x\n")
    with pytest.raises(DesignFileError) as exc:
        load_design(blocks)
    _clear_refusal(str(exc.value), blocks, "nests deeper", "line 5")


def test_a_long_anchor_chain_and_a_merge_key_bomb_are_refused(tmp_path: Path) -> None:
    """Aliases that nest through each other (a chain 1500 long) and ``<<:`` merges of merged
    mappings: depth and size both count what the aliases expand to."""
    from pgarch_kit.errors import DesignFileError
    from pgarch_kit.model.serde import load_design
    from pgarch_kit.widgets.studio import studio
    chain = tmp_path / "chain.yaml"
    rows = ["    c0: &c0 [end]"] + [f"    c{i}: &c{i} [*c{i - 1}]" for i in range(1, 1500)]
    chain.write_text("name: shop\nlint:\n  settings:\n" + "\n".join(rows) + "\n")
    with pytest.raises(DesignFileError) as exc:
        load_design(chain)
    _clear_refusal(str(exc.value), chain, "nests deeper", "aliases")
    merge = tmp_path / "merge.yaml"
    rows = ["x-m0: &m0 {k0: a, k1: b, k2: c, k3: d, k4: e, k5: f, k6: g, k7: h}"]
    rows += [f"x-m{i}: &m{i} [" + ", ".join([f"*m{i - 1}"] * 8) + "]" for i in range(1, 8)]
    merge.write_text("\n".join(rows) + "\nname: shop\ntables:\n  - name: t\n    columns:\n"
                     "      - {<<: *m7, name: id, type: bigint}\n")
    with pytest.raises(DesignFileError) as exc:
        studio(merge)  # the studio opens files through the same bounded reader
    _clear_refusal(str(exc.value), merge, "aliases")


# =========================================================================== class 8: edits

def _change(d: Design, text: str) -> Design:
    return replace(d, description=text)


def test_two_studios_on_one_file_the_second_save_is_refused_inline(tmp_path: Path) -> None:
    from pgarch_kit.model.edit import add_table
    from pgarch_kit.model.serde import load_design, save_design
    from pgarch_kit.widgets.studio import studio
    path = tmp_path / "shop.yaml"
    save_design(_design(), path)
    first, second = studio(path), studio(path)
    assert first.apply(add_table, "customers")
    assert "saved" in first.panels.status.value
    after_first = path.read_bytes()
    assert second.apply(add_table, "orders")  # kept in the studio …
    assert path.read_bytes() == after_first  # … but not written over the first's change
    status = second.panels.status.value
    assert "not saved" in status and "changed on disk" in status and str(path) in status
    assert ".reload()" in status and "overwrite=True" in status
    assert second.reload() and second.value.table("customers") is not None
    assert second.apply(add_table, "orders")  # redo the change on the file's version
    assert "saved" in second.panels.status.value and "not saved" not in second.panels.status.value
    merged = load_design(path)
    assert merged.table("customers") is not None and merged.table("orders") is not None
    assert _listing(tmp_path) == ["shop.yaml"]


def test_a_studio_does_not_overwrite_a_save_made_by_another_process(tmp_path: Path) -> None:
    from pgarch_kit.model.edit import add_table
    from pgarch_kit.model.serde import load_design, save_design
    from pgarch_kit.widgets.studio import studio
    path = tmp_path / "shop.yaml"
    save_design(_design(), path)
    s = studio(path)
    r = python(f"""
        from dataclasses import replace
        from pgarch_kit.model.serde import load_design, save_design
        d = load_design({str(path)!r})
        save_design(replace(d, description="from the other kernel"), {str(path)!r})
    """)
    assert r.returncode == 0, r.stderr
    theirs = path.read_bytes()
    assert s.apply(add_table, "mine")
    assert path.read_bytes() == theirs
    assert "changed on disk" in s.panels.status.value
    assert s.save(overwrite=True)  # "I know": the explicit overwrite still works
    assert load_design(path).table("mine") is not None


def test_save_design_refuses_a_file_edited_since_it_was_loaded(tmp_path: Path) -> None:
    """A notebook loads, an editor (or the CLI) rewrites the file, the notebook saves."""
    from pgarch_kit.errors import PgArchError
    from pgarch_kit.model.serde import dump_design, load_design, save_design
    path = tmp_path / "shop.yaml"
    path.write_text(dump_design(_design()))
    mine = load_design(path)
    theirs = dump_design(_change(mine, "edited in vim"))
    path.write_text(theirs)
    with pytest.raises(PgArchError) as exc:
        save_design(_change(mine, "edited in the notebook"), path)
    assert path.read_text() == theirs
    assert type(exc.value).__name__ == "ConcurrentEditError"
    _clear_refusal(str(exc.value), path, "changed on disk", "load_design", "overwrite=True")
    assert _listing(tmp_path) == ["shop.yaml"]


def test_kit_writers_are_serialised_by_a_lock(tmp_path: Path) -> None:
    """Process A is between its check and its rename (held there by a hook) when B saves the
    same file it loaded before A's save: B waits for the lock and is then refused."""
    from pgarch_kit import _fileio
    from pgarch_kit.model.serde import dump_design, load_design, save_design
    path = tmp_path / "shop.yaml"
    path.write_text(dump_design(_design()))
    mine = load_design(path)
    a = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from dataclasses import replace
        from pgarch_kit import _fileio
        from pgarch_kit.model.serde import load_design, save_design
        def pause(tmp, target):
            print("ready", flush=True)
            sys.stdin.readline()
        _fileio.hooks.before_rename = pause
        d = load_design({str(path)!r})
        save_design(replace(d, description="A"), {str(path)!r})
        print("saved", flush=True)
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=ROOT, env=_env())
    try:
        assert a.stdout.readline().strip() == "ready", a.stderr.read()
        waiting = threading.Event()
        outcome: list[BaseException | None] = []
        _fileio.hooks.lock_wait = lambda folder: waiting.set()

        def b() -> None:
            try:
                save_design(_change(mine, "B"), path)
                outcome.append(None)
            except BaseException as exc:  # handed to the test thread
                outcome.append(exc)
            finally:
                waiting.set()
        thread = threading.Thread(target=b)
        thread.start()
        assert waiting.wait(60)
        a.stdin.write("go\n")
        a.stdin.flush()
        assert a.stdout.readline().strip() == "saved"
        thread.join(60)
    finally:
        _fileio.hooks.lock_wait = None
        a.kill()
        a.wait()
    from pgarch_kit.errors import ConcurrentEditError
    assert len(outcome) == 1 and isinstance(outcome[0], ConcurrentEditError), outcome
    assert str(path) in str(outcome[0]) and "overwrite=True" in str(outcome[0])
    assert load_design(path).description == "A"
    assert _listing(tmp_path) == ["shop.yaml"]
