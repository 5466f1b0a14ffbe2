"""``python -m optimizer``."""

from optimizer.cli import entry

entry()
