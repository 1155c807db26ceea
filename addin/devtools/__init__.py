"""What developers run to regenerate committed files, never the product: ``make templates``
(:mod:`.build_templates`), ``make golden`` (:mod:`.golden`), ``make workbooks`` (:mod:`.workbooks`). No runtime module imports this package (tests/test_layers.py
checks)."""
