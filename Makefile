# Two entry points: `make run` (the bot; the sandbox when no token is set) and
# `make test` (the whole suite). Both create the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test crash lint install clean

run: $(VENV)/.installed
	$(BIN)/frizon run

test: $(VENV)/.installed
	$(BIN)/pytest

# The long crash storms, figures printed (docs/reliability.md); `make test` runs short
# ones. One process: 50 SIGKILLs on each database (PostgreSQL when
# FRIZON_TEST_POSTGRES_URL is set). Three webhook instances behind nginx on a PostgreSQL
# server of the test's own (initdb; restarted once mid-storm): 50 students, 50 SIGKILLs.
crash: $(VENV)/.installed
	FRIZON_STORM_KILLS=$${FRIZON_STORM_KILLS:-50} $(BIN)/pytest -s -q tests/e2e/test_crash_storm.py
	FRIZON_INSTANCE_STORM_KILLS=$${FRIZON_INSTANCE_STORM_KILLS:-50} \
	FRIZON_INSTANCE_STORM_WRITERS=$${FRIZON_INSTANCE_STORM_WRITERS:-50} \
	FRIZON_INSTANCE_STORM_LISTENERS=$${FRIZON_INSTANCE_STORM_LISTENERS:-20} \
	FRIZON_INSTANCE_STORM_MENTORS=$${FRIZON_INSTANCE_STORM_MENTORS:-10} \
	FRIZON_INSTANCE_STORM_PROMPT_SENDS=$${FRIZON_INSTANCE_STORM_PROMPT_SENDS:-3} \
	FRIZON_INSTANCE_STORM_RESTART_POSTGRES=1 \
		$(BIN)/pytest -s -q tests/e2e/test_instance_storm.py -k postgresql_restart
	FRIZON_INSTANCE_STORM_RESTART_POSTGRES=1 $(BIN)/pytest -q tests/e2e/test_key_rotation.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "frizon needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	@echo "Installing frizon into $(VENV) (first run, about a minute)..."
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV); on Debian or Ubuntu: apt install python3-venv"; exit 1; }
	@# pip's and the build backend's chatter goes to a log, shown only when something fails.
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } \
		> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; echo "Installing failed; the log is $(VENV)/install.log"; exit 1; }
	@echo "Installed; the log is $(VENV)/install.log."
	@touch $@

clean:
	rm -rf $(VENV) build *.egg-info
