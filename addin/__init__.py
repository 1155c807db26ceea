"""职称评审台账 — the professional-title evaluation register of the Aksu transport bureau.

The package is layered as in DESIGN.md: ``addin.rules`` holds the pure domain rules,
``addin.data`` the packaged defaults they read their numbers from, ``addin.book`` the
workbook side, and ``addin.cli`` the ``zhicheng`` command line.
"""

__version__ = "0.1.0"
