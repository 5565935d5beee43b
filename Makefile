# svcalc tasks. `make run` and `make test` work on a fresh machine: they create .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test openapi lint clean bench soak bench-tools

# Reinstall when the package metadata changes; the stamp keeps repeat runs fast.
$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: install bench-tools
	$(BIN)/python -m pytest

openapi: install
	$(BIN)/python -m svcalc.api.spec > openapi.yaml

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

# wrk (Debian) drives the HTTP benchmark; the tests run it in a short mode, so `make test` needs it.
bench-tools:
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# Full benchmark (about 1 minute): HTTP floors vs appraisal, then finance kernels vs numpy-financial.
bench: install bench-tools
	$(BIN)/python -m bench.service
	$(BIN)/python -m bench.kernels
	$(BIN)/python -m bench.worst_case

# 60 s of mixed valid/invalid load at concurrency 16 on 127.0.0.1, one worker killed mid-run.
soak: install
	$(BIN)/python -m bench.soak --duration 60 --concurrency 16
