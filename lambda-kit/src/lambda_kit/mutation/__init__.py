"""Mutation testing of the core modules (``make mutation``): is each module's behaviour pinned by its fast tests?

mutmut (pinned in requirements-dev.txt) makes the mutants and runs, for each one, only the tests of the module's
row in ``mutation.modules`` that execute the mutated function. This package adds what mutmut lacks here: a
staging tree in which Lambda's import roots (``lambda_src/``, ``layers/common/python/``) are top-level packages,
the declared equivalent mutants (``mutation/equivalents.toml``), the score per module and the thresholds.
"""
