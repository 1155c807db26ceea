"""The workbook as a data store: the schema (one source of truth for sheets and
columns) and the readers that turn rows into typed records and findings."""
