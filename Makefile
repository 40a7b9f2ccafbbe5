# HourBank entry points. `make up` runs everything; `make test` runs all tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
INFRA := infra/hb-infra
WITH_ENV := eval "$$($(INFRA) env)" &&
# development only: services and `make token` sign and verify with this unless it is set
export HOURBANK_JWT_SECRET ?= hourbank-development-secret-change-me-0123456789

.PHONY: help setup up down status test unit lint bench token

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup:  ## install uv (if missing) and the Python workspace
	@command -v uv >/dev/null || python3 -m pip install --quiet uv
	uv sync --frozen

up: setup  ## start everything locally (Kafka, PostgreSQL, topics, migrations)
	$(INFRA) up
	$(WITH_ENV) uv run hourbank-topics
	$(WITH_ENV) uv run hourbank-escrow migrate
	$(WITH_ENV) uv run hourbank-requests migrate
	$(WITH_ENV) uv run hourbank-disputes migrate
	$(WITH_ENV) uv run hourbank-notifications migrate
	@echo "HourBank infrastructure is up. 'make status' shows it, 'make down' stops it."
	@echo "Environment for tools and services: eval \"\$$($(INFRA) env)\""

down:  ## stop everything
	$(INFRA) down

status:  ## show what runs
	$(INFRA) status

test: setup  ## run all tests (starts Kafka and PostgreSQL if needed)
	$(INFRA) up
	$(WITH_ENV) uv run pytest $(PYTEST_ARGS)

unit: setup  ## run the tests that need no broker or database
	uv run pytest shared/tests/unit services/*/tests/unit $(PYTEST_ARGS)

lint: setup  ## ruff, formatting, mypy, and the event documents in step with the code
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy shared/src services/*/src
	uv run python -m hourbank_shared.contracts.docs --check

bench: setup  ## relay and broker latency/throughput figures (prints, asserts nothing)
	$(INFRA) up
	$(WITH_ENV) uv run python bench/relay_bench.py $(BENCH_ARGS)

token: setup  ## print a development token: make token MEMBER=<uuid> [ADMIN=1]
	@$(WITH_ENV) uv run hourbank-token $(MEMBER) $(if $(ADMIN),--admin)
