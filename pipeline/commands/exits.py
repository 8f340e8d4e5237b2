"""Exit codes and the usage error, apart from the commands' heavy imports: `pipeline --help`
and the argument parser need only these (docs: README, "Exit codes")."""

from __future__ import annotations

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input or configuration: printed as one line, exit code 2."""
