# COPD Fuel backend. `make dev` runs the whole system locally; `make test` runs
# every test. Both install what they need first (npm ci, Go modules).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

FUNCTIONS := $(notdir $(wildcard functions/*))
GO_MODULES := pkg $(addprefix functions/,$(FUNCTIONS)) $(if $(wildcard scripts/go.mod),scripts) $(if $(wildcard cdk/go.mod),cdk)
# Lambda build: provided.al2023 on arm64, binary named bootstrap (DESIGN.md section 8).
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w'
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The official FHIR R4 JSON schema, for pkg/export's test of its FHIR output.
FHIR_SCHEMA := pkg/export/testdata/fhirschema
$(FHIR_SCHEMA)/node_modules/.package-lock.json: $(FHIR_SCHEMA)/package-lock.json
	npm ci --prefix $(FHIR_SCHEMA) --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json $(FHIR_SCHEMA)/node_modules/.package-lock.json ## Install the pinned npm packages and Go modules.
	@for m in $(GO_MODULES); do (cd $$m && go mod download); done

.PHONY: build
build: ## Build every function for Lambda (linux/arm64) as build/<fn>/bootstrap.
	@for f in $(FUNCTIONS); do \
	  (cd functions/$$f && CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build $(LAMBDA_FLAGS) -o ../../build/$$f/bootstrap .); \
	done
	@echo "built $(words $(FUNCTIONS)) functions into build/"

.PHONY: build-local
build-local: ## Build every function for this machine as .local/bin/<fn>/bootstrap (used by make dev and tests).
	@for f in $(FUNCTIONS); do \
	  (cd functions/$$f && CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o ../../.local/bin/$$f/bootstrap .); \
	done

.PHONY: vet
vet: ## go vet and gofmt over every module.
	@test -z "$$(gofmt -l $(GO_MODULES))" || { echo "gofmt needed:"; gofmt -l $(GO_MODULES); exit 1; }
	@for m in $(GO_MODULES); do (cd $$m && go vet ./...); done

.PHONY: test
test: deps vet lint-openapi build-local portal ## Run every test: vet, OpenAPI lint, unit, integration against the stand-ins, the portal in Chromium.
	@failed=""; for m in $(GO_MODULES); do (cd $$m && COPD_REQUIRE_E2E=1 go test -count=1 -timeout 600s ./...) || failed="$$failed $$m"; done; \
	  if [ -n "$$failed" ]; then echo "FAILED go test in:$$failed"; exit 1; fi
	@node --test portal/e2e/
	@echo "GOWORK=off build of every function:"; for f in $(FUNCTIONS); do (cd functions/$$f && GOWORK=off go build -o /dev/null .); done
	@$(MAKE) --no-print-directory diff

.PHONY: dev
dev: deps build-local docs-html portal ## Run the whole system on 127.0.0.1 with demo data (docs/local-stack.md); Ctrl-C stops it.
	@cd scripts && go build -o ../.local/bin/devstack ./cmd/devstack
	@# exec, not go run: Ctrl-C then ends devstack cleanly and make exits 0.
	@exec .local/bin/devstack

# The API contract (docs/openapi.yaml) with Redocly CLI from the lockfile, offline:
# no telemetry, no update check, and the renderer inlined (no CDN).
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly

.PHONY: lint-openapi
lint-openapi: deps ## Lint docs/openapi.yaml (Redocly recommended rules, docs/redocly.yaml); examples are validated too.
	@out=$$($(REDOCLY) lint --config docs/redocly.yaml docs/openapi.yaml 2>&1) && rc=0 || rc=$$?; grep -v '[║╔╚]' <<<"$$out" || true; exit $$rc

.PHONY: docs-html
docs-html: .local/docs/index.html ## Render docs/openapi.yaml to .local/docs/index.html (served at /docs by make dev).

.local/docs/index.html: docs/openapi.yaml docs/redocly.yaml node_modules/.package-lock.json
	@mkdir -p $(@D)
	@out=$$($(REDOCLY) build-docs --config docs/redocly.yaml --inlineBundle --title 'COPD Fuel API' -o $@ docs/openapi.yaml 2>&1) && rc=0 || rc=$$?; grep -v '[║╔╚]' <<<"$$out" | grep . || true; exit $$rc

# The doctor portal (portal/): its own pinned npm packages, type-checked and
# built by Vite into portal/dist, which make dev serves and the CDK app hosts.
PORTAL_SRC := $(shell find portal/src -type f 2>/dev/null) portal/index.html portal/vite.config.ts portal/tsconfig.json

portal/node_modules/.package-lock.json: portal/package-lock.json
	npm ci --prefix portal --no-audit --no-fund --loglevel=error
	@touch $@

portal/dist/index.html: portal/node_modules/.package-lock.json $(PORTAL_SRC)
	@cd portal && npx --no-install tsc --noEmit -p . && npx --no-install vite build --logLevel warn

.PHONY: portal
portal: portal/dist/index.html ## Build the doctor portal into portal/dist (npm ci + type check + vite build).

.PHONY: dev-reset
dev-reset: ## Delete the local stack's state (.local/ except built binaries).
	rm -rf .local/dynamodb .local/cognito .local/logs .local/dev.json

.PHONY: admin
admin: ## Create a practice or a doctor (README "Practices and doctors"): make admin ARGS="practice --id ID --name NAME".
	@cd scripts && go run ./cmd/admin $(ARGS)

.PHONY: test-integration
test-integration: deps build-local ## Integration tests of the local stack (gateway, Lambda emulator, Cognito, end to end).
	@cd scripts && go test -count=1 ./...

# Fuzzing (docs/reliability.md). make test replays the committed seed corpora
# (testdata/fuzz) as ordinary tests; this runs each target for FUZZTIME. Minimising
# a new input is capped at 5 s: the default (60 s) can eat a whole short run.
FUZZTIME ?= 20s

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 20s); a crasher is written under the package's testdata/fuzz.
	@grep -rl --include='*_test.go' '^func Fuzz' pkg functions | sort | while read -r f; do \
	  d=$$(dirname $$f); for n in $$(grep -oE '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "== $$d $$n ($(FUZZTIME))"; (cd $$d && go test -run '^$$' -fuzz "^$$n\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s . | grep -vE '^fuzz: elapsed') || exit 1; \
	  done; done

# Known vulnerabilities (docs/reliability.md, "Supply chain"). Needs the
# network: govulncheck's database (vuln.go.dev, or a mirror/copy via VULNDB,
# e.g. file:///path) and npm's audit API. Neither is reachable from the build
# machine, so this is not part of make test; CI runs it where they are.
GOVULNCHECK := go run golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB ?= https://vuln.go.dev

.PHONY: vulncheck
vulncheck: ## govulncheck on every Go module, npm audit on every lockfile (network; not in make test).
	@rc=0; for m in $(GO_MODULES); do echo "== govulncheck $$m"; (cd $$m && $(GOVULNCHECK) -db $(VULNDB) ./...) || rc=1; done; \
	echo "== npm audit portal (runtime, shipped to browsers): high and above"; (cd portal && npm audit --omit=dev --audit-level=high) || rc=1; \
	for d in . portal $(FHIR_SCHEMA); do echo "== npm audit $$d (every package: build, test and local tools): critical"; (cd $$d && npm audit --audit-level=critical) || rc=1; done; \
	exit $$rc

# Infrastructure (cdk/, docs/deploy.md). Synth needs no AWS credentials.
CDK := npx --no-install cdk
CDK_FLAGS := --no-notices --no-version-reporting

.PHONY: synth
synth: deps build portal ## Synthesize every environment into cdk.out (with the built portal); fails on any unsuppressed cdk-nag finding.
	$(CDK) synth -c env=all -q $(CDK_FLAGS)

.PHONY: diff
diff: synth ## Compare the synthesized templates with the snapshots in cdk/testdata (asset hashes normalised).
	@go run ./cdk/cmd/snapshot -out cdk.out -dir cdk/testdata

.PHONY: snapshot
snapshot: synth ## Update the snapshots in cdk/testdata (after reviewing `make diff`).
	@go run ./cdk/cmd/snapshot -out cdk.out -dir cdk/testdata -update

# Benchmarks (docs/benchmarks.md). Figures are noisy on 2 cores: compare the
# ratios printed side by side in one run, not absolute times across runs.
BENCH_PORTS := COPD_API_PORT=13000 COPD_LAMBDA_PORT=13001 COPD_PORTAL_PORT=13002 COPD_DYNAMODB_PORT=13567 COPD_COGNITO_PORT=13229

.PHONY: bench
bench: deps build-local ## Measure: make dev cold start, /sync of 100 records through the gateway vs direct puts, handler CPU, a bounded load run, then one table: init per function vs a baseline, DynamoDB cost per operation vs minimum, growth.
	@echo "== make dev cold start (fresh state, devstack -once, 3 runs)"
	@for i in 1 2 3; do d=$$(mktemp -d); (cd scripts && COPD_LOCAL_DIR=$$d $(BENCH_PORTS) go run ./cmd/devstack -once | grep -E 'ready \(since'); rm -rf $$d; done
	@echo "== POST /sync of 100 records: local gateway vs the same puts made directly (floor)"
	@cd scripts && go test -run '^$$' -bench 'BenchmarkSync100' -benchtime 15x -count 1 ./localstack | grep -E '^(Benchmark|ok)'
	@echo "== handler CPU (Go benchmarks)"
	@cd pkg && go test -run '^$$' -bench . -benchmem -count 1 ./overview ./export | grep -E '^(Benchmark|ok)'
	@echo "== load on 127.0.0.1: GET /me, POST /sync, overview; throughput, p50/p99, function RSS (scripts/cmd/load, bounded)"
	@cd scripts && go run ./cmd/load -n 2000 -c 4 -duration 15s
	@echo "== the table: init per function vs a LoadDefaultConfig baseline, arm64 sizes, DynamoDB cost per operation vs minimum, growth (scripts/cmd/bench)"
	@$(MAKE) --no-print-directory build
	@cd scripts && go run ./cmd/bench -init-rounds 40 -reps 11
