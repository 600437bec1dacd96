# The README's two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install install-dev lint types lock messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "district needs Python 3.11 or newer, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"

# Installed when pyproject.toml or constraints.txt change (stamp files).
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	DISTRICT_DEBUG=true $(BIN)/district i18n compile >/dev/null
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: install, load the Changning demo data into SQLite, serve http://127.0.0.1:8000/
demo: $(VENV)/.installed
	DISTRICT_DEBUG=$${DISTRICT_DEBUG:-true} $(BIN)/district demo
	DISTRICT_DEBUG=$${DISTRICT_DEBUG:-true} $(BIN)/district serve --host 127.0.0.1 --port $${PORT:-8000}

## make test: lint, types, import contracts and the whole suite on SQLite (and PostgreSQL
## when DISTRICT_TEST_POSTGRES_URL names a server)
test: $(VENV)/.installed-dev
	./scripts/check

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

types: $(VENV)/.installed-dev
	$(BIN)/mypy

## make lock: re-pin constraints.txt from the ranges in pyproject.toml
lock: $(BIN)/python
	$(BIN)/python -m pip install -q "uv>=0.4"
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 --universal -q -o constraints.txt

## make messages: extract translatable strings into every app's locale/zh_Hans (needs gettext)
messages: $(VENV)/.installed-dev
	for app in src/district/*/; do \
	  [ -d $$app/locale ] && (cd $$app && DISTRICT_DEBUG=true ../../../$(BIN)/django-admin makemessages \
	    -l zh_Hans --settings=district.settings --no-location -i 'tests/*'); \
	done; true

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
