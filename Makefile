# Two commands do all set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: serve test test-fast lint install bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Serving needs the package alone; the suite adds the test extra, the benchmark the bench extra.
$(VENV)/.serve-stamp: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@
$(VENV)/.test-stamp: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.serve-stamp
$(VENV)/.bench-stamp: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.test-stamp $(VENV)/.serve-stamp

install: $(VENV)/.test-stamp

# The server on the embedded default store (a SQLite file under ./data), at 127.0.0.1:8000.
serve: $(VENV)/.serve-stamp
	$(VENV)/bin/responses-mock serve

# The npm clients of the suite: openai, the AI SDK, the Agents SDK and Codex CLI (its native binary
# comes in its platform package); the tests skip them, with a message, where Node is absent.
NODE_STAMP := tests/node/node_modules/.installed-stamp
$(NODE_STAMP): tests/node/package-lock.json
	@if command -v npm >/dev/null; then cd tests/node && npm ci --no-audit --no-fund --silent && touch node_modules/.installed-stamp; \
	else echo "npm not found: the npm client tests (openai, AI SDK, Agents SDK, Codex CLI) will be skipped"; fi

# ruff over the whole tree (pyproject.toml [tool.ruff]); `make test` runs it first.
lint: $(VENV)/.test-stamp
	$(VENV)/bin/ruff check .

# The whole suite, on SQLite and on the machine's Postgres (started if it is down), with the
# inspector's browser tests in Debian's Chromium (installed if it is missing). Without a Postgres
# (scripts/ensure-postgres exits 2, and says so) the SQLite half runs alone; under CI=true it fails.
test: lint $(VENV)/.test-stamp $(NODE_STAMP)
	scripts/ensure-chromium
	@status=0; scripts/ensure-postgres || status=$$?; \
	if [ $$status -eq 2 ]; then set -x; $(PY) -m pytest -q -m "not postgres" $(PYTEST_ARGS); \
	elif [ $$status -eq 0 ]; then set -x; $(PY) -m pytest -q $(PYTEST_ARGS); \
	else exit $$status; fi

# Unit and end-to-end tests on SQLite without the slow, browser and Postgres ones (markers in
# pyproject.toml): a minute or so, nothing to start or install beyond the venv.
test-fast: $(VENV)/.test-stamp
	$(PY) -m pytest -q -m "not slow and not browser and not postgres" $(PYTEST_ARGS)

# The benchmark (bench/run.py); see bench/RESULTS.md. Its peers: llmock (the bench extra) and
# aimock (npm, bench/node); wrk from Debian (installed if missing). A peer that cannot be
# installed here is skipped with a note.
BENCH_NODE_STAMP := bench/node/node_modules/.installed-stamp
$(BENCH_NODE_STAMP): bench/node/package-lock.json
	@if command -v npm >/dev/null; then cd bench/node && npm ci --no-audit --no-fund --silent && touch node_modules/.installed-stamp; \
	else echo "npm not found: the benchmark skips aimock"; fi

bench: $(VENV)/.bench-stamp $(BENCH_NODE_STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 || echo "wrk not installed: bench/loadgen.py measures instead"
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache tests/node/node_modules build dist
