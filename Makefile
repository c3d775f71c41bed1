# Two commands on a fresh clone: `make synth` and `make test`. Each installs what is missing first
# (a venv from requirements*.txt, the CDK CLI and a supported Node LTS from package-lock.json) and is
# quick when everything is already there. Nothing is installed globally.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
# The Makefile passes nothing the app and the tools find themselves (project name, stages, regions: cdk.json,
# read by stacks/project.py). STAGE is yours to choose; unset, the cdk commands use cdk.json's `stage` (dev).
STAGE ?=
STAGE_CONTEXT = $(if $(STAGE),-c stage=$(STAGE))
STAGE_FLAG = $(if $(STAGE),--stage $(STAGE))
# cdk deploy asks before widening IAM; CI (deploy.yml) passes CDK_APPROVAL=never after its own review gates.
CDK_APPROVAL ?= broadening
# The project's Node 24 (npm package `node`) and CDK CLI come first, then the venv: jsii and the CLI
# never run on the machine's end-of-life Node 20.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

$(VENV_STAMP): requirements.txt requirements-dev.txt $(wildcard layers/dependencies/*/requirements.txt)
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
synth: setup ## Synthesize every stage (dev, prod and any added in cdk.json) into cdk.out
	cdk synth -c stage=all --quiet

.PHONY: test
test: setup ## Run the whole test suite (unit, infra, integration)
	pytest

.PHONY: test-docs
test-docs: setup ## Run every command the docs show (scratch clone) and the infra suite under a fork's name (slow)
	pytest tests/docs tests/fork

.PHONY: lint
lint: setup ## ruff lint + format check, mypy (strict but for tests, bench and app.py)
	ruff check .
	ruff format --check .
	mypy

.PHONY: local
local: setup ## Run the handler as Lambda would against a local AWS emulator (moto server)
	python -m local.run

.PHONY: bench
bench: setup ## Cold-start benchmark: seed code vs this handler vs a bare-botocore floor (30 runs each)
	python -m local.bench $(ARGS)

.PHONY: bench-synth
bench-synth: setup ## Synth time next to a bare one-function app (5 runs); resources and asset sizes
	python -m bench.synth_time $(ARGS)

.PHONY: cost
cost: setup ## Price memory/PC/SnapStart: make cost ARGS="--memory 512 --provisioned-concurrency 10 --hours 24"
	python -m tools.cost $(ARGS)

.PHONY: cold-start
cold-start: setup ## Measure cold vs warm vs provisioned starts of the deployed STAGE (needs AWS credentials)
	python -m tools.cold_start $(STAGE_FLAG) $(ARGS)

.PHONY: power-tuning
power-tuning: setup ## Memory sweep of the deployed STAGE (needs AWS credentials)
	python -m tools.power_tuning $(STAGE_FLAG) $(ARGS)

# The cdk commands below need AWS credentials: tools.credentials says so in one line, before a synth.
.PHONY: aws-credentials
aws-credentials: setup
	@python -m tools.credentials

.PHONY: bootstrap
bootstrap: aws-credentials ## Bootstrap CDK in STAGE's account and region, once (needs AWS credentials)
	cdk bootstrap $(STAGE_CONTEXT) $(ARGS)

.PHONY: diff
diff: aws-credentials ## Show what a deploy of STAGE would change (needs AWS credentials)
	cdk diff $(STAGE_CONTEXT) $(ARGS)

.PHONY: deploy
deploy: aws-credentials ## Deploy STAGE to the account of your AWS credentials; ARGS="-c power_tuning=true" adds Power Tuning
	cdk deploy $(STAGE_CONTEXT) --all --require-approval $(CDK_APPROVAL) $(ARGS)

.PHONY: destroy
destroy: aws-credentials ## Destroy STAGE; prod's table and bucket are retained (see README)
	cdk destroy $(STAGE_CONTEXT) --all $(ARGS)

.PHONY: clean
clean: ## Remove cdk.out and caches (keeps the venv and node_modules)
	rm -rf cdk.out .pytest_cache .hypothesis .mypy_cache .ruff_cache
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'
