"""`python -m pipeline` is the same as the `pipeline` command."""

from pipeline.cli import entry

entry()
