"""The REST API (SPEC sections 3 to 6, 8 and 9): a thin FastAPI layer over `ledger_core`.

Start it with `uvicorn ledger_api.app:app` (or `make api`); `docs/api.md` is the reference.
It parses HTTP input, calls one `Ledger` method and maps the result or the error; every
rule about what is valid and who may see what lives in `ledger_core`.
"""
