"""Output folders that never lose a user's data: ownership marker, lock, crash-safe replacement.

A command writes only into a folder it owns: a new (or empty) folder, or one a cge command of the
same kind wrote before, recognised by the marker file :data:`MARKER` (a folder from a cge version
before markers is adopted only if it holds nothing but that command's own files). Anything else at the target
(user files, a plain file, a benchmark where results are expected, the input of the command) is
refused with :class:`~cge.errors.OutputError`; ``force=True`` replaces what is there, except an
input of the same command (or a folder holding one, or the current directory), which is never
replaced.

:class:`OutputFolder` is used in two steps so that every check runs *before* the expensive work::

    with OutputFolder("results", "results", inputs=[data, scenarios], need_bytes=n) as out:
        ...solve...                       # refused / full / read-only targets failed already
        write files into out.tmp
        out.commit()                      # the new folder replaces the old one

* **Lock.** ``.<name>.cge-lock`` beside the target (a folder that is swapped cannot hold its own
  lock; an append-only sweep folder holds ``.cge-lock`` inside) is held with ``flock`` while the
  folder is prepared and written, and removed on release; a second writer stops with a message
  naming the holder's pid, or waits with ``wait=True``.
* **Crash-safe swap.** The new folder is written to ``.<name>.cge-tmp.<random>`` and exchanged
  with the old one in one ``renameat2(RENAME_EXCHANGE)`` system call (Linux ext4, xfs, btrfs,
  tmpfs), so at every instant the target holds either the old or the new results. Where the file
  system cannot exchange, the old folder is first renamed to ``.<name>.cge-old.<random>``; should
  the process die before the new one is in place, the next run under the lock puts it back.
* **Files it did not write are kept.** The marker lists every file the command wrote; a re-run
  replaces those and carries everything else of the old folder into the new one (a user's notes,
  a file added to a sub-folder, a ``report/`` another command built there): :func:`foreign_entries`,
  :func:`carry_over`, a note on stderr naming them. A user's file with the name of a new output is
  refused before the swap. A kill between the swap and the carrying leaves the old folder as debris
  that the next run empties into the target (:func:`recover`), never deletes with those files in it.
* **Debris.** Temporary siblings left by a killed run are removed by the next run (under the lock,
  so never those of a live writer).
* **Permissions** follow the umask (``mkdir`` mode 0o777), not the 0700 of ``mkdtemp``.
* **Pre-flight.** Before the work starts: the parent is writable (a probe file is written), the
  free space covers ``need_bytes`` and the file-size limit (``ulimit -f``) covers the largest file.
  Any ``OSError`` while writing becomes an :class:`OutputError` naming the target, and the old
  folder is left as it was.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import resource
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from cge.errors import CGEError, OutputError

#: the file that marks a folder as written by cge; its ``kind`` says which command wrote it
MARKER = ".cge-output"
#: name of the lock file (inside an append-only folder, ``.<name>`` + this beside a swapped one)
LOCK_SUFFIX = ".cge-lock"
KINDS = {"results": "`cge compare` results", "report": "a `cge report` report", "sweep": "a `cge sweep` folder",
         "benchmark": "a benchmark dataset", "mrio": "an MRIO table in the CSV layout"}
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _debris_prefixes(name: str) -> tuple[str, str]:
    return f".{name}.cge-tmp.", f".{name}.cge-old."


def read_marker(folder: Path) -> dict | None:
    """The marker of ``folder`` (``{kind: ..., ...}``) or None when it has none."""
    path = folder / MARKER
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {"kind": "?"}
    return data if isinstance(data, dict) else {"kind": "?"}


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder`` as a relative POSIX path (what a command wrote there)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if (p.is_file() or p.is_symlink()) and p.name != MARKER)


def write_marker(folder: Path, kind: str, files: Iterable[str] | None = None) -> None:
    """Mark ``folder`` as written by a cge command of ``kind``; ``files`` are the paths (relative,
    see :func:`written_files`) that command wrote there: a re-run replaces those and keeps the rest."""
    import cge

    record = {"kind": kind, "written_by": f"cge {cge.__version__}"}
    if files is not None:
        record["files"] = sorted(files)
    (folder / MARKER).write_text(yaml.safe_dump(record))


def foreign_entries(folder: Path, kind: str, writes: Iterable[str] = ()) -> list[str]:
    """The paths in ``folder`` (a folder of ``kind``, relative) that its command did not write: a
    file not in the marker's ``files``, a sub-folder holding none of them, and any sub-folder that
    another cge command marked as its own (a report inside results). A marker written before the
    list existed owns, whole, the top-level names such a command writes (:func:`_legacy_files`) and
    ``writes``, the names it writes now. Empty for a folder of another kind or none."""
    marker = read_marker(folder)
    if marker is None or marker.get("kind") != kind:
        return []
    listed = marker.get("files")
    if isinstance(listed, list):
        files = {str(n) for n in listed}
        dirs = {"/".join(f.split("/")[:k]) for f in files for k in range(1, f.count("/") + 1)}
    else:
        legacy = _legacy_files(kind)
        if legacy is None:
            return []                                  # nothing to tell the command's files from others
        files, dirs = legacy[0] | set(writes), set()

    def walk(here: Path, prefix: str) -> Iterator[str]:
        for p in sorted(here.iterdir()):
            rel = f"{prefix}{p.name}"
            if rel == MARKER:
                continue
            if p.is_dir() and not p.is_symlink() and read_marker(p) is not None:
                yield rel                              # another command's folder: never this one's
            elif rel in files:
                continue
            elif p.is_dir() and not p.is_symlink() and rel in dirs:
                yield from walk(p, f"{rel}/")
            else:
                yield rel
    return list(walk(folder, ""))


def carry_over(old: Path, new: Path, paths: Iterable[str]) -> list[str]:
    """Move the entries ``paths`` (relative) of ``old`` into ``new`` (one rename each, creating
    their parent folders); those that ``new`` already has stay where they are. Returns those moved."""
    moved = []
    for rel in paths:
        src, dst = old / rel, new / rel
        if os.path.lexists(src) and not os.path.lexists(dst):
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.rename(src, dst)
            moved.append(rel)
    return moved


def describe_kept(folder: Path, names: Iterable[str]) -> str:
    """One line naming what a command kept in ``folder`` it had not written (sub-folders with a /)."""
    parts = []
    for name in names:
        path = folder / name
        label = f"{name}/" if path.is_dir() else name
        marker = read_marker(path) if path.is_dir() else None
        if marker is not None:
            made = KINDS.get(str(marker.get("kind")), "cge output")
            label += f" ({made} made from what was here before: now out of date, build it again)"
        parts.append(label)
    return f"note: kept in {folder}/ what this command did not write: {', '.join(parts)}"


#: the result tables a ``cge compare`` wrote before markers existed (a fixed fact of those
#: versions, so this layer needs nothing from :mod:`cge.results`)
LEGACY_RESULT_TABLES = ("bca_flows", "bca_transfers", "bilateral", "burden_shares", "cbdr", "decomposition",
                        "fairness", "groups", "regions", "sectors", "summary")


def _legacy_files(kind: str) -> tuple[set[str], str] | None:
    """The names a cge command of ``kind`` wrote before markers existed, and its signature file."""
    if kind == "results":
        names = {f"{t}.{ext}" for t in LEGACY_RESULT_TABLES for ext in ("csv", "parquet")}
        return names | {"headline.csv", "headline.md", "headline.tex", "results.xlsx", "run.yaml", "report"}, "run.yaml"
    if kind == "report":
        return {"report.html", "figures", "tables"}, "report.html"
    if kind == "sweep":
        return {"parts", "manifest.jsonl", "plan.parquet", "sweep.json", "sweep.yaml", "sweep.log", "points.parquet",
                "summary_stats.csv", "summary.json", "summary.md", "summary.tex", "summary.xlsx", "failed.csv",
                "report"}, "sweep.json"
    return None


def _is_legacy_output(target: Path, kind: str) -> bool:
    """A folder written by an earlier cge (no marker) holding nothing but that command's files."""
    known = _legacy_files(kind)
    if known is None:
        return False
    names, signature = known
    present = {p.name for p in target.iterdir()}
    return signature in present and present <= names


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_target(target: str | Path, kind: str, inputs: Iterable = (), force: bool = False) -> Path:
    """Refuse a target the command does not own (see module docstring); returns it absolute."""
    target = Path(os.path.abspath(target))
    real = target.resolve()
    if _within(Path.cwd().resolve(), real):
        raise OutputError(f"{target}: is the current folder (or contains it); choose a new output folder")
    for inp in inputs:
        if inp is None or str(inp) == "":
            continue
        inp_real = Path(os.path.abspath(inp)).resolve()
        if _within(inp_real, real):
            what = "is" if inp_real == real else "contains"
            raise OutputError(f"{target}: {what} an input of this command ({inp}); it is never overwritten, "
                              "not even with --force: choose another output folder")
    if not os.path.lexists(target):
        return target
    if target.is_symlink() or not target.is_dir():
        if force:
            return target
        raise OutputError(f"{target}: exists and is not a folder; refusing to replace it "
                          "(remove it, choose another --out, or pass --force)")
    marker = read_marker(target)
    if marker is not None and marker.get("kind") == kind:
        return target
    if marker is None and not any(target.iterdir()):
        return target                                   # an empty folder: nothing to lose
    if marker is None and _is_legacy_output(target, kind):
        return target                                   # written by an earlier cge: only its own files
    if force:
        return target
    if marker is not None:
        held = KINDS.get(str(marker.get("kind")), f"output of kind {marker.get('kind')!r}")
        raise OutputError(f"{target}: holds {held}, not {KINDS[kind]}; refusing to replace it "
                          "(choose another --out, or pass --force)")
    raise OutputError(f"{target}: exists and was not written by cge (no {MARKER} marker); refusing to "
                      "replace or add to it (choose a new --out, or pass --force to replace it)")


class FolderLock:
    """An exclusive ``flock`` on ``path`` (created if missing); works across processes."""

    def __init__(self, path: Path, what: str, wait: bool = False):
        self.path, self.what, self.wait = Path(path), what, wait
        self.fd: int | None = None

    def acquire(self) -> FolderLock:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            except BlockingIOError:
                try:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                except OSError:
                    holder = "?"
                os.close(fd)
                raise OutputError(f"{self.what}: another cge process (pid {holder}) is writing to it; wait for "
                                  "it to finish, or pass --wait to queue behind it") from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)             # the holder removed the file as it released it: lock the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file (while still holding it, so a waiter re-checks) and unlock."""
        if self.fd is not None:
            try:
                if os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                    os.unlink(self.path)
            except OSError:
                pass
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def recover(target: Path) -> None:
    """Undo what a killed writer left beside ``target`` (call under the lock): put an old folder
    back if the target is missing, then remove every temporary sibling."""
    parent, name = target.parent, target.name
    tmp_prefix, old_prefix = _debris_prefixes(name)
    if not parent.is_dir():
        return
    debris = [p for p in parent.iterdir() if p.name.startswith((tmp_prefix, old_prefix))]
    if not os.path.lexists(target):
        old = [p for p in debris if p.name.startswith(old_prefix) and p.is_dir()]
        if old:
            os.rename(old[0], target)
            debris.remove(old[0])
    for p in debris:
        if p.is_dir() and not p.is_symlink():
            kind = (read_marker(p) or {}).get("kind")
            if kind is not None and target.is_dir():
                foreign = foreign_entries(p, str(kind))   # files a user had added to the old folder
                carry_over(p, target, foreign)
                if any(os.path.lexists(p / n) for n in foreign):
                    continue                            # the target has the same name: keep the debris
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def preflight(parent: Path, need_bytes: int, what: Path) -> None:
    """Free space, file-size limit and writability of ``parent`` for about ``need_bytes``."""
    if need_bytes <= 0:
        return
    st = os.statvfs(parent)
    free = st.f_bavail * st.f_frsize
    if free < need_bytes:
        raise OutputError(f"{what}: not enough free space in {parent} ({free / 1e6:.2f} MB free, about "
                          f"{need_bytes / 1e6:.2f} MB needed); nothing was written")
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    largest = need_bytes // 2
    if soft != resource.RLIM_INFINITY and soft < largest:
        raise OutputError(f"{what}: the file-size limit (ulimit -f) is {soft} bytes but the largest output "
                          f"file needs about {largest} bytes; nothing was written")


def _translate(exc: OSError, target: Path) -> OutputError:
    where = f" ({exc.filename})" if exc.filename else ""
    return OutputError(f"{target}: cannot write the output: {exc.strerror or exc}{where}; "
                       "nothing was changed at the target")


class OutputFolder:
    """A target folder prepared for writing (lock, checks, temporary sibling); see module docstring."""

    def __init__(self, target: str | Path, kind: str, inputs: Iterable = (), force: bool = False,
                 wait: bool = False, need_bytes: int = 0):
        self.target = Path(os.path.abspath(target))
        self.kind, self.inputs, self.force, self.wait = kind, list(inputs), force, wait
        self.need_bytes = need_bytes
        self.tmp: Path | None = None
        self.lock: FolderLock | None = None
        self.committed = False
        self.kept: list[str] = []          # what the target held that this command did not write

    def open(self) -> OutputFolder:
        check_target(self.target, self.kind, self.inputs, self.force)
        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.lock = FolderLock(parent / f".{self.target.name}{LOCK_SUFFIX}", str(self.target),
                                   self.wait).acquire()
            recover(self.target)
            check_target(self.target, self.kind, self.inputs, self.force)   # again, under the lock
            preflight(parent, self.need_bytes, self.target)
            tmp = parent / f"{_debris_prefixes(self.target.name)[0]}{secrets.token_hex(6)}"
            os.mkdir(tmp, 0o777)                       # mode from the umask, like any new folder
            self.tmp = tmp
            with open(tmp / ".probe", "wb") as fh:    # a read-only or full disk fails here, not later
                fh.write(b"\0" * min(self.need_bytes, 1 << 16))
                fh.flush()
                os.fsync(fh.fileno())
            (tmp / ".probe").unlink()
        except OSError as exc:
            self.close()
            raise _translate(exc, self.target) from None
        except BaseException:
            self.close()
            raise
        return self

    def commit(self) -> Path:
        """Replace the target by the temporary folder (see module docstring). What the target holds
        that an earlier run of the same command did not write (a user's files, a report built
        from it) is carried over into the new folder, not deleted (:attr:`kept` names it, and a
        note on stderr); a name of such a file that the new output also has is refused."""
        assert self.tmp is not None, "open() first"
        try:
            write_marker(self.tmp, self.kind, files=written_files(self.tmp))
            if os.path.lexists(self.target):
                if not (self.target.is_dir() and not self.target.is_symlink()):
                    self.target.unlink()               # a file replaced with --force
                    os.rename(self.tmp, self.target)
                else:
                    keep = foreign_entries(self.target, self.kind, writes=[p.name for p in self.tmp.iterdir()])
                    clash = [n for n in keep if os.path.lexists(self.tmp / n)]
                    if clash:
                        raise OutputError(
                            f"{self.target}: {', '.join(clash)} was not written by this command but has the name "
                            "of one of its outputs; move it elsewhere and run again (nothing was changed)")
                    if exchange(self.tmp, self.target):
                        old = self.tmp                 # now holds the old folder
                    else:
                        old = self.target.parent / f"{_debris_prefixes(self.target.name)[1]}{secrets.token_hex(6)}"
                        os.rename(self.target, old)
                        os.rename(self.tmp, self.target)
                    self.tmp = None      # the old folder is never removed with the user's files in it:
                    self.kept = carry_over(old, self.target, keep)   # a death here leaves them to recover()
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(self.tmp, self.target)
        except OSError as exc:
            raise _translate(exc, self.target) from None
        self.tmp = None
        self.committed = True
        if self.kept:
            print(describe_kept(self.target, self.kept), file=sys.stderr)
        return self.target

    def abort(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def close(self) -> None:
        self.abort()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> OutputFolder:
        return self.open()

    def __exit__(self, et, ev, tb):
        self.close()
        if isinstance(ev, OSError) and not isinstance(ev, CGEError):
            raise _translate(ev, self.target) from None
        return False


@contextmanager
def atomic_folder(target: str | Path, kind: str = "results", inputs: Iterable = (), force: bool = False,
                  wait: bool = False, need_bytes: int = 0) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` when the block succeeds (crash-safe, with
    the ownership checks, lock and cleanup of :class:`OutputFolder`); on any error it is removed
    and ``target`` is left as it was."""
    with OutputFolder(target, kind, inputs, force, wait, need_bytes) as out:
        yield out.tmp
        out.commit()


def claim_folder(target: str | Path, kind: str, inputs: Iterable = (), force: bool = False) -> Path:
    """Make ``target`` a folder of ``kind`` to add files to in place (a sweep folder): checks
    ownership like :func:`check_target`, creates it and writes the marker.

    The check and the creation run under the lock beside the folder (``.<name>.cge-lock``, waited
    for: it is held only for these few file operations), so two commands started together on a new
    folder cannot see each other's half-written marker: the second finds a complete one. (Creating
    the parent first refuses nothing that the check would have refused: a missing folder holds no input.)
    """
    target = Path(target).absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with FolderLock(target.parent / f".{target.name}{LOCK_SUFFIX}", str(target), wait=True):
            target = check_target(target, kind, inputs, force)
            if os.path.lexists(target) and not target.is_dir():
                target.unlink()                        # a file, replaced with --force
            target.mkdir(parents=True, exist_ok=True)
            if read_marker(target) is None or force:
                write_marker(target, kind)
    except OSError as exc:
        raise _translate(exc, target) from None
    return target
