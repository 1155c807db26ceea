# A package on purpose: tests/ is not one, and tests/test_*.py do ``from conftest import ...``.
# Without this file our conftest.py would be imported under the same top-level name
# ``conftest`` and shadow tests/conftest.py, breaking the ordinary test run.
