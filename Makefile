# Branchwork: `make run` serves a demo federation; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_PORT ?= 54329

.PHONY: install run test lint typecheck messages test-sqlite test-postgres bench bench-registry bench-activities bench-care bench-money bench-health bench-congress bench-load bench-backup audit clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install messages
	$(BIN)/branchwork migrate --verbosity 0
	$(BIN)/branchwork demo --size small --seed 1
	$(BIN)/branchwork serve --host 127.0.0.1 --port 8000

messages: install
	cd branchwork && ../$(BIN)/django-admin compilemessages --ignore=.venv -v 0

lint: install
	$(BIN)/ruff check branchwork tests bench scripts
	$(BIN)/ruff format --check branchwork tests bench scripts

typecheck: install
	$(BIN)/mypy branchwork

test-sqlite: install messages
	@echo "=== test suite on SQLite ==="
	BRANCHWORK_ENV=test $(BIN)/pytest -q -m "not browser and not postgres_only" tests

test-postgres: install messages
	@echo "=== test suite on PostgreSQL (with browser tests) ==="
	scripts/testdb.sh start $(PG_PORT)
	BRANCHWORK_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:$(PG_PORT)/branchwork \
		$(BIN)/pytest -q tests; rc=$$?; scripts/testdb.sh stop $(PG_PORT); exit $$rc

test: lint typecheck test-sqlite test-postgres

# bench-load and bench-backup write their own sections of docs/benchmarks.md; run.py then
# rewrites the top of it and keeps them. BENCH_DATABASE_URL=postgres://… adds PostgreSQL.
bench: install bench-load bench-backup
	$(BIN)/python bench/run.py

bench-registry: install
	$(BIN)/python bench/registry.py

bench-activities: install
	$(BIN)/python bench/activities.py

bench-care: install
	$(BIN)/python bench/care.py

bench-money: install
	$(BIN)/python bench/money.py

bench-health: install
	$(BIN)/python bench/health.py

bench-congress: install
	$(BIN)/python bench/congress.py

bench-load: install
	$(BIN)/python bench/load.py

bench-backup: install
	$(BIN)/python bench/backup.py

audit: install
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/python scripts/audit.py

clean:
	rm -rf $(VENV) var build *.egg-info
