"""One module per constraint family of the model of instances/README.md; each has ``FAMILY`` and ``add(m, d)``."""
