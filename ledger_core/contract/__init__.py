"""The contract: one pydantic request model per operation and the response models,
shared by the Python API, the command line, the REST API and the pages.

    query.py    EntryFilters, LedgerQuery -> LedgerPage
    stats.py    StatsRequest -> LedgerStats (and StatsView: with the duration histogram)
    export.py   ExportRequest; ExportLogRecord
    runs.py     RunsQuery -> RunPage; RunRequest -> RunDetail
    ingest.py   parse_batch -> IngestReport
    entry.py    EntryIn (ingested), LedgerEntry (returned)
    fields.py   each request field declared once; common.py: Principal, enums, parsers
"""
