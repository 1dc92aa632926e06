# FairProg: `make run` starts everything, `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Checks that load Django settings need a key; it is never used to sign anything real.
CHECK_ENV := SECRET_KEY=$${SECRET_KEY:-insecure-key-for-checks-only}

.PHONY: run test lint typecheck architecture module-size migrations-check pytest venv dev-venv seed clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt tests/browser/package-lock.json | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/browser && npm ci --no-audit --no-fund --silent; \
	else \
		echo "npm not found: the browser accessibility checks (axe-core) will be skipped."; \
	fi
	touch $@ $(VENV)/.runtime-installed

venv: $(VENV)/.runtime-installed
dev-venv: $(VENV)/.dev-installed

run: export DEBUG ?= true
# Absolute links (e-mail, /data/, the link checker's User-Agent) follow HOST and PORT.
run: export HOST := $(HOST)
run: export PORT := $(PORT)
# A demo machine without network then records its link checks as "not checked: no network".
run: export LINKCHECK_REFERENCE_URL ?= https://doi.org/
run: venv
	@$(PY) -c 'import socket as k, sys; s = k.socket(); s.setsockopt(k.SOL_SOCKET, k.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))' \
		$(HOST) $(PORT) 2>/dev/null || { \
		echo "Port $(PORT) on $(HOST) is already in use (another FairProg, or another server)."; \
		echo "Stop it, or choose another port: PORT=8001 make run"; exit 1; } >&2
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --with-login
	$(PY) manage.py export_open_data >/dev/null  # the files /data/ offers
	@echo ""
	@echo "FairProg is starting on http://$(HOST):$(PORT)/  (staff admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Researcher: ask for a sign-in link at http://$(HOST):$(PORT)/account/ with pi@demo.fairprog.example;"
	@echo "  the e-mail is printed by the web process (EMAIL_URL defaults to consolemail://)."
	@echo "Ctrl-C stops the web server, the worker and beat."
	@echo ""
	PATH=$(abspath $(BIN)):$$PATH WEB_ADDR=$(HOST):$(PORT) $(BIN)/honcho start -f Procfile 2>&1

seed: venv
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo --with-login

lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: dev-venv
	$(CHECK_ENV) $(BIN)/mypy .

# The layers in pyproject.toml ([tool.importlinter]): apps one way, kernel, domain vs edge.
architecture: dev-venv
	$(BIN)/lint-imports

# No module over 500 lines (migrations and tests aside): one that long does more than one job.
MAX_MODULE_LINES := 500
module-size:
	@over=$$(find fairprog proposals artifacts bench manage.py -name '*.py' -not -path '*/migrations/*' \
		-exec wc -l {} + | awk '$$2 != "total" && $$1 > $(MAX_MODULE_LINES)'); \
	if [ -n "$$over" ]; then \
		echo "Modules over $(MAX_MODULE_LINES) lines; split each by concept:"; echo "$$over"; exit 1; \
	fi; echo "No module over $(MAX_MODULE_LINES) lines."

migrations-check: dev-venv
	$(CHECK_ENV) $(PY) manage.py makemigrations --check --dry-run

pytest: dev-venv
	$(BIN)/pytest

test: lint typecheck architecture module-size migrations-check pytest

clean:
	rm -rf var/celery var/static var/test-db.sqlite3 var/screenshots
