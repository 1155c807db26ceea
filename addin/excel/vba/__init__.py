"""The add-in's VBA, handled on any OS: read as the VBE reads it and checked before the
add-in ships, and written into a source-only vbaProject.bin.

Reading and checking (:func:`addin.excel.vba.check.check_project`, the compile check every
build runs):

- :mod:`~addin.excel.vba.lang` — facts of the language from MS-VBAL: reserved
  identifiers, the VBA library's and Excel's global names;
- :mod:`~addin.excel.vba.lexer` — physical and logical lines, tokens, findings;
- :mod:`~addin.excel.vba.conditional` — ``#Const`` / ``#If`` evaluated per configuration;
- :mod:`~addin.excel.vba.statements` — statements of a line, single-line If, comma lists;
- :mod:`~addin.excel.vba.declarations` — procedure headers, parameters, Dim/Const lists,
  declared types;
- :mod:`~addin.excel.vba.names` — what each module of the project declares;
- :mod:`~addin.excel.vba.references` — the names a statement refers to, resolved;
- :mod:`~addin.excel.vba.blocks` — statements inside a procedure: blocks, jumps, locals;
- :mod:`~addin.excel.vba.modulecheck` — one module: its declarations, procedures, labels;
- :mod:`~addin.excel.vba.callbacks` — the ribbon XML's callbacks and their signatures;
- :mod:`~addin.excel.vba.check` — the whole project, once per Windows Excel configuration.

Writing:

- :mod:`~addin.excel.vba.literals` — Chinese string literals moved to the hidden sheet;
- :mod:`~addin.excel.vba.project` — the modules (:class:`~addin.excel.vba.project.Module`)
  and vbaProject.bin (MS-OVBA), with :mod:`~addin.excel.vba.ovba` (compression, the
  project's encrypted values) and :mod:`~addin.excel.vba.cfb` (the compound file).
"""
