"""Centinela: monitoring illegal alluvial gold mining from satellite time series."""

import logging

__version__ = "0.1.0"

# The library only creates loggers; the CLI configures handlers.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
