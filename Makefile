# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
# Debian's python3.11 is built with PGO/LTO and runs the suite ~1.7x faster than a plain build
# (research/baseline.md); use it where it exists.
PYTHON ?= $(shell [ -x /usr/bin/python3.11 ] && echo /usr/bin/python3.11 || command -v python3)
# Looked up when a recipe runs, not when make starts: `make uv` may have just installed it.
UV = $$(command -v uv || echo $(HOME)/.local/bin/uv)
export UV_PYTHON := $(PYTHON)

.PHONY: run test lint bench bench-tools profile sync uv test-unit test-e2e clean chaos

uv:
	@command -v uv >/dev/null 2>&1 || [ -x $(HOME)/.local/bin/uv ] || \
		$(PYTHON) -m pip install --user --quiet uv 2>/dev/null || \
		python3 -m pip install --user --quiet uv 2>/dev/null || python3 -m pip install --quiet uv

sync: uv
	$(UV) sync --frozen

## Runs the whole suite: docker compose when a Docker engine answers, else local processes.
run: sync
	@if docker info >/dev/null 2>&1; then \
		docker compose up --build; \
	else \
		$(UV) run --frozen python -m suite_shared.devrun; \
	fi

## Unit, service and end-to-end tests against real PostgreSQL and RabbitMQ.
test: sync
	$(UV) run --frozen pytest -q

## The chaos gate's long run: two replicas of everything, every fault three times under load
## (kill -9 of each process, RabbitMQ and PostgreSQL restarts). It restarts the local PostgreSQL
## and RabbitMQ: run it when nothing else uses them. `make test` runs its short profile last.
chaos: sync
	CHAOS_PROFILE=long $(UV) run --frozen pytest -q tests-e2e/chaos

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

# wrk (C) loads the gateway-ratio bench without eating the cores it measures; installed from
# Debian's packages where we may, else that figure comes from the Python client alone.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq wrk >/dev/null 2>&1 || \
		  { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }; }; } || \
		echo "wrk is not installed (apt-get install wrk): the gateway ratio uses the Python client only"

bench: sync bench-tools
	rm -f $${BENCH_RESULTS:-/tmp/suite-bench/results.jsonl}
	$(UV) run --frozen python tests-e2e/bench/primitive.py
	$(UV) run --frozen python tests-e2e/bench/platform_path.py
	$(UV) run --frozen python tests-e2e/bench/foundation.py
	$(UV) run --frozen python tests-e2e/bench/pipeline_cpu.py
	$(UV) run --frozen python tests-e2e/bench/customers.py
	$(UV) run --frozen python tests-e2e/bench/catalog.py
	$(UV) run --frozen python tests-e2e/bench/orders.py
	$(UV) run --frozen python tests-e2e/bench/loyalty.py
	$(UV) run --frozen python tests-e2e/bench/summary.py

## Where each process spends its CPU under the benches' load (py-spy; docs/performance.md).
profile: sync
	$(UV) run --frozen python tests-e2e/bench/profile.py $(PROFILE_ARGS)

clean:
	rm -rf .venv .pytest_cache
