"""The ``ocgsim`` command line."""
