# Workhall — run `make help` for the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := src/workhall/static/vendor/.copied
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ASSETS): package.json package-lock.json scripts/copy_assets.py
	npm ci --no-audit --no-fund --silent
	$(BIN)/python scripts/copy_assets.py
	touch $(ASSETS)

install: $(STAMP) $(ASSETS) ## Create .venv, install Python and front-end dependencies

run: install ## Migrate the embedded database, load demo data if empty, serve on http://127.0.0.1:8000
	$(BIN)/workhall db upgrade
	$(BIN)/workhall demo --if-empty
	$(BIN)/workhall serve --host $(HOST) --port $(PORT)

test: install ## Run the whole suite (PostgreSQL too when WORKHALL_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

browser-deps: ## Install Debian's Chromium for the browser tests when it is missing (as root)
	@if [ -x /usr/bin/chromium ]; then echo "chromium is installed"; \
	else apt-get update -qq && apt-get install -y chromium; fi

lint: install ## ruff (lint and format check) and mypy
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

format: install ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

bench: install ## Run the benchmarks in bench/ (prints figures beside their references)
	$(BIN)/python -m bench

worker: install ## Run the scheduled and queued work
	$(BIN)/workhall worker

clean: ## Remove the virtualenv, node_modules and copied assets
	rm -rf $(VENV) node_modules src/workhall/static/vendor

.PHONY: help install run test browser-deps lint format bench worker clean
