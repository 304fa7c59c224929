"""Exceptions the package raises for bad input; the CLI prints their message, not a traceback."""


class CGEError(Exception):
    """Base class for errors a user can act on (bad data, bad scenario, failed solve)."""


class DataError(CGEError, ValueError):
    """A dataset or mapping file is malformed; the message names the file, row or cell."""


class ScenarioError(CGEError, ValueError):
    """A scenario is malformed; the message names the file and the key."""
