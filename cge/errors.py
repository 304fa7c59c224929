"""Exceptions the package raises for bad input, and the exit codes of every command.

The CLI prints an error's message as one line ``error: ...``, not a traceback. Exit codes, the
same for every ``cge`` subcommand and ``python -m calibration``: 0 success; 1 finished but
incomplete (a sweep with points lost to a dead worker, or a sweep summary missing points
that were never solved or whose partition was quarantined: re-run the sweep); 2 an error the user can act
on (bad input, unwritable output, failed solve; nothing was written); 3 an internal error (a bug:
``--debug`` shows the traceback); 130 interrupted (Ctrl-C).
"""

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
