# Qudao — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV ?= uv
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/qudao
BIND ?= 127.0.0.1:8000

.PHONY: setup demo serve test test-sqlite test-postgres lint lint-check messages bench screenshots clean

setup:  ## install system packages, uv and the Python environment
	@bash scripts/setup-system.sh
	@# bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set, every command would
	@# otherwise compile ~400 modules from source (2+ s per `qudao review`)
	@$(UV) sync --all-extras --frozen --quiet --compile-bytecode
	@$(UV) run qudao compilemessages --ignore=.venv -v 0

demo: setup  ## build the AdventureWorks demo and serve it
	$(UV) run qudao demo --bind $(BIND)

serve: setup
	$(UV) run qudao serve --bind $(BIND)

test: setup lint-check  ## lint, then the whole suite on SQLite and on PostgreSQL, side by side
	@bash scripts/test-both.sh

# --durations: the slowest tests are named in every run's log, where a slow CI is read.
test-sqlite:
	QUDAO_HOME=$$(mktemp -d) $(UV) run pytest --durations=25

# tests/e2e/test_served.py starts `qudao demo` as a fresh machine would — on SQLite, without
# DATABASE_URL — in both phases alike; the SQLite phase runs it, this one does not repeat it.
test-postgres:
	@bash scripts/ensure-postgres.sh
	QUDAO_HOME=$$(mktemp -d) DATABASE_URL=$(POSTGRES_URL) $(UV) run pytest --durations=25 \
		--ignore=tests/e2e/test_served.py

lint: setup
	$(UV) run ruff check src tests
	$(UV) run ruff format --check src tests
	$(UV) run mypy

messages:  ## refresh the catalogues after changing strings
	cd src/qudao && $(UV) run qudao makemessages -l zh_Hans --no-obsolete --no-location
	$(UV) run qudao compilemessages --ignore=.venv

bench: setup  ## benchmarks against named baselines (not part of make test)
	$(UV) run python bench/run.py $(BENCH_ARGS)
	$(UV) run python bench/import_facts.py $(BENCH_FACT_ARGS)
	$(UV) run python bench/review.py $(BENCH_REVIEW_ARGS)
	$(UV) run python bench/detectors.py $(BENCH_DETECTOR_ARGS)
	$(UV) run python bench/rebates.py $(BENCH_REBATE_ARGS)
	$(UV) run python bench/supply.py $(BENCH_SUPPLY_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

lint-check:
	$(UV) run ruff check src tests
	$(UV) run mypy

screenshots: setup  ## refresh docs/screenshots from the browser tests
	QUDAO_HOME=$$(mktemp -d) QUDAO_UPDATE_SCREENSHOTS=1 $(UV) run pytest tests/e2e -q
