# The two set-up commands of the README: `make run` and `make test`.
# Each creates .venv when missing, installs the project into it and installs the system
# programs it needs (Graphviz's dot; Chromium for the browser tests) with apt-get when missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

# apt_install PROGRAM PACKAGES: install PACKAGES with apt-get (sudo when not root) if PROGRAM is missing.
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "Missing '$(1)': please install the Debian/Ubuntu package(s) '$(2)'." >&2; exit 1; fi; \
	  echo "Installing $(2) with apt-get ..."; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(2) >/dev/null \
	  || { echo "Could not install '$(2)': please install it with your package manager." >&2; exit 1; }; }
endef

.PHONY: run test lint bench graphviz chromium clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'
	@touch $@

graphviz:
	$(call apt_install,dot,graphviz)

chromium:
	$(call apt_install,chromium,chromium fonts-dejavu-core)

run: $(STAMP) graphviz
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT)

test: $(STAMP) graphviz chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP) graphviz
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/train.py
	$(BIN)/python bench/boundary.py
	$(BIN)/python bench/sessions.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
