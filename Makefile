# The two set-up commands of the README: `make run` and `make test`.
# Each creates .venv when missing, installs the project into it and installs the system
# programs it needs (Graphviz's dot; Chromium for the browser tests) with apt-get when missing.
# `make run` installs only what serving needs; `make test` adds the dev extras (pytest, Playwright,
# the reference implementations micrograd and torch, ...).

PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
HOST      ?= 127.0.0.1
PORT      ?= 8000

# apt_install PROGRAM PACKAGES: install PACKAGES with apt-get (sudo when not root) if PROGRAM is missing.
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "Missing '$(1)': please install the Debian/Ubuntu package(s) '$(2)'." >&2; exit 1; fi; \
	  echo "Installing $(2) with apt-get ..."; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(2) >/dev/null \
	  || { echo "Could not install '$(2)': please install it with your package manager." >&2; exit 1; }; }
endef

.PHONY: run run-workers redis test lint bench graphviz chromium pyodide clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e '.[dev]'
	@touch $@ $(RUN_STAMP)

graphviz:
	$(call apt_install,dot,graphviz)

chromium:
	$(call apt_install,chromium,chromium fonts-dejavu-core)

redis:
	$(call apt_install,redis-server,redis-server)

# N workers sharing the sessions through Redis: BACKPROP_LAB_REDIS_URL if set, else a redis-server
# of our own on a unix socket in .redis/ (append-only, so a restart keeps the sessions).
WORKERS ?= 2
run-workers: $(RUN_STAMP) graphviz pyodide redis
	@url="$$BACKPROP_LAB_REDIS_URL"; if [ -z "$$url" ]; then \
	  mkdir -p .redis; test -S .redis/redis.sock || redis-server --port 0 --unixsocket "$$PWD/.redis/redis.sock" \
	    --dir "$$PWD/.redis" --appendonly yes --daemonize yes --pidfile "$$PWD/.redis/redis.pid" >/dev/null; \
	  url="unix://$$PWD/.redis/redis.sock"; echo "Redis: $$url (stop it with: kill $$(cat .redis/redis.pid))"; fi; \
	BACKPROP_LAB_REDIS_URL="$$url" $(BIN)/backprop-lab serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

run: $(RUN_STAMP) graphviz pyodide
	$(BIN)/backprop-lab serve --host $(HOST) --port $(PORT)

test: $(DEV_STAMP) graphviz chromium pyodide redis
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(DEV_STAMP) graphviz
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/interpreter.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/train.py
	$(BIN)/python bench/time_travel.py
	$(BIN)/python bench/boundary.py
	$(BIN)/python bench/sessions.py

# Pyodide (CPython in WebAssembly) for the playground's Python mode, from the npm registry by name,
# version and checksum, into static/vendor/pyodide (gitignored, about 13 MB). Only the files that
# loadPyodide fetches are kept; the page then needs no internet. A wheel build must run this first.
PYODIDE_VERSION   := 314.0.7
PYODIDE_INTEGRITY := sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi/6V5JEsOlD2R1A==
PYODIDE_DIR       := static/vendor/pyodide
PYODIDE_FILES     := pyodide.mjs pyodide.asm.mjs pyodide.asm.wasm python_stdlib.zip pyodide-lock.json
PYODIDE_STAMP     := $(PYODIDE_DIR)/.installed-$(PYODIDE_VERSION)
# Python mode boots from an interpreter saved after start-up (~1 s instead of ~5): made here, in
# Node, from the files above (scripts/pyodide-snapshot.mjs says why and how).
PYODIDE_SNAPSHOT  := $(PYODIDE_DIR)/snapshot.bin.gz

pyodide: $(PYODIDE_SNAPSHOT)

$(PYODIDE_SNAPSHOT): $(PYODIDE_STAMP) scripts/pyodide-snapshot.mjs
	node scripts/pyodide-snapshot.mjs $(PYODIDE_DIR)

$(PYODIDE_STAMP):
	$(call apt_install,npm,npm)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  echo "Fetching pyodide@$(PYODIDE_VERSION) from the npm registry ..."; \
	  (cd "$$tmp" && npm pack --silent pyodide@$(PYODIDE_VERSION) >/dev/null); \
	  got="sha512-$$($(PYTHON) -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$$tmp/pyodide-$(PYODIDE_VERSION).tgz")"; \
	  if [ "$$got" != "$(PYODIDE_INTEGRITY)" ]; then echo "pyodide-$(PYODIDE_VERSION).tgz: checksum mismatch ($$got)" >&2; exit 1; fi; \
	  tar -xzf "$$tmp/pyodide-$(PYODIDE_VERSION).tgz" -C "$$tmp" $(addprefix package/,$(PYODIDE_FILES)); \
	  rm -f $(PYODIDE_DIR)/.installed-* $(PYODIDE_SNAPSHOT); \
	  cp $(addprefix "$$tmp"/package/,$(PYODIDE_FILES)) $(PYODIDE_DIR)/
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
