# 建宁乡便民代办服务管理系统 — the README names these targets.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app run.py

.PHONY: run test test-dates setup db demo lint format translations bench bench-county clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed

demo: db
	$(FLASK) demo

## make run — install, upgrade the database, seed reference and demo data, serve on :5000
run: demo
	APP_ENV=development $(PY) run.py

## make test — the whole suite (browser/PostgreSQL tests skip with a reason when absent),
## spread over the machine's cores (TEST_WORKERS=0 runs it in one process), then the
## date-sensitive tests (marker `dates`) once per day of DATES with the clock pinned there
## (BM_TODAY, see tests/conftest.py). The dated passes run on SQLite; on PostgreSQL
## (TEST_DATABASE_URL set) only when DATED_PASSES=yes.
TEST_WORKERS ?= auto
DATES ?= 2026-12-31 2027-01-01 2026-09-30 2026-10-08 2027-02-28
DATED_PASSES ?= $(if $(TEST_DATABASE_URL),no,yes)
test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)
ifeq ($(DATED_PASSES),yes)
	$(MAKE) --no-print-directory test-dates
endif

## make test-dates — only the `dates`-marked tests, as if on each day of DATES
test-dates: setup
	@set -e; for d in $(DATES); do \
	  echo "== dated pass: BM_TODAY=$$d"; \
	  BM_TODAY=$$d $(PY) -m pytest -n $(TEST_WORKERS) -q -m dates -p no:cacheprovider $(PYTEST_ARGS); \
	done

lint: setup
	$(VENV)/bin/ruff check app seeds tests scripts config.py run.py
	$(VENV)/bin/ruff format --check app seeds tests scripts config.py run.py

format: setup
	$(VENV)/bin/ruff format app seeds tests scripts config.py run.py

translations: setup
	$(PY) scripts/i18n.py

## make bench — benchmark scripts (not tests); each takes --help for larger sizes / PostgreSQL
bench: setup
	$(PY) tests/bench/bench_cases.py --cases 10000
	$(PY) tests/bench/bench_dashboard.py --cases 10000
	$(PY) tests/bench/bench_export_ledger.py --rows 100000
	$(PY) tests/bench/bench_export_memory.py --rows 100000

## make bench-county — issue 11's county-scale benchmark (not a test): 20k/20 villages and
## 1M/400 villages on SQLite (PostgreSQL with DATABASE_URL or --db), one table + JSON;
## e.g. make bench-county BENCH_ARGS="--large-cases 100000 --large-villages 100 --reuse"
BENCH_ARGS ?=
bench-county: setup
	$(PY) tests/bench/bench_county.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
