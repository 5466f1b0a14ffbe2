"""CLI commands that live in their own modules; ``optimizer.cli`` registers them on the ``cli`` group."""
