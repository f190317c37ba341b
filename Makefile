# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# bench/README.md explains the server and these options: uncompressed frames
# (compressing each fragment once per socket costs more than it saves on a
# site's Wi-Fi), no lifespan protocol (Channels has none).
UVICORN_OPTIONS := --ws-per-message-deflate false --lifespan off

.PHONY: run test test-scaleout bench bench-district bench-smoke bench-full bench-profile lint format messages clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-dev requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

## Set up (virtualenv, install, migrate, demo site) and serve on http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(VENV)/bin/uvicorn site_ops.asgi:application --host $(HOST) --port $(PORT) $(UVICORN_OPTIONS)

# The behaviour the speed-ups must not change, run again with every one of
# them switched off (site_ops/speedups/README.md): the plain versions are the oracle.
PLAIN_TESTS := tests/test_live.py tests/test_consumers.py tests/test_group_sockets.py tests/test_queries.py \
	tests/test_views.py tests/test_transfers.py

# Tests run in this many processes (pytest-xdist), each with a database and
# channel names of its own; TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= 2

## Run the whole test suite (browser tests skip, saying why, where Chromium is missing)
test: $(VENV)/.installed-dev
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)
	SPEEDUPS=0 $(PY) -m pytest -q -n $(TEST_WORKERS) $(PLAIN_TESTS)

## Two server processes sharing PostgreSQL and Redis (needs both; CI runs it in `make test` on PostgreSQL)
test-scaleout: $(VENV)/.installed-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/site_ops} $(PY) -m pytest -m scaleout $(PYTEST_ARGS)

## The fan-out benchmark against the machine's floors and a peer, the storm, idle sockets, a site's day (about 3 minutes on 2 cores): bench/results/latest.json
bench: $(VENV)/.installed-bench
	$(PY) -m bench.run $(BENCH_ARGS)

## Every benchmark step once at tiny sizes, to check the code works (its figures mean nothing)
## The district overview for 20 sites x 500 rooms, and a 100,000-row export's memory (about 1.5 minutes)
bench-district: $(VENV)/.installed-bench
	$(PY) -m bench.district bench/results/district.json

bench-smoke: $(VENV)/.installed-bench
	$(PY) -m bench.run --smoke --out bench/results/smoke.json

## Every step for every server and channel layer (about 6 minutes)
bench-full: $(VENV)/.installed-bench
	$(PY) -m bench.run --full $(BENCH_ARGS)

## The benchmark with py-spy sampling the server during the largest fan-out (bench/results/profile-*.txt)
bench-profile: $(VENV)/.installed-bench
	$(PY) -m bench.run --profile --servers uvicorn --layers memory --no-scaleout --out bench/results/profile.json

## ruff, and the architecture: imports run groups -> rooms -> site_ops (contracts in pyproject.toml)
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Re-extract the translatable strings into locale/zh_Hans
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-* test_db.sqlite3*
