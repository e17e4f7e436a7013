# Tradelane: `make demo` and `make test` are all a user needs; both set up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.tradelane-installed
NPM_STAMP := node_modules/.tradelane-installed

# The first Python >= 3.11 on PATH (override with `make PYTHON=/path/to/python3.11 ...`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)

.PHONY: help setup demo test test-eth-tester test-anvil lint audit mutate fuzz gas bench clean distclean

help:
	@echo "make demo     compile and deploy the suite on an embedded chain"
	@echo "make test     lint, then the tests on eth-tester and on Anvil"
	@echo "make setup    .venv and node_modules (done by demo and test)"
	@echo "make lint     ruff, mypy and solhint"
	@echo "make audit    Slither on contracts/: fails on an untriaged High or Medium finding"
	@echo "make mutate   mutation testing of the money paths: killed/survived, score (MUTATE_ARGS=--json)"
	@echo "make fuzz     the invariant state machine's deep profile (100,000+ steps, in-process EVM)"
	@echo "make gas      measure gas per step and flow on Anvil and rewrite gas/snapshot.json"
	@echo "make bench    gas against the anchors, throughput, scale, explorer (BENCHMARKS.md; minutes)"
	@echo "make clean    remove build output (distclean: also .venv and node_modules)"

setup: $(PY_STAMP) $(NPM_STAMP)
	@# The explorer's browser tests drive Debian's chromium (CI installs it: .ci/run).
	@command -v chromium >/dev/null 2>&1 || test -n "$$TRADELANE_CHROMIUM" || echo "note: chromium not found: the explorer's browser tests will be skipped; install it with: sudo apt-get install chromium (Debian, Ubuntu), or set TRADELANE_CHROMIUM=/path/to/chromium" >&2

$(PY_STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "error: Python 3.11+ not found on PATH: install python3.11 (with its venv module) or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: $(PYTHON) is older than 3.11: install python3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "error: cannot create $(VENV) with $(PYTHON): install its venv module (e.g. apt-get install python3.11-venv)" >&2; exit 1; }
	@echo "installing the Python packages into $(VENV) (about 2 minutes the first time)..."
	$(BIN)/python -m pip install --quiet --progress-bar on --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@# ape-solidity finds solc in py-solc-x's folder: point it at .solcx/ (our launcher) unless the user chose one.
	@echo 'import os; os.environ.setdefault("SOLCX_BINARY_PATH", "$(CURDIR)/.solcx")' \
		> "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/tradelane-solcx.pth"
	@# Slither brings solc-select, whose `solc` shim would try to download a compiler: our launcher instead.
	@ln -sf ../../bin/solc $(BIN)/solc
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v node >/dev/null 2>&1 || { echo "error: node not found on PATH: install Node.js 18+ with npm (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found on PATH: install npm (e.g. apt-get install npm)" >&2; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)' || { echo "error: Node.js $$(node --version) is older than 18: install Node.js 18+" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(BIN)/tradelane demo

lint: setup
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	node_modules/.bin/solhint --disc --noPoster 'contracts/**/*.sol'

test: lint audit test-eth-tester test-anvil

test-eth-tester: setup
	$(BIN)/pytest --chain eth-tester --durations=10

test-anvil: setup
	$(BIN)/pytest --chain anvil -m "not eth_tester_only" --durations=10

audit: setup
	$(BIN)/python audit/slither.py

# Mutation testing (issue 11); the fixed sample runs inside `make test` (test_mutation_sample.py).
MUTATE_ARGS ?=
mutate: setup
	$(BIN)/python audit/mutate.py $(MUTATE_ARGS)

fuzz: setup
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest tests/contracts/test_invariants.py -q -s

gas: setup
	UPDATE_GAS=1 $(BIN)/pytest --chain anvil tests/contracts/test_gas.py -q -s

# The runs behind BENCHMARKS.md (BENCH_TRADES: trades per throughput mode).
BENCH_TRADES ?= 500
bench: setup
	$(BIN)/tradelane bench gas --profile
	$(BIN)/tradelane bench throughput --chain anvil --trades $(BENCH_TRADES)
	$(BIN)/tradelane bench scale
	$(BIN)/tradelane bench explorer

clean:
	rm -rf build .build contracts/.cache .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
