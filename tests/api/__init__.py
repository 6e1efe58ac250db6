"""REST API tests (ledger_api): a package, so its conftest and modules never shadow tests/conftest.py."""
