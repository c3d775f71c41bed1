# Two commands on a fresh clone: `make synth` and `make test`. Each installs what is missing first
# (a venv from requirements*.txt, the CDK CLI and a supported Node LTS from package-lock.json) and is
# quick when everything is already there. Nothing is installed globally.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
STAGE ?= dev
STAGES ?= dev,prod
# cdk deploy asks before widening IAM; CI (deploy.yml) passes CDK_APPROVAL=never after its own review gates.
CDK_APPROVAL ?= broadening
# The project's Node 24 (npm package `node`) and CDK CLI come first, then the venv: jsii and the CLI
# never run on the machine's end-of-life Node 20.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

$(VENV_STAMP): requirements.txt requirements-dev.txt layers/dependencies/requirements.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: setup
setup: $(VENV_STAMP) $(NODE_STAMP) ## Create the venv and install the pinned CDK CLI + Node (idempotent)

.PHONY: synth
synth: setup ## Synthesize every stage (dev, prod) into cdk.out
	cdk synth -c stage=$(STAGES) --quiet

.PHONY: test
test: setup ## Run the whole test suite (unit, infra, integration, contract)
	pytest

.PHONY: lint
lint: setup ## ruff lint + format check, mypy (strict but for tests, bench and app.py)
	ruff check .
	ruff format --check .
	mypy

.PHONY: local
local: setup ## Run the handler as Lambda would against a local AWS emulator (moto server)
	python -m local.run $(ARGS)

.PHONY: serve
serve: setup ## The API on 127.0.0.1 as API Gateway + Lambda serve it (PORT=8080 to choose the port)
	python -m local.serve --port $(or $(PORT),0) $(ARGS)

.PHONY: e2e
e2e: setup ## The HTTP contract suite against the deployed STAGE's API (needs AWS credentials)
	python -m tools.e2e --stage $(STAGE) $(ARGS)

.PHONY: bench
bench: setup ## Benchmark, cold and warm: seed code vs this handler (traced, untraced) vs a bare-botocore floor
	python -m local.bench $(ARGS)

.PHONY: bench-synth
bench-synth: setup ## Synth time next to a bare one-function app; resources and asset sizes
	python -m bench.synth_time $(ARGS)

.PHONY: cost
cost: setup ## Price memory/PC/SnapStart: make cost ARGS="--memory 512 --provisioned-concurrency 10 --hours 24"
	python -m tools.cost $(ARGS)

.PHONY: cold-start
cold-start: setup ## Measure cold vs warm vs provisioned starts of the deployed STAGE (needs AWS credentials)
	python -m tools.cold_start --stage $(STAGE) $(ARGS)

.PHONY: power-tuning
power-tuning: setup ## Memory sweep of the deployed STAGE (needs AWS credentials)
	python -m tools.power_tuning --stage $(STAGE) $(ARGS)

.PHONY: diff
diff: setup ## Show what a deploy of STAGE would change (needs AWS credentials)
	cdk diff -c stage=$(STAGE) --all

.PHONY: deploy
deploy: setup ## Deploy STAGE (dev|prod) to the account/region of your AWS credentials
	cdk deploy -c stage=$(STAGE) --all --require-approval $(CDK_APPROVAL)

.PHONY: destroy
destroy: setup ## Destroy STAGE; prod's table and bucket are retained (see README)
	cdk destroy -c stage=$(STAGE) --all

.PHONY: clean
clean: ## Remove cdk.out and caches (keeps the venv and node_modules)
	rm -rf cdk.out .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'
