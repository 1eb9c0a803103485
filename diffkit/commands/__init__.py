"""Subcommands of the ``diffkit`` command line, one module each."""
