"""GAMS GDX files without a GAMS installation: read with ``polars-gdx``, write through the open
GDX library (MIT, github.com/GAMS-dev/gdx) that ``polars-gdx`` ships inside its wheel.

``polars-gdx`` (MIT; optional extra ``gtap``: ``pip install -e ".[gtap]"``) reads every symbol
but has no writer in its Python API. Its wheel carries the complete GDX C library
(``libgdxcclib64``), whose write calls (``gdxOpenWrite``, ``gdxDataWriteStrStart``, …) are
used here through :mod:`ctypes`. Options measured for writing (2026-12): ``gamsapi[transfer]``
writes too but needs ``gamspy-base`` (about 95 MB, GAMS licence terms); ``gdxpds`` needs a GAMS
system; a pure-Python writer of the GDX byte format would be a large job. So the only
permissive pip route is this one.

Symbols are exchanged as pandas DataFrames: one string column per index position (named
after the domain, e.g. ``ii``, ``rr``) and ``value`` for parameters.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cge.errors import DataError

GMS_DT_SET, GMS_DT_PAR = 0, 1
GMS_VAL_MAX = 5
#: the GDX library whose C signatures :func:`_library` declares (checked with polars-gdx 0.6.0, whose
#: library reports "GDX Library C++ V7 ..."); another one is refused at load, before any call that a
#: changed signature could turn into a crash of the interpreter
CHECKED_LIBRARY = "GDX Library C++ V7"
INSTALL_HINT = 'reading and writing GDX files needs the optional extra: pip install -e ".[gtap]" (polars-gdx)'


def _polars_gdx():
    try:
        import polars_gdx
    except ImportError:
        raise DataError(INSTALL_HINT) from None
    return polars_gdx


#: one redirected call at a time (the redirection of file descriptor 2 is process-wide)
_STDERR_HELD = threading.Lock()


def _failure(exc: BaseException) -> str:
    """The first line of a reading library's error, for a one-line message."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first.removeprefix("called `Result::unwrap()` on an `Err` value: ")


@contextlib.contextmanager
def _library_call():
    """Run a call of the GDX reader so that its failures reach the caller as exceptions only.

    ``polars-gdx`` is written in Rust: on a corrupt file it can *panic*, which prints a
    backtrace straight to file descriptor 2 and then raises ``PanicException``, a
    ``BaseException`` (not an ``Exception``). Here the descriptor is redirected to a temporary
    file for the call: what the library printed is passed on when the call succeeds and
    dropped when it fails (the caller reports the failure in one line). Interrupts pass."""
    sys.stderr.flush()
    with _STDERR_HELD, tempfile.TemporaryFile() as held:
        saved = os.dup(2)
        os.dup2(held.fileno(), 2)
        ok = False
        try:
            yield
            ok = True
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if ok:
                held.seek(0)
                printed = held.read()
                if printed:
                    sys.stderr.write(printed.decode(errors="replace"))


def _is_interrupt(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def list_symbols(path: str | Path) -> pd.DataFrame:
    """Name, type, dimension, record count and domains of every symbol of a GDX file."""
    pg = _polars_gdx()
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: GDX file does not exist")
    try:
        with _library_call():
            df = pg.list_symbols(str(path)).to_pandas()
    except BaseException as exc:  # noqa: BLE001 - the library raises its own types, and panics (BaseException)
        if _is_interrupt(exc):
            raise
        raise DataError(f"{path}: not a readable GDX file ({_failure(exc)})") from None
    return df


def read_symbol(path: str | Path, name: str) -> pd.DataFrame:
    """One symbol as a DataFrame with string index columns (and ``value``)."""
    pg = _polars_gdx()
    try:
        with _library_call():
            df = pg.read_gdx(str(path), symbol=name).to_pandas()
    except BaseException as exc:  # noqa: BLE001 - as in list_symbols
        if _is_interrupt(exc):
            raise
        raise DataError(f"{path}: cannot read symbol {name!r}: the file is corrupt or not a GDX file "
                        f"({_failure(exc)})") from None
    for c in df.columns:
        if c != "value":
            df[c] = df[c].astype(str)
    return df


@lru_cache(maxsize=1)
def _library():
    spec = importlib.util.find_spec("polars_gdx")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(INSTALL_HINT)
    pkg = Path(next(iter(spec.submodule_search_locations)))
    candidates = []
    # where wheel repair tools put vendored libraries: auditwheel (Linux), delocate (macOS), delvewheel
    for folder in (pkg.parent / "polars_gdx.libs", pkg / ".dylibs", pkg):
        if folder.is_dir():
            candidates += sorted(p for p in folder.iterdir() if "gdxcclib" in p.name)
    if not candidates:
        raise DataError(f"writing GDX: the GDX library shipped with polars-gdx was not found under {pkg.parent}")
    lib = ctypes.CDLL(str(candidates[0]))
    vp, cp, ip = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    sigs = {
        "gdxcreate": ([ctypes.POINTER(vp), cp, ip], ip),
        "gdxfree": ([ctypes.POINTER(vp)], ip),
        "c__gdxopenwrite": ([vp, cp, cp, ctypes.POINTER(ip)], ip),
        "c__gdxdatawritestrstart": ([vp, cp, cp, ip, ip, ip], ip),
        "c__gdxdatawritestr": ([vp, ctypes.POINTER(cp), ctypes.POINTER(ctypes.c_double)], ip),
        "c__gdxdatawritedone": ([vp], ip),
        "c__gdxsymbolsetdomain": ([vp, ctypes.POINTER(cp)], ip),
        "c__gdxclose": ([vp], ip),
        "c__gdxerrorcount": ([vp], ip),
        "c__gdxgetlasterror": ([vp], ip),
        "c__gdxerrorstr": ([vp, ip, cp], ip),
        "c__gdxgetdllversion": ([vp, cp], ip),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(lib, name, None)
        if fn is None:
            raise DataError(f"writing GDX: the GDX library {candidates[0].name} has no function {name}; "
                            f"{_checked_hint()}")
        fn.argtypes, fn.restype = args, res
    check_library_version(_reported_version(lib))
    return lib


def _checked_hint() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("polars-gdx")
    except PackageNotFoundError:  # pragma: no cover - found above
        installed = "?"
    return (f"polars-gdx {installed} is installed; this package was checked with polars-gdx 0.6 "
            "(pip install 'polars-gdx>=0.6,<0.7')")


def _reported_version(lib) -> str:
    """The version text of the loaded GDX library (``gdxcreate``, ``gdxGetDLLVersion`` and ``gdxfree``
    keep their signatures across GDX versions, so they are safe to call before the check)."""
    h = ctypes.c_void_p()
    msg = ctypes.create_string_buffer(256)
    if not lib.gdxcreate(ctypes.byref(h), msg, 256):
        raise DataError(f"writing GDX: cannot start the GDX library ({msg.value.decode(errors='replace')})")
    try:
        text = ctypes.create_string_buffer(256)
        lib.c__gdxgetdllversion(h, text)
        return text.value.decode(errors="replace")
    finally:
        lib.gdxfree(ctypes.byref(h))


def check_library_version(reported: str) -> None:
    """Refuse a GDX library other than :data:`CHECKED_LIBRARY` (its C signatures may differ)."""
    if not reported.startswith(CHECKED_LIBRARY + " ") and reported != CHECKED_LIBRARY:
        raise DataError(f"writing GDX: the GDX library reports {reported!r}, not {CHECKED_LIBRARY!r} whose C "
                        f"signatures this package declares; {_checked_hint()}")


def write_gdx(path: str | Path, symbols: list[tuple], producer: str = "cge-bca",
              shown_as: str | Path | None = None) -> Path:
    """Write ``symbols`` to a new GDX file at ``path``, then read its symbol table back.

    Each symbol is ``(name, text, domains, records)`` with ``domains`` a tuple of set names
    (``"*"`` for the universe) and ``records`` a list of ``(keys tuple, value)``; a symbol whose
    records have ``value is None`` is written as a set. Sets named as domains must be written
    before the symbols that use them. Zero values are skipped (GAMS does not store them).
    Messages name ``shown_as`` (default ``path``): the file the user asked for when ``path`` is
    a temporary file. The GDX library reports no failed write (a full disk leaves a truncated
    file and no error, measured), so the file is accepted only when every symbol reads back
    with the number of records written."""
    lib = _library()
    path = Path(path)
    shown = Path(shown_as) if shown_as is not None else path
    h = ctypes.c_void_p()
    msg = ctypes.create_string_buffer(256)
    if not lib.gdxcreate(ctypes.byref(h), msg, 256):
        raise DataError(f"{shown}: cannot start the GDX library ({msg.value.decode(errors='replace')})")

    def fail(what: str):
        code = lib.c__gdxgetlasterror(h)
        text = ctypes.create_string_buffer(256)
        lib.c__gdxerrorstr(h, code, text)
        raise DataError(f"{shown}: GDX write failed at {what}: {text.value.decode(errors='replace')}")

    written: dict[str, int] = {}
    try:
        err = ctypes.c_int(0)
        if not lib.c__gdxopenwrite(h, str(path).encode(), producer.encode(), ctypes.byref(err)):
            raise DataError(f"{shown}: cannot open for writing (GDX error {err.value})")
        for name, text, domains, records in symbols:
            dim = len(domains)
            is_set = bool(records) and records[0][1] is None
            typ = GMS_DT_SET if is_set else GMS_DT_PAR
            if not lib.c__gdxdatawritestrstart(h, name.encode(), text.encode(), dim, typ, 0):
                fail(f"symbol {name}")
            if any(d != "*" for d in domains):
                arr = (ctypes.c_char_p * dim)(*[d.encode() for d in domains])
                if not lib.c__gdxsymbolsetdomain(h, arr):
                    fail(f"domain of {name}")
            vals = (ctypes.c_double * GMS_VAL_MAX)()
            written[name] = 0
            for keys, v in records:
                if not is_set and v == 0:
                    continue
                vals[0] = 0.0 if is_set else float(v)
                karr = (ctypes.c_char_p * dim)(*[str(k).encode() for k in keys])
                if not lib.c__gdxdatawritestr(h, karr, vals):
                    fail(f"record {name}{tuple(keys)}")
                written[name] += 1
            if not lib.c__gdxdatawritedone(h):
                fail(f"end of symbol {name}")
        if lib.c__gdxerrorcount(h):
            fail("close")
    finally:
        lib.c__gdxclose(h)
        lib.gdxfree(ctypes.byref(h))
    _check_written(path, shown, written)
    return path


def _check_written(path: Path, shown: Path, written: dict[str, int]) -> None:
    """Every symbol of ``written`` (name -> records) is in the file at ``path`` with its records."""
    try:
        table = list_symbols(path)
    except DataError as exc:
        reason = str(exc).partition(": ")[2].replace(str(path), str(shown))  # name the user's file only
        raise DataError(f"{shown}: the GDX file written cannot be read back, so it is incomplete (is the disk "
                        f"full?): {reason}") from None
    found = dict(zip(table["name"], table["records"]))
    for name, n in written.items():
        if int(found.get(name, -1)) != n:
            raise DataError(f"{shown}: the GDX file written is incomplete (is the disk full?): symbol {name} "
                            f"reads back with {found.get(name, 'no')} records, {n} were written")
