"""The command line; see :mod:`centinela.cli.main`."""

from .main import build_app, main

__all__ = ["build_app", "main"]
