"""Printable tables as .xlsx and .docx: the rosters, the vote sheet, the code key, the
publicity list and the finance lists share this writer, so they share one print layout.

Every text written is neutralised against formula injection. Column widths come from
the measured width of every text in the column, in the fonts the file names (and the
wider of the free fonts that stand in for them, :mod:`.layout`): a column of codes,
amounts, dates or names gets the width of its widest entry and never wraps; columns of
free text (employers, reasons) share the rest of the A4 page width and wrap, at most a
few lines. Texts that wrap get rows tall enough for every line; titles break into
balanced lines that keep words whole; notes are broken into lines here (Chinese
line-breaking rules, phone numbers and dates kept whole), one line a row in a sheet.

A signature block never stands alone on a page: in a sheet a row break moves the last
rows of the table with it when the page would end between them; in a document the
last rows and every line of the block are kept with the next paragraph.

- xlsx: A4, fit to the page width, borders, header row repeated, row heights computed
  (Excel does not grow merged or wrapped rows by itself, LibreOffice and WPS do not
  either when a height is stored), dates as 2024年9月10日, page numbers in the footer.
- docx: the attachments' official layout (GB/T 9704, see :mod:`addin.outputs.officialdoc`): margins
  37/35/28/26 mm, 2号小标宋 title, 3号仿宋 text of 28 characters a line, 小4 table
  text, the running header on odd and even pages, page numbers "— 1 —" right on odd
  pages and left on even pages, the date four characters from the right with the
  issuer centred over it.
"""

from .docx_layout import body_paragraph, confidential_header, docx_grid, keep_rows_with_next, write_docx
from .model import Column, PrintTable, cell_text, neutralise
from .xlsx_layout import fit_rows, merged_line, print_setup, workbook_properties, write_sheet, write_xlsx

__all__ = ["PrintTable", "Column", "cell_text", "neutralise", "write_xlsx", "write_sheet", "write_docx",
           "workbook_properties", "fit_rows", "merged_line", "print_setup", "body_paragraph", "confidential_header",
           "docx_grid", "keep_rows_with_next"]
