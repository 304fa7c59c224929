"""Exceptions the package raises for bad input, and the exit codes of every command.

The CLI prints an error's message as one line ``error: ...``, not a traceback. Exit codes, the
same for every ``cge`` subcommand and ``python -m calibration``: 0 success; 1 finished but
incomplete (a sweep with points lost to a dead worker, or a sweep summary missing points
that were never solved or whose partition was quarantined: re-run the sweep); 2 an error the user can act
on (bad input, unwritable output, failed solve; nothing was written); 3 an internal error (a bug:
``--debug`` shows the traceback); 130 interrupted (Ctrl-C).

:func:`run_guarded` is that one error path, shared by the two entry points.
"""

import sys

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_ERROR = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class CGEError(Exception):
    """Base class for errors a user can act on (bad data, bad scenario, failed solve)."""


class DataError(CGEError, ValueError):
    """A dataset or mapping file is malformed; the message names the file, row or cell."""


class ScenarioError(CGEError, ValueError):
    """A scenario is malformed; the message names the file and the key."""


class OutputError(CGEError):
    """An output folder cannot be written: not ours, an input of the command, locked, no space."""


def run_guarded(func, args, debug: bool = False) -> int:
    """Run a command; turn any failure into one line on stderr and an exit code (module docstring)."""
    try:
        return func(args)
    except KeyboardInterrupt:
        print("interrupted; nothing was written for the unfinished step (a sweep keeps its finished "
              "points: run it again to resume)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BaseException as exc:  # noqa: BLE001 - the one place every failure is reported
        if isinstance(exc, SystemExit):
            raise
        if debug:
            import traceback

            traceback.print_exc()
        print(f"error: {describe(exc)}", file=sys.stderr)
        return EXIT_ERROR if _user_error(exc) else EXIT_INTERNAL


def _user_error(exc: BaseException) -> bool:
    return isinstance(exc, (CGEError, OSError, UnicodeError, MemoryError))


def describe(exc: BaseException) -> str:
    """One line for any exception: a :class:`CGEError`'s message; an ``OSError`` with its file."""
    if isinstance(exc, CGEError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "out of memory (try fewer regions or sectors, or fewer workers)"
    text = str(exc).strip().splitlines()
    return (f"internal error {type(exc).__name__}: {text[0] if text else ''} "
            "(please report it; --debug shows the traceback)")
