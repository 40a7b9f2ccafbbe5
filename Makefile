# HourBank entry points. `make up` runs everything; `make test` runs all tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
INFRA := infra/hb-infra
WITH_ENV := eval "$$($(INFRA) env)" &&

.PHONY: help setup up start down status demo test unit lint bench load faults campaign token dashboard compose-check console console-check console-screenshots

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup:  ## install uv (if missing) and the Python workspace
	@command -v uv >/dev/null || python3 -m pip install --quiet uv
	@uv sync --frozen --quiet

up: setup  ## run everything (Kafka, PostgreSQL, services, gateway) until Ctrl-C
	uv run hourbank up $(UP_ARGS)

start: setup  ## the same in the background; `make down` stops it
	uv run hourbank up --detach $(UP_ARGS)

down:  ## stop everything (services, gateway, Kafka, PostgreSQL)
	uv run hourbank stop --infra

status:  ## show what runs
	uv run hourbank status

demo:  ## walk two requests through the running system (after `make up` or `make start`)
	uv run hourbank demo

test: setup  ## run all tests (starts Kafka and PostgreSQL if needed)
	$(INFRA) up
	$(WITH_ENV) uv run pytest $(PYTEST_ARGS)

unit: setup  ## run the tests that need no broker or database
	uv run pytest shared/tests/unit services/*/tests/unit stack/tests/unit $(PYTEST_ARGS)

lint: setup  ## ruff, formatting, mypy, the event documents in step with the code, the console build current
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy shared/src services/*/src stack/src
	uv run python -m hourbank_shared.contracts.docs --check
	uv run python -m hourbank_shared.contracts.compat --check
	uv run python -m hourbank_stack.observability.sources --check
	$(MAKE) --no-print-directory console-check

bench: setup  ## relay and broker latency/throughput figures (prints, asserts nothing)
	$(INFRA) up
	$(WITH_ENV) uv run python bench/relay_bench.py $(BENCH_ARGS)

load: setup  ## lifecycles through the gateway at rising rates; writes docs/benchmarks/ (needs `make start`)
	uv run hourbank load --ramp $(LOAD_ARGS)

faults: setup  ## kill processes, restart Kafka and PostgreSQL under load, check exactly-once (needs `make start`)
	uv run hourbank faults $(FAULT_ARGS)

CAMPAIGN ?= short
campaign: setup  ## every kind of fault on 2 replicas in the fault lab (root; CAMPAIGN=long: 1,000 faults)
	infra/fault-campaign $(CAMPAIGN) $(FAULT_ARGS)

dashboard: setup  ## the saga dashboard from the local Prometheus as a PNG (after `make start UP_ARGS=--observe` and `make load`)
	uv run hourbank dashboard-png $(DASHBOARD_ARGS)

token: setup  ## print a development token: make token MEMBER=<uuid> [ADMIN=1]
	@uv run hourbank token $(MEMBER) $(if $(ADMIN),--admin)

compose-check:  ## build every image and run docker-compose.yml end to end (root; installs the engine if absent)
	infra/compose-check --log docs/containers/compose-check.log

console:  ## rebuild the admin console into console/dist (commit it; needs npm)
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

console-check:  ## the committed console/dist is the build of console/src (needs npm; skipped without, outside CI)
	@if command -v npm >/dev/null; then \
	  cd console && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check-dist; \
	elif [ "$${CI:-}" = true ]; then echo "console-check: npm is missing" >&2; exit 1; \
	else echo "console-check: skipped (no npm here; CI runs it)"; fi

console-screenshots: setup  ## the console's pages as docs/console/*.png, from its browser tests (starts a stack if none runs)
	$(INFRA) up
	$(WITH_ENV) HOURBANK_CONSOLE_SCREENSHOTS=docs/console uv run pytest tests/console -q $(PYTEST_ARGS)
