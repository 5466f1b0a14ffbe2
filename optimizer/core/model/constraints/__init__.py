"""One module per constraint family of format v1 section 2; each has ``FAMILY`` and ``add(m, d)``."""
