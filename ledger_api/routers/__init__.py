"""One router per resource: auth, ledger (query, stats, export), runs, ingest."""
