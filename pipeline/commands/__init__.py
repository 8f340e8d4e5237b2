"""One module per command; each takes the parsed arguments and returns an exit code."""
