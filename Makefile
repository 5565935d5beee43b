# svcalc tasks. `make run` and `make test` work on a fresh machine: they create .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test openapi docs lint clean system-deps bench soak bench-tools migrate \
	soak-store

# Reinstall when the package metadata changes; the stamp keeps repeat runs fast.
$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

# Migrate the database (SVCALC_DATABASE_URL; the SQLite file in instance/ by default) to the
# newest schema. Workers also do it when they start, unless SVCALC_DATABASE_MIGRATE=false.
migrate: install
	$(BIN)/flask --app wsgi db upgrade

test: install system-deps
	$(BIN)/python -m pytest

openapi: install
	$(BIN)/flask --app svcalc.app:create_app openapi > openapi.yaml

# The calibration table of docs/method.md, as the code rates the labelled deals.
docs: install
	$(BIN)/python -m tests.calibration

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

# Contract fuzzing at depth: every operation in the spec, many random examples (make test runs a
# small derandomised pass of the same test).
FUZZ_EXAMPLES ?= 1000
.PHONY: fuzz
fuzz: install
	SVCALC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider tests/test_contract_fuzz.py

# Spreadsheet-client tests (issue 6): the add-in's npm packages, and Debian's Chromium and
# LibreOffice Calc with python3-uno. Idempotent: apt runs only when a package is missing, npm only
# when the lock file changes. Without root or apt-get the tests that need them skip and say so.
# wrk (Debian) drives the HTTP benchmark, which the tests run in a short mode.
# The report (issue 16): WeasyPrint's Pango and HarfBuzz libraries and a font for the PDF,
# poppler-utils (pdftotext) to read it back in the tests; Chromium drives the try-it page.
# openssl makes the self-signed certificate the TLS proxy test (tests/test_addin.py) and
# `make cert` use. postgresql: the persistence tests run on a real PostgreSQL server that the suite starts
# (bench/postgres.py). nginx runs the shipped proxy configuration (deploy/nginx.conf) in
# tests/test_proxy.py. Debian's packages would start a system nginx on port 80 (and a
# PostgreSQL cluster) as they install: a policy-rc.d that says no (as container images have) is
# put in place for the install when there is none.
# default-jre-headless: openapi-generator-cli (the test extra) is a Java program; the suite
# generates the python and typescript-fetch clients with it (tests/test_generated_client_*.py).
SYSTEM_APT := chromium libreoffice-calc-nogui python3-uno wrk libpango-1.0-0 \
	libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils nginx postgresql \
	openssl default-jre-headless
system-deps: addin/node_modules/.installed tests/clients/typescript/node_modules/.installed
	@missing=$$(for p in $(SYSTEM_APT); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing $$missing"; \
	  policy=/usr/sbin/policy-rc.d; made=; \
	  if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' > $$policy \
	    && chmod +x $$policy && made=1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $$missing; status=$$?; \
	  if [ -n "$$made" ]; then rm -f $$policy; fi; exit $$status; \
	else echo "not root or no apt-get: $$missing missing, their tests will skip"; fi

addin/node_modules/.installed: addin/package.json addin/package-lock.json
	@if command -v npm >/dev/null; then cd addin && npm ci --no-audit --no-fund --loglevel=error \
	  && touch node_modules/.installed; else echo "npm missing: the add-in tests will skip"; fi

# The TypeScript compiler (pinned in its own lock file) that compiles the generated
# typescript-fetch client with tests/clients/typescript/main.ts.
tests/clients/typescript/node_modules/.installed: tests/clients/typescript/package.json \
		tests/clients/typescript/package-lock.json
	@if command -v npm >/dev/null; then cd tests/clients/typescript \
	  && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm missing: the TypeScript client test will skip"; fi

# wrk (Debian) drives the HTTP benchmark; the tests run it in a short mode, so `make test` needs it.
bench-tools:
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# Full benchmark (a few minutes; figures are ratios within one run, printed with met/MISSED):
# one appraisal over HTTP against the code before the simplification (a git worktree of
# bench.service.BASELINE), the portal floors (a 1,000-proposal batch vs single calls, Monte Carlo
# vs its draws), finance kernels vs numpy-financial, the costliest valid proposals, and the cost
# of an HTML and a PDF report against the JSON appraisal of the same proposal.
bench: install bench-tools
	$(BIN)/python -m bench.service
	$(BIN)/python -m bench.store
	$(BIN)/python bench/portal.py
	$(BIN)/python -m bench.kernels
	$(BIN)/python -m bench.worst_case
	$(BIN)/python -m bench.report

# 60 s of mixed valid/invalid load at concurrency 16 on 127.0.0.1, one worker killed mid-run:
# straight to gunicorn, then through the shipped nginx (deploy/nginx.conf; make system-deps
# installs it).
soak: install system-deps
	$(BIN)/python -m bench.soak --duration 60 --concurrency 16
	$(BIN)/python -m bench.soak --duration 60 --concurrency 16 --through-proxy

# 16 clients saving and reading saved appraisals for the issue's full 30 s against gunicorn (2
# workers), on SQLite and PostgreSQL (make test runs the same test for 8 s).
soak-store: install system-deps
	SVCALC_STORE_LOAD_SECONDS=30 $(BIN)/python -m pytest -p no:cacheprovider -s tests/test_store_load.py
# Portal benchmarks alone (issue 7): batch vs single calls, Monte Carlo vs its random draws.
.PHONY: bench-portal
bench-portal: install bench-tools
	$(BIN)/python bench/portal.py

# A self-signed certificate for trying svcalc over HTTPS on this machine (README "HTTPS"):
# deploy/certs/tls.crt and tls.key for localhost and 127.0.0.1, 30 days, made only when missing.
# The key is left readable (0644) for the proxy image's user; it is a throw-away local key.
.PHONY: cert
cert: deploy/certs/tls.crt
deploy/certs/tls.crt:
	mkdir -p deploy/certs
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
	  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	  -keyout deploy/certs/tls.key -out deploy/certs/tls.crt
	chmod 644 deploy/certs/tls.key
