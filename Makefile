# Tessera: `make run` starts the platform on its embedded defaults; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# npm writes node_modules/.package-lock.json on every install; our own stamp marks a
# finished `npm ci` of the current lock file.
NODE_STAMP := node_modules/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tessera
export PYTHONDONTWRITEBYTECODE=1

.PHONY: run test lint bench venv node services docker format migrate worker clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); scripts/ensure-python.sh && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check uv==0.13.9 || $(PY) -m pip install -q uv
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements.lock
	@touch $(STAMP)

venv: $(STAMP)

# The viewer's JavaScript (Niivue), served by Django's static files straight from
# node_modules (STATICFILES_DIRS); nothing is fetched from a CDN at page load.
$(NODE_STAMP): package.json package-lock.json
	@scripts/ensure-node.sh
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

node: $(NODE_STAMP)

docker:
	@scripts/ensure-docker.sh

services:
	@scripts/ensure-services.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Lint first, then the suite; "no tests collected" (pytest's exit code 5) is a failure
# with its own message, never a silent pass. A failed test runs once more (real Docker,
# Celery and Chromium on a loaded 2-core machine time out now and then); it fails the run
# only when it fails twice, and every rerun is listed in the summary (R lines).
test: venv node services docker lint
	node --test tests/viewer/ tests/uploads/ tests/reader_studies/
	@rc=0; $(VENV)/bin/pytest -n 3 --durations=25 --reruns 1 --reruns-delay 2 -r fER $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (PYTEST_ARGS='$(PYTEST_ARGS)')" >&2; fi; \
	exit $$rc

migrate: venv
	$(PY) -m app.startup
	$(PY) manage.py migrate --no-input

run: venv node docker
	$(PY) -m app.run

# A worker serves every queue in settings' CELERY_TASK_QUEUES, or those named in QUEUES.
worker: venv
	$(PY) -m app.startup
	$(VENV)/bin/celery -A app worker -l info $${QUEUES:+-Q $$QUEUES}

# panimg pins its own SimpleITK/pydicom ranges: it gets its own venv, our lock stays as is.
BENCH_VENV := var/bench-venv
bench: venv node services docker
	$(PY) -m app.startup
	TESSERA_VAR_DIR=var/test $(PY) -m app.startup
	@test -x $(BENCH_VENV)/bin/python || $(VENV)/bin/uv venv -q --python $(PY) $(BENCH_VENV)
	$(VENV)/bin/uv pip install -q --python $(BENCH_VENV)/bin/python -r benchmarks/requirements.txt
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m benchmarks

clean:
	rm -rf $(VENV) var node_modules
