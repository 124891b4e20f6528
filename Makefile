# Collateral Registry — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench bench-quick bench-scan chaos soak messages clean backup restore audit fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml changes; running it twice does nothing the second time.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	bin/run-dev

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	bin/check-compose docker-compose.yml

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# PostgreSQL only: make backup [BACKUP=file]; make restore BACKUP=file [RESTORE_DATABASE_URL=url]
backup: install
	bin/backup $(BACKUP)

restore: install
	bin/restore $(BACKUP)

# Known vulnerabilities in the pinned dependencies (docs/reliability.md lists accepted ones).
audit: install
	bin/audit

# schemathesis over HTTP against /api/v1/schema/ as BANKA and BANKB (docs/reliability.md);
# budget FUZZ_EXAMPLES per operation (200) and FUZZ_MAX_TIME s per run (240); FUZZ_SEED replays.
fuzz: install
	$(BIN)/python fuzz/run.py

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Over HTTP (gunicorn, a Celery worker, wrk) on DATABASE_URL's server, beside ../shared/ceiling/run.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)

bench-scan: install
	$(BIN)/python bench/scan.py

# Faults under load (Redis stopped, a worker SIGKILLed, PostgreSQL restarted) on a private
# Redis and PostgreSQL it starts itself (ports 56379, 55433); about four minutes.
chaos: install
	$(BIN)/python bench/chaos.py

# Steady mixed load with worker and beat, sampling RSS and connections: make soak [SOAK_SECONDS=600]
soak: install
	SOAK_SECONDS=$(or $(SOAK_SECONDS),600) $(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
