"""The planning pipeline: load -> validate -> derive options and data -> build the model -> solve -> plan -> verify.

Nothing here imports ``optimizer.studies``, ``optimizer.sources``, ``optimizer.plots`` or ``optimizer.cli``,
and nothing here prints (an import-linter contract in the tests enforces both directions).
"""
