# mcp-edge: build, test and run. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ITEST := $(ROOT)/Tests/IntegrationTests
VENV := $(ITEST)/.venv
PYTHON ?= python3
SWIFT ?= swift
SWIFT_JOBS ?=
SWIFT_FLAGS := $(if $(SWIFT_JOBS),-j $(SWIFT_JOBS),)
PYTEST_ARGS ?=

.PHONY: all deps build build-debug venv test unit-test integration-test run bench fuzz sanitize clean

all: build

deps:
	@$(ROOT)/scripts/deps.sh

# Release binaries link the Swift runtime statically: one file to deploy, and only the pages it
# uses are resident.
build: deps
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS)

build-debug: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# The integration tests' Python environment, from PyPI: (re)made when it is missing, broken,
# or older than requirements.txt.
venv: deps
	@if ! $(VENV)/bin/python -c 'import mcp, pytest, httpx, h2' >/dev/null 2>&1 \
	    || [ $(ITEST)/requirements.txt -nt $(VENV)/.installed ]; then \
	  set -x; \
	  $(VENV)/bin/python -c '' >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }; \
	  $(VENV)/bin/python -m pip install --disable-pip-version-check -q --upgrade pip; \
	  $(VENV)/bin/python -m pip install --disable-pip-version-check -q -r $(ITEST)/requirements.txt; \
	  touch $(VENV)/.installed; \
	fi

unit-test: deps
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build

# Runs against $(MCP_EDGE_BIN) if set, else .build/release/mcp-edge, else .build/debug/mcp-edge.
integration-test: venv
	cd $(ITEST) && env -u MCP_EDGE_DIRECT $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Unit tests, release build, integration tests, in this order (safe under make -j too).
test: deps venv
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_FLAGS)
	cd $(ITEST) && env -u MCP_EDGE_DIRECT MCP_EDGE_BIN=$${MCP_EDGE_BIN:-$(ROOT)/.build/release/mcp-edge} \
	  $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# TLS on 127.0.0.1:8443 and plaintext on :8080 in front of a demo MCP server on :9000.
run: deps venv build
	$(ROOT)/scripts/run-demo.sh

# Side-by-side table against nginx and HAProxy (the team's benchmark kit, BENCH_DIR; `make test`
# does not use it), the memory per idle connection, and the parser micro-benchmarks.
# Needs nginx-light, haproxy, nghttp2-client.
bench: deps build
	@command -v nginx >/dev/null && command -v haproxy >/dev/null || apt-get install -y -qq nginx-light haproxy
	$(ROOT)/Benchmarks/run-bench.sh --rounds 3
	python3 $(ROOT)/Benchmarks/idle_connections.py --connections 10000 --plaintext
	python3 $(ROOT)/Benchmarks/idle_connections.py --connections 10000
	python3 $(ROOT)/Benchmarks/idle_connections.py --connections 10000 --target nginx
	python3 $(ROOT)/Benchmarks/idle_connections.py --connections 10000 --target haproxy
	cd $(ROOT)/Benchmarks/Micro && $(SWIFT) package --scratch-path .build-micro benchmark

# libFuzzer targets (Fuzz/, harnesses in Sources/EdgeFuzzing) built with AddressSanitizer
# into .build-fuzz, each run FUZZ_SECONDS (default 180) from Tests/FuzzCorpus/<target>/seeds;
# crashing inputs land in Tests/FuzzCorpus/<target>/crashes/, which `make test` replays.
# FUZZ_TARGETS="chunked jsonrpc" picks targets; prints executions and exec/s per target.
fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-180} $(ROOT)/scripts/fuzz.sh

# The unit tests under AddressSanitizer, then ThreadSanitizer (own scratch paths, debug
# builds, about 70 s each from scratch on a 2-core VM). Suppressions, each with its reason:
# scripts/sanitizers/tsan.supp (a Synchronization.Mutex false positive).
sanitize: deps
	$(ROOT)/scripts/sanitize.sh

clean:
	rm -rf $(ROOT)/.build $(VENV) $(ROOT)/run
