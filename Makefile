# svcalc tasks. `make run` and `make test` work on a fresh machine: they create .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test openapi lint clean

# Reinstall when the package metadata changes; the stamp keeps repeat runs fast.
$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --access-logfile=- wsgi:app

test: install
	$(BIN)/python -m pytest

openapi: install
	$(BIN)/python -m svcalc.api.spec > openapi.yaml

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

# Contract fuzzing at depth: every operation in the spec, many random examples (make test runs a
# small derandomised pass of the same test).
FUZZ_EXAMPLES ?= 1000
.PHONY: fuzz
fuzz: install
	SVCALC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider tests/test_contract_fuzz.py
