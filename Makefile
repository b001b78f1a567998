# Every target bootstraps what it needs; `make serve` and `make test` work on a fresh machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
LINT_VENV := .venv-lint
STAMP := $(VENV)/.installed
# The official JS SDK (@voucherify/sdk, pinned in package.json + package-lock.json) for tests/sdk_js; Node 20.
NODE_STAMP := node_modules/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export SAM_CLI_TELEMETRY := 0

.PHONY: serve test lint bench load openapi reference build deploy clean console chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import aws_lambda_powertools, moto, pytest, voucherify, segno, barcode" && $(BIN)/locust --version >/dev/null && touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || { echo "the JS SDK tests need Node.js 20+"; exit 1; }
	npm ci --no-audit --no-fund --loglevel error
	@node -e 'require("@voucherify/sdk")' && touch $@

# The console (console/, Svelte + Vite, pinned in console/package-lock.json): built into console/dist, which
# `python -m local serve` serves at /console/ and `make deploy` publishes. Node 20 + npm.
CONSOLE_STAMP := console/node_modules/.installed
CONSOLE_BUILD := console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.js console/svelte.config.js
# Debian's Chromium drives the console's browser tests (Playwright's own browser download cannot work on these machines).
CHROMIUM ?= /usr/bin/chromium

$(CONSOLE_STAMP): console/package.json console/package-lock.json
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || { echo "the console needs Node.js 20+ and npm"; exit 1; }
	cd console && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel error
	@touch $@

$(CONSOLE_BUILD): $(CONSOLE_STAMP) $(CONSOLE_SOURCES)
	cd console && npm run build --silent

## console: build the console (console/dist) that `make serve` serves at /console/
console: $(CONSOLE_BUILD)

## chromium: Debian's Chromium for the console's browser tests (apt-get, as root or with sudo)
chromium:
	@test -x $(CHROMIUM) || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -E); export DEBIAN_FRONTEND=noninteractive; \
		$$SUDO apt-get install -y -q chromium || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }; }
	@$(CHROMIUM) --version

# aws-sam-translator expands template.yaml for tests/unit/test_template.py (it pins an older pydantic than the app's).
# The Makefile prerequisite makes an existing .venv-lint take a package added here.
$(LINT_VENV)/.installed: Makefile
	@test -x $(LINT_VENV)/bin/python || $(PY) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install -q cfn-lint cfn-lint-serverless aws-sam-translator 2>&1 | grep -v "is ignored" || true
	@$(LINT_VENV)/bin/cfn-lint --version && $(LINT_VENV)/bin/python -c "import samtranslator" && touch $@

$(SAM_VENV)/.installed:
	@test -x $(SAM_VENV)/bin/python || $(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q aws-sam-cli 2>&1 | grep -v "is ignored" || true
	@$(SAM_VENV)/bin/sam --version && touch $@

## serve: the whole stack on http://127.0.0.1:3000 and the console at /console/ (DynamoDB Local when java 17+ is here, else embedded; BACKEND=embedded|dynamodb-local|aws to choose)
serve: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory console || echo "the console did not build: serving the API only"; \
		else echo "no Node.js/npm here: serving the API without the console"; fi
	$(BIN)/python -m local serve --backend $(or $(BACKEND),auto)

## test: lint, template checks, unit, integration (moto), e2e (HTTP against local/, the Python and JS SDK suites, the console in Chromium)
test: $(STAMP) $(NODE_STAMP) $(CONSOLE_BUILD) chromium lint
	$(BIN)/python -m pytest -q

## bench: round trips, handler overhead, cold start, worker throughput, memory, cost (DynamoDB Local + moto SQS)
bench: $(STAMP)
	$(BIN)/python -m bench

## load: locust against `python -m local serve` (make serve's backend; BACKEND=embedded|dynamodb-local to choose), 10,000 writes, then a 100,000-item table; bench/load.json
load: $(STAMP)
	$(BIN)/python -m bench.load --backend $(or $(BACKEND),auto)

## openapi: write the project's own OpenAPI document (openapi.json) from its routes and models
openapi: $(STAMP)
	$(BIN)/python -m local openapi --output openapi.json

## reference: write tests/reference/ (the schema-only extract of the Voucherify reference the tests read) from ../shared/
reference: $(STAMP)
	$(BIN)/python scripts/extract_reference.py

## lint: ruff, mypy, the import-layer contracts, cfn-lint (with the serverless rules)
lint: $(STAMP) $(LINT_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy shared/loyalty local functions bench scripts
	PYTHONPATH=shared $(BIN)/lint-imports
	$(LINT_VENV)/bin/cfn-lint template.yaml -a cfn_lint_serverless.rules

## build: sam validate --lint and sam build (aws-sam-cli in its own virtualenv)
build: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam validate --lint
	$(SAM_VENV)/bin/sam build
# sam build leaves out __pycache__: precompile the build (functions and layer) so a cold start reads .pyc. Hash-based,
# unchecked: the deployment zip rounds file times to 2 s, so a timestamp-checked .pyc could look stale on Lambda and
# be recompiled, in memory (read-only /var/task), at every cold start.
	$(BIN)/python -m compileall -q --invalidation-mode unchecked-hash .aws-sam/build >/dev/null 2>&1 \
		|| $(PY) -m compileall -q --invalidation-mode unchecked-hash .aws-sam/build

## deploy: sam deploy --guided (needs AWS credentials), then the console built and published to the stack's bucket (STACK_NAME= if samconfig.toml has none)
deploy: build $(STAMP)
	$(SAM_VENV)/bin/sam deploy --guided
	$(MAKE) console
	$(BIN)/python scripts/publish_console.py $(if $(STACK_NAME),--stack-name $(STACK_NAME))

clean:
	rm -rf $(VENV) $(SAM_VENV) $(LINT_VENV) node_modules console/node_modules console/dist .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
