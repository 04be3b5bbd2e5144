# make run   — set up a venv, build the demo data and boundary cache, serve on http://127.0.0.1:8501
# make test  — set up (incl. Debian chromium when root), then run the whole test suite
# make bench — print the benchmark JSON
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Boundaries are third-party files kept outside the repo; default to ../shared/geo when present.
PHDT_GEO_DIR ?= $(if $(wildcard ../shared/geo),$(abspath ../shared/geo),)
export PHDT_GEO_DIR

.PHONY: run test bench data geo chromium clean

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/installed-dev: requirements-dev.txt $(VENV)/installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

data: $(VENV)/installed
	$(PY) -m phdt.dataset

geo: $(VENV)/installed
	$(PY) -m geo.boundaries build

chromium:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else echo "Browser tests need Debian chromium: sudo apt-get install chromium" >&2; exit 1; fi; fi

run: data geo
	$(PY) scripts/server.py

test: $(VENV)/installed-dev chromium data geo
	$(PY) -m pytest

bench: $(VENV)/installed-dev chromium data geo
	$(PY) scripts/bench.py

clean:
	rm -rf var static/vendor
