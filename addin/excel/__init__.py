"""The live-Excel side of 职称评审台账.

- :mod:`addin.excel.ribbon` — the one entry point the ribbon calls (``dispatch(tag)``),
  with the allow-list of button tags;
- :mod:`addin.excel.actions` — what each button does, written against the
  :class:`~addin.book.adapter.WorkbookAdapter` interface so it runs on the workbook open in
  Excel and on a file alike;
- :mod:`addin.excel.live` — the xlwings adapter and the Excel user interface (status bar,
  alerts, dialogs);
- :mod:`addin.excel.build` — ``zhicheng build-addin``: the .xlam assembled from text
  sources on any OS; its modules and ribbon from :mod:`~addin.excel.sources` (with
  :mod:`~addin.excel.udfwrap`), the VBA read, checked and written by the package
  :mod:`addin.excel.vba`; :mod:`~addin.excel.codepage` for users whose profile path the
  ANSI code page cannot hold;
- :mod:`addin.excel.install` — ``zhicheng install-addin`` on Windows (its command-line
  shell is :mod:`addin.cli.starters`), with :mod:`~addin.excel.office` (which Excel / WPS
  the registry shows) and :mod:`~addin.excel.checklist` (the checks it prints).
"""
