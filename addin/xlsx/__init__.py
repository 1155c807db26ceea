"""The OOXML engine: workbook packages read and edited in place, domain-free (no sheet
names, no rules). One home per concern, as openpyxl and XlsxWriter lay theirs out:

- :mod:`.opc` — namespaces, content types, part names and THE relationships parser;
- :mod:`.limits` — opening a package safely: encrypted or damaged files named, zip-bomb
  bounds checked before anything is inflated, every part checked for damage;
- :mod:`.reader` (with :mod:`.fastpath` and :mod:`.sheetvalues`) — the one bounded,
  streaming reader of every sheet's values, calamine for the sheets a scan shows plain;
- :mod:`.package` — the in-place writer: parts, relationships, content types, sheets,
  defined names, tables, the save that copies every other member raw (:mod:`.zipcopy`);
- :mod:`.sheetedit` (with :mod:`.rows`), :mod:`.cells`, :mod:`.styles` — cells spliced
  into their rows, values of their own type, formats added to ``styles.xml`` only when new;
- :mod:`.foreign` — what the writer could not keep on the sheets it rebuilds whole.

The register's side — which sheets, which columns, the safe save with its backups — is
:mod:`addin.book`.
"""
