# The two commands of README.md: `make run` and `make test`; `make api` starts the REST API.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
API_PORT ?= 8000
ACTIONS ?= 200000

.PHONY: run api test demo install clean-data bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

.streamlit/secrets.toml:
	$(BIN)/python -c "import secrets; print('ledger_cookie_key = \"' + secrets.token_urlsafe(48) + '\"')" > $@
	chmod 600 $@

## Install, load the demo data into data/ledger.db (once) and start the browser app.
run: install .streamlit/secrets.toml
	$(BIN)/python -m ledger_core demo --actions $(ACTIONS)
	$(BIN)/streamlit run app.py --server.port $(PORT)

## Install, load the demo data (once), make sure of an API signing key and start the REST API on 127.0.0.1.
api: install .streamlit/secrets.toml
	$(BIN)/python scripts/ensure-secret ledger_jwt_key
	$(BIN)/python -m ledger_core demo --actions $(ACTIONS)
	$(BIN)/uvicorn ledger_api.app:app --host 127.0.0.1 --port $(API_PORT)

demo: install
	$(BIN)/python -m ledger_core demo --actions $(ACTIONS)

## Install and run the whole test suite on SQLite and PostgreSQL, in TEST_WORKERS processes
## (pytest-xdist; each test module stays in one process, with its fixtures).
TEST_WORKERS ?= 2
test: install
	scripts/ensure-postgres
	LEDGER_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope

clean-data:
	rm -f data/ledger.db data/ledger.db-wal data/ledger.db-shm

## Run the bench scripts against existing bench ledgers (load them first with
## `python -m ledger_core --database-url URL demo --actions 1000000`) and write BENCHMARKS.md.
## BENCH_ARGS=--skip-sidebyside leaves out the Datasette comparison (and its .venv-datasette).
BENCH_SQLITE ?= sqlite:////tmp/perf-1m.db
BENCH_POSTGRES ?= postgresql+psycopg://postgres@127.0.0.1:5432/ledger_bench_1m
BENCH_ARGS ?=
bench: install
	$(BIN)/python bench/run_all.py --sqlite $(BENCH_SQLITE) --postgres $(BENCH_POSTGRES) $(BENCH_ARGS)
